package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"deputybot"
	"deputybot/config"
	"deputybot/internal/telegramtest"
	"deputybot/storage"
)

// The tests start this test binary as the deputybot process: with
// DEPUTYBOT_AS_MAIN set it runs main's logic instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("DEPUTYBOT_AS_MAIN") == "1" {
		tuneGC()
		if n, err := strconv.ParseUint(os.Getenv("DEPUTYBOT_TEST_NOFILE"), 10, 64); err == nil {
			// As a machine whose limit of open files is low (Go raises
			// the soft limit to the hard one: both are set).
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				panic(err)
			}
		}
		if path := os.Getenv("DEPUTYBOT_CPUPROFILE"); path != "" {
			// For the process benchmarks: a profile of the whole run,
			// written when it stops on a signal.
			f, err := os.Create(path)
			if err == nil && pprof.StartCPUProfile(f) == nil {
				code := run(os.Args[1:], os.LookupEnv, os.Stderr)
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
		}
		os.Exit(run(os.Args[1:], os.LookupEnv, os.Stderr))
	}
	if os.Getenv("DEPUTYBOT_AS_ECHO") == "1" {
		os.Exit(echoMain())
	}
	os.Exit(m.Run())
}

func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestBadConfigurationStopsWithCode2(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{nil, "TELEGRAM_BOT_TOKEN: is not set"},
		{[]string{"TELEGRAM_BOT_TOKEN", telegramtest.Token, "TIMEZONE", "Moon/Base"}, "TIMEZONE: unknown time zone \"Moon/Base\""},
		{[]string{"TELEGRAM_BOT_TOKEN", telegramtest.Token, "ADMIN_TELEGRAM_IDS", "12,x"}, "ADMIN_TELEGRAM_IDS: \"x\" is not a Telegram user id"},
		{[]string{"TELEGRAM_BOT_TOKEN", telegramtest.Token, "DIGEST_SCHEDULE", "mondays"}, "DIGEST_SCHEDULE:"},
		{[]string{"TELEGRAM_BOT_TOKEN", telegramtest.Token, "PUBLIC_ADDR", "127.0.0.1:8081"}, "PUBLIC_ADDR: is set but PUBLIC_DISCLOSURE is off"},
		{[]string{"TELEGRAM_BOT_TOKEN", telegramtest.Token, "PUBLIC_DISCLOSURE", "maybe"}, `PUBLIC_DISCLOSURE: "maybe" is not on or off`},
	} {
		var out bytes.Buffer
		if code := run([]string{"run"}, env(tc.env...), &out); code != 2 {
			t.Errorf("%v: exit code %d", tc.env, code)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
			t.Errorf("%v: output %q, want one line with %q", tc.env, out.String(), tc.want)
		}
	}
	var out bytes.Buffer
	if code := run([]string{"frobnicate"}, env(), &out); code != 2 || !strings.Contains(out.String(), "unknown command") {
		t.Errorf("unknown subcommand: %d %q", code, out.String())
	}
	// A data directory that cannot be made is a configuration error.
	file := t.TempDir() + "/file"
	os.WriteFile(file, nil, 0o600)
	tg := telegramtest.New(t)
	out.Reset()
	code := run([]string{"run"}, env("TELEGRAM_BOT_TOKEN", telegramtest.Token, "TELEGRAM_API_URL", tg.URL,
		"DATA_DIR", file+"/data", "HTTP_ADDR", "off"), &out)
	if code != 2 || !strings.Contains(out.String(), "DATA_DIR "+file+"/data") {
		t.Errorf("uncreatable DATA_DIR: exit %d, %q", code, out.String())
	}
}

func TestRejectedTokenStopsTheService(t *testing.T) {
	tg := telegramtest.New(t)
	var out bytes.Buffer
	code := run([]string{"run"}, env(
		"TELEGRAM_BOT_TOKEN", "987654321:SOMEoneELSEStokenSOMEoneELSEStoken",
		"TELEGRAM_API_URL", tg.URL, "DATA_DIR", t.TempDir(), "HTTP_ADDR", "off",
	), &out)
	if code != 1 || !strings.Contains(out.String(), "TELEGRAM_BOT_TOKEN: Telegram refused the token") {
		t.Fatalf("exit %d, output %q", code, out.String())
	}
	if strings.Contains(out.String(), "SOMEoneELSE") {
		t.Fatal("the token was logged")
	}
}

// process is the service running as a child process.
type process struct {
	cmd    *exec.Cmd
	done   chan struct{}
	mu     sync.Mutex
	stderr bytes.Buffer
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.Write(b)
}

func startService(t testing.TB, tg *telegramtest.Server, dataDir string, env ...string) *process {
	t.Helper()
	p := launch(t, tg, dataDir, env...)
	tg.WaitFor("the service to poll", func() bool { return tg.Polling() > 0 })
	return p
}

// launch starts the service process and returns at once.
func launch(t testing.TB, tg *telegramtest.Server, dataDir string, env ...string) *process {
	t.Helper()
	p := &process{done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "run")
	p.cmd.Env = append(os.Environ(),
		"DEPUTYBOT_AS_MAIN=1",
		"TELEGRAM_BOT_TOKEN="+telegramtest.Token,
		"TELEGRAM_API_URL="+tg.URL,
		"DATA_DIR="+dataDir,
		"ADMIN_TELEGRAM_IDS=1001",
		"HTTP_ADDR=127.0.0.1:0",
		"LOG_LEVEL=debug",
	)
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stderr = p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			p.mu.Lock()
			t.Logf("service log:\n%s", p.stderr.String())
			p.mu.Unlock()
		}
	})
	return p
}

func (p *process) stderrString() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

func (p *process) wait(t testing.TB) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(2 * time.Minute):
		t.Fatal("service did not exit")
		return -1
	}
}

func sends(tg *telegramtest.Server, chatID int64, substr string) int {
	n := 0
	for _, m := range tg.Messages(chatID) {
		if strings.Contains(m.Text, substr) {
			n++
		}
	}
	return n
}

// heldUpdate starts the service, has the admin send text, and holds the
// bot's reply at the fake Telegram.
func heldUpdate(t *testing.T, text string) (tg *telegramtest.Server, dir string, p *process, admin *telegramtest.Chat, release func()) {
	tg = telegramtest.New(t)
	dir = t.TempDir()
	p = startService(t, tg, dir)
	admin = tg.Chat(telegramtest.User{ID: 1001, FirstName: "Admin", LanguageCode: "en"})
	release = tg.HoldWhen(func(c *telegramtest.Call) bool { return c.Method == "sendMessage" })
	admin.Send(text)
	tg.WaitFor("the reply to be held", func() bool { return tg.Holding("sendMessage") == 1 })
	return tg, dir, p, admin, release
}

func TestSIGTERMDuringAHandlerLetsItFinish(t *testing.T) {
	tg, dir, p, admin, release := heldUpdate(t, "/departments add Term Bureau")

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	tg.WaitFor("polling to stop", func() bool {
		for _, c := range tg.Calls("getUpdates") {
			if c.Error == "client went away" {
				return true
			}
		}
		return false
	})
	select {
	case <-p.done:
		t.Fatal("the service exited while a handler was running")
	default:
	}
	release()
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if n := sends(tg, 1001, "Term Bureau added"); n != 1 {
		t.Fatalf("reply delivered %d times", n)
	}

	// Started again, the service does not handle the finished update again.
	startService(t, tg, dir)
	admin.Send("/departments")
	tg.WaitFor("the department list", func() bool { return sends(tg, 1001, "Departments (1)") == 1 })
	if n := sends(tg, 1001, "already exists"); n != 0 {
		t.Fatal("the update was handled twice")
	}
}

func TestKilledServiceResumesUnhandledUpdate(t *testing.T) {
	tg, dir, p, _, release := heldUpdate(t, "/help")
	// The update was confirmed to Telegram (polling went on), so only the
	// service's own record can bring it back.
	tg.WaitFor("the update to be confirmed", func() bool { return tg.Pending() == 0 })
	_ = p.cmd.Process.Kill()
	p.wait(t)
	// The held reply dies with its connection (as at Telegram, a request
	// whose client is gone may otherwise still be carried out: that is
	// the duplicate the README allows, not what this test is about).
	tg.WaitFor("the held reply to be abandoned", func() bool { return tg.Holding("sendMessage") == 0 && tg.Connections() == 0 })
	release()
	if n := sends(tg, 1001, "Commands"); n != 0 {
		t.Fatalf("a reply got through before the kill (%d)", n)
	}
	startService(t, tg, dir)
	tg.WaitFor("the /help reply after the restart", func() bool { return sends(tg, 1001, "Commands") == 1 })
}

// TestKillDuringABurstLosesNothing kills the service while it sends a
// burst of 500 messages: after a restart all 500 are delivered, with at
// most as many duplicates as sends were in flight, or sent and not yet
// recorded, at the kill.
func TestKillDuringABurstLosesNothing(t *testing.T) {
	tg := telegramtest.New(t)
	dir := t.TempDir()
	ctx := context.Background()
	s, err := storage.Open(ctx, storage.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []deputybot.OutboxMessage
	for i := range 500 {
		msgs = append(msgs, deputybot.OutboxMessage{ChatID: int64(100000 + i), Text: fmt.Sprintf("burst %d", i), Kind: "test"})
	}
	if _, err := s.Enqueue(ctx, msgs, time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)

	delivered := func() (total, distinct int) {
		for i := range 500 {
			n := len(tg.Messages(int64(100000 + i)))
			total += n
			if n > 0 {
				distinct++
			}
		}
		return
	}
	p := startService(t, tg, dir, "OUTBOX_RATE=100")
	tg.WaitFor("part of the burst", func() bool { _, d := delivered(); return d >= 150 })
	_ = p.cmd.Process.Kill()
	p.wait(t)
	_, before := delivered()
	if before >= 500 {
		t.Fatal("the burst finished before the kill")
	}
	startService(t, tg, dir, "OUTBOX_RATE=100")
	tg.WaitFor("the whole burst", func() bool { _, d := delivered(); return d == 500 })
	total, _ := delivered()
	// In flight at the kill: up to 8 sends (the workers), and up to 8
	// sent whose outcome was not written yet (the sender waits for the
	// write rather than let more pile up).
	if dup := total - 500; dup > 16 {
		t.Fatalf("%d duplicates; at most the 8 sends in flight and the 8 outcomes being written may repeat", dup)
	}
	t.Logf("killed after %d of 500; %d duplicates after the restart", before, total-500)
}

func TestJobCommandSendsDueReminders(t *testing.T) {
	tg := telegramtest.New(t)
	dir := t.TempDir()
	ctx := context.Background()
	s, err := storage.Open(ctx, storage.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, loc)
	dept := &deputybot.Department{ID: "d1", Name: "区住建局", CreatedAt: now}
	contact := &deputybot.Person{ID: "p1", Name: "李四", Roles: []deputybot.Role{deputybot.RoleContact}, DepartmentID: "d1",
		TelegramID: 3001, Language: deputybot.LangZH, State: deputybot.PersonActive, CreatedAt: now}
	it := &deputybot.Item{ID: "i1", Kind: deputybot.KindSuggestion, Year: 2026, Seq: 1, Title: "修路", Category: "other",
		AuthorID: "p0", Status: deputybot.StatusAssigned, LeadDept: "d1", AssignedAt: now, Round: 1,
		Deadline: deputybot.EndOfDay(deputybot.Date{Year: 2026, Month: 6, Day: 2}, loc), Version: 1}
	if err := s.BulkInsertDepartments(ctx, []*deputybot.Department{dept}); err != nil {
		t.Fatal(err)
	}
	if err := s.BulkInsertPeople(ctx, []*deputybot.Person{contact}); err != nil {
		t.Fatal(err)
	}
	if err := s.BulkInsertItems(ctx, []*deputybot.Item{it}, []*deputybot.ItemDetails{{}}); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)

	job := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := run(append([]string{"job"}, args...), env("TELEGRAM_BOT_TOKEN", telegramtest.Token, "TELEGRAM_API_URL", tg.URL,
			"DATA_DIR", dir, "HTTP_ADDR", "off"), &out)
		return code, out.String()
	}
	if code, out := job("reminders", "--at", "2026-05-26T09:00:00+08:00"); code != 0 ||
		!strings.Contains(out, "ran for 2026-05-26T09:00:00+08:00 and queued 1 message; delivered 1, 0 refused") {
		t.Fatalf("job: exit %d: %s", code, out)
	}
	got := tg.Messages(3001)
	if len(got) != 1 || !strings.Contains(got[0].Text, "剩7天（2026-06-02）") {
		t.Fatalf("reminder: %v", got)
	}
	// The same slot again sends nothing.
	if code, _ := job("reminders", "--at", "2026-05-26T09:00:00+08:00"); code != 0 || len(tg.Messages(3001)) != 1 {
		t.Fatal("the job repeated a reminder")
	}
	if code, out := job("nonsense"); code != 2 || !strings.Contains(out, `no job "nonsense"`) {
		t.Fatalf("unknown job: %d %q", code, out)
	}
	if code, out := job("digest", "--at", "yesterday"); code != 2 || !strings.Contains(out, "--at") {
		t.Fatalf("bad --at: %d %q", code, out)
	}
}

func TestReportExportImportCommands(t *testing.T) {
	tg := telegramtest.New(t)
	dir := t.TempDir()
	base := []string{"DATA_DIR", dir, "HTTP_ADDR", "off"}
	tool := func(extra []string, args ...string) (int, string) {
		var out bytes.Buffer
		code := runTool(args[0], args[1:], env(append(append([]string{}, base...), extra...)...), &out, &out)
		return code, out.String()
	}
	// Import needs the bot (its links carry the bot's username).
	roster := dir + "/roster.csv"
	os.WriteFile(roster, []byte("name,role,department,phone\nAlice,deputy,,\nBob,contact,Water Bureau,\nBad,wizard,,\n"+
		"\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",deputy,,\n"), 0o600)
	if code, out := tool(nil, "import", roster); code != 2 || !strings.Contains(out, "TELEGRAM_BOT_TOKEN") {
		t.Fatalf("import without a token: %d %q", code, out)
	}
	links := dir + "/links.csv"
	withBot := []string{"TELEGRAM_BOT_TOKEN", telegramtest.Token, "TELEGRAM_API_URL", tg.URL}
	code, out := tool(withBot, "import", "--lang", "en", "-o", links, roster)
	if code != 0 || !strings.Contains(out, "3 created, 0 skipped") || !strings.Contains(out, "row 4: Unknown role") {
		t.Fatalf("import: %d %q", code, out)
	}
	data, _ := os.ReadFile(links)
	if !strings.Contains(string(data), "https://t.me/deputy_test_bot?start=") || !strings.Contains(string(data), "Water Bureau") {
		t.Fatalf("links file: %s", data)
	}
	// A name a spreadsheet would take for a formula is written as text.
	if !strings.Contains(string(data), `"'=HYPERLINK(`) || strings.Contains(string(data), "\n=HYPERLINK") {
		t.Fatalf("a formula in the links file: %s", data)
	}
	// Links, phones and names: owner-only, whatever the umask (022 here),
	// even over a file that was readable by all.
	ownerOnly := func(name string) {
		t.Helper()
		if st, err := os.Stat(name); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v (%v), want 0600", name, st.Mode().Perm(), err)
		}
	}
	ownerOnly(links)
	if code, out := tool(withBot, "import", roster); code != 0 || !strings.Contains(out, "0 created, 3 skipped") {
		t.Fatalf("re-import: %d %q", code, out)
	}
	// Report and export need no bot.
	code, out = tool(nil, "report", "--year", "2026", "--format", "markdown")
	if code != 0 || !strings.Contains(out, "# 关于2026年度人大代表议案建议办理情况的报告") || !strings.Contains(out, "没有承办议案") {
		t.Fatalf("report: %d %q", code, out)
	}
	if code, out := tool(nil, "report", "--format", "pdf"); code != 2 || !strings.Contains(out, "--format") {
		t.Fatalf("bad format: %d %q", code, out)
	}
	// The public site: only when published, into a new directory or
	// over an earlier publish, never over other files.
	if code, out := tool(nil, "publish", "-o", dir+"/site"); code != 2 || !strings.Contains(out, "PUBLIC_DISCLOSURE") {
		t.Fatalf("publish while disclosure is off: %d %q", code, out)
	}
	on := []string{"PUBLIC_DISCLOSURE", "on"}
	if code, out := tool(on, "publish"); code != 2 || !strings.Contains(out, "-o DIR") {
		t.Fatalf("publish without -o: %d %q", code, out)
	}
	for range 2 {
		if code, out := tool(on, "publish", "-o", dir+"/site"); code != 0 || !strings.Contains(out, "files in") {
			t.Fatalf("publish: %d %q", code, out)
		}
	}
	if _, err := os.Stat(dir + "/site/zh/index.html"); err != nil {
		t.Fatalf("the published site: %v", err)
	}
	other := t.TempDir()
	os.WriteFile(other+"/notes.txt", []byte("mine"), 0o600)
	if code, out := tool(on, "publish", "-o", other); code != 1 || !strings.Contains(out, "not a published site") {
		t.Fatalf("publish over other files: %d %q", code, out)
	}
	if b, _ := os.ReadFile(other + "/notes.txt"); string(b) != "mine" {
		t.Fatal("publish touched other files")
	}
	if code, out := tool(nil, "report", "--format", "docx"); code != 2 || !strings.Contains(out, "-o report.docx") {
		t.Fatalf("docx to the terminal: %d %q", code, out)
	}
	docx := dir + "/report.docx"
	if code, out := tool([]string{"REPORT_SESSION", "区十五届人大六次会议"}, "report", "--year", "2026", "--format", "docx", "-o", docx); code != 0 {
		t.Fatalf("docx report: %d %q", code, out)
	}
	if zr, err := zip.OpenReader(docx); err != nil {
		t.Fatalf("docx report: %v", err)
	} else {
		var doc []byte
		for _, f := range zr.File {
			if f.Name == "word/document.xml" {
				rc, _ := f.Open()
				doc, _ = io.ReadAll(rc)
				rc.Close()
			}
		}
		zr.Close()
		if !strings.Contains(string(doc), ">关于区十五届人大六次会议以来<") || !strings.Contains(string(doc), ">议案建议办理情况的报告<") {
			t.Fatalf("docx report's document: %.900s", doc)
		}
	}
	xlsx := dir + "/register.xlsx"
	os.WriteFile(xlsx, nil, 0o644) // readable by all before: not after
	if code, out := tool(nil, "export", "--year", "2026", "-o", xlsx); code != 0 || !strings.Contains(out, "0 items of 2026") {
		t.Fatalf("export: %d %q", code, out)
	}
	if st, err := os.Stat(xlsx); err != nil || st.Size() < 1000 {
		t.Fatalf("register file: %v", err)
	}
	ownerOnly(xlsx)
	ownerOnly(docx)
	if code, _ := tool(nil, "export", "--year", "2026"); code != 2 {
		t.Fatal("export without -o accepted")
	}
}

// TestSecondServiceOnADataDirectoryRefuses: two services on one data
// directory would each send everything; the second refuses, saying why.
func TestSecondServiceOnADataDirectoryRefuses(t *testing.T) {
	tg := telegramtest.New(t)
	dir := t.TempDir()
	p := startService(t, tg, dir)
	var out bytes.Buffer
	code := run([]string{"run"}, env("TELEGRAM_BOT_TOKEN", telegramtest.Token, "TELEGRAM_API_URL", tg.URL,
		"DATA_DIR", dir, "HTTP_ADDR", "off"), &out)
	want := fmt.Sprintf("is in use by another deputybot process (pid %d, `deputybot run`", p.cmd.Process.Pid)
	if code != 2 || !strings.Contains(out.String(), want) {
		t.Fatalf("second run: exit %d, %q", code, out.String())
	}
	// The first one is unaffected.
	admin := tg.Chat(telegramtest.User{ID: 1001, FirstName: "Admin", LanguageCode: "en"})
	admin.Send("/help")
	admin.Next("/invite")
}

// supervisors puts n supervisors (Telegram ids 700000+i) in a new store.
func supervisors(t *testing.T, dir string, n int) {
	t.Helper()
	s, ctx := openStore(t, dir)
	defer s.Close(ctx)
	var ps []*deputybot.Person
	for i := range n {
		ps = append(ps, &deputybot.Person{ID: fmt.Sprintf("s%03d", i), Name: fmt.Sprintf("督查%03d", i),
			Roles: []deputybot.Role{deputybot.RoleSupervisor}, TelegramID: int64(700000 + i), Language: deputybot.LangZH,
			State: deputybot.PersonActive, CreatedAt: time.Now()})
	}
	if err := s.BulkInsertPeople(ctx, ps); err != nil {
		t.Fatal(err)
	}
}

// TestJobNextToTheServiceIsHandedOver: `deputybot job` against a data
// directory a service owns hands the job to the service, which sends each
// message once; a job "as if" at another time, past or future, queues
// messages that are due now, and people's messages are not held up.
func TestJobNextToTheServiceIsHandedOver(t *testing.T) {
	tg := telegramtest.New(t)
	dir := t.TempDir()
	const n = 120
	supervisors(t, dir, n)
	p := startService(t, tg, dir, "OUTBOX_RATE=300")
	job := func(at string) (int, string) {
		var out bytes.Buffer
		code := run([]string{"job", "digest", "--at", at}, env("TELEGRAM_BOT_TOKEN", telegramtest.Token, "TELEGRAM_API_URL", tg.URL,
			"DATA_DIR", dir, "HTTP_ADDR", "off"), &out)
		return code, out.String()
	}
	digests := func() (total, chats int) {
		for i := range n {
			k := len(tg.Messages(int64(700000 + i)))
			total += k
			if k > 0 {
				chats++
			}
		}
		return
	}
	pid := fmt.Sprintf("running service (pid %d)", p.cmd.Process.Pid)
	// Last Monday's slot.
	code, out := job("2026-11-23T09:00:00+08:00")
	if code != 0 || !strings.Contains(out, pid) || !strings.Contains(out, fmt.Sprintf("queued %d messages", n)) {
		t.Fatalf("job: exit %d, %q", code, out)
	}
	tg.WaitFor("every digest", func() bool { total, _ := digests(); return total >= n })
	if total, chats := digests(); total != n || chats != n {
		t.Fatalf("%d digests to %d supervisors, want one each", total, chats)
	}
	// The same slot again: nothing new.
	if code, out := job("2026-11-23T09:00:00+08:00"); code != 0 || !strings.Contains(out, "queued 0 messages") {
		t.Fatalf("job again: exit %d, %q", code, out)
	}
	// A slot months ahead: its messages are due now, and hold nothing up.
	if code, out := job("2027-03-01T09:00:00+08:00"); code != 0 || !strings.Contains(out, fmt.Sprintf("queued %d messages", n)) {
		t.Fatalf("future job: exit %d, %q", code, out)
	}
	tg.WaitFor("the second digests", func() bool { total, _ := digests(); return total >= 2*n })
	if total, _ := digests(); total != 2*n {
		t.Fatalf("%d digests, want %d", total, 2*n)
	}
	admin := tg.Chat(telegramtest.User{ID: 1001, FirstName: "Admin", LanguageCode: "en"})
	admin.Send("/help")
	admin.Next("/invite")
	if n := tg.RateRefused(); n != 0 {
		t.Fatalf("%d sends refused", n)
	}
}

// TestHelpListsCommandsAndVariables: --help names every command and
// every environment variable with its default; each command's --help
// exits 0; version says what was built.
func TestHelpListsCommandsAndVariables(t *testing.T) {
	var out, errs strings.Builder
	if code := runIO([]string{"--help"}, env(), &out, &errs); code != 0 {
		t.Fatalf("--help: exit %d %s", code, errs.String())
	}
	for _, cmd := range []string{"run", "job", "report", "export", "import", "publish", "backup", "restore", "copy", "health", "version"} {
		if !strings.Contains(out.String(), "\n  "+cmd+" ") {
			t.Errorf("--help does not explain %s", cmd)
		}
	}
	for _, v := range config.Variables {
		if !strings.Contains(out.String(), "  "+v.Name+" ") {
			t.Errorf("--help does not list %s", v.Name)
		}
	}
	if !strings.Contains(out.String(), "default: 0 9 * * 1") || !strings.Contains(out.String(), "default: ./data") {
		t.Errorf("--help does not give defaults:\n%s", out.String())
	}
	for _, args := range [][]string{{"run", "--help"}, {"job", "--help"}, {"job", "digest", "--help"}, {"report", "--help"},
		{"export", "-h"}, {"import", "--help"}, {"publish", "--help"}, {"backup", "--help"}, {"restore", "--help"}, {"copy", "--help"}, {"health", "--help"}, {"help"}} {
		var o, e strings.Builder
		if code := runIO(args, env(), &o, &e); code != 0 {
			t.Errorf("%v: exit %d %s", args, code, e.String())
		}
	}
	var v strings.Builder
	if code := runIO([]string{"version"}, env(), &v, &errs); code != 0 || !strings.HasPrefix(v.String(), "deputybot ") || !strings.Contains(v.String(), "go1.") {
		t.Fatalf("version: %d %q", code, v.String())
	}
}

// TestHealthCommandAndJSONLogs: `deputybot health` asks a running
// service (exit 0, its checks printed) and fails when none answers; with
// LOG_FORMAT=json every log line is one JSON object.
func TestHealthCommandAndJSONLogs(t *testing.T) {
	addr := freeAddr(t)
	tg := telegramtest.New(t)
	p := startService(t, tg, t.TempDir(), "HTTP_ADDR="+addr, "LOG_FORMAT=json")
	var out, errs strings.Builder
	if code := runIO([]string{"health"}, env("HTTP_ADDR", addr), &out, &errs); code != 0 || !strings.HasPrefix(out.String(), "ok\nstore: ok\n") {
		t.Fatalf("health: exit %d %q %q", code, out.String(), errs.String())
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	if code := p.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(p.stderrString()), "\n")
	if len(lines) < 3 {
		t.Fatalf("log: %q", lines)
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil {
			t.Fatalf("not a JSON log record: %q", l)
		}
	}
	out.Reset()
	errs.Reset()
	if code := runIO([]string{"health"}, env("HTTP_ADDR", addr), &out, &errs); code != 1 || !strings.Contains(errs.String(), "connection refused") {
		t.Fatalf("health of a stopped service: exit %d %q", code, errs.String())
	}
}

// TestHealthAnswersFromTheStart: while the service cannot reach Telegram
// yet, /healthz and /readyz already answer, saying it is starting; once
// it is connected, both are well.
func TestHealthAnswersFromTheStart(t *testing.T) {
	addr := freeAddr(t)
	tg := telegramtest.New(t)
	tg.FailNext("getMe", 2, telegramtest.Failure{Status: 502})
	launch(t, tg, t.TempDir(), "HTTP_ADDR="+addr)
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor := func(path string, status int, want string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, body := get(path)
			if code == status && strings.Contains(body, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d %q; waited for %d %q", path, code, body, status, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("/healthz", 503, "starting")
	if len(tg.Calls("getMe")) > 2 {
		t.Fatal("Telegram was reached before /healthz answered")
	}
	waitFor("/readyz", 503, "starting")
	waitFor("/healthz", 200, "telegram: ok")
	waitFor("/readyz", 200, "taking updates")
}

// freeAddr is a local address no one listens on, for the service's
// HTTP_ADDR (which `deputybot health` must be told).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
