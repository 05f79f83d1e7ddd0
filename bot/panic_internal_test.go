package bot

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/storetest"
	"deputybot/internal/telegramtest"
	"deputybot/service"
	"deputybot/telegram"
	"deputybot/texts"
)

// panickingStore is the real store with one fault: looking up one
// Telegram user panics, as a bug in a handler would.
type panickingStore struct {
	service.Store
	user int64
}

func (s panickingStore) PersonByTelegramID(ctx context.Context, id int64) (*deputybot.Person, error) {
	if id == s.user {
		panic("injected fault")
	}
	return s.Store.PersonByTelegramID(ctx, id)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestRecoveredPanicIsLoggedAnsweredAndCounted: a handler that panics
// leaves a stack in the log, an apology in the user's chat and a count
// for /metrics, and the next update is handled as usual.
func TestRecoveredPanicIsLoggedAnsweredAndCounted(t *testing.T) {
	tg := telegramtest.New(t)
	var logs syncBuffer
	var panics atomic.Int64
	handled := make(chan int64, 10)
	log := slog.New(slog.NewTextHandler(&logs, nil))
	real := storetest.Open(t)
	store := panickingStore{Store: real, user: 777}
	client, err := telegram.New(context.Background(), real, real, telegram.Options{
		Token: telegramtest.Token, APIURL: tg.URL, Logger: log, PollTimeout: time.Second,
		OnPanic:   func() { panics.Add(1) },
		OnHandled: func(id int64) { handled <- id },
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(store, client.Sender(), nil, service.Options{AdminIDs: []int64{1001}})
	b, err := New(real, svc, client, Options{AdminIDs: []int64{1001}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetRenderer(b)
	ctx, cancel := context.WithCancel(context.Background())
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = client.Poll(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	victim := tg.Chat(telegramtest.User{ID: 777, FirstName: "V", LanguageCode: "en"})
	id := victim.Send("/help")
	victim.Next("Sorry, something went wrong on our side")
	if got := <-handled; got != id {
		t.Fatalf("handled %d, want %d", got, id)
	}
	if panics.Load() != 1 {
		t.Fatalf("%d panics counted", panics.Load())
	}
	logged := logs.String()
	if !strings.Contains(logged, "handler panicked") || !strings.Contains(logged, "injected fault") || !strings.Contains(logged, "panickingStore.PersonByTelegramID") {
		t.Fatalf("the log lacks the panic and its stack:\n%s", logged)
	}
	// Others are served as before.
	admin := tg.Chat(telegramtest.User{ID: 1001, FirstName: "A", LanguageCode: "en"})
	admin.Send("/help")
	admin.Next("/invite")
}

func TestCommandDescriptionsExist(t *testing.T) {
	tx, err := texts.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &Bot{}
	for _, c := range b.commandTable() {
		for _, l := range deputybot.Languages {
			if id := "cmd." + c.name; tx.T(l, id) == id {
				t.Errorf("command /%s has no description in %s", c.name, l)
			}
		}
	}
}
