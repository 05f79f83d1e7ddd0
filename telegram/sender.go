// Package telegram is deputybot's side of the Bot API: the one sender of
// every message (answers and notifications alike) through the durable
// outbox, at the pace Telegram accepts, and message splitting. It knows
// the Bot API and the outbox's records, nothing of what the messages say.
package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"go.mongodb.org/mongo-driver/v2/bson"

	"deputybot"
)

// Methods of outbox messages (OutboxMessage.Method).
const (
	MethodSend     = ""         // sendMessage
	MethodEdit     = "edit"     // editMessageText of MessageID
	MethodMarkup   = "markup"   // editMessageReplyMarkup of MessageID (empty Keyboard: remove it)
	MethodDocument = "document" // sendDocument: File uploaded as FileName, or FileID; Text is the caption
	MethodPhoto    = "photo"    // sendPhoto: File uploaded as FileName, or FileID; Text is the caption
)

// Store is the durable outbox the sender works from.
type Store interface {
	// Enqueue stores messages, skipping any whose ID is stored already
	// (exactly once), and returns those it stored, each with its Seq.
	Enqueue(ctx context.Context, msgs []deputybot.OutboxMessage, now time.Time) ([]deputybot.OutboxMessage, error)
	// PendingMessages returns up to limit pending messages due at now and
	// not leased by another sender, in Seq order.
	PendingMessages(ctx context.Context, now time.Time, limit int) ([]deputybot.OutboxMessage, error)
	// AllPending returns every pending message, due or not, in Seq order
	// (the store's only sender, at start).
	AllPending(ctx context.Context) ([]deputybot.OutboxMessage, error)
	// LeaseMessage takes a pending message for this sender until until;
	// false if another sender has it.
	LeaseMessage(ctx context.Context, id string, now, until time.Time) (bool, error)
	// RecordSent records the outcome of messages that left the outbox
	// (State sent or failed) and removes them from it.
	RecordSent(ctx context.Context, done []deputybot.OutboxMessage) error
	// RetryLater records a failed attempt and when to try again.
	RetryLater(ctx context.Context, id string, next time.Time, reason string) error
	// SentAlready reports whether the message id went out before.
	SentAlready(ctx context.Context, id string) (bool, error)
}

// Pacer, if the store is one, keeps Telegram's limits for the bot as a
// whole when several replicas send (storage.Store.ReserveSend).
type Pacer interface {
	// ReserveSend gives a message to chat its moment, at or after at,
	// within the budget p. An answer may take any free slot; other sends
	// leave the slots p keeps for answers while they are far ahead.
	ReserveSend(ctx context.Context, chat int64, at time.Time, p deputybot.Pace, answer bool) (time.Time, error)
}

// Metrics are told what the sender did; every method may be called
// concurrently.
type Metrics interface {
	Sent(kind, method string)
	Retried(kind, reason string)
	Failed(kind, reason string)
	TooManyRequests()
}

// SenderOptions configure a Sender.
type SenderOptions struct {
	Limiter *Limiter
	// Workers send at once (default 8), and as many answers beside them.
	Workers int
	// SendTimeout bounds one Bot API call (default 20 s).
	SendTimeout time.Duration
	// Drain is how long a stopping sender may still send the answers it
	// holds (default 5 s); those it cannot send are made again when their
	// updates are handled again at the next start.
	Drain time.Duration
	// MaxAttempts: a message that still fails transiently after this many
	// attempts is recorded as failed (default 50, about four hours).
	MaxAttempts int
	// Shared: other processes send from the same outbox (replicas on
	// MongoDB). Each message is then leased before it is sent, and the
	// outbox is read again now and then for what others enqueued.
	// Otherwise this sender is the store's only one: it reads the pending
	// messages once at start and then knows every message enqueued.
	Shared bool
	// Clock tells the time of every outbox record and every wait: one
	// clock, the wall clock unless a test gives another that runs.
	Clock func() time.Time
	// OnUnreachable is told of a recipient who cannot be reached (blocked
	// the bot, chat gone).
	OnUnreachable func(ctx context.Context, personID, reason string, at time.Time)
	Metrics       Metrics
	Logger        *slog.Logger
	// Redact is removed from every error logged or recorded (the token).
	Redact string
	// BatchWindow is how long a notification that may go with others of
	// its kind (deputybot.Batch) waits for them: those to the same person
	// within the window go as one message. Zero: it goes at once, with
	// whatever of its kind waits already. Reminders and other bulk
	// messages are queued together and never wait.
	BatchWindow time.Duration
}

// Sender delivers the outbox: in order per chat among the messages that
// are due, at the pace of its Limiter, retrying 429 after retry_after and
// network or server errors with capped exponential backoff, and recording
// permanent refusals. A message not yet due (a retry) never holds up the
// chat's later messages.
//
// The outcomes are recorded in batches: whatever was delivered while the
// previous batch was being written is written next, in one go. A message
// delivered in the instant before a crash, before its batch was written,
// is sent again after the restart.
//
// Answers (messages of kind "answer" to the chat of the update being
// handled) are not stored: the update is, until its answers have gone
// (the client marks it done then), and handling it again after a crash
// makes them again. They share the queue, the pace and the accounting of
// stored messages.
type Sender struct {
	api   *tgbot.Bot
	store Store
	lim   *Limiter
	o     SenderOptions
	log   *slog.Logger

	mu       sync.Mutex
	queue    []deputybot.OutboxMessage // pending, not in flight, by Seq
	known    map[string]bool           // ids in queue or in flight
	busyChat map[int64]bool
	inFlight int
	wake     chan struct{}
	// answerWake tells the answers' loop of an answer queued.
	answerWake chan struct{}
	// paceLag is how long the store took to give a shared moment, lately
	// (an average, in nanoseconds).
	paceLag atomic.Int64
	idle    chan struct{}
	isIdle  bool
	fetched bool // shared: the last read found nothing new since the last wake

	progress   time.Time                 // when a call last ended other than "try again" (sent, or refused for good)
	answers    map[string]*handling      // the update each answer in the queue answers
	outcomes   []deputybot.OutboxMessage // to record (RecordSent)
	unrecorded map[string]bool           // ids among outcomes or being recorded
	recordWake chan struct{}
}

// NewSender returns a sender; Run starts it.
func NewSender(api *tgbot.Bot, store Store, o SenderOptions) *Sender {
	if o.Limiter == nil {
		o.Limiter = NewLimiter(LimiterOptions{})
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
	if o.Drain <= 0 {
		o.Drain = 5 * time.Second
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = noMetrics{}
	}
	return &Sender{api: api, store: store, lim: o.Limiter, o: o, log: o.Logger,
		known: map[string]bool{}, busyChat: map[int64]bool{},
		wake: make(chan struct{}, 1), answerWake: make(chan struct{}, 1), idle: make(chan struct{}),
		answers: map[string]*handling{}, unrecorded: map[string]bool{}, recordWake: make(chan struct{}, 1)}
}

type noMetrics struct{}

func (noMetrics) Sent(string, string)    {}
func (noMetrics) Retried(string, string) {}
func (noMetrics) Failed(string, string)  {}
func (noMetrics) TooManyRequests()       {}

// Now is the sender's clock.
func (s *Sender) Now() time.Time { return s.o.Clock() }

// Backlog reports the messages this sender holds (waiting or being
// sent), and since when the sender has kept waiting the message it has
// kept waiting longest (zero if none): a message due, whose chat's pace
// would let it go — the first due of its chat, as the rest of a chat's
// messages wait for their own chat's pace (one person's burst of
// answers, paced one a second, is not a stuck outbox). That is what
// /metrics and /healthz show of the outbox. (On a shared store, what
// this replica has read of it.)
func (s *Sender) Backlog() (n int, oldestDue time.Time) {
	now := s.o.Clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	chats := map[int64]bool{}
	for i := range s.queue {
		m := &s.queue[i]
		if m.NextAt.After(now) || chats[m.ChatID] || s.busyChat[m.ChatID] {
			continue
		}
		chats[m.ChatID] = true
		since := m.CreatedAt
		for _, t := range []time.Time{m.NextAt, s.lim.ChatFreeSince(m.ChatID)} {
			if t.After(since) {
				since = t
			}
		}
		if !since.After(now) && (oldestDue.IsZero() || since.Before(oldestDue)) {
			oldestDue = since
		}
	}
	return len(s.queue) + s.inFlight, oldestDue
}

// Progress is when a send last ended other than "try again later": a
// sender that makes progress is working, however long its queue (zero:
// none yet).
func (s *Sender) Progress() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.progress
}

// Limiter is the pace every call to Telegram keeps.
func (s *Sender) Limiter() *Limiter { return s.lim }

// Enqueue stores messages in the outbox and hands the new ones to the
// sender; answers to the update being handled go straight to the queue.
// A message longer than Telegram takes is split at line ends into several
// (their IDs get ":a", ":b"…; the keyboard goes with the last). Messages
// are due at once (NextAt is left zero), but a notification of a batch
// group, which waits BatchWindow for company.
func (s *Sender) Enqueue(ctx context.Context, msgs []deputybot.OutboxMessage) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	msgs = splitLong(msgs)
	h := handlingOf(ctx)
	var keep []deputybot.OutboxMessage
	now := s.o.Clock()
	s.mu.Lock()
	n := 0
	for i := range msgs {
		m := &msgs[i]
		m.NextAt = time.Time{}
		if m.Batch.Group != "" && m.Kind == KindNotification && s.o.BatchWindow > 0 {
			m.NextAt = now.Add(s.o.BatchWindow)
		}
		if h == nil || m.Kind != KindAnswer || m.ChatID != h.chat {
			keep = append(keep, *m)
			continue
		}
		if m.ID == "" || s.known[m.ID] {
			continue // an answer is sent once per handling
		}
		if h.replay && s.sentBefore(ctx, m.ID) {
			continue // the handling cut off by a stop sent it
		}
		m.Seq, m.State, m.CreatedAt = newSeq(), deputybot.OutboxPending, now
		h.answerQueued()
		s.answers[m.ID] = h
		s.push(*m)
		n++
	}
	s.mu.Unlock()
	if n > 0 {
		s.Wake()
		select {
		case s.answerWake <- struct{}{}:
		default:
		}
	}
	if len(keep) == 0 {
		return n, nil
	}
	stored, err := s.store.Enqueue(ctx, keep, now)
	if len(stored) > 0 {
		s.mu.Lock()
		for _, m := range stored {
			s.push(m)
		}
		s.mu.Unlock()
		s.Wake()
	}
	return n + len(stored), err
}

// sentBefore reports whether an answer of an update handled again went
// out in its first handling (recorded as sent); s.mu is held, and let go
// while the store is asked.
func (s *Sender) sentBefore(ctx context.Context, id string) bool {
	s.mu.Unlock()
	defer s.mu.Lock()
	sent, err := s.store.SentAlready(ctx, id)
	if err != nil {
		s.log.Warn("outbox: whether an answer went before is unknown: it is sent", "id", id, "err", err)
	}
	return sent
}

// KindAnswer is the kind of a message that answers the update being
// handled, in its chat.
const KindAnswer = "answer"

// KindNotification is the kind of a message that tells a person of a
// change made by someone else.
const KindNotification = "notification"

// newSeq orders an answer among the stored messages (their Seq is an
// ObjectID's hex form, increasing).
func newSeq() string { return bson.NewObjectID().Hex() }

// splitLong splits the messages longer than Telegram takes.
func splitLong(msgs []deputybot.OutboxMessage) []deputybot.OutboxMessage {
	var out []deputybot.OutboxMessage
	for _, m := range msgs {
		if m.Method != MethodSend || VisibleLen(m.Text) <= MaxMessageLen {
			out = append(out, m)
			continue
		}
		parts := Split(m.Text, MaxMessageLen)
		for i, p := range parts {
			part := m
			part.Text = p
			part.Batch = deputybot.Batch{} // a long message goes alone
			if m.ID != "" {
				part.ID = m.ID + ":" + string(rune('a'+i))
			}
			if i < len(parts)-1 {
				part.Keyboard = ""
			}
			out = append(out, part)
		}
	}
	return out
}

// push adds m to the queue in Seq order; s.mu is held.
func (s *Sender) push(m deputybot.OutboxMessage) {
	if s.known[m.ID] || s.unrecorded[m.ID] {
		return
	}
	s.known[m.ID] = true
	i, _ := slices.BinarySearchFunc(s.queue, m.Seq, func(x deputybot.OutboxMessage, seq string) int { return strings.Compare(x.Seq, seq) })
	s.queue = slices.Insert(s.queue, i, m)
	if s.isIdle {
		s.idle, s.isIdle = make(chan struct{}), false
	}
}

// Wake tells the sender there may be new work (enqueued by another
// process, in shared mode).
func (s *Sender) Wake() {
	s.mu.Lock()
	s.fetched = false
	if s.isIdle {
		s.idle, s.isIdle = make(chan struct{}), false
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Idle returns a channel closed when nothing waits to be sent and nothing
// is in flight (a notice waiting for its batch window does not count:
// it waits on purpose, and Wake opens the channel again).
func (s *Sender) Idle() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idle
}

// checkIdle closes the idle channel if there is nothing to do; s.mu is
// held.
func (s *Sender) checkIdle() {
	if !s.isIdle && s.onlyHeldLocked() && s.inFlight == 0 && len(s.unrecorded) == 0 && (!s.o.Shared || s.fetched) {
		s.isIdle = true
		close(s.idle)
	}
}

// onlyHeldLocked reports whether every queued message waits for its
// batch window; s.mu is held.
func (s *Sender) onlyHeldLocked() bool {
	if len(s.queue) == 0 {
		return true
	}
	now := s.o.Clock()
	for _, m := range s.queue {
		if m.Batch.Group == "" || m.Attempts > 0 || !m.NextAt.After(now) {
			return false
		}
	}
	return true
}

// Run delivers until ctx ends, then waits for the sends in flight (their
// outcome is recorded).
func (s *Sender) Run(ctx context.Context) {
	s.lim.Restore(s.o.Clock())
	var wg sync.WaitGroup
	recorded := make(chan struct{})
	stopRecording := make(chan struct{})
	go func() {
		defer close(recorded)
		s.recordLoop(stopRecording)
	}()
	defer func() {
		wg.Wait()
		// The answers still queued are not sent: their updates are not
		// done, and are handled again at the next start.
		s.mu.Lock()
		for id, h := range s.answers {
			delete(s.answers, id)
			h.answerDropped()
		}
		s.mu.Unlock()
		close(stopRecording)
		<-recorded
		// The sends are over: the pace they wrote stays for the next start.
		if err := s.lim.Close(); err != nil {
			s.log.Warn("outbox pace file not closed", "err", err)
		}
	}()
	sem := make(chan struct{}, s.o.Workers)
	answerSem := make(chan struct{}, s.o.Workers)
	// launch sends m: a worker waits for its moment and sends it. Answers
	// have workers of their own: the others' may all be waiting for
	// their moments (far ahead when replicas share the budget).
	launch := func(ctx context.Context, m deputybot.OutboxMessage, now time.Time) {
		answer := m.LaneOf() == deputybot.LaneAnswer
		sem := sem
		if answer {
			sem = answerSem
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			s.putBack(m)
			return
		}
		if s.o.Shared && s.answerOf(m) == nil {
			leased, err := s.store.LeaseMessage(ctx, m.ID, now, now.Add(s.o.SendTimeout+time.Minute))
			if err != nil || !leased {
				<-sem
				s.drop(m) // another sender has it, or it changed: the next read tells
				return
			}
			m.With = s.leaseWith(ctx, m.With, now)
		}
		local := s.lim.Reserve(s.o.Clock(), m.LaneOf())
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			// The shared pace is asked here, not in the loop: an answer
			// taken meanwhile does not wait for the store's reply.
			at := s.sharedMoment(ctx, m, local)
			for retake := 0; ; retake++ {
				if !s.sleep(ctx, at.Sub(s.o.Clock())) {
					s.putBack(m) // stopping: it stays pending in the store
					return
				}
				// Late for its moment (the machine busy): another replica's
				// next send to the chat keeps to the moment, not to this, so
				// this takes a new one, far enough ahead for the store's
				// answer to come before it; twice at most (a store slower
				// than that does not stop the send).
				late := s.o.Clock().Sub(at)
				if !s.o.Shared || late <= maxLateOf(answer) || retake == 2 {
					break
				}
				asked := s.o.Clock()
				at = s.sharedMoment(ctx, m, asked.Add(late))
			}
			s.deliver(ctx, m)
		}()
	}
	if !s.o.Shared {
		if err := s.loadAll(ctx); err != nil {
			if ctx.Err() == nil {
				s.log.Error("outbox: read pending", "err", err)
			}
			return
		}
	}
	if s.o.Shared {
		// Answers do not wait for the loop below, which on a shared
		// store asks the store for each other message's lease before it
		// takes the next: this loop takes answers as they are queued.
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.answerLoop(ctx, launch)
		}()
	}
	lastFetch := time.Time{}
	stop := ctx
	draining := false
	for {
		if ctx.Err() != nil {
			// Stopping: the answers already queued may still go, for a
			// moment (their updates are then done); stored messages wait
			// for the next start.
			if draining || !s.hasAnswers() {
				return
			}
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(context.WithoutCancel(stop), s.o.Drain)
			defer cancel()
			draining = true
			continue
		}
		if draining && !s.hasAnswers() {
			return
		}
		now := s.o.Clock()
		if s.o.Shared && !draining && (!s.fetched || now.Sub(lastFetch) >= 2*time.Second) {
			lastFetch = now
			if err := s.fetchDue(ctx, now); err != nil {
				if ctx.Err() == nil {
					s.log.Error("outbox: read pending", "err", err)
				}
				s.sleep(ctx, time.Second)
				continue
			}
		}
		m, wait, ok := s.next(now, draining, false)
		if ok && s.tooManyUnrecorded() {
			// Sent but not yet recorded would be sent again after a crash:
			// their number is bounded (Workers) by waiting for the record.
			s.putBack(m)
			ok, wait = false, time.Second
		}
		if !ok {
			s.mu.Lock()
			s.checkIdle()
			s.mu.Unlock()
			if s.o.Shared {
				wait = min(wait, 2*time.Second)
			}
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
			case <-s.wake:
			case <-timer.C:
			}
			timer.Stop()
			continue
		}
		launch(ctx, m, now)
	}
}

// answerLoop launches the answers that may go, as they are queued, until
// ctx ends.
func (s *Sender) answerLoop(ctx context.Context, launch func(context.Context, deputybot.OutboxMessage, time.Time)) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.answerWake:
		case <-timer.C:
		}
		wait := time.Hour // none queued: till told
		for ctx.Err() == nil {
			if s.tooManyUnrecorded() {
				wait = 50 * time.Millisecond
				break
			}
			now := s.o.Clock()
			m, later, ok := s.next(now, true, true)
			if !ok {
				if later < time.Minute {
					wait = later // an answer waits for its chat or the pace
				}
				break
			}
			launch(ctx, m, now)
		}
		timer.Reset(wait)
	}
}

// maxLate is how late after its moment a send of replicas sharing the
// budget may start; later, it takes a new moment. An answer may start
// as late as the margin of its chat's span (SharedChatMargin): a new
// moment costs it the store's round trips again, and answers are few
// beside the budget's margin.
const (
	maxLate       = 20 * time.Millisecond
	maxLateAnswer = SharedChatMargin
)

func maxLateOf(answer bool) time.Duration {
	if answer {
		return maxLateAnswer
	}
	return maxLate
}

// sharedMoment is when m may go, at or after at, within the bot's budget
// and its chat's over all replicas (the store keeps it); at itself
// without replicas.
func (s *Sender) sharedMoment(ctx context.Context, m deputybot.OutboxMessage, at time.Time) time.Time {
	p, ok := s.store.(Pacer)
	if !ok || !s.o.Shared {
		return at
	}
	// A moment is asked for half as far again ahead as the store took to
	// give one lately: one given for now would be past when it comes,
	// and a late send takes another (maxLate), which costs the store's
	// round trips again (an answer traced: about a second).
	asked := s.o.Clock()
	lag := time.Duration(s.paceLag.Load())
	paced, err := p.ReserveSend(ctx, m.ChatID, later(at, asked.Add(lag+lag/2)), s.lim.Pace(), m.LaneOf() == deputybot.LaneAnswer)
	took := s.o.Clock().Sub(asked)
	s.paceLag.Store(int64(lag - lag/8 + min(took, time.Second)/8))
	if err != nil {
		s.log.Warn("no shared send slot: sent at this replica's own pace", "err", err)
		return at
	}
	return paced
}

// next takes the message that may go now — due, its chat neither busy
// nor past its pace, no earlier due message of its chat waiting — from
// the first lane that has one (deputybot.Lane), the earliest queued of
// that lane. Otherwise it says how long to wait.
//
// answersOnly takes only answers: while stopping (the others wait for the
// next start, and an answer may go before them), or, with inOrder, for
// the answers' loop (an earlier due message of the chat holds its answer
// back, as always).
func (s *Sender) next(now time.Time, answersOnly, inOrder bool) (deputybot.OutboxMessage, time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wait := time.Minute
	seen := map[int64]bool{} // chats whose first due message was looked at
	best, bestLane := -1, deputybot.LaneBulk+1
	// Only answers may take a slot that is not due yet: the others are
	// taken when their paced slot has come, so that none holds a slot an
	// answer coming meanwhile would need.
	pacedAt := s.lim.ReadyAt(now, deputybot.LaneBulk)
	for i := range s.queue {
		m := &s.queue[i]
		if answersOnly && s.answers[m.ID] == nil {
			if inOrder && !m.NextAt.After(now) {
				seen[m.ChatID] = true
			}
			continue
		}
		if m.NextAt.After(now) {
			wait = min(wait, m.NextAt.Sub(now))
			continue // not due: holds nothing up
		}
		if seen[m.ChatID] {
			continue // messages to one chat go in the order queued
		}
		seen[m.ChatID] = true
		if s.busyChat[m.ChatID] {
			continue
		}
		if ready := s.lim.ChatReady(m.ChatID, now); ready.After(now) {
			wait = min(wait, ready.Sub(now))
			continue
		}
		lane := m.LaneOf()
		if lane != deputybot.LaneAnswer && pacedAt.After(now) {
			wait = min(wait, pacedAt.Sub(now))
			continue
		}
		if lane < bestLane {
			best, bestLane = i, lane
			if lane == deputybot.LaneAnswer {
				break // the first answer that may go: none goes before it
			}
		}
	}
	if best < 0 {
		return deputybot.OutboxMessage{}, max(wait, time.Millisecond), false
	}
	m := s.queue[best]
	s.queue = slices.Delete(s.queue, best, best+1)
	m.With = s.gatherLocked(best, m, now)
	s.busyChat[m.ChatID] = true
	s.inFlight++
	return m, 0, true
}

// land ends the flight of a message that was taken, with those that
// went with it; s.mu is held.
func (s *Sender) land(m deputybot.OutboxMessage) {
	s.inFlight--
	delete(s.busyChat, m.ChatID)
	for _, x := range members(m) {
		delete(s.known, x.ID)
	}
}

// putBack returns a message that was taken but not sent (and those
// that were to go with it).
func (s *Sender) putBack(m deputybot.OutboxMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.land(m)
	for _, x := range members(m) {
		s.push(x)
	}
}

// drop forgets a message that was taken but is not ours to send; those
// that were to go with it wait again.
func (s *Sender) drop(m deputybot.OutboxMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.land(m)
	for _, x := range m.With {
		s.push(x)
	}
}

// leaseWith leases the messages that are to go with one just leased;
// those another sender has are forgotten (the next read tells).
func (s *Sender) leaseWith(ctx context.Context, with []deputybot.OutboxMessage, now time.Time) []deputybot.OutboxMessage {
	var kept []deputybot.OutboxMessage
	for _, x := range with {
		if ok, err := s.store.LeaseMessage(ctx, x.ID, now, now.Add(s.o.SendTimeout+time.Minute)); err == nil && ok {
			kept = append(kept, x)
			continue
		}
		s.mu.Lock()
		delete(s.known, x.ID)
		s.mu.Unlock()
	}
	return kept
}

// done records the end of a send: a message to try again later goes back
// in the queue; the outcome of one that left is recorded (a stored
// message), or told to its update (an answer).
func (s *Sender) done(m deputybot.OutboxMessage, again bool) {
	// The chat's spacing counts from the end of this call: the next one
	// to the chat cannot arrive before this one has.
	s.lim.ChatSent(m.ChatID, s.o.Clock())
	s.mu.Lock()
	if !again {
		s.progress = s.o.Clock()
	}
	s.land(m)
	var answered *handling
	switch h := s.answers[m.ID]; {
	case again:
		for _, x := range members(m) {
			s.push(x)
		}
	case h != nil:
		delete(s.answers, m.ID)
		answered = h
	default:
		for _, x := range members(m) {
			s.outcomes = append(s.outcomes, x)
			s.unrecorded[x.ID] = true
		}
	}
	s.checkIdle()
	s.mu.Unlock()
	if answered != nil {
		answered.answerDone()
	}
	for _, c := range []chan struct{}{s.wake, s.recordWake} {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

func (s *Sender) hasAnswers() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.answers) > 0
}

func (s *Sender) tooManyUnrecorded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.unrecorded) >= s.o.Workers
}

func (s *Sender) answerOf(m deputybot.OutboxMessage) *handling {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answers[m.ID]
}

// recordLoop writes the outcomes of sends: all that came while the
// previous write was going, in one write. It returns once stop is closed
// and nothing is left to write.
func (s *Sender) recordLoop(stop <-chan struct{}) {
	ctx := context.Background()
	fail := time.Duration(0)
	for {
		s.mu.Lock()
		batch := s.outcomes
		s.outcomes = nil
		s.mu.Unlock()
		if len(batch) == 0 {
			select {
			case <-s.recordWake:
				continue
			case <-stop:
				s.mu.Lock()
				left := len(s.outcomes)
				s.mu.Unlock()
				if left == 0 {
					return
				}
				continue
			}
		}
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := s.store.RecordSent(rctx, batch)
		cancel()
		s.mu.Lock()
		if err != nil {
			// Kept to write again; after a restart they would be sent again.
			s.outcomes = append(batch, s.outcomes...)
		} else {
			for _, m := range batch {
				delete(s.unrecorded, m.ID)
			}
		}
		s.checkIdle()
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
		if err != nil {
			fail = min(max(2*fail, 100*time.Millisecond), 10*time.Second)
			s.log.Error("outbox: outcomes not recorded yet", "count", len(batch), "err", err, "retry_in", fail)
			select {
			case <-time.After(fail):
			case <-stop:
				if fail >= 10*time.Second {
					s.log.Error("outbox: stopping with outcomes not recorded (those messages may be sent again)", "count", len(batch))
					return
				}
			}
			continue
		}
		fail = 0
	}
}

func (s *Sender) loadAll(ctx context.Context) error {
	msgs, err := s.store.AllPending(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	for _, m := range msgs {
		s.push(m)
	}
	s.mu.Unlock()
	if len(msgs) > 0 {
		s.log.Info("outbox: messages waiting from before the start", "count", len(msgs))
	}
	return nil
}

func (s *Sender) fetchDue(ctx context.Context, now time.Time) error {
	msgs, err := s.store.PendingMessages(ctx, now, 1000)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range msgs {
		if !s.known[m.ID] {
			s.push(m)
			n++
		}
	}
	if n == 0 {
		s.fetched = true
	}
	return nil
}

func (s *Sender) sleep(ctx context.Context, d time.Duration) bool {
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

// deliver sends one message and records the outcome. A send that has
// started is not cut off when the sender stops: it ends within
// SendTimeout, and its outcome is recorded.
func (s *Sender) deliver(ctx context.Context, m deputybot.OutboxMessage) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.o.SendTimeout)
	err := s.call(sctx, m)
	cancel()
	// The outcome is recorded even when the service is stopping.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer rcancel()
	now := s.o.Clock()
	m.Attempts++
	if err == nil || notModified(err) {
		s.log.Debug("outbox: sent", "id", m.ID, "chat", m.ChatID, "method", methodName(m.Method))
		m.State, m.SentAt, m.Error = deputybot.OutboxSent, now, ""
		s.o.Metrics.Sent(m.Kind, methodName(m.Method))
		s.finish(rctx, m, false)
		return
	}
	reason := s.redact(err)
	answer := s.answerOf(m) != nil
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case errors.As(err, &tooMany):
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		s.lim.Pause(now.Add(wait))
		s.o.Metrics.TooManyRequests()
		s.o.Metrics.Retried(m.Kind, "429")
		s.log.Warn("outbox: Telegram asks to slow down", "retry_after", wait)
		m.NextAt, m.Error = now.Add(wait), reason
		if !answer {
			_ = s.store.RetryLater(rctx, m.ID, m.NextAt, reason)
		}
		s.finish(rctx, m, true)
	case Permanent(err):
		s.log.Warn("outbox: refused", "chat", m.ChatID, "method", methodName(m.Method), "err", reason)
		m.State, m.SentAt, m.Error = deputybot.OutboxFailed, now, reason
		s.o.Metrics.Failed(m.Kind, refusal(err))
		if m.PersonID != "" && Unreachable(err) && s.o.OnUnreachable != nil {
			s.o.OnUnreachable(rctx, m.PersonID, reason, now)
		}
		s.finish(rctx, m, false)
	case m.Attempts >= s.o.MaxAttempts:
		s.log.Warn("outbox: given up", "chat", m.ChatID, "method", methodName(m.Method), "attempts", m.Attempts, "err", reason)
		m.State, m.SentAt, m.Error = deputybot.OutboxFailed, now, "gave up after "+reason
		s.o.Metrics.Failed(m.Kind, "gave_up")
		s.finish(rctx, m, false)
	default:
		backoff := min(time.Duration(1<<min(m.Attempts-1, 20))*500*time.Millisecond, 5*time.Minute)
		m.NextAt, m.Error = now.Add(backoff), reason
		s.o.Metrics.Retried(m.Kind, "transient")
		if !answer {
			_ = s.store.RetryLater(rctx, m.ID, m.NextAt, reason)
		}
		s.finish(rctx, m, true)
	}
}

// finish ends a delivery: the messages that went with m share its
// outcome (a retry is stored for each), then done.
func (s *Sender) finish(ctx context.Context, m deputybot.OutboxMessage, again bool) {
	for i := range m.With {
		x := &m.With[i]
		x.Attempts++
		x.State, x.SentAt, x.Error, x.NextAt = m.State, m.SentAt, m.Error, m.NextAt
		if again {
			_ = s.store.RetryLater(ctx, x.ID, x.NextAt, x.Error)
		}
	}
	s.done(m, again)
}

var noPreview = &models.LinkPreviewOptions{IsDisabled: tgbot.True()}

func (s *Sender) call(ctx context.Context, m deputybot.OutboxMessage) error {
	var kb *models.InlineKeyboardMarkup
	if len(m.With) > 0 {
		m.Text, kb = batchContent(m)
	} else if m.Keyboard != "" {
		var k models.InlineKeyboardMarkup
		if json.Unmarshal([]byte(m.Keyboard), &k) == nil {
			kb = &k
		}
	}
	markup := func() models.ReplyMarkup {
		if kb == nil {
			return nil
		}
		return kb
	}
	var err error
	switch m.Method {
	case MethodSend:
		_, err = s.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: m.ChatID, Text: m.Text, ParseMode: models.ParseModeHTML,
			LinkPreviewOptions: noPreview, ReplyMarkup: markup()})
	case MethodEdit:
		_, err = s.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: m.ChatID, MessageID: m.MessageID, Text: m.Text,
			ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview, ReplyMarkup: markup()})
	case MethodMarkup:
		if kb == nil {
			kb = &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}}
		}
		_, err = s.api.EditMessageReplyMarkup(ctx, &tgbot.EditMessageReplyMarkupParams{ChatID: m.ChatID, MessageID: m.MessageID, ReplyMarkup: kb})
	case MethodDocument:
		var doc models.InputFile = &models.InputFileString{Data: m.FileID}
		if len(m.File) > 0 {
			doc = &models.InputFileUpload{Filename: m.FileName, Data: bytes.NewReader(m.File)}
		}
		_, err = s.api.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: m.ChatID, Document: doc, Caption: m.Text,
			ParseMode: models.ParseModeHTML, ReplyMarkup: markup()})
	case MethodPhoto:
		var photo models.InputFile = &models.InputFileString{Data: m.FileID}
		if len(m.File) > 0 {
			photo = &models.InputFileUpload{Filename: m.FileName, Data: bytes.NewReader(m.File)}
		}
		_, err = s.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: m.ChatID, Photo: photo, Caption: m.Text, ParseMode: models.ParseModeHTML})
	default:
		err = errors.New("unknown outbox method " + m.Method)
	}
	return err
}

func methodName(m string) string {
	if m == MethodSend {
		return "send"
	}
	return m
}

// Call makes one Bot API call that is not a stored message (the answer to
// a button press, a command menu) at the limiter's pace. A 429 pauses
// everything for retry_after and the call is tried again, for at most
// 15 s; other errors are returned.
func (s *Sender) Call(ctx context.Context, call func(ctx context.Context) error) error {
	give := s.o.Clock().Add(15 * time.Second)
	for {
		at := s.lim.Reserve(s.o.Clock(), deputybot.LaneAnswer)
		if !s.sleep(ctx, at.Sub(s.o.Clock())) {
			return ctx.Err()
		}
		cctx, cancel := context.WithTimeout(ctx, s.o.SendTimeout)
		err := call(cctx)
		cancel()
		var tooMany *tgbot.TooManyRequestsError
		if !errors.As(err, &tooMany) {
			if err != nil && !notModified(err) {
				return errors.New(s.redact(err))
			}
			return nil
		}
		s.o.Metrics.TooManyRequests()
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		s.lim.Pause(s.o.Clock().Add(wait))
		if s.o.Clock().Add(wait).After(give) {
			return errors.New(s.redact(err))
		}
	}
}

func (s *Sender) redact(err error) string {
	if s.o.Redact == "" {
		return err.Error()
	}
	return strings.ReplaceAll(err.Error(), s.o.Redact, "***")
}

// Permanent reports whether sending again cannot help.
func Permanent(err error) bool {
	return errors.Is(err, tgbot.ErrorForbidden) || errors.Is(err, tgbot.ErrorBadRequest) ||
		errors.Is(err, tgbot.ErrorNotFound) || errors.Is(err, tgbot.ErrorUnauthorized)
}

// Unreachable reports whether a refusal is about the recipient (rather
// than the message).
func Unreachable(err error) bool {
	if errors.Is(err, tgbot.ErrorForbidden) {
		return true
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "chat not found") || strings.Contains(s, "user is deactivated") ||
		strings.Contains(s, "can't initiate") || strings.Contains(s, "blocked")
}

// refusal names a permanent refusal for the metrics.
func refusal(err error) string {
	switch {
	case errors.Is(err, tgbot.ErrorForbidden):
		return "forbidden"
	case errors.Is(err, tgbot.ErrorNotFound):
		return "not_found"
	case errors.Is(err, tgbot.ErrorUnauthorized):
		return "unauthorized"
	}
	return "bad_request"
}

// notModified: an edit that changes nothing is not an error for us.
func notModified(err error) bool {
	return errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified")
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
