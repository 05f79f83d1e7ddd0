package deputybot

import "testing"

func TestBidiControlsAreStripped(t *testing.T) {
	// A name is cleaned of all that shows nothing (zero-width, format
	// and control characters; a line separator is a space), a text of
	// the bidirectional controls.
	for _, c := range []struct {
		clean    func(string) string
		in, want string
	}{
		{StripBidi, "\u202Egpj.exe", "gpj.exe"},
		{StripBidi, "区\u2066住建\u2069局", "区住建局"},
		{StripBidi, "plain 中文 text", "plain 中文 text"},
		{StripBidi, "\u200Fa\u200Eb\u061Cc ", "abc "},
		{CleanName, " Bob \u202E Smith ", "Bob Smith"},
		{CleanName, "  张\u200b三 ", "张三"},
		{CleanName, "\u200b\u200d\ufeff", ""},
		{CleanName, "Li\u2028Si", "Li Si"},
		{CleanName, "买买提·艾力", "买买提·艾力"},
		{CleanName, "\u202eMary-Ann O'Brien", "Mary-Ann O'Brien"},
	} {
		if got := c.clean(c.in); got != c.want {
			t.Errorf("%q cleaned to %q, want %q", c.in, got, c.want)
		}
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
