package bot

import (
	"html"
	"strings"
	"testing"
)

func TestSplitMessage(t *testing.T) {
	short := "<b>title</b>\nline"
	if got := splitMessage(short, 4096); len(got) != 1 || got[0] != short {
		t.Fatalf("short: %q", got)
	}
	var lines []string
	for i := 0; i < 300; i++ {
		lines = append(lines, "<b>第"+strings.Repeat("行", 10)+"</b> &lt;x&gt; word")
	}
	text := strings.Join(lines, "\n")
	parts := splitMessage(text, 1000)
	if strings.Join(parts, "\n") != text {
		t.Fatal("split lost or changed text")
	}
	for _, p := range parts {
		if visibleLen(p) > 1000 || strings.Count(p, "<b>") != strings.Count(p, "</b>") {
			t.Fatalf("bad part (%d chars)", visibleLen(p))
		}
	}
	// One very long line of escaped user text is cut between words and
	// never inside an entity.
	long := html.EscapeString(strings.Repeat("a<b & c ", 700))
	parts = splitMessage(long, 1000)
	if strings.Join(parts, "") != long+"" && strings.ReplaceAll(strings.Join(parts, "\n"), "\n", "") != long {
		t.Fatal("long line changed")
	}
	for _, p := range parts {
		if visibleLen(p) > 1000 || strings.Count(p, "&") != strings.Count(p, ";") {
			t.Fatalf("bad long part %q", p[:40])
		}
	}
}
