package storage

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

// Enqueue stores messages to be sent. A message with an ID that is already
// in the outbox is skipped (it was enqueued before: exactly once); the
// others get a fresh ID. It returns the messages it stored, with their
// Seq, in order.
func (s *Store) Enqueue(ctx context.Context, msgs []deputybot.OutboxMessage, now time.Time) ([]deputybot.OutboxMessage, error) {
	var stored []deputybot.OutboxMessage
	for _, m := range msgs {
		m.Seq = newID()
		if m.ID == "" {
			m.ID = m.Seq
		}
		m.State, m.CreatedAt = deputybot.OutboxPending, now
		_, err := s.outbox.InsertOne(ctx, m)
		if mongo.IsDuplicateKeyError(err) {
			continue
		}
		if err != nil {
			return stored, err
		}
		stored = append(stored, m)
	}
	return stored, nil
}

// PendingMessages returns up to limit pending messages that are due at
// now (a retry waits for its time; zero NextAt is due at once) and not
// leased by another sender, in enqueue order. A message not yet due is
// not read, so it can hold nothing up.
func (s *Store) PendingMessages(ctx context.Context, now time.Time, limit int) ([]deputybot.OutboxMessage, error) {
	filter := bson.D{
		{Key: "state", Value: deputybot.OutboxPending},
		{Key: "nextAt", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: now}}}}},
		{Key: "leaseUntil", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: now}}}}},
	}
	return s.findOutbox(ctx, filter, limit)
}

// AllPending returns up to limit pending messages after afterSeq, due or
// not, in enqueue order: what the store's only sender reads at start.
func (s *Store) AllPending(ctx context.Context, afterSeq string, limit int) ([]deputybot.OutboxMessage, error) {
	filter := bson.D{{Key: "state", Value: deputybot.OutboxPending}}
	if afterSeq != "" {
		filter = append(filter, bson.E{Key: "seq", Value: bson.D{{Key: "$gt", Value: afterSeq}}})
	}
	return s.findOutbox(ctx, filter, limit)
}

func (s *Store) findOutbox(ctx context.Context, filter bson.D, limit int) ([]deputybot.OutboxMessage, error) {
	cur, err := s.outbox.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	var out []deputybot.OutboxMessage
	err = cur.All(ctx, &out)
	return out, err
}

// LeaseMessage takes a pending message for a sender until until. On
// MongoDB it is atomic across replicas; it reports false when another
// sender has it.
func (s *Store) LeaseMessage(ctx context.Context, id string, now, until time.Time) (bool, error) {
	filter := byID(id)
	if !s.ferret {
		filter = bson.D{{Key: "_id", Value: id}, {Key: "state", Value: deputybot.OutboxPending},
			{Key: "leaseUntil", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$gt", Value: now}}}}}}
	}
	res, err := s.outbox.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "leaseUntil", Value: until}}}})
	if err != nil {
		return false, err
	}
	return res.MatchedCount == 1, nil
}

// MarkSent records that a message was delivered.
func (s *Store) MarkSent(ctx context.Context, id string, now time.Time) error {
	_, err := s.outbox.UpdateOne(ctx, byID(id), bson.D{
		{Key: "$set", Value: bson.D{{Key: "state", Value: deputybot.OutboxSent}, {Key: "sentAt", Value: now}}},
		{Key: "$unset", Value: bson.D{{Key: "leaseUntil", Value: ""}}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
	})
	return err
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

// MarkFailed records that a message can never be delivered (the user
// blocked the bot, the chat does not exist).
func (s *Store) MarkFailed(ctx context.Context, id string, now time.Time, reason string) error {
	_, err := s.outbox.UpdateOne(ctx, byID(id), bson.D{
		{Key: "$set", Value: bson.D{{Key: "state", Value: deputybot.OutboxFailed}, {Key: "error", Value: reason}, {Key: "sentAt", Value: now}}},
		{Key: "$unset", Value: bson.D{{Key: "leaseUntil", Value: ""}}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
	})
	return err
}

// OutboxMessageByID returns one message (tests, operations).
func (s *Store) OutboxMessageByID(ctx context.Context, id string) (*deputybot.OutboxMessage, error) {
	var m deputybot.OutboxMessage
	err := s.outbox.FindOne(ctx, byID(id)).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	return &m, err
}

// OutboxMessages returns every message in the outbox in enqueue order
// (tests, operations).
func (s *Store) OutboxMessages(ctx context.Context) ([]deputybot.OutboxMessage, error) {
	cur, err := s.outbox.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var out []deputybot.OutboxMessage
	err = cur.All(ctx, &out)
	return out, err
}

// PruneOutbox forgets messages delivered before t. Failed ones are kept:
// the digest shows them.
func (s *Store) PruneOutbox(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.outbox.DeleteMany(ctx, bson.D{
		{Key: "state", Value: deputybot.OutboxSent},
		{Key: "sentAt", Value: bson.D{{Key: "$lt", Value: before}}},
	})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
