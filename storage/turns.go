package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

// Turns: on a store shared by replicas, a decision that reads a document
// and then writes it — an item's change, a message's lease, the takeover
// of a scheduled slot or of an update a dead replica held — is made by one
// process at a time, the one whose insert of the decision's key (the
// item, the message, the slot) into "turns" succeeded. An insert under
// the unique _id index is the one write every MongoDB-wire store makes
// atomically: MongoDB, FerretDB on PostgreSQL or SQLite, DocumentDB. A
// write conditioned on other fields is not (FerretDB 1.x reads the
// matching document, then writes it back by _id: two writers both
// "match"), so a conditioned write alone decides nothing here; on MongoDB
// the conditions stay as a second guard.
//
// The holder reads the document again inside its turn, writes, and ends
// the turn by deleting it. A holder that dies holding a turn leaves it for
// TurnLease: then another process takes it over by inserting the next key
// of the chain (<key>~1, <key>~2, ...), again a unique insert, so two
// takers cannot both win. A holder that finds its own turn older than
// half the lease gives up before writing (see fresh), so a taken-over
// holder that was merely paused does not write over its successor.
//
// The embedded store's only writer needs none of this: its writes are
// serialised in-process (itemLocks) and go by _id.

// TurnLease is how long a turn stays its holder's: a process that died
// holding one delays that one decision by at most this.
const TurnLease = 10 * time.Second

// turnWait is how long a writer waits for another holder of the same
// turn (an item changed from two replicas at once) before answering
// "busy".
const turnWait = 5 * time.Second

type turnDoc struct {
	ID    string    `bson:"_id"`
	Turn  string    `bson:"turn"`
	N     int       `bson:"n"`
	Owner string    `bson:"owner"`
	Until time.Time `bson:"until"`
}

// turn is a turn this process holds.
type turn struct {
	key   string
	taken time.Time
}

// fresh reports whether the turn is still safely its holder's: taken less
// than half a lease ago by this process's clock (a taker waits the whole
// lease by its own).
func (s *Store) fresh(t *turn) bool {
	return t == nil || s.clock().Sub(t.taken) < TurnLease/2
}

// takeTurn tries to take key's turn once: it reports false when a live
// holder has it.
func (s *Store) takeTurn(ctx context.Context, key string) (*turn, bool, error) {
	now := s.clock()
	doc := turnDoc{ID: key, Turn: key, Owner: s.process, Until: now.Add(TurnLease)}
	_, err := s.turns.InsertOne(ctx, doc)
	if err == nil {
		return &turn{key: key, taken: now}, true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return nil, false, err
	}
	var last turnDoc
	err = s.turns.FindOne(ctx, bson.D{{Key: "turn", Value: key}}, options.FindOne().SetSort(bson.D{{Key: "n", Value: -1}})).Decode(&last)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, false, nil // ended meanwhile: the next try may have it
	}
	if err != nil {
		return nil, false, err
	}
	if last.Until.After(now) {
		return nil, false, nil
	}
	doc.N = last.N + 1
	doc.ID = fmt.Sprintf("%s~%d", key, doc.N)
	if _, err := s.turns.InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return nil, false, nil // another taker was first
		}
		return nil, false, err
	}
	s.log.Warn("turn taken over from a holder that gave no sign", "turn", key, "holder", last.Owner, "until", last.Until)
	return &turn{key: key, taken: now}, true, nil
}

// endTurn ends a turn (the whole chain of its takeovers).
func (s *Store) endTurn(ctx context.Context, t *turn) {
	if t == nil {
		return
	}
	if _, err := s.turns.DeleteMany(context.WithoutCancel(ctx), bson.D{{Key: "turn", Value: t.key}}); err != nil {
		// Left behind, it delays the next decision on key by TurnLease.
		s.log.Warn("turn not ended", "turn", t.key, "err", err)
	}
}

// inTurn runs f holding key's turn, waiting up to turnWait for a live
// holder; on the embedded store's only writer it just runs f (with a nil
// turn). It answers ECONFLICT "busy" when the turn did not come.
func (s *Store) inTurn(ctx context.Context, key string, f func(t *turn) error) error {
	if s.single {
		return f(nil)
	}
	delay, waited := time.Millisecond, time.Duration(0)
	for {
		t, ok, err := s.takeTurn(ctx, key)
		if err != nil {
			return err
		}
		if ok {
			defer s.endTurn(ctx, t)
			return f(t)
		}
		if waited >= turnWait {
			return deputybot.Errorf(deputybot.ECONFLICT, "err.busy")
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		waited += delay
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// tryTurn runs f if key's turn is free now, and reports whether it ran:
// for decisions another process makes as well (a lease, a takeover),
// where finding it taken means someone else is at it.
func (s *Store) tryTurn(ctx context.Context, key string, f func(t *turn) error) (bool, error) {
	if s.single {
		return true, f(nil)
	}
	t, ok, err := s.takeTurn(ctx, key)
	if err != nil || !ok {
		return false, err
	}
	defer s.endTurn(ctx, t)
	return true, f(t)
}
