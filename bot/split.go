package bot

import (
	"html"
	"strings"
	"unicode/utf8"
)

// maxMessageLen is Telegram's limit on a message's visible text.
const maxMessageLen = 4096

// visibleLen counts the characters Telegram counts: the text with our
// tags removed and entities decoded.
func visibleLen(s string) int { return utf8.RuneCountInString(html.UnescapeString(plainTags(s))) }

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

// splitMessage cuts an HTML message into parts Telegram accepts, at line
// boundaries. Our markup never spans lines, so every part is well-formed.
// A single line longer than the limit (only user text can be) is cut at a
// space, or failing that between characters, never inside an entity.
func splitMessage(text string, limit int) []string {
	if visibleLen(text) <= limit {
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
			n := visibleLen(piece) + 1 // and its newline
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

// cutLine cuts one line into pieces of at most limit visible characters.
func cutLine(line string, limit int) []string {
	if visibleLen(line) <= limit {
		return []string{line}
	}
	var pieces []string
	for visibleLen(line) > limit {
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
			_, size := utf8.DecodeRuneInString(line[i:])
			if line[i] == ' ' {
				lastSpace = i
			}
			i += size
			n++
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
