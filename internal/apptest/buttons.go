package apptest

import (
	"regexp"
	"strings"

	"deputybot/internal/telegramtest"
)

// namedButton finds a button a message tells the person to press: 按“跳过”,
// press “Skip”.
var namedButton = regexp.MustCompile(`(?:按|点击|点|选择|[Pp]ress|[Tt]ap|[Cc]hoose)\s*[“"]([^”"]{1,16})[”"]`)

// ButtonsNamedButMissing checks every message the bot sent in the test:
// a button it names must be on it as sent, or — for an answer without
// buttons (a refusal followed by the question again) — on the next
// message to that chat. It returns what does not hold.
func ButtonsNamedButMissing(tg *telegramtest.Server) []string {
	var out []string
	for _, chat := range tg.ChatIDs() {
		msgs := tg.Messages(chat)
		for i, m := range msgs {
			kb := m.SentKeyboard
			if len(kb) == 0 && i+1 < len(msgs) {
				kb = msgs[i+1].SentKeyboard
			}
			for _, at := range namedButton.FindAllStringSubmatchIndex(m.Text, -1) {
				name, after := m.Text[at[2]:at[3]], m.Text[at[1]:]
				if strings.HasPrefix(after, "办结") || strings.HasPrefix(after, "处理") || strings.HasPrefix(after, "计") {
					continue // 按“未评价”办结: "as", not "press"
				}
				if !hasButton(kb, name) {
					out = append(out, "“"+name+"” named but not shown: "+m.Text)
				}
			}
		}
	}
	return out
}

func hasButton(kb [][]telegramtest.Button, label string) bool {
	for _, row := range kb {
		for _, b := range row {
			if strings.Contains(strings.ToLower(b.Text), strings.ToLower(label)) {
				return true
			}
		}
	}
	return false
}
