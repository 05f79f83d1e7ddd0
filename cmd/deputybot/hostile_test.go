package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/hostile"
	"deputybot/internal/telegramtest"
)

// peakRSS is the most memory the process has held (VmHWM), in MB.
func peakRSS(t *testing.T, p *process) int {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return kb >> 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// TestRosterBombsRefused: the files that took the service down — an
// .xlsx of 3 MB carrying a 3 GiB run of zeros in an extra part, and one
// whose worksheet unpacks to 1 GiB — sent as rosters are refused with a
// clear message, the service stays under 200 MB of memory and answers
// another user meanwhile, imports nothing, and is still up.
func TestRosterBombsRefused(t *testing.T) {
	zeros, err := hostile.XLSXBomb(3<<30, false)
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := hostile.XLSXBomb(1<<30, true)
	if err != nil {
		t.Fatal(err)
	}
	tg := telegramtest.New(t)
	p := startService(t, tg, t.TempDir(), "ADMIN_TELEGRAM_IDS=1001,1002")
	admin := tg.Chat(telegramtest.User{ID: 1001, FirstName: "Admin", LanguageCode: "en"})
	other := tg.Chat(telegramtest.User{ID: 1002, FirstName: "Other", LanguageCode: "en"})
	admin.Send("/import")
	admin.Next("Send the roster file")
	for _, file := range [][]byte{zeros, sheet} {
		admin.SendFile("roster.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", file, "")
		other.Send("/help")
		admin.Next("unpacks to more than 64 MB", "nothing was imported")
		admin.Next("Send the roster file") // asked again
		other.Next("/invite")
	}
	admin.Send("/cancel")
	admin.Next()
	admin.Send("/people")
	admin.Next("People (2 in all") // the admins alone
	if mb := peakRSS(t, p); mb >= 200 {
		t.Errorf("peak memory %d MB", mb)
	} else {
		t.Logf("peak memory %d MB", mb)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// TestNoTelegramIDsInTheLogAtInfo: at LOG_LEVEL=info the log names no
// Telegram id — not a stranger's, not a bootstrap administrator's, not
// that of a person who blocked the bot — though it logs what happened to
// each (a keyed reference stands for the id).
func TestNoTelegramIDsInTheLogAtInfo(t *testing.T) {
	tg := telegramtest.New(t)
	const admin, stranger, blocked = 7770005678, 7770001234, 7770003333
	tg.FailWhen(func(c *telegramtest.Call) bool { return c.ChatID() == blocked }, -1,
		telegramtest.Failure{Status: 403, Description: "Forbidden: bot was blocked by the user"})
	p := startService(t, tg, t.TempDir(), fmt.Sprintf("ADMIN_TELEGRAM_IDS=%d,%d", admin, blocked), "LOG_LEVEL=info")
	a := tg.Chat(telegramtest.User{ID: admin, FirstName: "Admin", LanguageCode: "en"})
	a.Send("/invite deputy Zhang San")
	a.Next("Invitation link for Zhang San")
	s := tg.Chat(telegramtest.User{ID: stranger, FirstName: "Who", LanguageCode: "en"})
	s.Send("/start")
	s.Next("not registered")
	b := tg.Chat(telegramtest.User{ID: blocked, FirstName: "Gone", LanguageCode: "en"})
	b.Send("/help")
	tg.WaitFor("the answer to be refused", func() bool {
		for _, c := range tg.Calls("sendMessage") {
			if c.ChatID() == blocked {
				return true
			}
		}
		return false
	})
	// The refusal is logged before the stop ends: the update of the
	// refused answer is done only then.
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	log := p.stderrString()
	for _, id := range []int64{admin, stranger, blocked} {
		if strings.Contains(log, strconv.FormatInt(id, 10)) {
			t.Errorf("Telegram id %d in the log at INFO:\n%s", id, log)
		}
	}
	if !strings.Contains(log, "chat=tg:") {
		t.Errorf("the refusal does not say to whom:\n%s", log)
	}
}

// TestIdleConnectionsLeaveTheBotAnswering: 1,100 connections opened to
// the public site and left idle, against a service allowed 1,024 open
// files, take none of the files the bot needs: a person is answered at
// once, /healthz answers on its own port, and the site serves again as
// soon as the attacker leaves (were he to stay, his connections are
// closed 10 s after they were taken for sending nothing, 256 at a time).
func TestIdleConnectionsLeaveTheBotAnswering(t *testing.T) {
	tg := telegramtest.New(t)
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	public, health := free(), free()
	p := startService(t, tg, t.TempDir(), "DEPUTYBOT_TEST_NOFILE=1024", "PUBLIC_DISCLOSURE=on", "PUBLIC_ADDR="+public, "HTTP_ADDR="+health)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 1100 {
		c, err := net.DialTimeout("tcp", public, 2*time.Second)
		if err != nil {
			break // the kernel's queue is full: that is the attacker's problem
		}
		conns = append(conns, c)
	}
	if len(conns) < 1024 {
		t.Fatalf("only %d connections opened", len(conns))
	}
	admin := tg.Chat(telegramtest.User{ID: 1001, FirstName: "Admin", LanguageCode: "en"})
	start := time.Now()
	admin.Send("/help")
	admin.Next("/invite")
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("answered after %v", took)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + health + "/healthz")
	if err != nil {
		t.Fatalf("/healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/healthz: %d", resp.StatusCode)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	resp, err = (&http.Client{Timeout: 10 * time.Second}).Get("http://" + public + "/")
	if err != nil {
		t.Fatalf("the site: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the site: %d", resp.StatusCode)
	}
	if strings.Contains(p.stderrString(), "too many open files") {
		t.Fatalf("the service ran out of files:\n%s", p.stderrString())
	}
}

// TestStrangerFloodDelaysNoOne: 60 strangers sending 30 messages each,
// against a Telegram that enforces its limits (30 a second, one a second
// a chat), get one refusal each, and delay a registered person's answer,
// sent in the middle of the flood, by at most 2 s; so does a registered
// person's own flood.
func TestStrangerFloodDelaysNoOne(t *testing.T) {
	tg := telegramtest.New(t)
	tg.EnforceRate(30, time.Second)
	startService(t, tg, t.TempDir(), "ADMIN_TELEGRAM_IDS=1001,1002", "OUTBOX_CHAT_BURST=1")
	admin := tg.Chat(telegramtest.User{ID: 1001, FirstName: "Admin", LanguageCode: "en"})
	var strangers []*telegramtest.Chat
	for i := range 60 {
		strangers = append(strangers, tg.Chat(telegramtest.User{ID: int64(880000 + i), FirstName: "Flood", LanguageCode: "en"}))
	}
	for round := range 30 {
		for _, s := range strangers {
			s.Send(fmt.Sprintf("hello %d", round))
		}
		if round == 15 {
			start := time.Now()
			admin.Send("/help")
			admin.Next("/invite")
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("the answer took %v in the flood", took)
			} else {
				t.Logf("the answer took %v in the flood", took)
			}
		}
	}
	for _, s := range strangers {
		s.Next("not registered")
	}
	admin.Send("/help") // after the flood: every stranger's update is handled before this one is answered
	admin.Next("/invite")
	for _, s := range strangers {
		if n := len(s.Messages()); n != 1 {
			t.Fatalf("a stranger got %d answers", n)
		}
	}
	admin.Unread()
	// Strangers guessing invitation links are answered each time (a
	// mistyped link deserves to hear so), in the last lane too.
	for round := range 3 {
		for _, s := range strangers {
			s.Send(fmt.Sprintf("/start guess%d-%d", s.ID, round))
		}
	}
	tg.WaitFor("the first guesses to be answered", func() bool { return len(strangers[0].Messages()) >= 2 })
	start := time.Now()
	admin.Send("/help")
	admin.Next("/invite")
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the answer took %v behind strangers guessing links", took)
	}
	// A registered person's flood (60 /help at once: his answers go one
	// a second, his chat's pace) delays another's answer no more.
	flooder := tg.Chat(telegramtest.User{ID: 1002, FirstName: "Flood", LanguageCode: "en"})
	for range 60 {
		flooder.Send("/help")
	}
	tg.WaitFor("the flood's first answers", func() bool { return len(flooder.Messages()) >= 3 })
	start = time.Now()
	admin.Send("/help")
	admin.Next("/invite")
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the answer took %v behind another person's flood", took)
	}
	if n := tg.RateRefused(); n != 0 {
		t.Errorf("Telegram refused %d sends for their rate", n)
	}
}

// TestRestartKeepsTelegramsPace: a service killed just after a burst of
// 30 sends and started again at once does not send in the second after:
// Telegram (here a fake that refuses a 31st send in any second) never
// counts more than 30 in a second across the two processes.
func TestRestartKeepsTelegramsPace(t *testing.T) {
	tg := telegramtest.New(t)
	tg.EnforceRate(30, 0)
	dir := t.TempDir()
	s, ctx := openStore(t, dir)
	var msgs []deputybot.OutboxMessage
	for i := range 90 {
		// As answers: the lane that may take the whole budget at once.
		msgs = append(msgs, deputybot.OutboxMessage{ChatID: int64(300000 + i), Text: fmt.Sprintf("burst %d", i), Kind: "test", Lane: deputybot.LaneAnswer})
	}
	if _, err := s.Enqueue(ctx, msgs, time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)
	sent := func() int { return len(tg.Calls("sendMessage")) }
	p := startService(t, tg, dir)
	tg.WaitFor("the first burst", func() bool { return sent() >= 30 })
	_ = p.cmd.Process.Kill()
	p.wait(t)
	startService(t, tg, dir)
	tg.WaitFor("the rest", func() bool {
		ok := 0
		for _, c := range tg.Calls("sendMessage") {
			if c.Status == 200 {
				ok++
			}
		}
		return ok >= 90
	})
	if n := tg.RateRefused(); n != 0 {
		t.Fatalf("Telegram refused %d sends: over 30 in a second across the restart", n)
	}
}
