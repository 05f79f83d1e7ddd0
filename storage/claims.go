package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
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
