package telegram

import (
	"html"
	"strings"
	"testing"

	"deputybot"
)

func TestSplitMessage(t *testing.T) {
	short := "<b>title</b>\nline"
	if got := Split(short, 4096); len(got) != 1 || got[0] != short {
		t.Fatalf("short: %q", got)
	}
	var lines []string
	for i := 0; i < 300; i++ {
		lines = append(lines, "<b>第"+strings.Repeat("行", 10)+"</b> &lt;x&gt; word")
	}
	text := strings.Join(lines, "\n")
	parts := Split(text, 1000)
	if strings.Join(parts, "\n") != text {
		t.Fatal("split lost or changed text")
	}
	for _, p := range parts {
		if VisibleLen(p) > 1000 || strings.Count(p, "<b>") != strings.Count(p, "</b>") {
			t.Fatalf("bad part (%d chars)", VisibleLen(p))
		}
	}
	// One very long line of escaped user text is cut between words and
	// never inside an entity.
	long := html.EscapeString(strings.Repeat("a<b & c ", 700))
	parts = Split(long, 1000)
	if strings.Join(parts, "") != long+"" && strings.ReplaceAll(strings.Join(parts, "\n"), "\n", "") != long {
		t.Fatal("long line changed")
	}
	for _, p := range parts {
		if VisibleLen(p) > 1000 || strings.Count(p, "&") != strings.Count(p, ";") {
			t.Fatalf("bad long part %q", p[:40])
		}
	}
}

func TestLimitsCountUTF16AndTruncate(t *testing.T) {
	// An emoji outside the BMP is two units for Telegram.
	if n := VisibleLen("<b>😀</b>&amp;中"); n != 4 {
		t.Fatalf("VisibleLen = %d, want 4", n)
	}
	emoji := strings.Repeat("😀", 3000) // 6000 units in one line
	for _, p := range Split(emoji, MaxMessageLen) {
		if VisibleLen(p) > MaxMessageLen {
			t.Fatalf("part of %d units", VisibleLen(p))
		}
	}
	long := "<b>Title</b>\n" + html.EscapeString(strings.Repeat("x<y ", 2000))
	got := Truncate(long, MaxCaptionLen)
	if VisibleLen(got) > MaxCaptionLen || !strings.HasSuffix(got, "…") || strings.Contains(got, "<b>") ||
		!strings.HasPrefix(got, "Title\nx&lt;y") {
		t.Fatalf("Truncate: %d units, %.40q", VisibleLen(got), got)
	}
	if Truncate("short", 10) != "short" {
		t.Fatal("short text changed")
	}
}

func TestLongMessagesAreSplitWithKeyedParts(t *testing.T) {
	long := strings.Repeat("line of a long digest\n", 400) // 8,800 characters
	msgs := splitLong([]deputybot.OutboxMessage{
		{ID: "digest:k", Text: long, Keyboard: `{"inline_keyboard":[]}`},
		{Text: "short"},
		{ID: "e", Method: MethodEdit, Text: long},
	})
	if len(msgs) != 5 || msgs[0].ID != "digest:k:a" || msgs[2].ID != "digest:k:c" || msgs[3].Text != "short" || msgs[4].ID != "e" {
		t.Fatalf("%d messages: %q %q %q", len(msgs), msgs[0].ID, msgs[2].ID, msgs[4].ID)
	}
	if msgs[0].Keyboard != "" || msgs[2].Keyboard == "" {
		t.Fatal("the keyboard must go with the last part only")
	}
	if got := msgs[0].Text + "\n" + msgs[1].Text + "\n" + msgs[2].Text; got != strings.TrimRight(long, "\n") {
		t.Fatal("the parts do not make the text")
	}
}
