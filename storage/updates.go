package storage

import (
	"context"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The updates collection is the bot's inbox: every Telegram update is
// written here before it is confirmed to Telegram or handled, and marked
// done after its handler ran. Its _id "upd:<update id>" makes a
// redelivered update a duplicate-key insert, and leaves pending ones to be
// handled after a crash.

type updateDoc struct {
	ID         string    `bson:"_id"`
	UpdateID   int64     `bson:"updateId"`
	ChatID     int64     `bson:"chatId"`
	Payload    []byte    `bson:"payload"`
	State      string    `bson:"state"` // pending | done
	ReceivedAt time.Time `bson:"receivedAt"`
	DoneAt     time.Time `bson:"doneAt,omitempty"`
}

func updateKey(id int64) string { return "upd:" + strconv.FormatInt(id, 10) }

// RecordUpdate stores a received update and reports whether it is new.
// A false result means the update was received before (Telegram
// redelivered it) and must not be handled again.
func (s *Store) RecordUpdate(ctx context.Context, updateID, chatID int64, payload []byte, now time.Time) (bool, error) {
	_, err := s.updates.InsertOne(ctx, updateDoc{
		ID: updateKey(updateID), UpdateID: updateID, ChatID: chatID,
		Payload: payload, State: "pending", ReceivedAt: now,
	})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, err
}

// MarkUpdateDone records that the update's handler has finished. The
// payload is dropped: it is no longer needed.
func (s *Store) MarkUpdateDone(ctx context.Context, updateID int64, now time.Time) error {
	_, err := s.updates.UpdateOne(ctx, byID(updateKey(updateID)), bson.D{
		{Key: "$set", Value: bson.D{{Key: "state", Value: "done"}, {Key: "doneAt", Value: now}}},
		{Key: "$unset", Value: bson.D{{Key: "payload", Value: ""}}},
	})
	return err
}

// PendingUpdates returns the payloads of updates received but not handled
// (the process stopped first), oldest first.
func (s *Store) PendingUpdates(ctx context.Context) ([][]byte, error) {
	cur, err := s.updates.Find(ctx, bson.D{{Key: "state", Value: "pending"}},
		options.Find().SetSort(bson.D{{Key: "updateId", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var docs []updateDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([][]byte, len(docs))
	for i, d := range docs {
		out[i] = d.Payload
	}
	return out, nil
}

// PruneUpdates forgets handled updates received before t. Telegram keeps
// an unconfirmed update for 24 hours, so records older than that are not
// needed to recognise a redelivery.
func (s *Store) PruneUpdates(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.updates.DeleteMany(ctx, bson.D{
		{Key: "state", Value: "done"},
		{Key: "receivedAt", Value: bson.D{{Key: "$lt", Value: before}}},
	})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
