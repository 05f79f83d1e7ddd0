package storage

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// A job's scheduled slot is a claim: the scheduler that inserts it runs
// it, however many schedulers share the database. A slot is done only
// when its work is: a run that failed is tried again after its retry
// time, and a run whose scheduler died (its lease ran out) is taken over.

// Slot states.
const (
	SlotRunning = "running"
	SlotDone    = "done"
	SlotFailed  = "failed"
)

// SlotRecord is a job slot as stored.
type SlotRecord struct {
	ID       string    `bson:"_id"`
	Job      string    `bson:"job"`
	Slot     time.Time `bson:"slot"`
	At       time.Time `bson:"at"` // of the latest attempt
	State    string    `bson:"state,omitempty"`
	Attempts int       `bson:"attempts,omitempty"`
	Lease    time.Time `bson:"lease,omitempty"` // running: the attempt is given up after
	Next     time.Time `bson:"next,omitempty"`  // failed: tried again not before
	Error    string    `bson:"error,omitempty"`
}

// ClaimSlot takes the job's slot for an attempt that may run until
// now+lease: a slot nobody has run, one whose last attempt failed and
// whose retry is due, or one whose runner gave no sign within its lease.
// It reports whether this caller runs it and which attempt this is, or,
// for a failed slot whose retry is not due, when it is. A slot recorded
// before slots had states counts as done.
func (s *Store) ClaimSlot(ctx context.Context, job string, slot, now time.Time, lease time.Duration) (mine bool, attempt int, retry time.Time, err error) {
	key := SlotKey(job, slot)
	_, err = s.slots.InsertOne(ctx, SlotRecord{ID: key, Job: job, Slot: slot, At: now, State: SlotRunning, Attempts: 1, Lease: now.Add(lease)})
	if err == nil {
		return true, 1, time.Time{}, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, 0, time.Time{}, err
	}
	due := bson.A{
		bson.D{{Key: "state", Value: SlotFailed}, {Key: "next", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{{Key: "state", Value: SlotRunning}, {Key: "lease", Value: bson.D{{Key: "$lt", Value: now}}}},
	}
	take := func(filter bson.D) (bool, int, error) {
		var got SlotRecord
		err := s.slots.FindOneAndUpdate(ctx, filter, bson.D{
			{Key: "$set", Value: bson.D{{Key: "state", Value: SlotRunning}, {Key: "at", Value: now}, {Key: "lease", Value: now.Add(lease)}}},
			{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
		}, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&got)
		if err == mongo.ErrNoDocuments {
			return false, 0, nil
		}
		return err == nil, got.Attempts, err
	}
	if s.single {
		mine, attempt, err = take(bson.D{{Key: "_id", Value: key}, {Key: "$or", Value: due}})
	} else {
		// Another process may be at it: the takeover is decided in the
		// turn of this attempt (turns.go), over the record read in it.
		var rec *SlotRecord
		if rec, err = s.Slot(ctx, job, slot); err != nil || rec == nil {
			return false, 0, time.Time{}, err
		}
		if takeable(rec, now) {
			_, err = s.tryTurn(ctx, fmt.Sprintf("slot:%s:%d", key, rec.Attempts), func(t *turn) error {
				again, err := s.Slot(ctx, job, slot)
				if err != nil || again == nil || again.Attempts != rec.Attempts || !takeable(again, now) || !s.fresh(t) {
					return err
				}
				mine, attempt, err = take(bson.D{{Key: "_id", Value: key}, {Key: "attempts", Value: rec.Attempts}, {Key: "$or", Value: due}})
				return err
			})
		}
	}
	if err != nil || mine {
		return mine, attempt, time.Time{}, err
	}
	rec, err := s.Slot(ctx, job, slot)
	if err != nil || rec == nil || rec.State != SlotFailed {
		return false, 0, time.Time{}, err
	}
	return false, 0, rec.Next, nil
}

// takeable: the slot's last attempt failed and its retry is due, or its
// runner gave no sign within its lease.
func takeable(r *SlotRecord, now time.Time) bool {
	return r.State == SlotFailed && !r.Next.After(now) || r.State == SlotRunning && r.Lease.Before(now)
}

// FinishSlot records the outcome of an attempt: done, or failed with the
// time it may be tried again.
func (s *Store) FinishSlot(ctx context.Context, job string, slot, now time.Time, runErr error, retry time.Time) error {
	set := bson.D{{Key: "state", Value: SlotDone}, {Key: "at", Value: now}}
	unset := bson.D{{Key: "lease", Value: ""}, {Key: "next", Value: ""}, {Key: "error", Value: ""}}
	if runErr != nil {
		set = bson.D{{Key: "state", Value: SlotFailed}, {Key: "at", Value: now}, {Key: "next", Value: retry}, {Key: "error", Value: runErr.Error()}}
		unset = bson.D{{Key: "lease", Value: ""}}
	}
	_, err := s.slots.UpdateOne(ctx, byID(SlotKey(job, slot)), bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: unset}})
	return err
}

// Slot returns a slot's record, or nil if it was never claimed.
func (s *Store) Slot(ctx context.Context, job string, slot time.Time) (*SlotRecord, error) {
	var r SlotRecord
	err := s.slots.FindOne(ctx, byID(SlotKey(job, slot))).Decode(&r)
	if err == mongo.ErrNoDocuments {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// SlotKey is a slot's identity: job name and the slot's UTC time.
func SlotKey(job string, slot time.Time) string {
	return job + ":" + slot.UTC().Format(time.RFC3339)
}
