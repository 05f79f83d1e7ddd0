package storage

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Claim records that key has been used, and reports whether this call
// was the first to do so. It is an insert under the unique _id index:
// atomic on MongoDB and on the embedded store, across connections and
// processes. Used for "exactly once" (an invitation redeemed, a reminder
// step sent).
func (s *Store) Claim(ctx context.Context, key string, now time.Time) (bool, error) {
	_, err := s.claims.InsertOne(ctx, struct {
		ID string    `bson:"_id"`
		At time.Time `bson:"at"`
	}{key, now})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

// Senders running on a shared store (MongoDB) record that they are alive,
// so that a command-line job leaves its messages to them.

// BeatSender records that the sender id runs until until.
func (s *Store) BeatSender(ctx context.Context, id string, until time.Time) error {
	_, err := s.meta.UpdateOne(ctx, byID("sender:"+id), bson.D{{Key: "$set", Value: bson.D{
		{Key: "kind", Value: "sender"}, {Key: "until", Value: until},
	}}}, options.UpdateOne().SetUpsert(true))
	return err
}

// EndSender records that the sender id has stopped.
func (s *Store) EndSender(ctx context.Context, id string) error {
	_, err := s.meta.DeleteOne(ctx, byID("sender:"+id))
	return err
}

// LiveSenders counts the senders whose heartbeat is current at now.
func (s *Store) LiveSenders(ctx context.Context, now time.Time) (int64, error) {
	return s.meta.CountDocuments(ctx, bson.D{{Key: "kind", Value: "sender"}, {Key: "until", Value: bson.D{{Key: "$gt", Value: now}}}})
}

// Reminder steps are recorded as sent, each (item, step, recipient) under
// its key, for as long as the item may still produce the step: the
// outbox forgets delivered messages after a week, and an item overdue for
// months would otherwise be escalated again and again.

type reminderClaimDoc struct {
	ID   string    `bson:"_id"`
	Kind string    `bson:"kind"`
	Item string    `bson:"item"`
	At   time.Time `bson:"at"`
}

// RemindersSent returns which of the keys are recorded as sent (each
// looked up by _id: the embedded store answers only that from an index).
func (s *Store) RemindersSent(ctx context.Context, keys []string) (map[string]bool, error) {
	sent := map[string]bool{}
	for _, k := range keys {
		err := s.claims.FindOne(ctx, byID(k), options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		if err == nil {
			sent[k] = true
		} else if err != mongo.ErrNoDocuments {
			return nil, err
		}
	}
	return sent, nil
}

// RecordReminders records reminder steps as sent: sent maps each step's
// key to its item (recording one again changes nothing).
func (s *Store) RecordReminders(ctx context.Context, sent map[string]string, now time.Time) error {
	if len(sent) == 0 {
		return nil
	}
	docs := make([]any, 0, len(sent))
	for key, item := range sent {
		docs = append(docs, reminderClaimDoc{ID: key, Kind: "reminder", Item: item, At: now})
	}
	_, err := s.claims.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) {
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) {
				return err
			}
		}
		return nil
	}
	return err
}

// ForgetReminders drops the records of the items' reminder steps (items
// closed long enough ago that none can come again).
func (s *Store) ForgetReminders(ctx context.Context, itemIDs []string) (int64, error) {
	if len(itemIDs) == 0 {
		return 0, nil
	}
	ids := make(bson.A, len(itemIDs))
	for i, id := range itemIDs {
		ids[i] = id
	}
	res, err := s.claims.DeleteMany(ctx, bson.D{{Key: "kind", Value: "reminder"}, {Key: "item", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
