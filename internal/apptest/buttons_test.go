package apptest

import (
	"context"
	"strings"
	"testing"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"deputybot/internal/telegramtest"
)

// TestButtonsNamedButMissing: a refusal that names a button the next
// question does not show is found (the reply-file step once said 按“完成”
// under a 跳过 button); one that names a shown button, a button the edit
// later took away, and 按“未评价”办结 ("as") are not.
func TestButtonsNamedButMissing(t *testing.T) {
	s := telegramtest.New(t)
	b, err := tgbot.New(s.Token, tgbot.WithServerURL(s.URL), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	send := func(chat int64, text string, buttons ...string) int {
		p := &tgbot.SendMessageParams{ChatID: chat, Text: text}
		if len(buttons) > 0 {
			var row []models.InlineKeyboardButton
			for _, l := range buttons {
				row = append(row, models.InlineKeyboardButton{Text: l, CallbackData: "x"})
			}
			p.ReplyMarkup = &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{row}}
		}
		m, err := b.SendMessage(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	send(1, "请发送文件或照片，或按“完成”。")
	send(1, "如有正式答复文件，请发送；没有就按“跳过”。", "跳过", "✖ 取消")
	send(2, "请发送正式答复文件，或按“跳过”。")
	id := send(2, "如有正式答复文件，请发送；没有就按“跳过”。", "跳过", "✖ 取消")
	if _, err := b.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: 2, MessageID: id,
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}}}); err != nil {
		t.Fatal(err)
	}
	send(3, "30天内未评价的，此件将按“未评价”办结。")
	send(3, "Send the letter, or press “Skip”.", "Skip")
	got := ButtonsNamedButMissing(s)
	if len(got) != 1 || !strings.Contains(got[0], "“完成” named but not shown") {
		t.Fatalf("found %q", got)
	}
}
