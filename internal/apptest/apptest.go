// Package apptest runs the whole service (internal/app) in-process for
// end-to-end tests: on a real store (the package's embedded FerretDB, or
// TEST_MONGODB_URI), against the fake Bot API, with an injected clock.
// The service can be stopped and started again on the same data.
package apptest

import (
	"context"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"deputybot"
	"deputybot/config"
	"deputybot/internal/app"
	"deputybot/internal/storetest"
	"deputybot/internal/telegramtest"
	"deputybot/storage"
)

// Clock is a settable clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Shanghai is the default time zone.
var Shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// Harness is a running service with its fake Telegram.
type Harness struct {
	T      testing.TB
	TG     *telegramtest.Server
	Clock  *Clock
	Config *config.Config
	Store  *storage.Options // where the data lives; kept across restarts
	App    *app.App
	// ShutdownGrace is passed to the service (default 10 s).
	ShutdownGrace time.Duration
	// SendTimeout bounds one outbox send (default 20 s).
	SendTimeout time.Duration

	// outboxAhead puts the outbox's clock ahead of the wall clock
	// (SkipOutbox).
	outboxAhead atomic.Int64

	mu      sync.Mutex
	handled map[int64]bool
	changed chan struct{}
	cancel  context.CancelFunc
	done    chan error
}

// Option adjusts the configuration before the start.
type Option func(*Harness)

// Webhook runs the service in webhook mode on a free loopback port, with
// the fake Telegram delivering to it.
func Webhook(secret string) Option {
	return func(h *Harness) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			h.T.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		h.Config.ListenAddr = addr
		h.Config.WebhookURL = "http://" + addr + "/telegram/hook"
		h.Config.WebhookSecret = secret
	}
}

// WithRules adjusts the product rules (co-sponsors, sessions, categories).
func WithRules(f func(*deputybot.Rules)) Option { return func(h *Harness) { f(&h.Config.Rules) } }

// Outbox sets the outbox's pace (messages per second overall, least time
// between two messages to one chat, without bursts: as the fake enforces
// it) and its per-message timeout.
func Outbox(rate float64, chatInterval, sendTimeout time.Duration) Option {
	return func(h *Harness) {
		h.Config.OutboxRate, h.Config.OutboxChatInterval, h.SendTimeout = rate, chatInterval, sendTimeout
		h.Config.OutboxChatBurst = 1
	}
}

// BatchWindow sets how long a notice waits for others of its kind to the
// same person (OUTBOX_BATCH_WINDOW; none in tests otherwise).
func BatchWindow(d time.Duration) Option { return func(h *Harness) { h.Config.OutboxBatchWindow = d } }

// SkipOutbox moves the outbox's clock (which runs with the wall clock)
// ahead by d, as if d had passed for it, and wakes it: what it holds back
// for a batch window or a retry falls due.
func (h *Harness) SkipOutbox(d time.Duration) {
	h.outboxAhead.Add(int64(d))
	h.App.Telegram.Sender().Wake()
}

// Shared runs the service as one of several replicas on a shared
// database (as on MongoDB): no read model, every read a query, writes
// conditioned on versions, the outbox leased message by message.
func Shared() Option { return func(h *Harness) { h.Store.Shared = true } }

// SharedFromEnv is Shared when DEPUTYBOT_TEST_SHARED is set: .ci/run runs
// the end-to-end tests once more that way.
func SharedFromEnv() bool { return os.Getenv("DEPUTYBOT_TEST_SHARED") != "" }

// Admins makes the given Telegram ids bootstrap admins.
func Admins(ids ...int64) Option { return func(h *Harness) { h.Config.AdminIDs = ids } }

// Start runs the service for the test; it is stopped when the test ends.
func Start(t testing.TB, opts ...Option) *Harness {
	t.Helper()
	so := storetest.Options(t)
	h := &Harness{
		T:     t,
		TG:    telegramtest.New(t),
		Clock: NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, Shanghai)),
		Store: &so,
		Config: &config.Config{
			BotToken: telegramtest.Token, Database: so.Database, Location: Shanghai,
			ReminderSchedule: config.DefaultReminderSchedule, DigestSchedule: config.DefaultDigestSchedule,
			Rules: deputybot.DefaultRules(Shanghai),
			// Notifications go out at once in tests (no batch window: the
			// clock stands still unless a test moves it); the outbox's own
			// tests set Telegram's pace, and the batching tests a window.
			OutboxRate: 1000, CatchUp: 24 * time.Hour,
		},
		handled: map[int64]bool{},
		changed: make(chan struct{}),
	}
	h.Config.TelegramAPIURL = h.TG.URL
	if SharedFromEnv() {
		h.Store.Shared = true
	}
	for _, o := range opts {
		o(h)
	}
	t.Cleanup(func() {
		h.Stop()
		// No prompt names a button that is not shown.
		for _, p := range ButtonsNamedButMissing(h.TG) {
			t.Errorf("%s", p)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if s, err := storage.Open(ctx, *h.Store); err == nil {
			_ = s.Drop(ctx)
			_ = s.Close(ctx)
		}
	})
	h.Restart()
	return h
}

// Restart starts the service (stopping it first if it runs).
func (h *Harness) Restart() {
	h.T.Helper()
	h.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	readyCh := make(chan *app.App, 1)
	done := make(chan error, 1)
	var log *slog.Logger
	if os.Getenv("DEPUTYBOT_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	go func() {
		done <- app.Run(ctx, app.Options{
			Config: h.Config, Clock: h.Clock.Now, Logger: log, Store: h.Store,
			PollTimeout: 2 * time.Second, ShutdownGrace: h.ShutdownGrace, SendTimeout: h.SendTimeout,
			OnHandled: h.markHandled, DoneDelay: -1,
			OutboxClock: func() time.Time { return time.Now().Add(time.Duration(h.outboxAhead.Load())) },
			Ready:       func(a *app.App) { readyCh <- a },
		})
	}()
	select {
	case a := <-readyCh:
		h.App = a
	case err := <-done:
		cancel()
		h.T.Fatalf("service did not start: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		h.T.Fatal("service did not start within a minute")
	}
	h.cancel, h.done = cancel, done
}

// Stop stops the service the way SIGTERM does, and waits for it.
func (h *Harness) Stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.T.Errorf("service stopped with error: %v", err)
		}
	case <-time.After(30 * time.Second):
		h.T.Error("service did not stop within 30 s")
	}
	h.cancel, h.done, h.App = nil, nil, nil
}

func (h *Harness) markHandled(id int64) {
	h.mu.Lock()
	h.handled[id] = true
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

// Handled reports whether the update has been handled (by any run).
func (h *Harness) Handled(id int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.handled[id]
}

// WaitHandled waits until every update in ids has been handled and the
// notifications it caused have been delivered.
func (h *Harness) WaitHandled(ids ...int64) {
	h.T.Helper()
	h.WaitProcessed(ids...)
	h.Settle()
}

// WaitProcessed waits until every update in ids has been handled (its
// notifications may still be on their way).
func (h *Harness) WaitProcessed(ids ...int64) {
	h.T.Helper()
	deadline := time.After(h.TG.WaitTimeout)
	for {
		h.mu.Lock()
		all := true
		for _, id := range ids {
			all = all && h.handled[id]
		}
		ch := h.changed
		h.mu.Unlock()
		if all {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			h.T.Fatalf("updates %v not handled in time", ids)
		}
	}
}

// RunScheduler runs the scheduled jobs due at t (the catch-up of a start,
// or a cron wake-up) and waits for the messages they send.
func (h *Harness) RunScheduler(t time.Time) []string {
	h.T.Helper()
	ran, err := h.App.Scheduler.RunDue(context.Background(), t)
	if err != nil {
		h.T.Fatalf("scheduler: %v", err)
	}
	h.App.Telegram.Sender().Wake()
	h.Settle()
	return ran
}

// Settle waits until the outbox has nothing left to send and every
// update answered is marked done.
func (h *Harness) Settle() {
	h.T.Helper()
	if h.App == nil {
		return
	}
	for _, idle := range []func() <-chan struct{}{h.App.Telegram.Sender().Idle, h.App.Telegram.Handled} {
		select {
		case <-idle():
		case <-time.After(h.TG.WaitTimeout):
			h.T.Fatal("the outbox did not empty in time")
		}
	}
}

// User returns a chat of a new Telegram user with the bot.
func (h *Harness) User(id int64, name, lang string) *telegramtest.Chat {
	return h.TG.Chat(telegramtest.User{ID: id, FirstName: name, LanguageCode: lang})
}

// Do sends text as the user, waits until the bot has handled it, and
// returns the bot's new messages to that chat.
func (h *Harness) Do(c *telegramtest.Chat, text string) []*telegramtest.Message {
	h.T.Helper()
	h.WaitHandled(c.Send(text))
	return c.Unread()
}

// Press presses a button as the user, waits until the bot has handled it,
// and returns the bot's new messages to that chat.
func (h *Harness) Press(c *telegramtest.Chat, m *telegramtest.Message, label string) []*telegramtest.Message {
	h.T.Helper()
	h.WaitHandled(c.PressButton(m, label))
	return c.Unread()
}
