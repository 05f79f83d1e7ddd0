package bot

import (
	"context"
	"encoding/json"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"deputybot"
	"deputybot/telegram"
)

// keyboard is an inline keyboard: rows of buttons.
type keyboard [][]models.InlineKeyboardButton

func button(text, data string) models.InlineKeyboardButton {
	return models.InlineKeyboardButton{Text: text, CallbackData: data}
}

type keyboardButton = models.InlineKeyboardButton

func (k keyboard) json() string {
	if k == nil {
		return ""
	}
	b, _ := json.Marshal(models.InlineKeyboardMarkup{InlineKeyboard: k})
	return string(b)
}

// Every message the bot sends goes through the outbox (package telegram
// gives each an id from the update being handled and its content, paces,
// retries and records it).

// enqueue stores messages in the outbox (each stamped) for the sender.
func (b *Bot) enqueue(ctx context.Context, msgs []deputybot.OutboxMessage) (int, error) {
	for i := range msgs {
		telegram.Stamp(ctx, &msgs[i])
	}
	return b.tg.Sender().Enqueue(ctx, msgs)
}

// post puts one message (split if Telegram's limit requires) in the
// outbox, and logs what could not be stored.
func (b *Bot) post(ctx context.Context, msgs []deputybot.OutboxMessage) {
	if _, err := b.enqueue(ctx, msgs); err != nil {
		b.log.Error("message not stored", "chat", msgs[0].ChatID, "err", err)
	}
}

// send answers in a chat with an HTML message (the sender splits it if it
// is longer than Telegram allows).
func (b *Bot) send(ctx context.Context, chatID int64, text string, kb keyboard) {
	b.post(ctx, []deputybot.OutboxMessage{{ChatID: chatID, PersonID: telegram.AnswerTo(ctx, chatID), Text: text, Keyboard: kb.json(), Kind: "answer"}})
}

// edit replaces a message's text and keyboard (one message: a text too
// long for it is shortened).
func (b *Bot) edit(ctx context.Context, chatID int64, messageID int, text string, kb keyboard) error {
	b.post(ctx, []deputybot.OutboxMessage{{ChatID: chatID, PersonID: telegram.AnswerTo(ctx, chatID), Kind: "answer",
		Method: telegram.MethodEdit, MessageID: messageID, Text: telegram.Truncate(text, telegram.MaxMessageLen), Keyboard: kb.json()}})
	return nil
}

// setKeyboard replaces a message's buttons (none: removes them).
func (b *Bot) setKeyboard(ctx context.Context, chatID int64, messageID int, kb keyboard) {
	if len(kb) == 0 {
		b.dropKeyboard(ctx, chatID, messageID)
		return
	}
	b.post(ctx, []deputybot.OutboxMessage{{ChatID: chatID, PersonID: telegram.AnswerTo(ctx, chatID), Kind: "answer",
		Method: telegram.MethodMarkup, MessageID: messageID, Keyboard: kb.json()}})
}

// dropKeyboard removes the buttons of a message whose question has been
// answered, so they cannot be pressed again.
func (b *Bot) dropKeyboard(ctx context.Context, chatID int64, messageID int) {
	if messageID == 0 {
		return
	}
	b.post(ctx, []deputybot.OutboxMessage{{ChatID: chatID, PersonID: telegram.AnswerTo(ctx, chatID), Kind: "answer",
		Method: telegram.MethodMarkup, MessageID: messageID}})
}

// answerQuery stops a button's spinner, optionally with a short notice.
// It is not a message (nothing to keep once the button is forgotten): it
// is sent at once, at the limiter's pace.
func (b *Bot) answerQuery(ctx context.Context, id, text string, alert bool) {
	text = telegram.PlainText(telegram.Truncate(text, 200))
	err := b.tg.Sender().Call(ctx, func(ctx context.Context) error {
		_, err := b.tg.API().AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text, ShowAlert: alert})
		return err
	})
	if err != nil {
		b.log.Debug("answerCallbackQuery failed", "err", err)
	}
}

// sendFile sends a document made here.
func (b *Bot) sendFile(ctx context.Context, chatID int64, name string, data []byte, caption string) error {
	b.post(ctx, []deputybot.OutboxMessage{{ChatID: chatID, PersonID: telegram.AnswerTo(ctx, chatID), Kind: "answer",
		Method: telegram.MethodDocument, FileName: name, File: data, Text: telegram.Truncate(caption, telegram.MaxCaptionLen)}})
	return nil
}

// sendFileID sends a file Telegram already has (by its file id).
func (b *Bot) sendFileID(ctx context.Context, chatID int64, a deputybot.Attachment) error {
	method := telegram.MethodDocument
	if a.Kind == "photo" {
		method = telegram.MethodPhoto
	}
	b.post(ctx, []deputybot.OutboxMessage{{ChatID: chatID, PersonID: telegram.AnswerTo(ctx, chatID), Kind: "answer",
		Method: method, FileID: a.FileID}})
	return nil
}
