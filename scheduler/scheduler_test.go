package scheduler_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/storetest"
	"deputybot/scheduler"
	"deputybot/storage"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// messenger records the jobs' calls, and fails the first failures of
// them as a store or network error would.
type messenger struct {
	mu       sync.Mutex
	failures int
	reminds  []time.Time
	digests  []time.Time
	called   chan struct{} // if set, told of each reminders run
}

func (m *messenger) fail() error {
	if m.failures > 0 {
		m.failures--
		return errors.New("the store does not answer")
	}
	return nil
}

func (m *messenger) Reminders(_ context.Context, at time.Time, _ time.Duration) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reminds = append(m.reminds, at)
	if m.called != nil {
		m.called <- struct{}{}
	}
	return 0, m.fail()
}

func (m *messenger) Digests(_ context.Context, slot time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.digests = append(m.digests, slot)
	return 0, m.fail()
}

func (m *messenger) calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.reminds)
}

func newScheduler(t *testing.T, s *storage.Store, m *messenger, clock func() time.Time, o scheduler.Options) *scheduler.Scheduler {
	t.Helper()
	rules := deputybot.DefaultRules(shanghai)
	o.Rules, o.Clock = &rules, clock
	if o.ReminderSchedule == "" {
		o.ReminderSchedule = "0 9 * * *"
	}
	o.DigestSchedule = "0 9 * * 1"
	sch, err := scheduler.New(s, m, o)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestFailedSlotIsRetriedWithBackoffInsideTheWindow: a run that fails
// (the store or the network) leaves its slot to be tried again — after a
// minute, then two, four… — until it succeeds, but not once the slot has
// left the catch-up window.
func TestFailedSlotIsRetriedWithBackoffInsideTheWindow(t *testing.T) {
	store := storetest.Open(t)
	m := &messenger{failures: 2}
	var now time.Time
	sch := newScheduler(t, store, m, func() time.Time { return now }, scheduler.Options{CatchUp: 24 * time.Hour})
	slot := time.Date(2026, 3, 3, 9, 0, 0, 0, shanghai) // a Tuesday: no digest
	run := func(at time.Time) []string {
		now = at
		ran, err := sch.RunDue(context.Background(), at)
		if err != nil {
			t.Fatal(err)
		}
		return ran
	}
	ctx := context.Background()
	run(slot)
	if rec, _ := store.Slot(ctx, "reminders", slot); rec.State != storage.SlotFailed || !rec.Next.Equal(slot.Add(time.Minute)) {
		t.Fatalf("after a failure: %+v", rec)
	}
	run(slot.Add(30 * time.Second)) // not yet
	run(slot.Add(time.Minute))      // second attempt fails: next in two minutes
	run(slot.Add(2 * time.Minute))  // not yet
	if got := run(slot.Add(3 * time.Minute)); len(got) != 1 {
		t.Fatalf("third attempt: ran %v", got)
	}
	run(slot.Add(time.Hour))
	if m.calls() != 3 {
		t.Fatalf("%d attempts, want 3", m.calls())
	}
	if rec, _ := store.Slot(ctx, "reminders", slot); rec.State != storage.SlotDone || rec.Attempts != 3 {
		t.Fatalf("after success: %+v", rec)
	}

	// A slot that keeps failing is given up when it leaves the window.
	m.failures = 1000
	next := slot.AddDate(0, 0, 1)
	for at := next; at.Before(next.Add(26 * time.Hour)); at = at.Add(time.Minute) {
		run(at)
	}
	if rec, _ := store.Slot(ctx, "reminders", next); rec.State != storage.SlotFailed || rec.Attempts < 8 || rec.Attempts > 40 ||
		!rec.At.Before(next.Add(24*time.Hour)) {
		t.Fatalf("a slot failing all day: %+v", rec)
	}
}

// TestSlotOfADeadRunnerIsTakenOver: a scheduler that claimed a slot and
// died gives it up when its lease ends.
func TestSlotOfADeadRunnerIsTakenOver(t *testing.T) {
	store := storetest.Open(t)
	ctx := context.Background()
	slot := time.Date(2026, 3, 3, 9, 0, 0, 0, shanghai)
	if mine, n, _, err := store.ClaimSlot(ctx, "reminders", slot, slot, 15*time.Minute); !mine || n != 1 || err != nil {
		t.Fatalf("first claim: %v %d %v", mine, n, err)
	}
	if mine, _, _, _ := store.ClaimSlot(ctx, "reminders", slot, slot.Add(time.Minute), 15*time.Minute); mine {
		t.Fatal("a running slot claimed twice")
	}
	if mine, n, _, _ := store.ClaimSlot(ctx, "reminders", slot, slot.Add(16*time.Minute), 15*time.Minute); !mine || n != 2 {
		t.Fatalf("after the lease: %v attempt %d", mine, n)
	}
	if err := store.FinishSlot(ctx, "reminders", slot, slot.Add(17*time.Minute), nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if mine, _, _, _ := store.ClaimSlot(ctx, "reminders", slot, slot.Add(time.Hour), 15*time.Minute); mine {
		t.Fatal("a done slot claimed again")
	}
}

// TestRetryRunsByItself: the running scheduler tries a failed slot again
// when its retry is due, without waiting for the next scheduled run.
func TestRetryRunsByItself(t *testing.T) {
	store := storetest.Open(t)
	m := &messenger{failures: 1, called: make(chan struct{}, 10)}
	sch := newScheduler(t, store, m, time.Now, scheduler.Options{CatchUp: time.Hour, ReminderSchedule: "0 * * * *",
		RetryBase: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	sch.Start(ctx) // catches up this hour's slot, which fails once
	defer func() { cancel(); sch.Stop() }()
	for attempt := 1; attempt <= 2; attempt++ {
		select {
		case <-m.called:
		case <-time.After(time.Minute):
			t.Fatalf("attempt %d did not come", attempt)
		}
	}
}
