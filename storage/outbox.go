package storage

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

// The outbox is two collections:
//
//   - outbox holds the messages waiting to be sent, and only those: the
//     sender's reads never decode what was sent long ago;
//   - sent keeps the record of each message once delivered or refused
//     (state sent or failed, when, why), delivered ones for a week
//     (PruneOutbox), refused ones until an operator looks.
//
// A message with an id of its own (a notice, a reminder step, a digest)
// is taken once ever: enqueueing it again while it waits is a duplicate
// key in outbox, and after it went, its record in sent says so. A message
// is recorded in sent before it leaves outbox, so it is always in one of
// them.
//
// The embedded store reads the whole outbox for any delete but one by
// _id, and a delete by _id is a write of its own. So its only writer
// notes the outcomes of sends in a small collection, gone (each write of
// outcomes is one insert), and moves them to sent and out of the outbox
// in bulk: when a quarter of the outbox (at least a hundred) has gone, at
// a stop, and at the next start if the process died.

// Enqueue stores messages to be sent. A message whose ID is waiting or was
// sent already is skipped (exactly once); the others get a Seq (and an ID
// if they have none). It returns the messages it stored, in order.
func (s *Store) Enqueue(ctx context.Context, msgs []deputybot.OutboxMessage, now time.Time) ([]deputybot.OutboxMessage, error) {
	var todo []deputybot.OutboxMessage
	for _, m := range msgs {
		if m.ID != "" {
			err := s.sent.FindOne(ctx, byID(m.ID), options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
			if err == nil {
				continue // went before
			}
			if !errors.Is(err, mongo.ErrNoDocuments) {
				return nil, err
			}
		}
		m.Seq = newID()
		if m.ID == "" {
			m.ID = m.Seq
		}
		m.State, m.CreatedAt = deputybot.OutboxPending, now
		todo = append(todo, m)
	}
	if len(todo) == 0 {
		return nil, nil
	}
	docs := make([]any, len(todo))
	for i := range todo {
		docs[i] = todo[i]
	}
	dup := map[int]bool{}
	if err := insertUnordered(ctx, s.outbox, docs, func(i int) { dup[i] = true }); err != nil {
		return nil, err
	}
	stored := todo[:0]
	for i, m := range todo {
		if !dup[i] {
			stored = append(stored, m)
		}
	}
	s.outboxMu.Lock()
	s.outboxSize += len(stored)
	s.outboxMu.Unlock()
	return stored, nil
}

// PendingMessages returns up to limit pending messages that are due at
// now (a retry waits for its time; zero NextAt is due at once) and not
// leased by another sender, in enqueue order. A message not yet due is
// not read, so it can hold nothing up.
func (s *Store) PendingMessages(ctx context.Context, now time.Time, limit int) ([]deputybot.OutboxMessage, error) {
	filter := bson.D{
		{Key: "nextAt", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: now}}}}},
		{Key: "leaseUntil", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: now}}}}},
	}
	return s.findOutbox(ctx, s.outbox, filter, limit)
}

// AllPending returns every pending message, due or not, in enqueue order:
// what the store's only sender reads at start (one read of the outbox).
func (s *Store) AllPending(ctx context.Context) ([]deputybot.OutboxMessage, error) {
	if err := s.moveGone(ctx); err != nil {
		return nil, err
	}
	cur, err := s.outbox.Find(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	var out []deputybot.OutboxMessage
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b deputybot.OutboxMessage) int { return strings.Compare(a.Seq, b.Seq) })
	s.outboxMu.Lock()
	s.outboxSize = len(out)
	s.outboxMu.Unlock()
	return out, nil
}

func (s *Store) findOutbox(ctx context.Context, coll *mongo.Collection, filter bson.D, limit int) ([]deputybot.OutboxMessage, error) {
	o := options.Find().SetSort(bson.D{{Key: "seq", Value: 1}})
	if limit > 0 {
		o.SetLimit(int64(limit))
	}
	cur, err := coll.Find(ctx, filter, o)
	if err != nil {
		return nil, err
	}
	var out []deputybot.OutboxMessage
	err = cur.All(ctx, &out)
	return out, err
}

// LeaseMessage takes a pending message for a sender until until; it
// reports false when another sender has it or it left the outbox. On a shared store the decision is made in
// the message's turn (turns.go): the message is read again there, so two
// senders cannot both lease it on any store.
func (s *Store) LeaseMessage(ctx context.Context, id string, now, until time.Time) (bool, error) {
	lease := bson.D{{Key: "$set", Value: bson.D{{Key: "leaseUntil", Value: until}}}}
	if s.single {
		res, err := s.outbox.UpdateOne(ctx, byID(id), lease)
		if err != nil {
			return false, err
		}
		return res.MatchedCount == 1, nil
	}
	leased := false
	_, err := s.tryTurn(ctx, "send:"+id, func(t *turn) error {
		var m struct {
			LeaseUntil time.Time `bson:"leaseUntil"`
		}
		err := s.outbox.FindOne(ctx, byID(id), options.FindOne().SetProjection(bson.D{{Key: "leaseUntil", Value: 1}})).Decode(&m)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil // sent meanwhile
		}
		if err != nil || m.LeaseUntil.After(now) || !s.fresh(t) {
			return err
		}
		res, err := s.outbox.UpdateOne(ctx, bson.D{{Key: "_id", Value: id},
			{Key: "leaseUntil", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: now}}}}}}, lease)
		if err != nil {
			return err
		}
		leased = res.MatchedCount == 1
		return nil
	})
	return leased, err
}

// RecordSent records the outcome of messages that left the outbox: each
// (with State sent or failed, SentAt, Attempts and Error set) is recorded
// in sent, then removed from the outbox. A document's bytes are not kept.
// (The only writer of an embedded store notes them first: see above.)
func (s *Store) RecordSent(ctx context.Context, done []deputybot.OutboxMessage) error {
	if len(done) == 0 {
		return nil
	}
	if s.single {
		return s.noteGone(ctx, done)
	}
	return s.moveToSent(ctx, done)
}

// outcome is what the only writer notes of a message that went.
type outcome struct {
	ID       string    `bson:"_id"`
	State    string    `bson:"state"`
	SentAt   time.Time `bson:"sentAt"`
	Attempts int       `bson:"attempts"`
	Error    string    `bson:"error,omitempty"`
}

func (s *Store) noteGone(ctx context.Context, done []deputybot.OutboxMessage) error {
	notes := make([]any, len(done))
	for i, m := range done {
		notes[i] = outcome{ID: m.ID, State: m.State, SentAt: m.SentAt, Attempts: m.Attempts, Error: m.Error}
	}
	s.outboxMu.Lock()
	if err := insertUnordered(ctx, s.gone, notes, nil); err != nil {
		s.outboxMu.Unlock()
		return err
	}
	if s.goneMsgs == nil {
		s.goneMsgs = map[string]deputybot.OutboxMessage{}
	}
	for _, m := range done {
		s.goneMsgs[m.ID] = m
	}
	due := len(s.goneMsgs) >= max(100, s.outboxSize/4)
	s.outboxMu.Unlock()
	if due {
		return s.moveGone(ctx)
	}
	return nil
}

// moveGone moves the messages noted as gone to sent, out of the outbox.
func (s *Store) moveGone(ctx context.Context) error {
	if !s.single {
		return nil
	}
	s.outboxMu.Lock()
	defer s.outboxMu.Unlock()
	cur, err := s.gone.Find(ctx, bson.D{})
	if err != nil {
		return err
	}
	var notes []outcome
	if err := cur.All(ctx, &notes); err != nil {
		return err
	}
	if len(notes) == 0 {
		return nil
	}
	var done []deputybot.OutboxMessage
	ids := make(bson.A, 0, len(notes))
	for _, o := range notes {
		ids = append(ids, o.ID)
		msg, ok := s.goneMsgs[o.ID]
		if !ok { // noted before a crash: read it
			err := s.outbox.FindOne(ctx, byID(o.ID)).Decode(&msg)
			if errors.Is(err, mongo.ErrNoDocuments) {
				continue // moved before the crash
			}
			if err != nil {
				return err
			}
		}
		msg.State, msg.SentAt, msg.Attempts, msg.Error = o.State, o.SentAt, o.Attempts, o.Error
		done = append(done, msg)
	}
	if err := s.moveToSent(ctx, done); err != nil {
		return err
	}
	if _, err := s.gone.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return err
	}
	s.outboxSize = max(0, s.outboxSize-len(done))
	for _, o := range notes {
		delete(s.goneMsgs, o.ID)
	}
	return nil
}

// moveToSent records messages in sent, then removes them from the outbox.
func (s *Store) moveToSent(ctx context.Context, done []deputybot.OutboxMessage) error {
	if len(done) == 0 {
		return nil
	}
	docs := make([]any, len(done))
	ids := make(bson.A, len(done))
	for i, m := range done {
		m.File, m.LeaseUntil = nil, time.Time{}
		docs[i] = m
		ids[i] = m.ID
	}
	if err := insertUnordered(ctx, s.sent, docs, nil); err != nil {
		return err
	}
	_, err := s.outbox.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	return err
}

// SentAlready reports whether the message id went out before (an
// answer of an update handled again after a stop: the first handling
// may have sent it).
func (s *Store) SentAlready(ctx context.Context, id string) (bool, error) {
	for _, coll := range []*mongo.Collection{s.sent, s.gone} {
		err := coll.FindOne(ctx, byID(id), options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return false, err
		}
	}
	return false, nil
}

// RetryLater records a failed attempt and when to try again.
func (s *Store) RetryLater(ctx context.Context, id string, next time.Time, reason string) error {
	_, err := s.outbox.UpdateOne(ctx, byID(id), bson.D{
		{Key: "$set", Value: bson.D{{Key: "nextAt", Value: next}, {Key: "error", Value: reason}}},
		{Key: "$unset", Value: bson.D{{Key: "leaseUntil", Value: ""}}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
	})
	return err
}

// OutboxMessageByID returns one message, waiting or gone (tests,
// operations), or nil.
func (s *Store) OutboxMessageByID(ctx context.Context, id string) (*deputybot.OutboxMessage, error) {
	if err := s.moveGone(ctx); err != nil {
		return nil, err
	}
	for _, coll := range []*mongo.Collection{s.outbox, s.sent} {
		var m deputybot.OutboxMessage
		err := coll.FindOne(ctx, byID(id)).Decode(&m)
		if err == nil {
			return &m, nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, err
		}
	}
	return nil, nil
}

// OutboxMessages returns every message, waiting or gone, in enqueue order
// (tests, operations).
func (s *Store) OutboxMessages(ctx context.Context) ([]deputybot.OutboxMessage, error) {
	if err := s.moveGone(ctx); err != nil {
		return nil, err
	}
	waiting, err := s.findOutbox(ctx, s.outbox, bson.D{}, 0)
	if err != nil {
		return nil, err
	}
	gone, err := s.findOutbox(ctx, s.sent, bson.D{}, 0)
	if err != nil {
		return nil, err
	}
	all := append(waiting, gone...)
	slices.SortFunc(all, func(a, b deputybot.OutboxMessage) int { return strings.Compare(a.Seq, b.Seq) })
	return all, nil
}

// PruneOutbox forgets messages delivered before t. Refused ones are kept:
// the digest shows them.
func (s *Store) PruneOutbox(ctx context.Context, before time.Time) (int64, error) {
	if err := s.moveGone(ctx); err != nil {
		return 0, err
	}
	res, err := s.sent.DeleteMany(ctx, bson.D{
		{Key: "state", Value: deputybot.OutboxSent},
		{Key: "sentAt", Value: bson.D{{Key: "$lt", Value: before}}},
	})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
