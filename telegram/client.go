package telegram

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"deputybot"
)

// Inbox is the durable record of received updates: each is recorded
// before it is confirmed to Telegram and marked done once handled, so
// none is lost to a crash and none is handled twice.
type Inbox interface {
	// RecordUpdate stores an update; false means it was recorded before
	// (Telegram delivered it again).
	RecordUpdate(ctx context.Context, updateID, chatID int64, payload []byte, now time.Time) (bool, error)
	// MarkUpdateDone records that the update was handled.
	MarkUpdateDone(ctx context.Context, updateID int64, now time.Time) error
	// PendingUpdates returns recorded, unhandled updates, oldest first.
	PendingUpdates(ctx context.Context) ([][]byte, error)
}

// Handler handles updates (the chat interface).
type Handler interface {
	// Handle handles one update. The context says which
	// (HandlingUpdate), and gives the messages it sends their ids.
	Handle(ctx context.Context, u *models.Update)
	// Recovered is told of an update whose handler panicked (the panic
	// is recovered and logged with its stack): it may apologise.
	Recovered(ctx context.Context, u *models.Update)
}

// Options configure the client.
type Options struct {
	Token  string
	APIURL string // e.g. https://api.telegram.org
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
	// OnPanic, if set, is called when a handler panicked.
	OnPanic func()
	// Outbox configures the sender (Redact and Logger are filled in).
	Outbox SenderOptions
}

// Client is deputybot's connection to the Bot API: it receives updates
// (long polling or webhook), records each before confirming it, hands
// each chat's updates to the handler in order (chats in parallel), marks
// them done, resumes the ones a stop interrupted, and sends every message
// through its Sender.
type Client struct {
	o          Options
	api        *tgbot.Bot
	inbox      Inbox
	sender     *Sender
	handler    Handler
	log        *slog.Logger
	username   string
	pollClient *http.Client
	dispatch   *dispatcher
	stopSender context.CancelFunc
	senderDone chan struct{}
}

// New connects to the Bot API (getMe) and returns the client. A rejected
// token is an error at once; an unreachable server is retried until ctx
// ends.
func New(ctx context.Context, inbox Inbox, outbox Store, o Options) (*Client, error) {
	if o.APIURL == "" {
		o.APIURL = "https://api.telegram.org"
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
	c := &Client{o: o, inbox: inbox, log: o.Logger, pollClient: &http.Client{Timeout: o.PollTimeout + 15*time.Second}}
	api, err := tgbot.New(o.Token,
		tgbot.WithServerURL(o.APIURL),
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(30*time.Second, &http.Client{Timeout: 30 * time.Second}),
		tgbot.WithErrorsHandler(func(err error) { c.log.Warn("telegram client", "err", redactToken(err, o.Token)) }),
	)
	if err != nil {
		return nil, err
	}
	c.api = api
	so := o.Outbox
	so.Redact, so.Logger = o.Token, c.log
	c.sender = NewSender(api, outbox, so)
	c.dispatch = newDispatcher(o.Workers, c.process)
	if err := c.getMe(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) getMe(ctx context.Context) error {
	wait := time.Second
	for {
		me, err := c.api.GetMe(ctx)
		if err == nil {
			c.username = me.Username
			return nil
		}
		if errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) || errors.Is(err, tgbot.ErrorBadRequest) {
			return fmt.Errorf("TELEGRAM_BOT_TOKEN: Telegram refused the token (%v)", redactToken(err, c.o.Token))
		}
		c.log.Warn("Telegram unreachable, retrying", "err", redactToken(err, c.o.Token), "in", wait)
		select {
		case <-ctx.Done():
			return fmt.Errorf("reach Telegram at %s: %w", c.o.APIURL, redactToken(err, c.o.Token))
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// Username is the bot's Telegram username (from getMe).
func (c *Client) Username() string { return c.username }

// API is the Bot API client, for the calls that are not messages
// (command menus, file downloads).
func (c *Client) API() *tgbot.Bot { return c.api }

// Sender is the sender of every message.
func (c *Client) Sender() *Sender { return c.sender }

// Redact removes the token from an error's text.
func (c *Client) Redact(err error) error { return redactToken(err, c.o.Token) }

// StartSender starts delivering the outbox (Start does it; the command
// line's jobs, which take no updates, call it alone). Shutdown stops it.
func (c *Client) StartSender(ctx context.Context) {
	if c.stopSender != nil {
		return
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.stopSender, c.senderDone = cancel, make(chan struct{})
	go func() {
		defer close(c.senderDone)
		c.sender.Run(sctx)
	}()
}

// Start starts the sender and hands h the updates received but not
// handled before the last stop. Then call Poll, or StartWebhook.
func (c *Client) Start(ctx context.Context, h Handler) error {
	c.handler = h
	c.StartSender(ctx)
	return c.replayPending(ctx)
}

// Poll receives updates by long polling until ctx ends, then lets running
// handlers finish (up to ShutdownGrace) and returns.
func (c *Client) Poll(ctx context.Context) error {
	if _, err := c.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil && ctx.Err() == nil {
		return fmt.Errorf("switch to long polling (deleteWebhook): %w", redactToken(err, c.o.Token))
	}
	c.poll(ctx)
	c.Shutdown()
	return nil
}

// StartWebhook registers url (with secret) with Telegram; mount
// WebhookHandler(secret) on the HTTP server at that URL's path first, and
// call Shutdown when done.
func (c *Client) StartWebhook(ctx context.Context, url, secret string) error {
	_, err := c.api.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: url, SecretToken: secret, AllowedUpdates: allowedUpdates})
	if err != nil {
		return fmt.Errorf("setWebhook: %w", redactToken(err, c.o.Token))
	}
	return nil
}

// Shutdown stops taking updates, waits up to ShutdownGrace for running
// handlers, then stops the sender (messages not sent stay in the outbox
// for the next start).
func (c *Client) Shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), c.o.ShutdownGrace)
	defer cancel()
	c.dispatch.shutdown(ctx)
	if c.stopSender != nil {
		c.stopSender()
		select {
		case <-c.senderDone:
		case <-ctx.Done():
		}
	}
}

// Idle returns a channel closed when no update is waiting or running.
func (c *Client) Idle() <-chan struct{} { return c.dispatch.Idle() }

// process hands one update to the handler, recovering a panic, and marks
// it done.
func (c *Client) process(ctx context.Context, in *incoming) {
	start := time.Now()
	ctx = withHandling(ctx, in.id)
	func() {
		defer func() {
			if r := recover(); r != nil {
				c.log.Error("handler panicked", "update", in.id, "panic", r, "stack", string(debug.Stack()))
				if c.o.OnPanic != nil {
					c.o.OnPanic()
				}
				c.handler.Recovered(ctx, in.update)
			}
		}()
		c.handler.Handle(ctx, in.update)
	}()
	if ctx.Err() != nil {
		// Cut off by shutdown: leave it pending, to be handled again.
		return
	}
	if err := c.inbox.MarkUpdateDone(ctx, in.id, c.sender.Now()); err != nil {
		c.log.Error("update handled but not marked done", "update", in.id, "err", err)
		return
	}
	c.log.Debug("update handled", "update", in.id, "took", time.Since(start))
	if c.o.OnHandled != nil {
		c.o.OnHandled(in.id)
	}
}

// Every message sent while an update is handled gets an id made of the
// update's id and the message itself, so that handling the update again
// after a crash sends nothing twice.

// handling is what the outbox needs to know of the update being handled.
type handling struct {
	update int64
	mu     sync.Mutex
	person string         // the sender, once known
	seen   map[string]int // ids given out, for identical messages
}

type handlingKey struct{}

func withHandling(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, handlingKey{}, &handling{update: id, seen: map[string]int{}})
}

func handlingOf(ctx context.Context) *handling {
	h, _ := ctx.Value(handlingKey{}).(*handling)
	return h
}

// HandlingUpdate is the id of the update being handled (0 outside one).
func HandlingUpdate(ctx context.Context) int64 {
	if h := handlingOf(ctx); h != nil {
		return h.update
	}
	return 0
}

// SetSender records who sent the update being handled: the answers in
// his chat are his, and a refusal by Telegram marks him unreachable.
func SetSender(ctx context.Context, personID string) {
	if h := handlingOf(ctx); h != nil {
		h.mu.Lock()
		h.person = personID
		h.mu.Unlock()
	}
}

// AnswerTo returns the person a message to chatID answers: the sender of
// the update being handled, if it is his private chat.
func AnswerTo(ctx context.Context, chatID int64) string {
	if h := handlingOf(ctx); h != nil && chatID > 0 {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.person
	}
	return ""
}

// Stamp gives a message the id that makes it exactly once: while an
// update is handled, the update's id and the message's content;
// otherwise it keeps its id (a key of its own, or none).
func Stamp(ctx context.Context, m *deputybot.OutboxMessage) {
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
