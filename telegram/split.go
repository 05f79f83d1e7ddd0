package telegram

import (
	"html"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxMessageLen is Telegram's limit on a message's visible text, and
// MaxCaptionLen on a document's caption.
const (
	MaxMessageLen = 4096
	MaxCaptionLen = 1024
)

// VisibleLen counts what Telegram counts against its limits: the text
// with our tags removed and entities decoded, in UTF-16 code units (an
// emoji outside the Basic Multilingual Plane counts twice).
func VisibleLen(s string) int { return utf16Len(PlainText(s)) }

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// PlainText is an HTML message as the reader sees it: tags removed,
// entities decoded (for the places Telegram shows text without
// formatting: button-press notices, files).
func PlainText(s string) string { return html.UnescapeString(plainTags(s)) }

// plainTags removes tags, keeping entities.
func plainTags(s string) string {
	var out strings.Builder
	in := false
	for _, c := range s {
		switch {
		case c == '<':
			in = true
		case c == '>' && in:
			in = false
		case !in:
			out.WriteRune(c)
		}
	}
	return out.String()
}

// Split cuts an HTML message into parts Telegram accepts, at line
// boundaries. Our markup never spans lines, so every part is well-formed.
// A single line longer than the limit (only user text can be) is cut at a
// space, or failing that between characters, never inside an entity or a
// tag.
func Split(text string, limit int) []string {
	if VisibleLen(text) <= limit {
		return []string{text}
	}
	var parts []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, strings.TrimRight(cur.String(), "\n"))
			cur.Reset()
			curLen = 0
		}
	}
	for _, line := range strings.Split(text, "\n") {
		for _, piece := range cutLine(line, limit) {
			n := VisibleLen(piece) + 1 // and its newline
			if curLen+n > limit+1 {
				flush()
			}
			cur.WriteString(piece)
			cur.WriteString("\n")
			curLen += n
		}
	}
	flush()
	return parts
}

// Truncate shortens an HTML text to at most limit visible characters,
// ending it with "…", for the places one message must hold it (an edit,
// a caption). Markup that the cut leaves open is dropped: the text
// becomes plain.
func Truncate(text string, limit int) string {
	if VisibleLen(text) <= limit {
		return text
	}
	s := []rune(PlainText(text))
	for utf16Len(string(s))+1 > limit {
		s = s[:len(s)-1]
	}
	return html.EscapeString(string(s)) + "…"
}

// cutLine cuts one line into pieces of at most limit visible characters.
func cutLine(line string, limit int) []string {
	if VisibleLen(line) <= limit {
		return []string{line}
	}
	var pieces []string
	for VisibleLen(line) > limit {
		cut, n, lastSpace := 0, 0, -1
		for i := 0; i < len(line) && n < limit; {
			if line[i] == '&' {
				if j := strings.IndexByte(line[i:], ';'); j > 0 {
					i += j + 1
					n++
					cut = i
					continue
				}
			}
			if line[i] == '<' {
				if j := strings.IndexByte(line[i:], '>'); j > 0 {
					i += j + 1
					cut = i
					continue
				}
			}
			r, size := utf8.DecodeRuneInString(line[i:])
			if line[i] == ' ' {
				lastSpace = i
			}
			if n+utf16.RuneLen(r) > limit {
				break
			}
			i += size
			n += utf16.RuneLen(r)
			cut = i
		}
		if lastSpace > 0 && lastSpace > cut/2 {
			cut = lastSpace + 1
		}
		pieces = append(pieces, line[:cut])
		line = line[cut:]
	}
	return append(pieces, line)
}
