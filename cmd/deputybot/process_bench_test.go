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

// cpuOf is the CPU time a process has used so far (Linux).
func cpuOf(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		tb.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) in ")": state
	// is field 3, utime 14 and stime 15.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const clockTicks = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clockTicks
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
func registeredDeputies(b *testing.B, dir string, n int) {
	ctx := context.Background()
	s, err := storage.Open(ctx, storage.Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	ps := make([]*deputybot.Person, n)
	for i := range ps {
		ps[i] = &deputybot.Person{ID: fmt.Sprintf("p%d", i), Name: fmt.Sprintf("Deputy %d", i), Roles: []deputybot.Role{deputybot.RoleDeputy},
			TelegramID: int64(200000 + i), Language: deputybot.LangEN, State: deputybot.PersonActive, CreatedAt: time.Now()}
	}
	if err := s.BulkInsertPeople(ctx, ps); err != nil {
		b.Fatal(err)
	}
}

// perUpdate has n users (Telegram ids from firstID on, one message each:
// Telegram lets a bot send about one message a second to a chat, and the
// service keeps to that) send text, all at once or each after the answer
// to the one before, and returns the child's CPU per update.
func perUpdate(b *testing.B, tg *telegramtest.Server, pid int, firstID int64, text string, n int, burst bool) time.Duration {
	answered := func(id int64) bool { return len(tg.Messages(id)) > 0 }
	// Warm up: the first updates pay for connections and lazy set-up.
	const warm = 20
	for i := range warm {
		tg.Chat(telegramtest.User{ID: firstID + int64(i), LanguageCode: "en"}).Send(text)
	}
	tg.WaitFor("the warm-up answers", func() bool {
		for i := range warm {
			if !answered(firstID + int64(i)) {
				return false
			}
		}
		return true
	})
	first := firstID + warm
	before := cpuOf(b, pid)
	for i := range n {
		id := first + int64(i)
		tg.Chat(telegramtest.User{ID: id, LanguageCode: "en"}).Send(text)
		if !burst {
			tg.WaitFor("an answer", func() bool { return answered(id) })
		}
	}
	tg.WaitFor("all answers", func() bool {
		for i := range n {
			if !answered(first + int64(i)) {
				return false
			}
		}
		return true
	})
	return (cpuOf(b, pid) - before) / time.Duration(n)
}

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
			registeredDeputies(b, dir, n+20)
			p := startService(b, tg, dir, "LOG_LEVEL=info", "DEPUTYBOT_CPUPROFILE="+os.Getenv("BENCH_CPUPROFILE"))
			pid := p.cmd.Process.Pid
			defer func() { _ = p.cmd.Process.Signal(os.Interrupt); p.wait(b) }()
			help := perUpdate(b, tg, pid, 200000, "/help", n, mode.burst)
			stranger := perUpdate(b, tg, pid, 900000, "/help", n, mode.burst)
			b.ReportMetric(float64(echoCPU.Microseconds())/1000, "echo-ms/update")
			b.ReportMetric(float64(help.Microseconds())/1000, "help-ms/update")
			b.ReportMetric(float64(stranger.Microseconds())/1000, "stranger-ms/update")
			b.ReportMetric(float64(help)/float64(echoCPU), "help/echo")
		})
	}
}

// BenchmarkProcessIdle: the service's CPU while nothing happens, with
// sent messages kept in the outbox (they are kept for a week).
func BenchmarkProcessIdle(b *testing.B) {
	needProc(b)
	for _, kept := range []int{0, 1000} {
		b.Run(fmt.Sprintf("sent-%d", kept), func(b *testing.B) {
			tg := telegramtest.New(b)
			dir := b.TempDir()
			registeredDeputies(b, dir, kept+20)
			p := startService(b, tg, dir, "LOG_LEVEL=info")
			pid := p.cmd.Process.Pid
			if kept > 0 {
				perUpdate(b, tg, pid, 200000, "/help", kept-20, true)
			}
			// Let the last sends and their records settle.
			time.Sleep(3 * time.Second)
			const span = 30 * time.Second
			before := cpuOf(b, pid)
			time.Sleep(span)
			used := cpuOf(b, pid) - before
			b.ReportMetric(100*float64(used)/float64(span), "%cpu")
		})
	}
}

// BenchmarkProcessStartup: from the start of the process to its first
// getUpdates call, on a data directory holding 16,000 handled updates
// (Telegram may redeliver for a day, so they are kept) and on an empty
// one.
func BenchmarkProcessStartup(b *testing.B) {
	for _, recorded := range []int{0, 16000} {
		b.Run(fmt.Sprintf("updates-%d", recorded), func(b *testing.B) {
			dir := b.TempDir()
			registeredDeputies(b, dir, 1)
			recordHandledUpdates(b, dir, recorded)
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
	ctx := context.Background()
	s, err := storage.Open(ctx, storage.Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	now := time.Now()
	for i := range n {
		id := int64(1000000 + i)
		if _, err := s.RecordUpdate(ctx, id, 2001, []byte(`{"update_id":`+strconv.FormatInt(id, 10)+`}`), now); err != nil {
			b.Fatal(err)
		}
		if err := s.MarkUpdateDone(ctx, id, now); err != nil {
			b.Fatal(err)
		}
	}
}
