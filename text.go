package deputybot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxEcho bounds how much of what a person typed a message repeats back
// ("“…” is not an item number").
const MaxEcho = 64

// Echo is input repeated back to the person who typed it: at most
// MaxEcho characters (then "…"), so that an answer never grows with junk
// and always fits in one message.
func Echo(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= MaxEcho {
		return s
	}
	return string([]rune(s)[:MaxEcho]) + "…"
}

// isBidiControl reports whether r changes the direction of the text
// around it without being seen: the embeddings and overrides
// (U+202A–U+202E), the isolates (U+2066–U+2069), the marks (U+200E,
// U+200F, U+061C).
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// StripBidi removes bidirectional control characters: in a title or a
// name ("‮txt.exe") they make a list show something other than what it
// holds. Chinese and English text never needs them.
func StripBidi(s string) string {
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

// StripInvisible removes what a name shows nothing of: control and
// format characters (bidirectional controls, zero-width spaces and
// joiners, the byte-order mark, soft hyphens), private-use and
// unassigned ones. Line and paragraph separators are spaces (and
// strings.Fields splits on them).
func StripInvisible(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z) {
			return -1
		}
		return r
	}, s)
}

// CleanText is what is kept of a text a person typed: without
// bidirectional controls, trimmed.
func CleanText(s string) string { return strings.TrimSpace(StripBidi(s)) }

// SpreadsheetCell neutralises a value written to a CSV file that a
// spreadsheet opens: one beginning with = + - @, a tab or a carriage
// return would be read as a formula ("=HYPERLINK(…)" as a name), so it
// gets a leading apostrophe, the OWASP way, and stays text.
func SpreadsheetCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	// A phone number ("+86 138 0000 0001") calls nothing: left as typed.
	if strings.Trim(s, "0123456789 +-()") == "" && ValidatePhone(s) == nil {
		return s
	}
	return "'" + s
}
