package deputybot

import (
	"strings"
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
