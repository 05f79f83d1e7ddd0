package service

import (
	"testing"
	"time"

	"deputybot"
)

// TestAClosedItemSettlesWithItsLastPromise: the record of a closed item's
// reminders may be forgotten from its closing, or from the deputy's
// answer on its last promise; not while a promise waits for him.
func TestAClosedItemSettlesWithItsLastPromise(t *testing.T) {
	closed := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	answered := closed.AddDate(0, 3, 0)
	it := &deputybot.Item{Status: deputybot.StatusClosed, ClosedAt: closed}
	if at, ok := settledAt(it); !ok || !at.Equal(closed) {
		t.Fatalf("no promise: %v %v", at, ok)
	}
	it.Promises = []deputybot.Promise{{N: 1, Answer: deputybot.PromiseKept, AnsweredAt: answered}, {N: 2}}
	if _, ok := settledAt(it); ok {
		t.Fatal("settled while a promise waits for the deputy")
	}
	it.Promises[1].Answer, it.Promises[1].AnsweredAt = deputybot.PromiseUnkept, closed.AddDate(0, 1, 0)
	if at, ok := settledAt(it); !ok || !at.Equal(answered) {
		t.Fatalf("settled at %v %v, want the last answer", at, ok)
	}
	it.Status = deputybot.StatusReplied
	if _, ok := settledAt(it); ok {
		t.Fatal("an open item settled")
	}
}
