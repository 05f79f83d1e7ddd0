package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

// The bot's inbox is two collections:
//
//   - inbox holds the updates received, with their payload and the
//     process handling them (owner, until: a claim that expires). Every
//     update is written here before it is confirmed to Telegram; a batch
//     of getUpdates is one insert. Handled ones are removed a hundred at
//     a time, so it stays small.
//   - updates records, by _id "upd:<update id>", the updates handled in
//     the last two days (Telegram may deliver one again within a day),
//     written in batches as updates are done: an update is done when its
//     record is written.
//
// A delivery of an update seen before is recognised by a duplicate key in
// inbox, or by its record in updates. The record is looked up only for an
// update that may have been handled before (not newer than every update
// received until the start), or always on a shared store, where another
// replica may have handled it.

type inboxDoc struct {
	ID         string    `bson:"_id"` // "upd:<update id>"
	UpdateID   int64     `bson:"updateId"`
	ChatID     int64     `bson:"chatId"`
	Payload    []byte    `bson:"payload"`
	ReceivedAt time.Time `bson:"receivedAt"`
	Owner      string    `bson:"owner"` // the process handling it
	Until      time.Time `bson:"until"` // its claim expires
	// Attempts counts the handlings begun again after a stop (a replay
	// or a takeover); SetAside is when it was given up on (it stays here,
	// out of every replay, for the operator, until PruneUpdates).
	Attempts int        `bson:"attempts,omitempty"`
	SetAside *time.Time `bson:"setAside,omitempty"`
}

// notSetAside is the filter of the updates still to be handled.
var notSetAside = bson.E{Key: "setAside", Value: bson.D{{Key: "$exists", Value: false}}}

type handledDoc struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
}

func updateKey(id int64) string { return "upd:" + strconv.FormatInt(id, 10) }

// UpdateLease is how long a process's claim on an update it received
// lasts unless renewed: on a shared store a replica renews its claims
// while it lives (RenewUpdates, every 10 s: telegram.UpdateRenew), and
// another takes over an update whose claim expired (its process died) —
// within UpdateLease and a sweep.
const UpdateLease = 45 * time.Second

// RenewUpdates extends this process's claims on the updates it holds
// (shared store: a replica alive keeps what it is handling).
func (s *Store) RenewUpdates(ctx context.Context, now time.Time) error {
	if s.single {
		return nil
	}
	_, err := s.inbox.UpdateMany(ctx, bson.D{{Key: "owner", Value: s.process}, notSetAside},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: now.Add(UpdateLease)}}}})
	return err
}

// RecordUpdates stores a batch of received updates (one insert) and
// reports which are new; false: received before (Telegram delivered it
// again), not to be handled again.
func (s *Store) RecordUpdates(ctx context.Context, ups []deputybot.InboxUpdate, now time.Time) ([]bool, error) {
	fresh := make([]bool, len(ups))
	if len(ups) == 0 {
		return fresh, nil
	}
	docs := make([]any, len(ups))
	for i, u := range ups {
		docs[i] = inboxDoc{ID: updateKey(u.ID), UpdateID: u.ID, ChatID: u.ChatID, Payload: u.Payload,
			ReceivedAt: now, Owner: s.process, Until: now.Add(UpdateLease)}
		fresh[i] = true
	}
	if err := insertUnordered(ctx, s.inbox, docs, func(i int) { fresh[i] = false }); err != nil {
		return nil, err
	}
	for i, u := range ups {
		if !fresh[i] || (s.single && u.ID > s.handledUpTo()) {
			continue
		}
		err := s.updates.FindOne(ctx, byID(updateKey(u.ID))).Err()
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, err
		}
		// Handled before: take back the claim just made.
		fresh[i] = false
		if _, err := s.inbox.DeleteOne(ctx, bson.D{{Key: "_id", Value: updateKey(u.ID)}, {Key: "owner", Value: s.process}}); err != nil {
			return nil, err
		}
	}
	return fresh, nil
}

// RecordUpdate stores one received update (RecordUpdates of one).
func (s *Store) RecordUpdate(ctx context.Context, updateID, chatID int64, payload []byte, now time.Time) (bool, error) {
	fresh, err := s.RecordUpdates(ctx, []deputybot.InboxUpdate{{ID: updateID, ChatID: chatID, Payload: payload}}, now)
	if err != nil {
		return false, err
	}
	return fresh[0], nil
}

// insertUnordered inserts docs in one unordered InsertMany and reports
// those that were there already (duplicate _id) to dup, by index; any
// other error is returned.
func insertUnordered(ctx context.Context, coll *mongo.Collection, docs []any, dup func(i int)) error {
	_, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) {
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) {
				return err
			}
			if dup != nil {
				dup(we.Index)
			}
		}
		if bwe.WriteConcernError != nil {
			return err
		}
		return nil
	}
	return err
}

// MarkUpdatesDone records that the updates were handled (one insert).
// Their inbox documents are removed later, a hundred at a time.
func (s *Store) MarkUpdatesDone(ctx context.Context, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	docs := make([]any, len(ids))
	for i, id := range ids {
		docs[i] = handledDoc{ID: updateKey(id), At: now}
	}
	if err := insertUnordered(ctx, s.updates, docs, nil); err != nil {
		return err
	}
	s.inboxMu.Lock()
	s.doneInInbox = append(s.doneInInbox, ids...)
	full := len(s.doneInInbox) >= 100
	s.inboxMu.Unlock()
	if full {
		return s.clearInbox(ctx)
	}
	return nil
}

// clearInbox removes the handled updates from the inbox (one delete: the
// embedded store reads the whole, small, collection for it). Before, the
// only writer records the newest update it has seen: with the inbox, that
// is how it knows at start which deliveries are surely new.
func (s *Store) clearInbox(ctx context.Context) error {
	s.inboxMu.Lock()
	ids := s.doneInInbox
	s.doneInInbox = nil
	s.inboxMu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if s.single {
		if _, err := s.meta.UpdateOne(ctx, byID("inbox"), bson.D{{Key: "$max", Value: bson.D{{Key: "handled", Value: slices.Max(ids)}}}},
			options.UpdateOne().SetUpsert(true)); err != nil {
			s.putBackDone(ids)
			return err
		}
	}
	keys := make(bson.A, len(ids))
	for i, id := range ids {
		keys[i] = updateKey(id)
	}
	// From now on a delivery of one of these is recognised by its record
	// only: look it up for any update not newer.
	s.inboxMu.Lock()
	s.handled = max(s.handled, slices.Max(ids))
	s.inboxMu.Unlock()
	if _, err := s.inbox.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}, notSetAside}); err != nil {
		s.putBackDone(ids)
		return err
	}
	return nil
}

func (s *Store) putBackDone(ids []int64) {
	s.inboxMu.Lock()
	s.doneInInbox = append(ids, s.doneInInbox...)
	s.inboxMu.Unlock()
}

// MarkUpdateDone records that one update was handled.
func (s *Store) MarkUpdateDone(ctx context.Context, updateID int64, now time.Time) error {
	return s.MarkUpdatesDone(ctx, []int64{updateID}, now)
}

// handledUpTo is the newest update that may have left the inbox: a
// delivery of an update not newer is looked up in the records.
func (s *Store) handledUpTo() int64 {
	s.inboxMu.Lock()
	defer s.inboxMu.Unlock()
	return s.handled
}

// loadHandledUpTo finds the newest update seen before this start (single
// writer only): recorded when the inbox was last cleared, or in the inbox.
func (s *Store) loadHandledUpTo(ctx context.Context) error {
	var m struct {
		Handled int64 `bson:"handled"`
	}
	err := s.meta.FindOne(ctx, byID("inbox")).Decode(&m)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return err
	}
	cur, err := s.inbox.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "updateId", Value: 1}}))
	if err != nil {
		return err
	}
	var docs []struct {
		UpdateID int64 `bson:"updateId"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return err
	}
	s.handled = m.Handled
	for _, d := range docs {
		s.handled = max(s.handled, d.UpdateID)
	}
	return nil
}

// PendingUpdates returns the payloads of updates received but not handled,
// oldest first, and claims them for this process: every one (the store's
// only writer), or those no live process holds (a shared store: their
// claim expired, as a replica that died leaves them).
func (s *Store) PendingUpdates(ctx context.Context, now time.Time) ([][]byte, error) {
	filter := bson.D{notSetAside}
	if !s.single {
		filter = append(filter, bson.E{Key: "until", Value: bson.D{{Key: "$lt", Value: now}}})
	}
	cur, err := s.inbox.Find(ctx, filter)
	if err != nil {
		return nil, err
	}
	var docs []inboxDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	slices.SortFunc(docs, func(a, b inboxDoc) int { return cmp.Compare(a.UpdateID, b.UpdateID) })
	out := make([][]byte, 0, len(docs))
	for _, d := range docs {
		// Handled, and not yet cleared from the inbox?
		err := s.updates.FindOne(ctx, byID(d.ID)).Err()
		if err == nil {
			s.inboxMu.Lock()
			s.doneInInbox = append(s.doneInInbox, d.UpdateID)
			s.inboxMu.Unlock()
			continue
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return nil, err
		}
		if !s.single {
			// Take it over only if no one else did since it was read: in
			// the turn of this claim (turns.go), over the claim read again.
			took := false
			filter := bson.D{{Key: "_id", Value: d.ID}, {Key: "owner", Value: d.Owner}, {Key: "until", Value: d.Until}}
			_, err := s.tryTurn(ctx, fmt.Sprintf("inbox:%s:%d", d.ID, d.Until.UnixNano()), func(t *turn) error {
				n, err := s.inbox.CountDocuments(ctx, filter)
				if err != nil || n == 0 || !s.fresh(t) {
					return err
				}
				res, err := s.inbox.UpdateOne(ctx, filter,
					bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: s.process}, {Key: "until", Value: now.Add(UpdateLease)}}}})
				took = err == nil && res.ModifiedCount == 1
				return err
			})
			if err != nil {
				return nil, err
			}
			if !took {
				continue
			}
		}
		out = append(out, d.Payload)
	}
	return out, nil
}

// MaxUpdateRetries is how many times an update whose handling was cut
// off (the process died: killed for memory, a crash) is handled again
// before it is set aside: an update that kills the service every time
// must not take it down at every restart.
const MaxUpdateRetries = 2

// RetryUpdate records that the handling of an update is begun again
// after a stop and reports how many times that has happened; set aside:
// more than MaxUpdateRetries, the update is given up on (kept, out of
// every replay, for the operator) and is not to be handled.
func (s *Store) RetryUpdate(ctx context.Context, updateID int64, now time.Time) (attempts int, setAside bool, err error) {
	var d inboxDoc
	err = s.inbox.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: updateKey(updateID)}, notSetAside},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, true, nil // set aside or removed meanwhile: not to be handled
	}
	if err != nil {
		return 0, false, err
	}
	if d.Attempts <= MaxUpdateRetries {
		return d.Attempts, false, nil
	}
	if _, err := s.inbox.UpdateOne(ctx, byID(updateKey(updateID)), bson.D{{Key: "$set", Value: bson.D{{Key: "setAside", Value: now}}}}); err != nil {
		return d.Attempts, false, err
	}
	return d.Attempts, true, nil
}

// SetAsideUpdates returns the updates given up on, oldest first: their
// id, when, and their payload's size (for the operator).
func (s *Store) SetAsideUpdates(ctx context.Context) ([]deputybot.SetAsideUpdate, error) {
	cur, err := s.inbox.Find(ctx, bson.D{{Key: "setAside", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		return nil, err
	}
	var docs []inboxDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]deputybot.SetAsideUpdate, len(docs))
	for i, d := range docs {
		out[i] = deputybot.SetAsideUpdate{ID: d.UpdateID, ReceivedAt: d.ReceivedAt, SetAside: *d.SetAside, Attempts: d.Attempts, Size: len(d.Payload)}
	}
	slices.SortFunc(out, func(a, b deputybot.SetAsideUpdate) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ReleaseUpdates gives up this process's claims on the updates it has not
// handled (it is stopping): on a shared store any replica, or this one
// started again, takes them at once rather than when the claims expire.
func (s *Store) ReleaseUpdates(ctx context.Context) error {
	if err := s.clearInbox(ctx); err != nil {
		return err
	}
	if s.single {
		return nil // the only writer takes every pending update at start
	}
	_, err := s.inbox.UpdateMany(ctx, bson.D{{Key: "owner", Value: s.process}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: ""}, {Key: "until", Value: time.Time{}}}}})
	return err
}

// SetAsideKept is how much longer than a handled update's record an update
// set aside is kept.
const SetAsideKept = 28 * 24 * time.Hour

// PruneUpdates forgets the records of updates handled before t. Telegram
// keeps an unconfirmed update for 24 hours, so records older than that are
// not needed to recognise a redelivery.
func (s *Store) PruneUpdates(ctx context.Context, before time.Time) (int64, error) {
	if err := s.clearInbox(ctx); err != nil {
		return 0, err
	}
	// Updates set aside are kept 30 days for the operator.
	if _, err := s.inbox.DeleteMany(ctx, bson.D{{Key: "setAside", Value: bson.D{{Key: "$lt", Value: before.Add(-SetAsideKept)}}}}); err != nil {
		return 0, err
	}
	res, err := s.updates.DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}},
		bson.D{{Key: "receivedAt", Value: bson.D{{Key: "$lt", Value: before}}}}, // recorded before schema 4
	}}}, options.DeleteMany())
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
