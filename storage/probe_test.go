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

// TestThreeReplicasKeepOneBudget: three replicas reserving sends at once,
// one after another each as a sender does, all wanted at the same moment,
// are given moments no second of which holds more than 28 and no chat
// more than its burst of 3 in 3 s (the service's defaults): 300 messages
// to 100 chats (three each: the bot's budget alone binds, and is used),
// and to 10 chats (thirty each: the chats' limits bind).
func TestThreeReplicasKeepOneBudget(t *testing.T) {
	a := storetest.OpenShared(t)
	replicas := []*storage.Store{a, storetest.Again(t, a.Options()), storetest.Again(t, a.Options())}
	c := ctx(t)
	pace := telegram.NewLimiter(telegram.LimiterOptions{Rate: 30, ChatInterval: time.Second, ChatBurst: 3}).Pace()
	for round, chats := range []int{100, 10} {
		from := t0.Add(time.Duration(round) * time.Hour)
		var mu sync.Mutex
		var all []time.Time
		byChat := map[int64][]time.Time{}
		var wg sync.WaitGroup
		for _, s := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 100 {
					chat := int64(i%chats + 1)
					at, err := s.ReserveSend(c, chat, from, pace, false)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					all = append(all, at)
					byChat[chat] = append(byChat[chat], at)
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
			if all[i].Before(from) {
				t.Fatalf("a send reserved before it was wanted: %v", all[i])
			}
			j := i
			for j < len(all) && all[j].Sub(all[i]) < time.Second {
				j++
			}
			if j-i > 28 {
				t.Fatalf("%d sends in the second from %v", j-i, all[i].Sub(from))
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
		last := all[len(all)-1].Sub(from)
		t.Logf("300 sends to %d chats from 3 replicas over %v", chats, last)
		// 300 sends take 11 s at 27.3 a second (36.7 ms slots), when only
		// the bot's budget binds: it is used to the slot.
		if chats == 100 && last > 11*time.Second {
			t.Fatalf("300 sends spread over %v", last)
		}
		// Thirty to a chat, three every 3.15 s: the last three 9 × 3.15 s
		// after the first, and the ten chats' thirty take 30 slots (1.1 s).
		if chats == 10 && last > 29600*time.Millisecond {
			t.Fatalf("30 sends to a chat spread over %v", last)
		}
	}
}

// TestAnswersFindAKeptSlot: while three replicas' other sends hold the
// bot's slots far ahead (each reserving for the sends it has under way),
// an answer of any of them is given a slot near: the slots kept for
// answers, passed over by the other lanes while they are ahead; the kept
// slots that come near unused go to the other lanes, so their pace is
// not lost.
func TestAnswersFindAKeptSlot(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	o := storetest.Options(t)
	o.Clock = func() time.Time { return now }
	a := storetest.Again(t, o)
	defer a.Drop(ctx(t))
	replicas := []*storage.Store{a, storetest.Again(t, o), storetest.Again(t, o)}
	c := ctx(t)
	pace := telegram.NewLimiter(telegram.LimiterOptions{Rate: 30, ChatInterval: time.Second, ChatBurst: 3}).Pace()
	if pace.AnswerEvery < 2 || pace.AnswerGuard <= 0 {
		t.Fatalf("no slots kept for answers: %+v", pace)
	}
	// 24 bulk sends (8 under way in each replica) to distinct chats.
	var bulk []time.Time
	for i := range 24 {
		at, err := replicas[i%3].ReserveSend(c, int64(1000+i), now, pace, false)
		if err != nil {
			t.Fatal(err)
		}
		bulk = append(bulk, at)
	}
	last := slices.MaxFunc(bulk, time.Time.Compare)
	if ahead := last.Sub(now); ahead < 24*pace.Slot {
		t.Fatalf("24 bulk sends reach only %v ahead", ahead)
	}
	for _, at := range bulk {
		// The kept slots near now are taken: none is wasted.
		g := at.UnixNano() / int64(pace.Slot)
		if g%int64(pace.AnswerEvery) == 0 && at.Sub(now) > pace.AnswerGuard {
			t.Fatalf("a bulk send took a kept slot %v ahead", at.Sub(now))
		}
	}
	size := int64(pace.Slot)
	for g := (now.UnixNano() + size - 1) / size; time.Unix(0, g*size).Sub(now) <= pace.AnswerGuard; g++ {
		if g%int64(pace.AnswerEvery) == 0 && !slices.Contains(bulk, time.Unix(0, g*size)) {
			t.Fatalf("the kept slot %v ahead, near, was left unused", time.Unix(0, g*size).Sub(now))
		}
	}
	// Three answers, one from each replica, each find a kept slot well
	// before the bulk sends' last.
	for i, s := range replicas {
		at, err := s.ReserveSend(c, int64(1+i), now, pace, true)
		if err != nil {
			t.Fatal(err)
		}
		limit := pace.AnswerGuard + time.Duration(pace.AnswerEvery*(i+1))*pace.Slot
		if at.Sub(now) > limit || !at.Before(last) {
			t.Fatalf("answer %d goes %v after now (bulk until %v ahead), want within %v", i, at.Sub(now), last.Sub(now), limit)
		}
		if slices.Contains(bulk, at) {
			t.Fatalf("answer %d given a bulk send's slot", i)
		}
	}
}
