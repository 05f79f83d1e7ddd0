package storage_test

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/storetest"
	"deputybot/storage"
	"deputybot/telegram"
)

// TestThreeReplicasDecideEachThingOnce is the probe of issue 24: three
// clients of one database (three stores, each with its own connection, as
// three replicas are), all at once, through the very calls the service
// makes — no item change lost, no message leased twice, no expired slot
// or update taken over twice. A write conditioned on more than _id is a
// read then a write on FerretDB 1.x (the embedded store, and FerretDB on
// PostgreSQL with TEST_MONGODB_URI): before turns this lost 114 of 198
// versions and leased 199 of 200 messages twice over there.
func TestThreeReplicasDecideEachThingOnce(t *testing.T) {
	a := storetest.OpenShared(t)
	replicas := []*storage.Store{a, storetest.Again(t, a.Options()), storetest.Again(t, a.Options())}
	c := ctx(t)
	// all runs f(replica, i) for i in [0, n) on every replica at once.
	all := func(n int, f func(s *storage.Store, i int)) {
		var wg sync.WaitGroup
		for _, s := range replicas {
			for i := range n {
				wg.Add(1)
				go func() { defer wg.Done(); f(s, i) }()
			}
		}
		wg.Wait()
	}

	t.Run("item versions", func(t *testing.T) {
		author := deputy(t, a, "张三", 1)
		it := saveDraft(t, a, author, draft(deputybot.KindSuggestion, "t"))
		all(20, func(s *storage.Store, i int) {
			_, err := s.UpdateItem(c, it.ID, changeOf(func(it *deputybot.Item, _ *deputybot.ItemDetails) ([]deputybot.Event, error) {
				it.Attachments++ // read, modify, write: lost unless the writes are serialised
				return []deputybot.Event{{At: t0, Type: "test", Data: map[string]string{"i": fmt.Sprint(i)}}}, nil
			}))
			if err != nil {
				t.Error(err)
			}
		})
		got, err := a.Item(c, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		det, err := a.ItemDetails(c, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Attachments != 60 || got.Version != 61 || len(det.Timeline) != 61 {
			t.Fatalf("60 changes from 3 replicas: attachments %d, version %d, timeline %d", got.Attachments, got.Version, len(det.Timeline))
		}
	})

	t.Run("message leases", func(t *testing.T) {
		var msgs []deputybot.OutboxMessage
		for i := range 200 {
			msgs = append(msgs, deputybot.OutboxMessage{ChatID: int64(1000 + i), Text: "digest", Kind: "digest"})
		}
		queued, err := a.Enqueue(c, msgs, t0)
		if err != nil || len(queued) != 200 {
			t.Fatal(len(queued), err)
		}
		leases := make([]atomic.Int32, len(queued))
		all(1, func(s *storage.Store, _ int) {
			for i, m := range queued {
				ok, err := s.LeaseMessage(c, m.ID, t0, t0.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				if ok {
					leases[i].Add(1)
				}
			}
		})
		var twice, never int
		for i := range leases {
			switch n := leases[i].Load(); {
			case n == 0:
				never++
			case n > 1:
				twice++
			}
		}
		// A message whose turn another replica held at that moment is left
		// to it: every message is leased once, by one of them.
		if twice != 0 || never != 0 {
			t.Fatalf("200 messages, 3 replicas leasing each: %d leased more than once, %d by none", twice, never)
		}
	})

	t.Run("slot takeovers", func(t *testing.T) {
		const n = 100
		for i := range n {
			if mine, _, _, err := a.ClaimSlot(c, "probe", t0.Add(time.Duration(i)*time.Minute), t0, time.Minute); err != nil || !mine {
				t.Fatal(mine, err)
			}
		}
		later := t0.Add(time.Hour)
		var taken [n]atomic.Int32
		all(1, func(s *storage.Store, _ int) {
			for i := range n {
				mine, attempt, _, err := s.ClaimSlot(c, "probe", t0.Add(time.Duration(i)*time.Minute), later, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if mine {
					taken[i].Add(1)
					if attempt != 2 {
						t.Errorf("slot %d taken over as attempt %d", i, attempt)
					}
				}
			}
		})
		for i := range taken {
			if got := taken[i].Load(); got != 1 {
				t.Fatalf("expired slot %d taken over %d times by 3 replicas", i, got)
			}
		}
	})

	t.Run("update takeovers", func(t *testing.T) {
		const n = 100
		for i := range n {
			if fresh, err := a.RecordUpdate(c, int64(5000+i), int64(i), fmt.Appendf(nil, `{"update_id":%d}`, 5000+i), t0); err != nil || !fresh {
				t.Fatal(fresh, err)
			}
		}
		later := t0.Add(storage.UpdateLease + time.Minute)
		var taken atomic.Int32
		var mu sync.Mutex
		seen := map[string]int{}
		all(1, func(s *storage.Store, _ int) {
			p, err := s.PendingUpdates(c, later)
			if err != nil {
				t.Error(err)
			}
			taken.Add(int32(len(p)))
			mu.Lock()
			for _, raw := range p {
				seen[string(raw)]++
			}
			mu.Unlock()
		})
		if taken.Load() != n || len(seen) != n {
			t.Fatalf("%d expired updates, 3 replicas: taken over %d times, %d distinct", n, taken.Load(), len(seen))
		}
	})
}

// TestThreeReplicasKeepOneBudget: three replicas reserving sends at once
// — 300 messages to 34 chats, about nine each, all wanted at the same
// moment — are given moments no second of which holds more than 29 and
// no chat more than its burst of 3 in 3 s (the service's defaults).
func TestThreeReplicasKeepOneBudget(t *testing.T) {
	a := storetest.OpenShared(t)
	replicas := []*storage.Store{a, storetest.Again(t, a.Options()), storetest.Again(t, a.Options())}
	c := ctx(t)
	pace := telegram.NewLimiter(telegram.LimiterOptions{Rate: 30, ChatInterval: time.Second, ChatBurst: 3}).Pace()
	var mu sync.Mutex
	var all []time.Time
	byChat := map[int64][]time.Time{}
	var wg sync.WaitGroup
	for _, s := range replicas {
		wg.Add(1)
		go func() { // one replica's sender reserves one send after another
			defer wg.Done()
			for chat := range 100 {
				at, err := s.ReserveSend(c, int64(chat%34+1), t0, pace)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				all = append(all, at)
				byChat[int64(chat%34+1)] = append(byChat[int64(chat%34+1)], at)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(all) != 300 {
		t.Fatalf("%d of 300 sends reserved", len(all))
	}
	slices.SortFunc(all, func(x, y time.Time) int { return x.Compare(y) })
	for i := range all {
		if all[i].Before(t0) {
			t.Fatalf("a send reserved before it was wanted: %v", all[i])
		}
		j := i
		for j < len(all) && all[j].Sub(all[i]) < time.Second {
			j++
		}
		if j-i > 29 {
			t.Fatalf("%d sends in the second from %v", j-i, all[i].Sub(t0))
		}
	}
	for chat, times := range byChat {
		slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
		for i := 3; i < len(times); i++ {
			if span := times[i].Sub(times[i-3]); span < 3*time.Second {
				t.Fatalf("chat %d: four sends within %v", chat, span)
			}
		}
	}
	// The budget is used: 300 sends take 10.4 s at 28.8 a second; a slot
	// given back after a lost race for a chat's link is taken again only
	// by a later reservation, so the interleaving costs some (10.39–
	// 11.77 s seen): at most 12.5 s, 83 % of the budget.
	t.Logf("300 sends from 3 replicas over %v", all[len(all)-1].Sub(t0))
	if last := all[len(all)-1].Sub(t0); last > 12500*time.Millisecond {
		t.Fatalf("300 sends spread over %v", last)
	}
}
