package deputybot

import "testing"

func TestBidiControlsAreStripped(t *testing.T) {
	for in, want := range map[string]string{
		"\u202Egpj.exe":          "gpj.exe",
		"区\u2066住建\u2069局":       "区住建局",
		"plain 中文 text":          "plain 中文 text",
		"\u200Fa\u200Eb\u061Cc ": "abc ",
	} {
		if got := StripBidi(in); got != want {
			t.Errorf("StripBidi(%q) = %q, want %q", in, got, want)
		}
	}
	if got := CleanName(" Bob \u202E Smith "); got != "Bob Smith" {
		t.Errorf("CleanName: %q", got)
	}
	if got := (TelegramUser{FirstName: "\u202Eevil"}).DisplayName(); got != "evil" {
		t.Errorf("DisplayName: %q", got)
	}
	in := DraftInput{Kind: KindSuggestion, Title: " \u202Etitle", Body: "body\u202E", Category: "other"}
	r := DefaultRules(nil)
	if err := in.Validate(&r); err != nil || in.Title != "title" || in.Body != "body" {
		t.Errorf("draft cleaned to %q %q (%v)", in.Title, in.Body, err)
	}
	if got := Echo(string(make([]rune, 100))); len([]rune(got)) != MaxEcho+1 {
		t.Errorf("Echo of 100 characters: %d", len([]rune(got)))
	}
}

// TestSpreadsheetCell: what a spreadsheet would run is written as text;
// phone numbers and plain words stay as typed.
func TestSpreadsheetCell(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://evil","x")`: `'=HYPERLINK("http://evil","x")`,
		"@SUM(A1)":                      "'@SUM(A1)",
		"-2+3+cmd|' /C calc'!A0":        "'-2+3+cmd|' /C calc'!A0",
		"+1+SUM(A1)":                    "'+1+SUM(A1)",
		"\tx":                           "'\tx",
		"+86 138 0000 0001":             "+86 138 0000 0001",
		"张三":                            "张三",
		"":                              "",
	} {
		if got := SpreadsheetCell(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
