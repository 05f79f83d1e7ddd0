package telegram_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"deputybot"
	"deputybot/internal/storetest"
	"deputybot/internal/telegramtest"
	"deputybot/storage"
	"deputybot/telegram"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func start(t *testing.T, shared bool) (*telegramtest.Server, *storage.Store, *telegram.Sender) {
	t.Helper()
	tg := telegramtest.New(t)
	api, err := tgbot.New(telegramtest.Token, tgbot.WithServerURL(tg.URL), tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(10*time.Second, &http.Client{Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	// A sender shared by replicas works on a shared store, as in the
	// service (Shared: !store.SingleWriter()).
	store := storetest.Open(t)
	if shared {
		store = storetest.OpenShared(t)
	}
	s := telegram.NewSender(api, store, telegram.SenderOptions{Shared: shared,
		Limiter: telegram.NewLimiter(telegram.LimiterOptions{Rate: 1000})})
	return tg, store, s
}

func run(t *testing.T, s *telegram.Sender) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestMessageNotYetDueHoldsNothingUp: a message waiting for its retry
// does not keep the chat's later messages back, whether the sender knows
// the outbox from memory (the embedded store) or reads what is due
// (replicas on MongoDB), and however many wait before it.
func TestMessageNotYetDueHoldsNothingUp(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			tg, store, s := start(t, shared)
			ctx := context.Background()
			var waiting []deputybot.OutboxMessage
			for i := range 1200 {
				waiting = append(waiting, deputybot.OutboxMessage{ChatID: int64(700 + i%3), Text: fmt.Sprintf("later %d", i), Kind: "test"})
			}
			stored, err := store.Enqueue(ctx, waiting, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range stored {
				if err := store.RetryLater(ctx, m.ID, time.Now().Add(time.Hour), "test"); err != nil {
					t.Fatal(err)
				}
			}
			run(t, s)
			if _, err := s.Enqueue(ctx, []deputybot.OutboxMessage{{ChatID: 700, Text: "now", Kind: "test"}}); err != nil {
				t.Fatal(err)
			}
			tg.WaitFor("the due message", func() bool { return len(tg.Messages(700)) == 1 && len(tg.Calls("sendMessage")) == 1 })
			if got := tg.Messages(700)[0].Text; got != "now" {
				t.Fatalf("sent %q", got)
			}
			if n := len(tg.Calls("sendMessage")); n != 1 {
				t.Fatalf("%d sends, want only the due one", n)
			}
		})
	}
}

// TestEnqueuedMessagesAreDueAtOnce: what the sender enqueues is due at once by
// its own clock, whatever time the caller's domain clock says.
func TestEnqueuedMessagesAreDueAtOnce(t *testing.T) {
	tg, _, s := start(t, false)
	run(t, s)
	msgs := []deputybot.OutboxMessage{{ChatID: 9, Text: "a", Kind: "test", NextAt: time.Now().Add(90 * 24 * time.Hour)}}
	if _, err := s.Enqueue(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	tg.WaitFor("the message", func() bool { return len(tg.Messages(9)) == 1 })
}

func TestLimiterKeepsEveryWindow(t *testing.T) {
	l := telegram.NewLimiter(telegram.LimiterOptions{Rate: 30, Margin: 200 * time.Millisecond, ChatInterval: time.Second, ChatBurst: 3})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var starts []time.Time
	for range 300 {
		starts = append(starts, l.Reserve(t0, deputybot.LaneBulk))
	}
	for i := 30; i < len(starts); i++ {
		if d := starts[i].Sub(starts[i-30]); d < 1200*time.Millisecond {
			t.Fatalf("31 starts within %v", d)
		}
	}
	// Paced evenly: one every 1.2 s / 30.
	if last := starts[len(starts)-1].Sub(t0); last > 299*40*time.Millisecond {
		t.Fatalf("300 starts took %v: slower than 30 per 1.2 s", last)
	}
	// An answer takes the first free slot of the window at once, though
	// the paced lane's next slot is later; paced messages then wait for
	// theirs.
	a := telegram.NewLimiter(telegram.LimiterOptions{Rate: 30, Margin: 200 * time.Millisecond})
	for i := range 10 {
		if at := a.Reserve(t0, deputybot.LaneBulk); !at.Equal(t0.Add(time.Duration(i) * 40 * time.Millisecond)) {
			t.Fatalf("paced slot %d at %v", i, at.Sub(t0))
		}
	}
	if at := a.Reserve(t0, deputybot.LaneAnswer); !at.Equal(t0.Add(360 * time.Millisecond)) {
		t.Fatalf("an answer after the paced slots handed out waits until %v", at.Sub(t0))
	}
	b := telegram.NewLimiter(telegram.LimiterOptions{Rate: 30, Margin: 200 * time.Millisecond})
	b.Reserve(t0, deputybot.LaneBulk)
	for i := range 29 {
		if at := b.Reserve(t0.Add(time.Millisecond), deputybot.LaneAnswer); !at.Equal(t0.Add(time.Millisecond)) {
			t.Fatalf("answer %d of a burst waits until %v", i, at.Sub(t0))
		}
	}
	if at := b.ReadyAt(t0.Add(time.Millisecond), deputybot.LaneBulk); !at.Equal(t0.Add(1200 * time.Millisecond)) {
		t.Fatalf("the window is full, yet a paced slot is free at %v", at.Sub(t0))
	}
	l.Pause(t0.Add(time.Minute))
	if at := l.Reserve(t0, deputybot.LaneAnswer); at.Before(t0.Add(time.Minute)) {
		t.Fatalf("a slot at %v during a pause", at)
	}
	// Per chat: at most 3 in any 3 seconds.
	for i := range 3 {
		if ready := l.ChatReady(5, t0); !ready.Equal(t0) {
			t.Fatalf("message %d of the burst waits until %v", i, ready)
		}
		l.ChatSent(5, t0)
	}
	if ready := l.ChatReady(5, t0); !ready.Equal(t0.Add(3 * time.Second)) {
		t.Fatalf("after a burst of 3 the chat is ready at %v", ready)
	}
}

// TestBatchRetriedWhole: messages of one batch group to one chat go as
// one message; refused for a while (502), the batch is tried again whole
// and lands as one message; every member is recorded as sent, once,
// whether the outbox is the only writer's or shared by replicas. A
// message of another group, or to another chat, goes apart.
func TestBatchRetriedWhole(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			tg, store, s := start(t, shared)
			ctx := context.Background()
			tg.FailNext("sendMessage", 1, telegramtest.Failure{Status: 502})
			var msgs []deputybot.OutboxMessage
			for i := range 12 {
				msgs = append(msgs, deputybot.OutboxMessage{ChatID: 800, Text: fmt.Sprintf("alone %d", i), Kind: "reminder",
					Batch: deputybot.Batch{Group: "remind", Head: "{n} reminders", Line: fmt.Sprintf("item %d", i), Open: fmt.Sprintf("it:%d", i)}})
			}
			msgs = append(msgs, deputybot.OutboxMessage{ChatID: 801, Text: "other chat", Kind: "reminder",
				Batch: deputybot.Batch{Group: "remind", Head: "{n} reminders", Line: "item x", Open: "it:x"}})
			if _, err := store.Enqueue(ctx, msgs, time.Now()); err != nil {
				t.Fatal(err)
			}
			run(t, s)
			tg.WaitFor("the batch and the other chat's message", func() bool {
				return len(tg.Messages(800)) == 1 && len(tg.Messages(801)) == 1
			})
			got := tg.Messages(800)[0]
			if !strings.HasPrefix(got.Text, "12 reminders") || !strings.Contains(got.Text, "12. item 11") || len(got.Buttons()) != 12 {
				t.Fatalf("the batch: %q %v", got.Text, got.Buttons())
			}
			if other := tg.Messages(801)[0].Text; other != "other chat" {
				t.Fatalf("a message alone went as %q", other)
			}
			recorded := func() bool {
				all, err := store.OutboxMessages(ctx)
				if err != nil {
					return false
				}
				sent := 0
				for _, m := range all {
					if m.State == deputybot.OutboxSent {
						sent++
					}
				}
				return sent == 13
			}
			// The records are the store's, not the fake Telegram's: polled.
			for deadline := time.Now().Add(30 * time.Second); !recorded(); time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the batch's members were not all recorded as sent")
				}
			}
			for _, c := range tg.Calls("sendMessage") {
				t.Logf("send to %s: %.40q", c.Params["chat_id"], c.Params["text"])
			}
			if n := len(tg.Calls("sendMessage")); n != 3 {
				t.Fatalf("%d sends, want 3 (the batch refused once, then sent; the other chat's)", n)
			}
		})
	}
}
