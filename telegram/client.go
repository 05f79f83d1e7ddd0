package telegram

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"deputybot"
	"deputybot/internal/crash"
)

// Inbox is the durable record of received updates: each is recorded
// before it is confirmed to Telegram and marked done once handled and
// answered, so none is lost to a crash and none is handled twice.
type Inbox interface {
	// RecordUpdates stores a batch of updates and says which are new;
	// false: recorded before (Telegram delivered it again).
	RecordUpdates(ctx context.Context, ups []deputybot.InboxUpdate, now time.Time) ([]bool, error)
	// MarkUpdatesDone records that the updates were handled.
	MarkUpdatesDone(ctx context.Context, ids []int64, now time.Time) error
	// PendingUpdates returns recorded, unhandled updates that no other
	// live process holds, oldest first, and takes them.
	PendingUpdates(ctx context.Context, now time.Time) ([][]byte, error)
	// ReleaseUpdates gives up this process's hold on the updates it has
	// not handled (it is stopping).
	ReleaseUpdates(ctx context.Context) error
	// RenewUpdates extends this process's hold on the updates it has
	// (several replicas: a live one keeps them).
	RenewUpdates(ctx context.Context, now time.Time) error
	// RetryUpdate records that an update's handling is begun again after
	// a stop; setAside: it was cut off too many times, and is given up on.
	RetryUpdate(ctx context.Context, updateID int64, now time.Time) (attempts int, setAside bool, err error)
}

// Handler handles updates (the chat interface).
type Handler interface {
	// Handle handles one update. The context gives the messages it
	// sends their ids.
	Handle(ctx context.Context, u *models.Update)
	// Recovered is told of an update whose handler panicked (the panic
	// is recovered and logged with its stack): it may apologise.
	Recovered(ctx context.Context, u *models.Update)
	// SetAside is told of an update given up on, instead of handling
	// it: its handling took the process down too many times.
	SetAside(ctx context.Context, u *models.Update)
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
	// OnHandled, if set, is called after each update has been handled,
	// answered and marked done (tests wait on it; it must not block).
	OnHandled func(updateID int64)
	// DoneDelay gathers the updates done within it into one write of the
	// inbox (default 250 ms; negative: none). An update done but not yet
	// written when the process dies is handled again after the restart
	// (its answers sent again).
	DoneDelay time.Duration
	// OnPanic, if set, is called when a handler panicked.
	OnPanic func()
	// OnSetAside, if set, is called when an update is given up on.
	OnSetAside func()
	// OnReceived, if set, is called at each sign that Telegram reaches
	// the bot: a getUpdates answered, a webhook call recorded, or (in
	// webhook mode, every minute) getWebhookInfo reporting no delivery
	// error since the last call. at is by the sender's clock.
	OnReceived func(at time.Time)
	// OnProcessed, if set, is called when a handler returned, with the
	// update's kind (command, message, file, button, other) and the time
	// it took.
	OnProcessed func(kind string, took time.Duration)
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

	doneMu     sync.Mutex
	doneIDs    []int64       // handled and answered, not yet marked done
	doneWake   chan struct{} // something to mark
	doneStop   chan struct{} // closed: mark what is left, then return
	doneOver   chan struct{} // closed when the marking loop has returned
	doneIdle   chan struct{} // closed when nothing waits to be marked
	doneIsIdle bool
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
	if o.DoneDelay == 0 {
		o.DoneDelay = 250 * time.Millisecond
	}
	c := &Client{o: o, inbox: inbox, log: o.Logger, pollClient: &http.Client{Timeout: o.PollTimeout + 15*time.Second},
		doneWake: make(chan struct{}, 1), doneStop: make(chan struct{}), doneOver: make(chan struct{}), doneIdle: make(chan struct{}), doneIsIdle: true}
	close(c.doneIdle)
	api, err := tgbot.New(o.Token,
		tgbot.WithServerURL(o.APIURL),
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(30*time.Second, &http.Client{Timeout: 30 * time.Second, Transport: wholeBodies{apiTransport(o.Outbox.Workers)}}),
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

// apiTransport keeps a connection to the Bot API open for each of the
// sender's workers (and the calls made beside them): Go's default keeps
// two, and every other send would open a new connection (a TLS handshake
// with api.telegram.org).
func apiTransport(workers int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(workers, 8) + 4
	return t
}

// wholeBodies sends each request body in one piece, with its length.
// go-telegram/bot streams its multipart forms through a pipe, which Go
// sends chunked, each form field a chunk and a write to the socket of its
// own (several per message); a message is small, and a document is in
// memory already.
type wholeBodies struct{ next http.RoundTripper }

func (w wholeBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.ContentLength > 0 {
		return w.next.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.ContentLength = int64(len(body))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return w.next.RoundTrip(r)
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
	go c.markLoop()
	if c.o.Outbox.Shared {
		go c.sweep(ctx)
	}
	return c.replayPending(ctx)
}

// sweep keeps this replica's claims on its updates alive (every
// UpdateRenew) and takes over, every UpdateSweep, the updates a replica
// that died left half handled (their claims expired).
func (c *Client) sweep(ctx context.Context) {
	renew := time.NewTicker(UpdateRenew)
	defer renew.Stop()
	t := time.NewTicker(UpdateSweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.doneStop:
			return
		case <-renew.C:
			if err := c.inbox.RenewUpdates(ctx, c.sender.Now()); err != nil && ctx.Err() == nil {
				c.log.Warn("renew the claims on updates being handled", "err", err)
			}
		case <-t.C:
			if err := c.replayPending(ctx); err != nil && ctx.Err() == nil {
				c.log.Error("take over updates of a stopped replica", "err", err)
			}
		}
	}
}

// UpdateSweep is how often a replica looks for updates another one left,
// UpdateRenew how often it renews its own claims: with the store's lease
// (45 s), a dead replica's updates are taken over within a minute.
const (
	UpdateSweep = 15 * time.Second
	UpdateRenew = 10 * time.Second
)

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
	c.received()
	go c.watchWebhook(ctx)
	return nil
}

// watchWebhook asks Telegram every minute how delivering to the webhook
// goes: no new delivery error since the last answer is a sign of life
// when nobody writes to the bot. (Telegram's error times are compared
// only with each other, never with this process's clock.)
func (c *Client) watchWebhook(ctx context.Context) {
	var lastError int
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Minute):
		}
		info, err := c.api.GetWebhookInfo(ctx)
		if err != nil {
			c.log.Warn("getWebhookInfo failed", "err", redactToken(err, c.o.Token))
			continue
		}
		if info.LastErrorDate != lastError {
			lastError = info.LastErrorDate
			c.log.Warn("Telegram cannot deliver to the webhook", "error", info.LastErrorMessage, "pending", info.PendingUpdateCount)
			continue
		}
		c.received()
	}
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
	// The updates answered by now are marked done.
	c.doneMu.Lock()
	select {
	case <-c.doneStop:
	default:
		close(c.doneStop)
	}
	c.doneMu.Unlock()
	select {
	case <-c.doneOver:
	case <-ctx.Done():
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	if err := c.inbox.ReleaseUpdates(rctx); err != nil {
		c.log.Warn("updates not released (other replicas take them when the hold expires)", "err", err)
	}
}

// Handled returns a channel closed when every update handled and answered
// so far has been marked done.
func (c *Client) Handled() <-chan struct{} {
	c.doneMu.Lock()
	defer c.doneMu.Unlock()
	return c.doneIdle
}

// doneLater queues an update, handled and answered, to be marked done.
func (c *Client) doneLater(id int64) {
	c.doneMu.Lock()
	c.doneIDs = append(c.doneIDs, id)
	if c.doneIsIdle {
		c.doneIdle, c.doneIsIdle = make(chan struct{}), false
	}
	c.doneMu.Unlock()
	select {
	case c.doneWake <- struct{}{}:
	default:
	}
}

// markLoop marks updates done: those that came within DoneDelay of the
// first, and all that came while the previous write was going, in one
// write. A crash before the write leaves them to be handled again (their
// answers are sent again).
func (c *Client) markLoop() {
	defer close(c.doneOver)
	fail := time.Duration(0)
	stopping := false
	for {
		c.doneMu.Lock()
		n := len(c.doneIDs)
		if n == 0 && !c.doneIsIdle {
			c.doneIsIdle = true
			close(c.doneIdle)
		}
		c.doneMu.Unlock()
		if n == 0 {
			if stopping {
				return
			}
			select {
			case <-c.doneWake:
			case <-c.doneStop:
				stopping = true
			}
			continue
		}
		if c.o.DoneDelay > 0 && !stopping && fail == 0 {
			select {
			case <-time.After(c.o.DoneDelay):
			case <-c.doneStop:
				stopping = true
			}
		}
		c.doneMu.Lock()
		ids := c.doneIDs
		c.doneIDs = nil
		c.doneMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := c.inbox.MarkUpdatesDone(ctx, ids, c.sender.Now())
		cancel()
		if err != nil {
			c.doneMu.Lock()
			c.doneIDs = append(ids, c.doneIDs...)
			c.doneMu.Unlock()
			fail = min(max(2*fail, 100*time.Millisecond), 10*time.Second)
			c.log.Error("updates handled but not marked done yet", "count", len(ids), "err", err, "retry_in", fail)
			if stopping && fail >= 10*time.Second {
				c.log.Error("stopping with updates not marked done (they are handled again at the next start)", "count", len(ids))
				return
			}
			select {
			case <-time.After(fail):
			case <-c.doneStop:
				stopping = true
			}
			continue
		}
		fail = 0
		for _, id := range ids {
			c.log.Debug("update done", "update", id)
			if c.o.OnHandled != nil {
				c.o.OnHandled(id)
			}
		}
	}
}

// Idle returns a channel closed when no update is waiting or running.
func (c *Client) Idle() <-chan struct{} { return c.dispatch.Idle() }

// process hands one update to the handler, recovering a panic. The
// update is marked done once it was handled and its answers have gone.
func (c *Client) process(ctx context.Context, in *incoming) {
	start := time.Now()
	h := &handling{update: in.id, chat: in.chatID, replay: in.replay, seen: map[string]int{}, finish: func(ok bool) {
		if ok {
			c.doneLater(in.id)
		}
	}}
	ctx = context.WithValue(ctx, handlingKey{}, h)
	if in.replay {
		if handle, done := c.retry(ctx, in); !handle {
			h.handlerDone(done)
			return
		}
	}
	if crash.Armed() && in.update.Message != nil {
		crash.Point("handling:" + in.update.Message.Text)
	}
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
	// Cut off by shutdown: it stays pending, to be handled again.
	h.handlerDone(ctx.Err() == nil)
	if c.o.OnProcessed != nil {
		c.o.OnProcessed(UpdateKind(in.update), time.Since(start))
	}
	c.log.Debug("update handled", "update", in.id, "took", time.Since(start))
}

// retry records that a replayed update's handling begins again, and
// reports whether to handle it. One whose handling was cut off more than
// the bound (it took the process down each time) is set aside: its
// sender is told, and the operator (an error in the log, a metric), and
// it is done. One whose retry cannot be recorded is left pending, for the
// next start.
func (c *Client) retry(ctx context.Context, in *incoming) (handle, done bool) {
	attempts, aside, err := c.inbox.RetryUpdate(ctx, in.id, c.sender.Now())
	switch {
	case err != nil:
		c.log.Error("update not retried: its attempt could not be recorded (it is tried at the next start)", "update", in.id, "err", err)
		return false, false
	case aside && attempts == 0:
		return false, false // set aside by another replica meanwhile
	case aside:
		c.log.Error("update set aside: its handling was cut off each time it was tried", "update", in.id,
			"attempts", attempts, "kind", UpdateKind(in.update), "bytes", len(in.raw))
		if c.o.OnSetAside != nil {
			c.o.OnSetAside()
		}
		c.handler.SetAside(ctx, in.update)
		return false, true
	}
	c.log.Info("update handled again after a stop", "update", in.id, "attempt", attempts)
	return true, false
}

// Every message sent while an update is handled gets an id made of the
// update's id and the message itself, so that handling the update again
// after a crash sends nothing twice.

// handling is what the outbox needs to know of the update being handled.
type handling struct {
	update int64
	chat   int64
	replay bool // handled again after a stop
	mu     sync.Mutex
	person string         // the sender, once known
	seen   map[string]int // ids given out, for identical messages
	// The update is done when its handler has returned and its answers
	// have gone: finish(true), once. An answer dropped (the sender
	// stopped) or a handler cut off leaves it pending: finish(false).
	answers  int
	returned bool
	dropped  bool
	finished bool
	finish   func(ok bool)
}

type handlingKey struct{}

func (h *handling) answerQueued() {
	h.mu.Lock()
	h.answers++
	h.mu.Unlock()
}

func (h *handling) answerDone() { h.settle(func() { h.answers-- }) }

func (h *handling) answerDropped() { h.settle(func() { h.answers--; h.dropped = true }) }

func (h *handling) handlerDone(ok bool) {
	h.settle(func() {
		h.returned = true
		if !ok {
			h.dropped = true
		}
	})
}

func (h *handling) settle(change func()) {
	h.mu.Lock()
	change()
	done := h.returned && h.answers == 0 && !h.finished
	if done {
		h.finished = true
	}
	ok := !h.dropped
	h.mu.Unlock()
	if done && h.finish != nil {
		h.finish(ok)
	}
}

func handlingOf(ctx context.Context) *handling {
	h, _ := ctx.Value(handlingKey{}).(*handling)
	return h
}

// Replayed reports whether the update being handled is handled again
// after a stop (its first handling may have gone some way).
func Replayed(ctx context.Context) bool {
	h := handlingOf(ctx)
	return h != nil && h.replay
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

// UpdateKind names what an update is, for metrics: command, message,
// file, button, or other.
func UpdateKind(u *models.Update) string {
	switch {
	case u == nil:
		return "other"
	case u.CallbackQuery != nil:
		return "button"
	case u.Message == nil:
		return "other"
	case u.Message.Document != nil || len(u.Message.Photo) > 0:
		return "file"
	case strings.HasPrefix(u.Message.Text, "/"):
		return "command"
	}
	return "message"
}

// received tells OnReceived that Telegram reached the bot.
func (c *Client) received() {
	if c.o.OnReceived != nil {
		c.o.OnReceived(c.sender.Now())
	}
}
