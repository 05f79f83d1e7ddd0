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

// One bot, one budget: Telegram counts 30 messages a second and about one
// a second per chat for the bot, however many replicas send. On a shared
// store every send is first given its moment in the "pace" collection,
// by unique inserts again (turns.go says why nothing else decides), within
// the budget the senders keep (deputybot.Pace, from OUTBOX_RATE and the
// chat limits):
//
//   - The bot's: time is cut into slots of Pace.Slot (the limiter's
//     1.04 s ÷ 30 = 34.7 ms), one message in each ("g:<slot>"): no
//     second, however it is cut, holds more than 29 starts. A send takes
//     the first free slot at or after the moment its replica's own
//     limiter gave it.
//   - A chat's: its sends are a chain "c:<chat>:<n>" at their slots, link
//     n at least Pace.ChatSpan after link n-ChatBurst; the insert of link
//     n is the claim, so two replicas cannot both follow link n-1.
//
// A replica's own limiter (lanes, answers first, its memory over a
// restart) still orders what it sends; the pace only delays it. A bulk
// send reserves no further ahead than its replica's next few sends, so an
// answer of another replica finds a slot within a few slots.

// How long pace records are kept: the bot's slots, longer than any wait
// for one; a chat's links, a day (a chain pruned to nothing starts again
// at its first link, which a replica reading the pruned link at that very
// moment would not see: a day-old link makes that moot).
const (
	slotsKept = 10 * time.Minute
	linksKept = 24 * time.Hour
)

type paceDoc struct {
	ID   string    `bson:"_id"`
	Slot int64     `bson:"slot,omitempty"`
	Chat int64     `bson:"chat,omitempty"`
	N    int64     `bson:"n,omitempty"`
	At   time.Time `bson:"at"`
}

// ReserveSend gives a message to chat (0: none) its moment, at or after
// at, within the budget p over all replicas.
func (s *Store) ReserveSend(ctx context.Context, chat int64, at time.Time, p deputybot.Pace) (time.Time, error) {
	if p.Slot <= 0 {
		return at, nil
	}
	if p.ChatBurst <= 0 || p.ChatSpan <= 0 {
		chat = 0
	}
	for range 1000 {
		want, next := at, int64(1)
		if chat != 0 {
			// The chat's last links: this one goes ChatSpan after the
			// ChatBurst-th last.
			cur, err := s.pace.Find(ctx, bson.D{{Key: "chat", Value: chat}},
				options.Find().SetSort(bson.D{{Key: "n", Value: -1}}).SetLimit(int64(p.ChatBurst)))
			if err != nil {
				return at, err
			}
			var links []paceDoc
			if err := cur.All(ctx, &links); err != nil {
				return at, err
			}
			if len(links) > 0 {
				next = links[0].N + 1
			}
			if len(links) == p.ChatBurst && links[p.ChatBurst-1].At.Add(p.ChatSpan).After(want) {
				want = links[p.ChatBurst-1].At.Add(p.ChatSpan)
			}
		}
		slot, id, err := s.reserveSlot(ctx, want, p.Slot)
		if err != nil || chat == 0 {
			return slot, err
		}
		// The chat's next link, at the slot: inserting it is the claim;
		// another replica's link first, and this one gives its slot back
		// and reads the chain again.
		_, err = s.pace.InsertOne(ctx, paceDoc{ID: fmt.Sprintf("c:%d:%d", chat, next), Chat: chat, N: next, At: slot})
		if err == nil {
			return slot, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return at, err
		}
		if _, err := s.pace.DeleteOne(ctx, byID(id)); err != nil {
			return at, err
		}
	}
	return at, errors.New("the chat's pace is contended beyond reason")
}

// reserveSlot takes the first free slot at or after at.
func (s *Store) reserveSlot(ctx context.Context, at time.Time, size time.Duration) (time.Time, string, error) {
	want := (at.UnixNano() + int64(size) - 1) / int64(size)
	for range 1000 {
		cur, err := s.pace.Find(ctx, bson.D{{Key: "slot", Value: bson.D{{Key: "$gte", Value: want}}}},
			options.Find().SetSort(bson.D{{Key: "slot", Value: 1}}).SetLimit(256).SetProjection(bson.D{{Key: "slot", Value: 1}}))
		if err != nil {
			return at, "", err
		}
		var taken []paceDoc
		if err := cur.All(ctx, &taken); err != nil {
			return at, "", err
		}
		g := want
		for _, d := range taken {
			if d.Slot > g {
				break
			}
			g = d.Slot + 1
		}
		t, id := time.Unix(0, g*int64(size)), fmt.Sprintf("g:%d", g)
		_, err = s.pace.InsertOne(ctx, paceDoc{ID: id, Slot: g, At: t})
		if err == nil {
			s.prunePace(ctx, t)
			return t, id, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return at, "", err
		}
		want = g
	}
	return at, "", errors.New("the bot's send slots are contended beyond reason")
}

// prunePace removes old pace records, about once a minute of the
// pace's own time.
func (s *Store) prunePace(ctx context.Context, now time.Time) {
	s.paceMu.Lock()
	due := now.Sub(s.pacePruned) > time.Minute
	if due {
		s.pacePruned = now
	}
	s.paceMu.Unlock()
	if !due {
		return
	}
	_, err := s.pace.DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "slot", Value: bson.D{{Key: "$exists", Value: true}}}, {Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-slotsKept)}}}},
		bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-linksKept)}}}},
	}}})
	if err != nil {
		s.log.Warn("prune the send pace", "err", err)
	}
}
