package storage

import (
	"context"
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
