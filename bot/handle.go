package bot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"

	"deputybot"
	"deputybot/telegram"
	"deputybot/texts"
)

// request is one update being handled, with who sent it.
type request struct {
	id     int64 // the update's
	from   deputybot.TelegramUser
	chatID int64
	person *deputybot.Person // nil for a stranger
	lang   deputybot.Language
	now    time.Time

	msg      *models.Message       // a message
	cb       *models.CallbackQuery // or a button press
	cmd      string                // command name, lower case, without "/"
	args     string                // text after the command
	answered bool                  // the callback query has been answered
	// redraw: the message whose keyboard was tapped to change a choice
	// (a toggle, a page); the step's question then replaces it in place,
	// as Telegram users expect, instead of arriving as a new copy.
	redraw int
	// capture: the step's question is asked only to learn its buttons
	// (typedButton); reply records them instead of sending.
	capture *keyboard
}

// Handle implements telegram.Handler.
func (b *Bot) Handle(ctx context.Context, u *models.Update) {
	switch {
	case u.Message != nil:
		b.onMessage(ctx, u.ID, u.Message)
	case u.CallbackQuery != nil:
		b.onCallback(ctx, u.ID, u.CallbackQuery)
	}
}

func (b *Bot) onMessage(ctx context.Context, id int64, m *models.Message) {
	if m.From == nil || m.From.IsBot {
		return
	}
	r := &request{id: id, from: sender(m.From), chatID: m.Chat.ID, msg: m, now: b.now()}
	r.lang = deputybot.LanguageFromTelegram(r.from.LanguageCode)
	r.cmd, r.args = parseCommand(m, b.tg.Username())
	if m.Chat.Type != models.ChatTypePrivate {
		// Items are private: the bot never answers inside a group, where
		// others would read the answer. A command gets one pointer.
		if r.cmd != "" {
			b.send(ctx, r.chatID, b.tx.T(r.lang, "group.private_only", "Bot", b.tg.Username()), nil)
		}
		return
	}
	p, err := b.svc.Identify(ctx, r.from, r.now)
	if err != nil {
		b.log.Error("identify", "user", r.from.ID, "err", err)
		b.send(ctx, r.chatID, b.tx.T(r.lang, "err.internal"), nil)
		return
	}
	if p == nil {
		if _, share := shareToken(r.args); r.cmd == "start" && r.args != "" && !share {
			b.redeem(ctx, r)
			return
		}
		b.refuseStranger(ctx, r)
		return
	}
	r.person, r.lang = p, p.Language
	telegram.SetSender(ctx, p.ID)
	b.syncCommands(ctx, p)
	if r.cmd != "" {
		b.runCommand(ctx, r)
		return
	}
	b.onText(ctx, r)
}

// parseCommand returns the command of a message ("/invite@bot deputy x"
// gives "invite", "deputy x"), or "" if it is not a command.
func parseCommand(m *models.Message, botName string) (cmd, args string) {
	text := m.Text
	if text == "" || text[0] != '/' {
		return "", ""
	}
	end := len(text)
	if len(m.Entities) > 0 && m.Entities[0].Type == models.MessageEntityTypeBotCommand && m.Entities[0].Offset == 0 {
		end = utf16Offset(text, m.Entities[0].Length)
	} else if i := strings.IndexAny(text, " \n\t"); i >= 0 {
		end = i
	}
	word := text[1:end]
	if at := strings.IndexByte(word, '@'); at >= 0 {
		if !strings.EqualFold(word[at+1:], botName) {
			return "", ""
		}
		word = word[:at]
	}
	return strings.ToLower(word), strings.TrimSpace(text[end:])
}

// utf16Offset converts a Telegram entity length (UTF-16 code units) to a
// byte offset in s.
func utf16Offset(s string, units int) int {
	n := 0
	for i, r := range s {
		if n >= units {
			return i
		}
		n += len(utf16.Encode([]rune{r}))
	}
	return len(s)
}

// refuseStranger answers a stranger once a day at most, in the last lane:
// a stranger's flood costs nobody else Telegram's budget or his turn
// (SPEC: one polite refusal).
func (b *Bot) refuseStranger(ctx context.Context, r *request) {
	if !b.refused.first(r.chatID, r.now) {
		return
	}
	b.sendToStranger(ctx, r.chatID, b.tx.T(r.lang, "stranger.refusal"))
}

// sendToStranger answers someone not registered in the last lane: what
// strangers ask — however many, however often — never takes a
// registered person's turn.
func (b *Bot) sendToStranger(ctx context.Context, chatID int64, text string) {
	b.post(ctx, []deputybot.OutboxMessage{{ChatID: chatID, Text: text, Kind: "answer", Lane: deputybot.LaneBulk}})
}

// strangers remembers when each stranger's chat was last refused. It is
// the only writer's memory of its own answers (a replica may refuse
// once more); it forgets what is older than a day once it holds many.
type strangers struct {
	mu   sync.Mutex
	last map[int64]time.Time
}

// strangerQuiet is how long a refused stranger hears nothing more.
const strangerQuiet = 24 * time.Hour

// first reports whether chat was not refused in the day before now, and
// records a refusal at now if so.
func (s *strangers) first(chat int64, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = map[int64]time.Time{}
	}
	if at, ok := s.last[chat]; ok && now.Sub(at) < strangerQuiet && !now.Before(at) {
		return false
	}
	if len(s.last) >= 100_000 {
		for c, at := range s.last {
			if now.Sub(at) >= strangerQuiet {
				delete(s.last, c)
			}
		}
	}
	s.last[chat] = now
	return true
}

// reply answers the person in his chat.
func (b *Bot) reply(ctx context.Context, r *request, text string, kb keyboard) {
	if r.capture != nil {
		*r.capture = kb
		return
	}
	if id := r.redraw; id != 0 {
		r.redraw = 0
		b.edit(ctx, r.chatID, id, text, kb)
		return
	}
	b.send(ctx, r.chatID, text, kb)
}

// fail tells the person why an action was refused. Internal errors are
// logged and shown as an apology.
func (b *Bot) fail(ctx context.Context, r *request, err error) {
	if deputybot.ErrorCode(err) == deputybot.EINTERNAL {
		b.log.Error("handler", "update", r.id, "err", err)
	}
	text := b.tx.Err(r.lang, err)
	if r.cb != nil && !r.answered {
		r.answered = true
		b.answerQuery(ctx, r.cb.ID, texts.Plain(text), true)
		return
	}
	b.reply(ctx, r, text, nil)
}

func (b *Bot) onCallback(ctx context.Context, id int64, q *models.CallbackQuery) {
	r := &request{id: id, from: sender(&q.From), chatID: q.From.ID, cb: q, now: b.now()}
	if m := q.Message.Message; m != nil {
		r.chatID = m.Chat.ID
	}
	r.lang = deputybot.LanguageFromTelegram(r.from.LanguageCode)
	defer func() {
		if !r.answered {
			b.answerQuery(ctx, q.ID, "", false)
		}
	}()
	p, err := b.svc.Identify(ctx, r.from, r.now)
	if err != nil {
		b.log.Error("identify", "user", r.from.ID, "err", err)
		b.fail(ctx, r, err)
		return
	}
	if p == nil {
		r.answered = true
		b.answerQuery(ctx, q.ID, texts.Plain(b.tx.T(r.lang, "stranger.refusal")), true)
		return
	}
	r.person, r.lang = p, p.Language
	telegram.SetSender(ctx, p.ID)
	b.syncCommands(ctx, p)
	prefix, rest, _ := strings.Cut(q.Data, ":")
	h := b.callbacks()[prefix]
	if h == nil {
		b.fail(ctx, r, errStale)
		return
	}
	if err := h(ctx, r, rest); err != nil {
		b.fail(ctx, r, err)
	}
}

// errStale answers a button that is forged, or belongs to something that
// has finished.
var errStale = deputybot.Errorf(deputybot.ECONFLICT, "err.stale_button")

// callbackMessageID is the id of the message whose button was pressed.
func (r *request) callbackMessageID() int {
	if r.cb != nil && r.cb.Message.Message != nil {
		return r.cb.Message.Message.ID
	}
	return 0
}

// isNotFound reports whether err means "no such thing".
func isNotFound(err error) bool {
	var e *deputybot.Error
	return errors.As(err, &e) && e.Code == deputybot.ENOTFOUND
}
