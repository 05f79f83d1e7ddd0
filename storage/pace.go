package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
//   - The bot's: time is cut into slots of Pace.Slot (1.1 s ÷ 30 =
//     36.7 ms: telegram.Limiter.Pace), one message in each ("g:<slot>"):
//     no second, however it is cut, holds more than 28 starts. A send takes
//     the first free slot at or after the moment its replica's own
//     limiter gave it, found by inserting (an _id: indexed on every store,
//     the embedded one too, where any other filter reads every document).
//   - A chat's: its last ChatBurst sends' moments ("c:<chat>"), read and
//     written in the chat's turn: a send goes Pace.ChatSpan after the
//     ChatBurst-th last.
//
// A replica's own limiter (lanes, answers first, its memory over a
// restart) still orders what it sends; the pace only delays it. A bulk
// send reserves no further ahead than its replica's next few sends, so an
// answer of another replica finds a slot within a few slots.

// How long pace records are kept: the bot's slots, longer than any wait
// for one; a chat's record, a day after its last send.
const (
	slotsKept = 10 * time.Minute
	chatsKept = 24 * time.Hour
)

type paceDoc struct {
	ID   string    `bson:"_id"`
	Slot int64     `bson:"slot"`
	At   time.Time `bson:"at"`
}

// ReserveSend gives a message to chat (0: none) its moment, at or after
// at, within the budget p over all replicas.
func (s *Store) ReserveSend(ctx context.Context, chat int64, at time.Time, p deputybot.Pace, answer bool) (time.Time, error) {
	if p.Slot <= 0 {
		return at, nil
	}
	if chat == 0 || p.ChatBurst <= 0 || p.ChatSpan <= 0 {
		slot, err := s.reserveSlot(ctx, at, p, answer)
		return slot, err
	}
	var slot time.Time
	key := fmt.Sprintf("c:%d", chat)
	err := s.inTurn(ctx, "pace:"+key, func(t *turn) error {
		// The chat's last sends: this one goes ChatSpan after the
		// ChatBurst-th last.
		var doc chatPace
		err := s.pace.FindOne(ctx, byID(key)).Decode(&doc)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return err
		}
		want := at
		if n := len(doc.Times); n >= p.ChatBurst && doc.Times[n-p.ChatBurst].Add(p.ChatSpan).After(want) {
			want = doc.Times[n-p.ChatBurst].Add(p.ChatSpan)
		}
		if slot, err = s.reserveSlot(ctx, want, p, answer); err != nil {
			return err
		}
		doc.Times = append(doc.Times, slot)
		slices.SortFunc(doc.Times, time.Time.Compare)
		doc.Times = doc.Times[max(0, len(doc.Times)-p.ChatBurst):]
		doc.ID, doc.At = key, doc.Times[len(doc.Times)-1]
		if !s.fresh(t) {
			return errTurnLost
		}
		_, err = s.pace.ReplaceOne(ctx, byID(key), doc, options.Replace().SetUpsert(true))
		return err
	})
	return slot, err
}

// chatPace is a chat's last sends' moments, changed in the chat's turn.
type chatPace struct {
	ID    string      `bson:"_id"`
	Times []time.Time `bson:"times"`
	At    time.Time   `bson:"at"` // the last: the record is pruned a day after
}

// reserveSlot takes the first free slot at or after at, by inserting
// slot after slot (each an _id: found by the index on every store, the
// embedded one too, where any other filter reads every document). The
// slots this process took or found taken are remembered, so that each is
// tried once: a reservation costs one insert, and one more for each slot
// another replica took since. A send other than an answer passes over
// the slots kept for answers (p.AnswerEvery) that are still more than
// p.AnswerGuard ahead: however far the other lanes of all replicas have
// reserved, an answer finds a slot within AnswerEvery slots of the guard
// (it tries the first free slot it knows of, then kept ones only).
func (s *Store) reserveSlot(ctx context.Context, at time.Time, p deputybot.Pace, answer bool) (time.Time, error) {
	size := p.Slot
	keptUntil := s.clock().Add(p.AnswerGuard)
	every := int64(max(p.AnswerEvery, 1))
	kept := func(g int64) bool { return every > 1 && g%every == 0 }
	passOver := func(g int64, tried int) bool {
		if !answer {
			// Others leave the kept slots while they are ahead.
			return kept(g) && time.Unix(0, g*int64(size)).After(keptUntil)
		}
		// An answer tries the first slot, then only kept ones: the
		// others near are most likely taken, each a round trip to learn.
		return tried > 0 && !kept(g)
	}
	g := (at.UnixNano() + int64(size) - 1) / int64(size)
	for tried := range 20000 {
		s.paceMu.Lock()
		for s.takenSlots[g] || passOver(g, tried) {
			g++
		}
		s.paceMu.Unlock()
		t := time.Unix(0, g*int64(size))
		_, err := s.pace.InsertOne(ctx, paceDoc{ID: fmt.Sprintf("g:%d", g), Slot: g, At: t})
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return at, err
		}
		s.paceMu.Lock()
		if s.takenSlots == nil || len(s.takenSlots) > 4096 {
			// Forget the past (slots before this one's moment).
			kept := map[int64]bool{}
			for k := range s.takenSlots {
				if k >= g-int64(time.Minute/size) {
					kept[k] = true
				}
			}
			s.takenSlots = kept
		}
		s.takenSlots[g] = true
		s.paceMu.Unlock()
		if err == nil {
			s.prunePace(ctx, t)
			return t, nil
		}
	}
	return at, errors.New("the bot's send slots are contended beyond reason")
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
		bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-chatsKept)}}}},
	}}})
	if err != nil {
		s.log.Warn("prune the send pace", "err", err)
	}
}
