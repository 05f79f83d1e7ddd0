package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"sync"

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

// Every message the bot sends goes through the outbox: answers and
// notifications alike keep Telegram's pace, are retried, and are recorded
// as sent or refused. What a handler sends while it handles an update
// gets an id made of the update's id and the message itself, so that
// handling the update again after a crash sends nothing twice.

// handling is what the outbox needs to know of the update being handled.
type handling struct {
	update int64
	mu     sync.Mutex
	person string         // the sender, once known
	seen   map[string]int // ids given out, for identical messages
}

type handlingKey struct{}

// withHandling marks ctx as the handling of update id.
func withHandling(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, handlingKey{}, &handling{update: id, seen: map[string]int{}})
}

func handlingOf(ctx context.Context) *handling {
	h, _ := ctx.Value(handlingKey{}).(*handling)
	return h
}

// setSender records who sent the update being handled: the answers are
// his, and a refusal by Telegram marks him unreachable.
func setSender(ctx context.Context, personID string) {
	if h := handlingOf(ctx); h != nil {
		h.mu.Lock()
		h.person = personID
		h.mu.Unlock()
	}
}

// stamp gives a message the id that makes it exactly once: within the
// handling of an update, the update's id and the message's content;
// otherwise it keeps its id (a key of its own, or none).
func stamp(ctx context.Context, m *deputybot.OutboxMessage) {
	h := handlingOf(ctx)
	if h == nil || m.ID != "" {
		return
	}
	sum := sha256.New()
	for _, part := range []string{m.Method, strconv.FormatInt(m.ChatID, 10), strconv.Itoa(m.MessageID), m.Text, m.Keyboard, m.FileID, m.FileName} {
		sum.Write([]byte(part))
		sum.Write([]byte{0})
	}
	sum.Write(m.File)
	key := "u" + strconv.FormatInt(h.update, 10) + ":" + hex.EncodeToString(sum.Sum(nil)[:9])
	h.mu.Lock()
	n := h.seen[key]
	h.seen[key] = n + 1
	h.mu.Unlock()
	m.ID = key + ":" + strconv.Itoa(n)
}

// answerTo returns the person an answer in chatID goes to: the sender of
// the update being handled, if it is his chat.
func answerTo(ctx context.Context, chatID int64) string {
	if h := handlingOf(ctx); h != nil && chatID > 0 {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.person
	}
	return ""
}

// outboxMessages renders a message for the outbox: split at Telegram's
// limit, keyboard on the last part. key, if not empty, makes the message
// exactly-once (its parts get key:a, key:b, ...).
func outboxMessages(key, kind, personID string, chatID int64, text string, kb keyboard) []deputybot.OutboxMessage {
	parts := telegram.Split(text, telegram.MaxMessageLen)
	out := make([]deputybot.OutboxMessage, len(parts))
	for i, p := range parts {
		m := deputybot.OutboxMessage{ChatID: chatID, PersonID: personID, Text: p, Kind: kind}
		if key != "" {
			m.ID = key
			if len(parts) > 1 {
				m.ID = key + ":" + string(rune('a'+i))
			}
		}
		if i == len(parts)-1 {
			m.Keyboard = kb.json()
		}
		out[i] = m
	}
	return out
}

// enqueue stores messages in the outbox (each stamped) for the sender.
func (b *Bot) enqueue(ctx context.Context, msgs []deputybot.OutboxMessage) (int, error) {
	for i := range msgs {
		stamp(ctx, &msgs[i])
	}
	return b.sender.Enqueue(ctx, msgs)
}

// post puts one message (split if Telegram's limit requires) in the
// outbox, and logs what could not be stored.
func (b *Bot) post(ctx context.Context, msgs []deputybot.OutboxMessage) {
	if _, err := b.enqueue(ctx, msgs); err != nil {
		b.log.Error("message not stored", "chat", msgs[0].ChatID, "err", err)
	}
}

// send answers in a chat with an HTML message (split if it is longer
// than Telegram allows).
func (b *Bot) send(ctx context.Context, chatID int64, text string, kb keyboard) {
	b.post(ctx, outboxMessages("", "answer", answerTo(ctx, chatID), chatID, text, kb))
}

// edit replaces a message's text and keyboard (one message: a text too
// long for it is shortened).
func (b *Bot) edit(ctx context.Context, chatID int64, messageID int, text string, kb keyboard) error {
	b.post(ctx, []deputybot.OutboxMessage{{ChatID: chatID, PersonID: answerTo(ctx, chatID), Kind: "answer",
		Method: telegram.MethodEdit, MessageID: messageID, Text: telegram.Truncate(text, telegram.MaxMessageLen), Keyboard: kb.json()}})
	return nil
}

// dropKeyboard removes the buttons of a message whose question has been
// answered, so they cannot be pressed again.
func (b *Bot) dropKeyboard(ctx context.Context, chatID int64, messageID int) {
	if messageID == 0 {
		return
	}
	b.post(ctx, []deputybot.OutboxMessage{{ChatID: chatID, PersonID: answerTo(ctx, chatID), Kind: "answer",
		Method: telegram.MethodMarkup, MessageID: messageID}})
}

// answerQuery stops a button's spinner, optionally with a short notice.
// It is not a message (nothing to keep once the button is forgotten): it
// is sent at once, at the limiter's pace.
func (b *Bot) answerQuery(ctx context.Context, id, text string, alert bool) {
	text = telegram.PlainText(telegram.Truncate(text, 200))
	err := b.sender.Call(ctx, func(ctx context.Context) error {
		_, err := b.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text, ShowAlert: alert})
		return err
	})
	if err != nil {
		b.log.Debug("answerCallbackQuery failed", "err", err)
	}
}

// sendFile sends a document made here.
func (b *Bot) sendFile(ctx context.Context, chatID int64, name string, data []byte, caption string) error {
	b.post(ctx, []deputybot.OutboxMessage{{ChatID: chatID, PersonID: answerTo(ctx, chatID), Kind: "answer",
		Method: telegram.MethodDocument, FileName: name, File: data, Text: telegram.Truncate(caption, telegram.MaxCaptionLen)}})
	return nil
}

// sendFileID sends a file Telegram already has (by its file id).
func (b *Bot) sendFileID(ctx context.Context, chatID int64, a deputybot.Attachment) error {
	method := telegram.MethodDocument
	if a.Kind == "photo" {
		method = telegram.MethodPhoto
	}
	b.post(ctx, []deputybot.OutboxMessage{{ChatID: chatID, PersonID: answerTo(ctx, chatID), Kind: "answer",
		Method: method, FileID: a.FileID}})
	return nil
}
