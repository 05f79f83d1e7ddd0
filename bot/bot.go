// Package bot is deputybot's Telegram side: it receives updates (long
// polling or webhook), keeps each chat's updates in order, handles each
// update once, talks to people in their language, and turns their
// commands and button presses into calls of the domain services. It knows
// Telegram and nothing of MongoDB.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"deputybot"
	"deputybot/service"
	"deputybot/telegram"
	"deputybot/texts"
)

// Store is what the bot needs from storage.
type Store interface {
	deputybot.PeopleService
	deputybot.InvitationService
	deputybot.DepartmentService
	deputybot.ConversationStore
	deputybot.ItemService
	deputybot.CalendarService
	UpdateLog
	telegram.Store
	RosterStore
	// FlushNotices delivers the messages a crash left stored with item
	// changes.
	FlushNotices(ctx context.Context, deliver func(context.Context, []deputybot.OutboxMessage) error) (int, error)
	// The record of reminder steps sent.
	service.Store
}

// UpdateLog is the bot's durable inbox of Telegram updates.
type UpdateLog interface {
	// RecordUpdate stores an update before it is confirmed to Telegram;
	// false means it was recorded before (a redelivery).
	RecordUpdate(ctx context.Context, updateID, chatID int64, payload []byte, now time.Time) (bool, error)
	// MarkUpdateDone records that the update was handled.
	MarkUpdateDone(ctx context.Context, updateID int64, now time.Time) error
	// PendingUpdates returns recorded, unhandled updates, oldest first.
	PendingUpdates(ctx context.Context) ([][]byte, error)
	// PruneUpdates forgets handled updates received before a time.
	PruneUpdates(ctx context.Context, before time.Time) (int64, error)
}

// Options configure the bot.
type Options struct {
	Token    string
	APIURL   string // e.g. https://api.telegram.org
	AdminIDs []int64
	Location *time.Location
	// Rules: co-sponsors needed, session dates, categories.
	Rules  deputybot.Rules
	Clock  deputybot.Clock
	Logger *slog.Logger
	// PollTimeout is getUpdates' long-poll timeout (default 50 s).
	PollTimeout time.Duration
	// Workers bounds how many chats are handled at once (default 16).
	Workers int
	// ShutdownGrace is how long running handlers may take to finish after
	// a stop is requested (default 10 s).
	ShutdownGrace time.Duration
	// OnHandled, if set, is called after each update has been handled and
	// marked done (tests wait on it; it must not block).
	OnHandled func(updateID int64)
	// OnPanic, if set, is called when a handler panicked (the panic is
	// recovered, logged with its stack, and the user is apologised to).
	OnPanic func()
	// Outbox configures the sender of every message (Redact, Logger and
	// OnUnreachable are filled in).
	Outbox telegram.SenderOptions
}

// Bot is the Telegram bot.
type Bot struct {
	opts       Options
	store      Store
	api        *tgbot.Bot
	pollClient *http.Client
	log        *slog.Logger
	now        deputybot.Clock
	tx         *texts.Texts
	svc        *service.Service
	username   string
	dispatch   *dispatcher
	commands   []command
	sender     *telegram.Sender
	// stopSender stops the outbox sender; senderDone is closed after.
	stopSender context.CancelFunc
	senderDone chan struct{}
}

// New connects to the Bot API (getMe) and returns the bot. A rejected
// token is an error at once; an unreachable server is retried until ctx
// ends.
func New(ctx context.Context, store Store, o Options) (*Bot, error) {
	b, err := newBot(store, o)
	if err != nil {
		return nil, err
	}
	api, err := tgbot.New(b.opts.Token,
		tgbot.WithServerURL(b.opts.APIURL),
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(30*time.Second, &http.Client{Timeout: 30 * time.Second}),
		tgbot.WithErrorsHandler(func(err error) { b.log.Warn("telegram client", "err", redactToken(err, b.opts.Token)) }),
	)
	if err != nil {
		return nil, err
	}
	b.api = api
	so := b.opts.Outbox
	so.Redact, so.Logger = b.opts.Token, b.log
	so.OnUnreachable = func(ctx context.Context, personID, reason string, at time.Time) {
		if err := store.SetUnreachable(ctx, personID, reason, at); err != nil {
			b.log.Error("record unreachable recipient", "person", personID, "err", err)
		}
	}
	b.sender = telegram.NewSender(api, store, so)
	b.svc = service.New(store, b.sender, b, service.Options{Rules: &b.opts.Rules, Clock: b.opts.Clock, AdminIDs: b.opts.AdminIDs, Logger: b.log})
	if err := b.getMe(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// NewOffline returns a bot that renders (reports, the register) without
// talking to Telegram: the command line's report and export.
func NewOffline(store Store, o Options) (*Bot, error) { return newBot(store, o) }

func newBot(store Store, o Options) (*Bot, error) {
	if o.APIURL == "" {
		o.APIURL = "https://api.telegram.org"
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Rules.Location == nil {
		o.Rules.Location = o.Location
	}
	if len(o.Rules.Categories) == 0 {
		o.Rules.Categories = deputybot.DefaultCategories
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = 50 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = 10 * time.Second
	}
	tx, err := texts.Load(o.Location)
	if err != nil {
		return nil, err
	}
	b := &Bot{
		opts:       o,
		store:      store,
		log:        o.Logger,
		now:        o.Clock,
		tx:         tx,
		pollClient: &http.Client{Timeout: o.PollTimeout + 15*time.Second},
	}
	b.commands = b.commandTable()
	b.dispatch = newDispatcher(o.Workers, b.process)
	// Offline (reports), the service has no outbox: it only reads.
	b.svc = service.New(store, nil, b, service.Options{Rules: &b.opts.Rules, Clock: b.opts.Clock, AdminIDs: b.opts.AdminIDs, Logger: b.log})
	return b, nil
}

func (b *Bot) getMe(ctx context.Context) error {
	wait := time.Second
	for {
		me, err := b.api.GetMe(ctx)
		if err == nil {
			b.username = me.Username
			return nil
		}
		if errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) || errors.Is(err, tgbot.ErrorBadRequest) {
			return fmt.Errorf("TELEGRAM_BOT_TOKEN: Telegram refused the token (%v)", redactToken(err, b.opts.Token))
		}
		b.log.Warn("Telegram unreachable, retrying", "err", redactToken(err, b.opts.Token), "in", wait)
		select {
		case <-ctx.Done():
			return fmt.Errorf("reach Telegram at %s: %w", b.opts.APIURL, redactToken(err, b.opts.Token))
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// Username is the bot's Telegram username (from getMe).
func (b *Bot) Username() string { return b.username }

// API is the Telegram client, for the parts of the service that send
// notifications.
func (b *Bot) API() *tgbot.Bot { return b.api }

// Start prepares the bot to take updates: it clears the strangers' menu
// and resumes the updates received but not handled before the last stop.
// Then call Poll, or StartWebhook.
func (b *Bot) Start(ctx context.Context) error {
	if err := b.setDefaultCommands(ctx); err != nil {
		b.log.Warn("default command menu not set", "err", redactToken(err, b.opts.Token))
	}
	b.StartSender(ctx)
	// Messages a crash left stored with an item change go out before
	// anything else changes items.
	if n, err := b.store.FlushNotices(ctx, func(ctx context.Context, msgs []deputybot.OutboxMessage) error {
		_, err := b.sender.Enqueue(ctx, msgs)
		return err
	}); err != nil {
		return fmt.Errorf("queue the notices left by the last stop: %w", err)
	} else if n > 0 {
		b.log.Info("queued notices left by the last stop", "count", n)
	}
	return b.replayPending(ctx)
}

// StartSender starts delivering the outbox (Start does it; the command
// line's jobs, which take no updates, call it alone). Shutdown stops it.
func (b *Bot) StartSender(ctx context.Context) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.stopSender, b.senderDone = cancel, make(chan struct{})
	go func() {
		defer close(b.senderDone)
		b.sender.Run(sctx)
	}()
}

// Service is the application layer the bot calls (and the scheduler).
func (b *Bot) Service() *service.Service { return b.svc }

// Texts are the bot's messages.
func (b *Bot) Texts() *texts.Texts { return b.tx }

// Sender is the sender of every message of this bot.
func (b *Bot) Sender() *telegram.Sender { return b.sender }

// OutboxIdle returns a channel closed when no message waits in the outbox.
func (b *Bot) OutboxIdle() <-chan struct{} { return b.sender.Idle() }

// WakeOutbox tells the sender that messages may have been enqueued by
// another process (replicas on MongoDB).
func (b *Bot) WakeOutbox() { b.sender.Wake() }

// Poll receives updates by long polling until ctx ends, then lets running
// handlers finish (up to ShutdownGrace) and returns.
func (b *Bot) Poll(ctx context.Context) error {
	if _, err := b.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil && ctx.Err() == nil {
		return fmt.Errorf("switch to long polling (deleteWebhook): %w", redactToken(err, b.opts.Token))
	}
	b.poll(ctx)
	b.Shutdown()
	return nil
}

// StartWebhook registers url (with secret) with Telegram; mount
// WebhookHandler(secret) on the HTTP server at that URL's path first, and
// call Shutdown when done.
func (b *Bot) StartWebhook(ctx context.Context, url, secret string) error {
	_, err := b.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
		URL: url, SecretToken: secret, AllowedUpdates: allowedUpdates,
	})
	if err != nil {
		return fmt.Errorf("setWebhook: %w", redactToken(err, b.opts.Token))
	}
	return nil
}

// Shutdown stops taking updates, waits up to ShutdownGrace for running
// handlers, then stops the outbox sender (messages not sent stay in the
// outbox for the next start).
func (b *Bot) Shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), b.opts.ShutdownGrace)
	defer cancel()
	b.dispatch.shutdown(ctx)
	if b.stopSender != nil {
		b.stopSender()
		select {
		case <-b.senderDone:
		case <-ctx.Done():
		}
	}
}

// Idle returns a channel closed when no update is waiting or running.
func (b *Bot) Idle() <-chan struct{} { return b.dispatch.Idle() }

// process handles one update and marks it done.
func (b *Bot) process(ctx context.Context, in *incoming) {
	start := time.Now()
	ctx = withHandling(ctx, in.id)
	func() {
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("handler panicked", "update", in.id, "panic", r, "stack", string(debug.Stack()))
				if b.opts.OnPanic != nil {
					b.opts.OnPanic()
				}
				b.apologize(ctx, in)
			}
		}()
		b.handle(ctx, in)
	}()
	if ctx.Err() != nil {
		// Cut off by shutdown: leave it pending, to be handled again.
		return
	}
	if err := b.store.MarkUpdateDone(ctx, in.id, b.wallNow()); err != nil {
		b.log.Error("update handled but not marked done", "update", in.id, "err", err)
		return
	}
	b.log.Debug("update handled", "update", in.id, "took", time.Since(start))
	if b.opts.OnHandled != nil {
		b.opts.OnHandled(in.id)
	}
}

// apologize tells the sender of an update whose handler failed badly
// that something went wrong on our side, in his language if Telegram
// says which.
func (b *Bot) apologize(ctx context.Context, in *incoming) {
	u := in.update
	switch {
	case u.CallbackQuery != nil:
		l := deputybot.LanguageFromTelegram(u.CallbackQuery.From.LanguageCode)
		b.answerQuery(ctx, u.CallbackQuery.ID, texts.Plain(b.tx.T(l, "err.internal")), true)
	case u.Message != nil && u.Message.From != nil && u.Message.Chat.Type == "private":
		l := deputybot.LanguageFromTelegram(u.Message.From.LanguageCode)
		b.send(ctx, u.Message.Chat.ID, b.tx.T(l, "err.internal"), nil)
	}
}

// wallNow is the time of the transport's records (the update inbox, the
// outbox): the sender's clock, never the clock of the domain's rules, which
// a job may set to another time.
func (b *Bot) wallNow() time.Time {
	if b.sender != nil {
		return b.sender.Now()
	}
	return time.Now()
}

func (b *Bot) isAdmin(telegramID int64) bool { return slices.Contains(b.opts.AdminIDs, telegramID) }

// sender converts Telegram's user.
func sender(u *models.User) deputybot.TelegramUser {
	if u == nil {
		return deputybot.TelegramUser{}
	}
	return deputybot.TelegramUser{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, LanguageCode: u.LanguageCode}
}
