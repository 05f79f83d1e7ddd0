package storage

import (
	"context"
	"testing"
	"time"

	"deputybot"
)

// TestInterruptedChangeIsCompleted: the process died after writing an
// item's details (with the changed item in Next) but before writing the
// item. The next change completes the interrupted one first.
func TestInterruptedChangeIsCompleted(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	author := &deputybot.Person{ID: "a", State: deputybot.PersonActive, Roles: []deputybot.Role{deputybot.RoleDeputy}}
	r := deputybot.DefaultRules(time.UTC)
	it, err := s.SaveDraft(ctx, author, deputybot.DraftInput{Kind: deputybot.KindSuggestion, Title: "old", Body: "b", Category: "other"}, &r, now)
	if err != nil {
		t.Fatal(err)
	}
	// The first half of a change: details written, item not.
	det, _ := s.ItemDetails(ctx, it.ID)
	next := *it
	next.Title, next.Version = "new", it.Version+1
	det.Version, det.Next = next.Version, &next
	det.Timeline = append(det.Timeline, deputybot.Event{At: now, Type: deputybot.EvEdited})
	if _, err := s.itemDetails.ReplaceOne(ctx, byID(it.ID), det); err != nil {
		t.Fatal(err)
	}
	got, err := s.UpdateItem(ctx, it.ID, deputybot.ItemChange{Apply: func(it *deputybot.Item, det *deputybot.ItemDetails) ([]deputybot.Event, error) {
		if it.Title != "new" {
			t.Errorf("the change sees title %q, not the completed one", it.Title)
		}
		it.Category = "health"
		return []deputybot.Event{{At: now, Type: deputybot.EvEdited}}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := s.Item(ctx, it.ID)
	det, _ = s.ItemDetails(ctx, it.ID)
	if got.Title != "new" || stored.Title != "new" || stored.Category != "health" || stored.Version != it.Version+2 ||
		det.Version != stored.Version || len(det.Timeline) != 3 {
		t.Fatalf("stored %+v, details version %d, %d events", stored, det.Version, len(det.Timeline))
	}
}
