package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"deputybot"
	"deputybot/internal/telegramtest"
	"deputybot/storage"
)

// Whole-process benchmarks: the service runs as a child process against
// the fake Bot API (in this process), and what is measured is the child's
// CPU time (user + system, all threads, from /proc) or its wall time.
// The comparison is a bare go-telegram/bot echo bot on the same fake
// server, run the same way (echoMain), so the ratio holds on any machine:
//
//	go test ./cmd/deputybot -run XXX -bench Process -benchtime 1x

// echoMain is the reference: a go-telegram/bot bot that answers every
// text message with the same text, nothing else.
func echoMain() int {
	b, err := tgbot.New(os.Getenv("TELEGRAM_BOT_TOKEN"),
		tgbot.WithServerURL(os.Getenv("TELEGRAM_API_URL")),
		tgbot.WithDefaultHandler(func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
			if u.Message == nil {
				return
			}
			_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: u.Message.Text})
		}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b.Start(context.Background())
	return 0
}

// cpuOf is the CPU time a process has used so far (Linux): the time on
// CPU of each of its threads, in nanoseconds (/proc/PID/task/*/schedstat).
// The process's threads live as long as it does (Go keeps them), so none
// is missed.
func cpuOf(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		tb.Fatal(err)
	}
	var total time.Duration
	for _, t := range tasks {
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread ended just now
		}
		f := strings.Fields(string(raw))
		ns, _ := strconv.ParseInt(f[0], 10, 64)
		total += time.Duration(ns)
	}
	return total
}

func needProc(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads the child's CPU time from /proc")
	}
}

// startEcho starts the echo bot as a child process.
func startEcho(b *testing.B, tg *telegramtest.Server) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "DEPUTYBOT_AS_ECHO=1",
		"TELEGRAM_BOT_TOKEN="+telegramtest.Token, "TELEGRAM_API_URL="+tg.URL)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	tg.WaitFor("the echo bot to poll", func() bool { return tg.Polling() > 0 })
	return cmd
}

// registeredDeputies puts n deputies in a new data directory, with
// Telegram ids from 200000 on.
func registeredDeputies(b testing.TB, dir string, n int) {
	registered(b, dir, n, deputybot.RoleDeputy, "p", "Deputy", 200000)
}

// registered puts n people of role in the data directory: ids prefix0…,
// names "name 0"…, Telegram ids from firstTG on, all joined, in English.
func registered(b testing.TB, dir string, n int, role deputybot.Role, prefix, name string, firstTG int64) {
	ctx, s := openData(b, dir)
	defer s.Close(ctx)
	ps := make([]*deputybot.Person, n)
	for i := range ps {
		ps[i] = &deputybot.Person{ID: fmt.Sprintf("%s%d", prefix, i), Name: fmt.Sprintf("%s %d", name, i), Roles: []deputybot.Role{role},
			TelegramID: firstTG + int64(i), Language: deputybot.LangEN, State: deputybot.PersonActive, CreatedAt: time.Now()}
	}
	if err := s.BulkInsertPeople(ctx, ps); err != nil {
		b.Fatal(err)
	}
}

// perUpdate has n users (Telegram ids from firstID on) send text twice,
// and returns the child's CPU per update of the second round, sent all
// at once or each after the answer to the one before. The first round
// pays for what happens once per user (the command menu is set) and
// warms the process up. (Telegram lets a bot send about one message a
// second to a chat, and the service keeps to that, so each update is
// from a different user.)
func perUpdate(b *testing.B, tg *telegramtest.Server, pid int, firstID int64, text string, n int, burst bool) time.Duration {
	answers := func(id int64) int { return len(tg.Messages(id)) }
	chats := make([]*telegramtest.Chat, n)
	for i := range chats {
		chats[i] = tg.Chat(telegramtest.User{ID: firstID + int64(i), LanguageCode: "en"})
		chats[i].Send(text)
	}
	tg.WaitFor("the first answers", func() bool {
		for i := range chats {
			if answers(chats[i].ID) < 1 {
				return false
			}
		}
		return true
	})
	// A stranger is answered once a day: strangers are measured on their
	// first message, in chats not used for the warm-up.
	want := 2
	if firstID >= strangerIDs {
		want = 1
		for i := range chats {
			chats[i] = tg.Chat(telegramtest.User{ID: firstID + int64(n+i), LanguageCode: "en"})
		}
	}
	before := cpuOf(b, pid)
	for _, c := range chats {
		c.Send(text)
		if !burst {
			tg.WaitFor("an answer", func() bool { return answers(c.ID) >= want })
		}
	}
	tg.WaitFor("all answers", func() bool {
		for i := range chats {
			if answers(chats[i].ID) < want {
				return false
			}
		}
		return true
	})
	return (cpuOf(b, pid) - before) / time.Duration(n)
}

// strangerIDs: Telegram ids from here on are strangers in the benchmarks.
const strangerIDs = 900000

// BENCH_CPUPROFILE=file has the service write a CPU profile of its run.
//
// BenchmarkProcessHelp: the CPU the whole service spends per /help from a
// registered deputy (each update recorded durably before it is
// confirmed, its answer sent through the outbox), and per refusal of a
// stranger, against the echo bot's per echo. "one-by-one" sends each
// message after the answer to the one before (each getUpdates brings
// one); "burst" sends them all at once (getUpdates brings up to 100).
func BenchmarkProcessHelp(b *testing.B) {
	needProc(b)
	const n = 500
	for _, mode := range []struct {
		name  string
		burst bool
	}{{"one-by-one", false}, {"burst", true}} {
		b.Run(mode.name, func(b *testing.B) {
			tg := telegramtest.New(b)
			echo := startEcho(b, tg)
			echoCPU := perUpdate(b, tg, echo.Process.Pid, 200000, "hello", n, mode.burst)
			_ = echo.Process.Kill()

			tg = telegramtest.New(b)
			dir := b.TempDir()
			registeredDeputies(b, dir, n)
			p := startService(b, tg, dir, "LOG_LEVEL=info", "DEPUTYBOT_CPUPROFILE="+os.Getenv("BENCH_CPUPROFILE"))
			pid := p.cmd.Process.Pid
			defer func() { _ = p.cmd.Process.Signal(os.Interrupt); p.wait(b) }()
			help := perUpdate(b, tg, pid, 200000, "/help", n, mode.burst)
			stranger := perUpdate(b, tg, pid, strangerIDs, "/help", n, mode.burst)
			b.ReportMetric(float64(echoCPU.Microseconds())/1000, "echo-ms/update")
			b.ReportMetric(float64(help.Microseconds())/1000, "help-ms/update")
			b.ReportMetric(float64(stranger.Microseconds())/1000, "stranger-ms/update")
			b.ReportMetric(float64(help)/float64(echoCPU), "help/echo")
		})
	}
}

// BenchmarkProcessIdle: the service's CPU while nothing happens, with
// delivered notifications kept (the outbox keeps their records for a
// week).
func BenchmarkProcessIdle(b *testing.B) {
	needProc(b)
	for _, kept := range []int{0, 1000, 10000} {
		b.Run(fmt.Sprintf("sent-%d", kept), func(b *testing.B) {
			tg := telegramtest.New(b)
			dir := b.TempDir()
			registeredDeputies(b, dir, 1)
			notifications(b, dir, kept)
			p := startService(b, tg, dir, "LOG_LEVEL=info", "OUTBOX_RATE=1000")
			pid := p.cmd.Process.Pid
			tg.WaitFor("the notifications", func() bool { return len(tg.Calls("sendMessage")) >= kept })
			// Let the last records be written.
			time.Sleep(3 * time.Second)
			const span = 30 * time.Second
			before := cpuOf(b, pid)
			time.Sleep(span)
			used := cpuOf(b, pid) - before
			b.ReportMetric(100*float64(used)/float64(span), "%cpu")
		})
	}
}

// notifications puts n messages to as many chats in the outbox of a data
// directory.
func notifications(b *testing.B, dir string, n int) {
	if n == 0 {
		return
	}
	ctx, s := openData(b, dir)
	defer s.Close(ctx)
	for first := 0; first < n; first += 500 {
		var msgs []deputybot.OutboxMessage
		for i := first; i < min(first+500, n); i++ {
			msgs = append(msgs, deputybot.OutboxMessage{ChatID: int64(100000 + i), Text: fmt.Sprintf("Notice %d: item 2026-%03d was assigned to you.", i, i%1000), Kind: "notification"})
		}
		if _, err := s.Enqueue(ctx, msgs, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcessStartup: from the start of the process to its first
// getUpdates call, on a data directory holding 16,000 handled updates
// (Telegram may redeliver for a day, so they are kept) and on an empty
// one, and on one holding 10,000 items (the read model is loaded at
// start).
func BenchmarkProcessStartup(b *testing.B) {
	for _, c := range []struct{ updates, items int }{{0, 0}, {16000, 0}, {0, 10000}} {
		b.Run(fmt.Sprintf("updates-%d/items-%d", c.updates, c.items), func(b *testing.B) {
			dir := b.TempDir()
			registeredDeputies(b, dir, 1)
			recordHandledUpdates(b, dir, c.updates)
			seedItems(b, dir, c.items)
			var total time.Duration
			for range 3 {
				tg := telegramtest.New(b)
				start := time.Now()
				p := startService(b, tg, dir, "LOG_LEVEL=info")
				total += time.Since(start)
				_ = p.cmd.Process.Signal(os.Interrupt)
				p.wait(b)
			}
			b.ReportMetric(float64(total.Milliseconds())/3, "ms/start")
		})
	}
}

func recordHandledUpdates(b *testing.B, dir string, n int) {
	if n == 0 {
		return
	}
	ctx, s := openData(b, dir)
	defer s.Close(ctx)
	now := time.Now()
	for first := 0; first < n; first += 100 {
		var batch []deputybot.InboxUpdate
		var ids []int64
		for i := first; i < min(first+100, n); i++ {
			id := int64(1000000 + i)
			batch = append(batch, deputybot.InboxUpdate{ID: id, ChatID: 2001, Payload: []byte(`{"update_id":` + strconv.FormatInt(id, 10) + `}`)})
			ids = append(ids, id)
		}
		if _, err := s.RecordUpdates(ctx, batch, now); err != nil {
			b.Fatal(err)
		}
		if err := s.MarkUpdatesDone(ctx, ids, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcessFiling: the CPU the whole service spends per update of
// a /new conversation (kind, title, body, category, no files, no
// co-sponsors, preview, submit: 8 updates), filed by deputies of a store
// that holds 100 or 10,000 items already. Target: at most 5 ms per update,
// and the same (within 1.2 times) whatever the store holds.
func BenchmarkProcessFiling(b *testing.B) {
	needProc(b)
	conversations := 40
	if testing.Short() {
		conversations = 2
	}
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("items-%d", n), func(b *testing.B) {
			tg := telegramtest.New(b)
			dir := b.TempDir()
			registeredDeputies(b, dir, conversations)
			seedItems(b, dir, n)
			p := startService(b, tg, dir, "LOG_LEVEL=info", "DEPUTYBOT_CPUPROFILE="+os.Getenv("BENCH_CPUPROFILE"))
			pid := p.cmd.Process.Pid
			// A first conversation of each deputy pays for what is done once
			// per user and warms the process up; the second is measured.
			run := func(first int64) time.Duration {
				before := cpuOf(b, pid)
				type done struct {
					updates int
					err     error
				}
				dones := make(chan done, conversations)
				for i := range conversations {
					go func() {
						n, err := fileOne(tg, tg.Chat(telegramtest.User{ID: first + int64(i), LanguageCode: "en"}), fmt.Sprintf("Road %d", i))
						dones <- done{n, err}
					}()
				}
				updates := 0
				for range conversations {
					d := <-dones
					if d.err != nil {
						b.Fatal(d.err)
					}
					updates += d.updates
				}
				return (cpuOf(b, pid) - before) / time.Duration(updates)
			}
			run(200000)
			perUpdate := run(200000)
			b.ReportMetric(float64(perUpdate.Microseconds())/1000, "cpu-ms/update")
			_ = p.cmd.Process.Signal(os.Interrupt) // a profile, if asked for, is written
			p.wait(b)
		})
	}
}

// fileOne files a suggestion as chat, step by step, each after the
// bot's answer to the step before (past the items like it, if shown);
// it returns the updates it sent.
func fileOne(tg *telegramtest.Server, chat *telegramtest.Chat, title string) (int, error) {
	seen := len(tg.Messages(chat.ID))
	next := func(want string) (*telegramtest.Message, error) {
		deadline := time.After(2 * time.Minute)
		for {
			changed := tg.Changed()
			if msgs := tg.Messages(chat.ID); len(msgs) > seen {
				m := msgs[seen]
				seen++
				if !strings.Contains(m.Text, want) {
					return nil, fmt.Errorf("chat %d: got %q, want %q", chat.ID, m.Text, want)
				}
				return m, nil
			}
			select {
			case <-changed:
			case <-deadline:
				return nil, fmt.Errorf("chat %d: no answer containing %q", chat.ID, want)
			}
		}
	}
	press := func(m *telegramtest.Message, label string) error {
		btn := m.Button(label)
		if btn == nil {
			return fmt.Errorf("chat %d: no button %q on %q (%v)", chat.ID, label, m.Text, m.Buttons())
		}
		chat.Press(m, btn.CallbackData)
		return nil
	}
	chat.Send("/new")
	updates := 1
	steps := []struct {
		want   string
		button string // pressed, or
		text   string // sent
	}{
		{"", "Suggestion", ""}, {"", "", title}, {"", "", "The road needs repairs before winter."},
		{"", "Education", ""}, {"", "Done", ""}, {"", "Done", ""}, {"", "Submit", ""}, {"Submitted", "", ""},
	}
	for i, st := range steps {
		m, err := next(st.want)
		if err != nil {
			return 0, fmt.Errorf("step %d: %w", i, err)
		}
		if m.Button("Go on filing") != nil {
			// The items like it (the deputy's own of the first round).
			if err := press(m, "Go on filing"); err != nil {
				return 0, err
			}
			updates++
			if m, err = next(st.want); err != nil {
				return 0, fmt.Errorf("step %d: %w", i, err)
			}
		}
		switch {
		case st.button != "":
			if err := press(m, st.button); err != nil {
				return 0, err
			}
			updates++
		case st.text != "":
			chat.Send(st.text)
			updates++
		}
	}
	return updates, nil
}

// seedItems puts n submitted suggestions of this year in a data directory.
func seedItems(b testing.TB, dir string, n int) {
	if n == 0 {
		return
	}
	ctx, s := openData(b, dir)
	defer s.Close(ctx)
	now := time.Now()
	items := make([]*deputybot.Item, n)
	dets := make([]*deputybot.ItemDetails, n)
	for i := range items {
		items[i] = &deputybot.Item{ID: fmt.Sprintf("seed%06d", i), Kind: deputybot.KindSuggestion, Year: now.Year(), Seq: i + 1,
			Title: fmt.Sprintf("Item %d about something that matters", i), Category: "other", AuthorID: "p0",
			Status: deputybot.StatusSubmitted, CreatedAt: now, SubmittedAt: now, UpdatedAt: now, Version: 2,
			ShareToken: fmt.Sprintf("tok%019d", i)}
		dets[i] = &deputybot.ItemDetails{Body: strings.Repeat("text ", 60),
			Timeline: []deputybot.Event{{At: now, ActorID: "p0", Type: deputybot.EvSubmitted}}}
	}
	if err := s.BulkInsertItems(ctx, items, dets); err != nil {
		b.Fatal(err)
	}
}

// openData opens a data directory's store, for a benchmark to fill
// before the service starts on it.
func openData(b testing.TB, dir string) (context.Context, *storage.Store) {
	ctx := context.Background()
	s, err := storage.Open(ctx, storage.Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	return ctx, s
}
