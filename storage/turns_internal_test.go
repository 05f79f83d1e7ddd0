package storage

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"deputybot"
)

// testClock is a clock a test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestTurnsOfDeadHoldersAreTakenOver: a replica that died holding a turn
// (inserted, never ended) holds up that one decision for TurnLease, no
// longer; one paused past half the lease does not write.
func TestTurnsOfDeadHoldersAreTakenOver(t *testing.T) {
	ctx := context.Background()
	clk := &testClock{now: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	s, err := Open(ctx, Options{DataDir: t.TempDir(), Shared: true, Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if s.SingleWriter() || s.Server().FerretDB == "" || s.Server().Version == "" {
		t.Fatalf("a shared embedded store: single %v, server %+v", s.SingleWriter(), s.Server())
	}
	dead := func(key string) {
		t.Helper()
		if _, err := s.turns.InsertOne(ctx, turnDoc{ID: key, Turn: key, Owner: "dead", Until: clk.Now().Add(TurnLease)}); err != nil {
			t.Fatal(err)
		}
	}
	turns := func() int64 {
		n, err := s.turns.CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	msgs, err := s.Enqueue(ctx, []deputybot.OutboxMessage{{ID: "m1", ChatID: 1, Text: "x", Kind: "digest"}}, clk.Now())
	if err != nil || len(msgs) != 1 {
		t.Fatal(len(msgs), err)
	}
	dead("send:m1")
	if ok, err := s.LeaseMessage(ctx, "m1", clk.Now(), clk.Now().Add(time.Minute)); err != nil || ok {
		t.Fatalf("leased while a live holder decides on it: %v %v", ok, err)
	}
	clk.Add(TurnLease + time.Second)
	if ok, err := s.LeaseMessage(ctx, "m1", clk.Now(), clk.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("not leased after its holder's turn ran out: %v %v", ok, err)
	}
	if n := turns(); n != 0 {
		t.Fatalf("%d turns left after the takeover ended", n)
	}

	it := &deputybot.Item{ID: "i1", Kind: deputybot.KindSuggestion, Status: deputybot.StatusDraft, Title: "t"}
	if err := s.InsertItem(ctx, it, &deputybot.ItemDetails{}); err != nil {
		t.Fatal(err)
	}
	bump := deputybot.ItemChange{Apply: func(it *deputybot.Item, _ *deputybot.ItemDetails) ([]deputybot.Event, error) {
		it.Attachments++
		return []deputybot.Event{{At: clk.Now(), Type: "test"}}, nil
	}}
	dead("item:i1")
	clk.Add(TurnLease + time.Second)
	got, err := s.UpdateItem(ctx, "i1", bump)
	if err != nil || got.Attachments != 1 || got.Version != 1 {
		t.Fatalf("item changed after its dead holder's turn: %+v %v", got, err)
	}

	// Paused within its turn past half the lease: another may have taken
	// it over by now, so the change is not written.
	paused := deputybot.ItemChange{Apply: func(it *deputybot.Item, det *deputybot.ItemDetails) ([]deputybot.Event, error) {
		clk.Add(TurnLease / 2)
		return bump.Apply(it, det)
	}}
	if _, err := s.UpdateItem(ctx, "i1", paused); deputybot.ErrorCode(err) != deputybot.ECONFLICT {
		t.Fatalf("a paused holder's change: %v", err)
	}
	if got, _ := s.Item(ctx, "i1"); got.Attachments != 1 || got.Version != 1 {
		t.Fatalf("a paused holder wrote: %+v", got)
	}
	if n := turns(); n != 0 {
		t.Fatalf("%d turns left", n)
	}
}
