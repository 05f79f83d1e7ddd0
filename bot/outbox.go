package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"deputybot"
)

// OutboxStore is the durable queue of outgoing messages.
type OutboxStore interface {
	Enqueue(ctx context.Context, msgs []deputybot.OutboxMessage, now time.Time) (int, error)
	PendingMessages(ctx context.Context, now time.Time, limit int) ([]deputybot.OutboxMessage, error)
	LeaseMessage(ctx context.Context, id string, now, until time.Time) (bool, error)
	MarkSent(ctx context.Context, id string, now time.Time) error
	RetryLater(ctx context.Context, id string, next time.Time, reason string) error
	MarkFailed(ctx context.Context, id string, now time.Time, reason string) error
}

// SenderOptions pace the outbox.
type SenderOptions struct {
	// Rate is the most messages per second overall (Telegram: 30).
	Rate float64
	// ChatInterval is the least time between two messages to one chat
	// (Telegram: about 1 s).
	ChatInterval time.Duration
	// Workers send at once (default 8).
	Workers int
	// SendTimeout bounds one Bot API call (default 20 s).
	SendTimeout time.Duration
	// MaxAttempts: a message that still fails transiently after this many
	// attempts is recorded as failed (default 50, about four hours).
	MaxAttempts int
}

// outboxSender delivers the outbox: in order per chat, at the pace Telegram
// accepts, retrying 429 after retry_after and network or server errors
// with capped exponential backoff, and recording permanent refusals.
// Pacing and retries run on the wall clock; the injected clock dates the
// records.
type outboxSender struct {
	b     *Bot
	store OutboxStore
	o     SenderOptions

	mu        sync.Mutex
	gen       int // counts pokes: idle is declared only if none came during a fetch
	wake      chan struct{}
	idle      chan struct{}
	isIdle    bool
	inFlight  map[string]bool // message ids
	busyChat  map[int64]bool
	lastChat  map[int64]time.Time
	pause     time.Time // after a 429: nothing is sent before
	nextSlot  time.Time // global pacing
	done      chan struct{}
	completed chan struct{}
}

func newSender(b *Bot, store OutboxStore, o SenderOptions) *outboxSender {
	if o.Rate <= 0 {
		o.Rate = 30
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 20 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 50
	}
	idle := make(chan struct{})
	return &outboxSender{
		b: b, store: store, o: o,
		wake: make(chan struct{}, 1), idle: idle,
		inFlight: map[string]bool{}, busyChat: map[int64]bool{}, lastChat: map[int64]time.Time{},
		completed: make(chan struct{}, 1),
	}
}

// poke tells the sender there may be new work.
func (s *outboxSender) poke() {
	s.mu.Lock()
	s.gen++
	if s.isIdle {
		s.idle = make(chan struct{})
		s.isIdle = false
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Idle returns a channel closed when the outbox has nothing pending and
// nothing in flight.
func (s *outboxSender) Idle() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idle
}

// interval is the pacing between two sends: 4% slower than Rate, so that
// Rate sends span more than a second (30 at 34.7 ms span 1.006 s): any
// one second holds at most Rate-1 of them as sent, and one send delayed
// on the way still keeps it at Rate. 96% of Rate is what is used.
func (s *outboxSender) interval() time.Duration {
	return time.Duration(float64(time.Second) / s.o.Rate * 1.04)
}

// run delivers until ctx ends, then waits for the sends in flight.
//
// It reads a batch of pending messages and works through it in memory,
// reading again only when the batch is done, when new messages were
// enqueued, or when a retry falls due: on the embedded store every read
// of the outbox reads all of it.
func (s *outboxSender) run(ctx context.Context) {
	sem := make(chan struct{}, s.o.Workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	var queue []deputybot.OutboxMessage
	fetch := true
	for ctx.Err() == nil {
		if fetch || len(queue) == 0 {
			s.mu.Lock()
			gen := s.gen
			s.mu.Unlock()
			msgs, err := s.store.PendingMessages(ctx, time.Now(), 1000)
			if err != nil {
				if ctx.Err() == nil {
					s.b.log.Error("outbox: read pending", "err", err)
				}
				s.sleep(ctx, time.Second)
				continue
			}
			fetch = false
			s.mu.Lock()
			queue = queue[:0]
			for _, m := range msgs {
				if !s.inFlight[m.ID] {
					queue = append(queue, m)
				}
			}
			if len(msgs) == 0 && len(s.inFlight) == 0 && !s.isIdle && gen == s.gen {
				s.isIdle = true
				close(s.idle)
			}
			s.mu.Unlock()
		}

		dispatched := 0
		wait := 5 * time.Second     // a read now and then, for retries that fall due
		blocked := map[int64]bool{} // a chat whose earlier message waits keeps its order
		rest := make([]deputybot.OutboxMessage, 0, len(queue))
		for _, m := range queue {
			now := time.Now()
			s.mu.Lock()
			busy := s.busyChat[m.ChatID]
			ready := s.lastChat[m.ChatID].Add(s.o.ChatInterval)
			s.mu.Unlock()
			if busy || blocked[m.ChatID] || m.NextAt.After(now) || ready.After(now) {
				blocked[m.ChatID] = true
				rest = append(rest, m)
				if !busy {
					wait = min(wait, max(time.Until(m.NextAt), time.Until(ready), time.Millisecond))
				}
				continue
			}
			if !s.takeSlot(ctx) {
				return
			}
			ok, err := s.store.LeaseMessage(ctx, m.ID, time.Now(), time.Now().Add(s.o.SendTimeout+30*time.Second))
			if err != nil || !ok {
				continue // another sender has it, or it changed: the next read tells
			}
			s.mu.Lock()
			s.inFlight[m.ID], s.busyChat[m.ChatID] = true, true
			s.mu.Unlock()
			blocked[m.ChatID] = true
			dispatched++
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				s.release(m)
				return
			}
			wg.Add(1)
			go func(m deputybot.OutboxMessage) {
				defer wg.Done()
				defer func() { <-sem }()
				s.deliver(ctx, m)
				s.release(m)
				select {
				case s.completed <- struct{}{}:
				default:
				}
			}(m)
		}
		queue = rest
		if dispatched > 0 {
			continue
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-s.wake:
			fetch = true
		case <-s.completed:
			// A chat is free again; an emptied queue is read again above.
		case <-timer.C:
			fetch = true
		}
		timer.Stop()
	}
}

func (s *outboxSender) release(m deputybot.OutboxMessage) {
	s.mu.Lock()
	delete(s.inFlight, m.ID)
	delete(s.busyChat, m.ChatID)
	s.lastChat[m.ChatID] = time.Now()
	s.mu.Unlock()
}

// takeSlot waits for the next send slot of the global pace (and out of a
// 429 pause).
func (s *outboxSender) takeSlot(ctx context.Context) bool {
	s.mu.Lock()
	at := s.nextSlot
	if s.pause.After(at) {
		at = s.pause
	}
	if now := time.Now(); at.Before(now) {
		at = now
	}
	s.nextSlot = at.Add(s.interval())
	s.mu.Unlock()
	return s.sleep(ctx, time.Until(at))
}

func (s *outboxSender) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// deliver sends one message and records the outcome.
func (s *outboxSender) deliver(ctx context.Context, m deputybot.OutboxMessage) {
	var kb models.ReplyMarkup
	if m.Keyboard != "" {
		var k models.InlineKeyboardMarkup
		if json.Unmarshal([]byte(m.Keyboard), &k) == nil {
			kb = &k
		}
	}
	sctx, cancel := context.WithTimeout(ctx, s.o.SendTimeout)
	_, err := s.b.api.SendMessage(sctx, &tgbot.SendMessageParams{
		ChatID: m.ChatID, Text: m.Text, ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview, ReplyMarkup: kb,
	})
	cancel()
	// The outcome is recorded even when the service is stopping.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer rcancel()
	now := s.b.now()
	if err == nil {
		if err := s.store.MarkSent(rctx, m.ID, now); err != nil {
			s.b.log.Error("outbox: sent but not recorded (may be sent again)", "id", m.ID, "err", err)
		}
		return
	}
	reason := redactToken(err, s.b.opts.Token).Error()
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case errors.As(err, &tooMany):
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		s.mu.Lock()
		s.pause = time.Now().Add(wait)
		s.mu.Unlock()
		s.b.log.Warn("outbox: Telegram asks to slow down", "retry_after", wait)
		_ = s.store.RetryLater(rctx, m.ID, time.Now().Add(wait), reason)
	case permanent(err):
		s.b.log.Warn("outbox: undeliverable", "chat", m.ChatID, "err", reason)
		_ = s.store.MarkFailed(rctx, m.ID, now, reason)
		if m.PersonID != "" && unreachable(err) {
			_ = s.b.store.SetUnreachable(rctx, m.PersonID, reason, now)
		}
	case m.Attempts+1 >= s.o.MaxAttempts:
		_ = s.store.MarkFailed(rctx, m.ID, now, "gave up after "+reason)
	default:
		backoff := min(time.Duration(1<<min(m.Attempts, 20))*500*time.Millisecond, 5*time.Minute)
		_ = s.store.RetryLater(rctx, m.ID, time.Now().Add(backoff), reason)
	}
}

// permanent reports whether sending again cannot help.
func permanent(err error) bool {
	return errors.Is(err, tgbot.ErrorForbidden) || errors.Is(err, tgbot.ErrorBadRequest) ||
		errors.Is(err, tgbot.ErrorNotFound) || errors.Is(err, tgbot.ErrorUnauthorized)
}

// unreachable reports whether the refusal is about the recipient (rather
// than the message).
func unreachable(err error) bool {
	if errors.Is(err, tgbot.ErrorForbidden) {
		return true
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "chat not found") || strings.Contains(s, "user is deactivated") ||
		strings.Contains(s, "can't initiate") || strings.Contains(s, "blocked")
}

// outboxMessages renders a notification for the outbox: split at
// Telegram's limit, keyboard on the last part. key, if not empty, makes
// the message exactly-once (its parts get key:1, key:2, ...).
func outboxMessages(key, kind, personID string, chatID int64, text string, kb keyboard) []deputybot.OutboxMessage {
	parts := splitMessage(text, maxMessageLen)
	out := make([]deputybot.OutboxMessage, len(parts))
	for i, p := range parts {
		m := deputybot.OutboxMessage{ChatID: chatID, PersonID: personID, Text: p, Kind: kind}
		if key != "" {
			m.ID = key
			if len(parts) > 1 {
				m.ID = key + ":" + string(rune('a'+i))
			}
		}
		if i == len(parts)-1 && kb != nil {
			b, _ := json.Marshal(models.InlineKeyboardMarkup{InlineKeyboard: kb})
			m.Keyboard = string(b)
		}
		out[i] = m
	}
	return out
}

// enqueue stores messages in the outbox and wakes the sender.
func (b *Bot) enqueue(ctx context.Context, msgs []deputybot.OutboxMessage) (int, error) {
	n, err := b.store.Enqueue(ctx, msgs, b.now())
	if n > 0 && b.sender != nil {
		b.sender.poke()
	}
	return n, err
}
