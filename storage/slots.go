package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// ClaimSlot records that job runs for its scheduled time slot and reports
// whether this caller is the one to run it: the slot's key is inserted
// under the unique _id, so one scheduler runs it, however many run.
func (s *Store) ClaimSlot(ctx context.Context, job string, slot, now time.Time) (bool, error) {
	_, err := s.slots.InsertOne(ctx, struct {
		ID   string    `bson:"_id"`
		Job  string    `bson:"job"`
		Slot time.Time `bson:"slot"`
		At   time.Time `bson:"at"`
	}{SlotKey(job, slot), job, slot, now})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

// SlotClaimed reports whether a slot has been run.
func (s *Store) SlotClaimed(ctx context.Context, job string, slot time.Time) (bool, error) {
	n, err := s.slots.CountDocuments(ctx, byID(SlotKey(job, slot)))
	return n > 0, err
}

// SlotKey is a slot's identity: job name and the slot's UTC time.
func SlotKey(job string, slot time.Time) string {
	return job + ":" + slot.UTC().Format(time.RFC3339)
}
