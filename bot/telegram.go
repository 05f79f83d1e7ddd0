package bot

import (
	"bytes"
	"context"
	"errors"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"deputybot"
)

// keyboard is an inline keyboard: rows of buttons.
type keyboard [][]models.InlineKeyboardButton

func (k keyboard) markup() models.ReplyMarkup {
	if k == nil {
		return nil
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: k}
}

func button(text, data string) models.InlineKeyboardButton {
	return models.InlineKeyboardButton{Text: text, CallbackData: data}
}

type keyboardButton = models.InlineKeyboardButton

var noPreview = &models.LinkPreviewOptions{IsDisabled: tgbot.True()}

// retry runs a Bot API call again when Telegram asks to wait (429, after
// retry_after) or fails transiently (network, 5xx), a few times. Refusals
// that will not change (403 blocked, 400 bad request) return at once.
// This is for direct answers to a user; notifications go through the
// outbox, which retries durably.
func retry(ctx context.Context, call func() error) error {
	wait := 500 * time.Millisecond
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if err = call(); err == nil {
			return nil
		}
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case errors.As(err, &tooMany):
			wait = time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		case errors.Is(err, tgbot.ErrorForbidden), errors.Is(err, tgbot.ErrorBadRequest),
			errors.Is(err, tgbot.ErrorUnauthorized), errors.Is(err, tgbot.ErrorNotFound),
			errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return err
		}
		if wait > 30*time.Second {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
		wait *= 2
	}
	return err
}

// send sends an HTML message to a chat.
func (b *Bot) send(ctx context.Context, chatID int64, text string, kb keyboard) (*models.Message, error) {
	var m *models.Message
	err := retry(ctx, func() (err error) {
		m, err = b.api.SendMessage(ctx, &tgbot.SendMessageParams{
			ChatID: chatID, Text: text, ParseMode: models.ParseModeHTML,
			LinkPreviewOptions: noPreview, ReplyMarkup: kb.markup(),
		})
		return err
	})
	if err != nil {
		b.log.Warn("send failed", "chat", chatID, "err", redactToken(err, b.opts.Token))
	}
	return m, err
}

// edit replaces a message's text and keyboard.
func (b *Bot) edit(ctx context.Context, chatID int64, messageID int, text string, kb keyboard) error {
	err := retry(ctx, func() error {
		_, err := b.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{
			ChatID: chatID, MessageID: messageID, Text: text, ParseMode: models.ParseModeHTML,
			LinkPreviewOptions: noPreview, ReplyMarkup: kb.markup(),
		})
		return err
	})
	if err != nil {
		b.log.Debug("edit failed", "chat", chatID, "err", redactToken(err, b.opts.Token))
	}
	return err
}

// dropKeyboard removes the buttons of a message whose question has been
// answered, so they cannot be pressed again.
func (b *Bot) dropKeyboard(ctx context.Context, chatID int64, messageID int) {
	_ = retry(ctx, func() error {
		_, err := b.api.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{
			ChatID: chatID, MessageID: messageID, ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}},
		})
		return err
	})
}

// answerQuery stops a button's spinner, optionally with a short notice.
func (b *Bot) answerQuery(ctx context.Context, id, text string, alert bool) {
	_ = retry(ctx, func() error {
		_, err := b.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text, ShowAlert: alert})
		return err
	})
}

// sendFile sends a document.
func (b *Bot) sendFile(ctx context.Context, chatID int64, name string, data []byte, caption string) error {
	return retry(ctx, func() error {
		_, err := b.api.SendDocument(ctx, &tgbot.SendDocumentParams{
			ChatID:    chatID,
			Document:  &models.InputFileUpload{Filename: name, Data: bytes.NewReader(data)},
			Caption:   caption,
			ParseMode: models.ParseModeHTML,
		})
		return err
	})
}

// sendFileID sends a file Telegram already has (by its file id).
func (b *Bot) sendFileID(ctx context.Context, chatID int64, a deputybot.Attachment) error {
	return retry(ctx, func() error {
		var err error
		if a.Kind == "photo" {
			_, err = b.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chatID, Photo: &models.InputFileString{Data: a.FileID}})
		} else {
			_, err = b.api.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chatID, Document: &models.InputFileString{Data: a.FileID}})
		}
		return err
	})
}
