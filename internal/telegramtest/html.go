package telegramtest

import (
	"fmt"
	"html"
	"strings"
)

// telegramTags are the tags Telegram's HTML parse mode accepts.
var telegramTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true,
	"tg-spoiler": true, "span": true, "blockquote": true, "tg-emoji": true,
}

// parseHTML checks text the way Telegram's HTML parse mode does and
// returns what the user sees: tags removed, entities decoded. Like
// Telegram, it refuses an unknown tag, an unclosed or misnested tag, and a
// '<', '>' or '&' that is not part of a tag or an entity — the marks of a
// user string that was not escaped.
func parseHTML(text string) (string, error) {
	var out strings.Builder
	var stack []string
	for i := 0; i < len(text); {
		switch c := text[i]; c {
		case '<':
			end := strings.IndexByte(text[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("can't parse entities: unclosed start tag at byte offset %d", i)
			}
			tag := text[i+1 : i+end]
			closing := strings.HasPrefix(tag, "/")
			tag = strings.TrimPrefix(tag, "/")
			name := tag
			if sp := strings.IndexAny(tag, " \t\n"); sp >= 0 {
				name = tag[:sp]
			}
			if !telegramTags[name] {
				return "", fmt.Errorf("can't parse entities: unsupported start tag %q at byte offset %d", name, i)
			}
			if closing {
				if len(stack) == 0 || stack[len(stack)-1] != name {
					return "", fmt.Errorf("can't parse entities: unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, last(stack), name)
				}
				stack = stack[:len(stack)-1]
			} else {
				stack = append(stack, name)
			}
			i += end + 1
		case '>':
			return "", fmt.Errorf("can't parse entities: character '>' is reserved and must be escaped at byte offset %d", i)
		case '&':
			semi := strings.IndexByte(text[i:], ';')
			if semi < 0 || semi > 10 {
				return "", fmt.Errorf("can't parse entities: character '&' must be escaped at byte offset %d", i)
			}
			ent := text[i : i+semi+1]
			dec := html.UnescapeString(ent)
			if dec == ent {
				return "", fmt.Errorf("can't parse entities: unsupported HTML entity %q at byte offset %d", ent, i)
			}
			out.WriteString(dec)
			i += semi + 1
		default:
			out.WriteByte(c)
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("can't parse entities: can't find end tag corresponding to start tag \"%s\"", last(stack))
	}
	return out.String(), nil
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}
