package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"deputybot/internal/telegramtest"
)

// TestThreeReplicasUnderLoad: three `deputybot run` replicas on one
// database server (the embedded store reached by URI; FerretDB on
// PostgreSQL when DEPUTYBOT_TEST_MONGODB_URI names it, as in CI), taking
// updates by webhook behind a load balancer as README's "Scale past one
// machine" deploys them, against a fake Telegram that refuses more than
// 30 messages a second or one a second to a chat. Fifty deputies file a suggestion each at once, eight
// steps of dialogue, and one replica is killed in the middle. Every
// filing completes, one answer a step; the numbers are 001–050, once
// each; the office is told of each item once; Telegram refused nothing
// (the replicas keep one budget). With DEPUTYBOT_TEST_DB_OUTAGE (a
// command stopping the database for a while and printing "down" once it
// has, CI's PostgreSQL), ten more deputies write during the outage and
// are answered after it.
func TestThreeReplicasUnderLoad(t *testing.T) {
	const n = 50
	dir := t.TempDir()
	registeredDeputies(t, dir, n+10)
	shared := sharedCopy(t, dir)
	tg := telegramtest.New(t)
	tg.EnforceRate(30, time.Second)
	tg.WaitTimeout = 3 * time.Minute
	lb, backends := balancer(t)
	tg.WebhookClient = lb.Client()
	env := append([]string{"OUTBOX_CHAT_BURST=1", "ADMIN_TELEGRAM_IDS=1001",
		"WEBHOOK_URL=" + lb.URL + "/telegram", "WEBHOOK_SECRET=replicas"}, shared...)
	var replicas []*process
	for range 3 {
		addr := freeAddr(t)
		replicas = append(replicas, launch(t, tg, t.TempDir(), append(env, "LISTEN_ADDR="+addr)...))
		backends.add("http://" + addr)
	}
	tg.WaitFor("the webhook", func() bool { return len(tg.Calls("setWebhook")) == 3 })

	var wg sync.WaitGroup
	errs := make(chan error, n)
	var chats []*telegramtest.Chat
	for i := range n {
		c := tg.Chat(telegramtest.User{ID: int64(200000 + i), FirstName: "Deputy", LanguageCode: "en"})
		chats = append(chats, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := fileOne(tg, c, fmt.Sprintf("Road %02d", i)); err != nil {
				errs <- err
			}
		}()
	}
	tg.WaitFor("the filings under way", func() bool { return len(tg.Calls("sendMessage")) >= 150 })
	killed := replicas[1]
	_ = killed.cmd.Process.Kill()
	killed.wait(t)
	start := time.Now()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("the filings ended %v after a replica was killed", time.Since(start).Round(time.Second))

	numbers := regexp.MustCompile(`Submitted: Suggestion (2026-\d{3})`)
	var got []string
	steps := -1
	for _, c := range chats {
		msgs := tg.Messages(c.ID)
		if steps == -1 {
			steps = len(msgs)
		}
		if len(msgs) != steps {
			t.Errorf("chat %d: %d messages, another %d: an answer lost or sent twice", c.ID, len(msgs), steps)
		}
		var mine []string
		for _, m := range msgs {
			if s := numbers.FindStringSubmatch(m.Text); s != nil {
				mine = append(mine, s[1])
			}
		}
		if len(mine) != 1 {
			t.Fatalf("chat %d: told its number %d times: %v", c.ID, len(mine), mine)
		}
		got = append(got, mine[0])
	}
	slices.Sort(got)
	for i, num := range got {
		if want := fmt.Sprintf("2026-%03d", i+1); num != want {
			t.Fatalf("numbers %v: #%d is %s", got, i, num)
		}
	}
	office := func() string {
		var b strings.Builder
		for _, m := range tg.Messages(1001) {
			b.WriteString(m.Text)
		}
		return b.String()
	}
	tg.WaitFor("the office to be told of every item", func() bool {
		told := office()
		for i := range n {
			if !strings.Contains(told, fmt.Sprintf("Road %02d", i)) {
				return false
			}
		}
		return true
	})
	for i := range n {
		if k := strings.Count(office(), fmt.Sprintf("Road %02d", i)); k != 1 {
			t.Errorf("the office was told of item %d %d times", i, k)
		}
	}
	t.Logf("the office got %d messages for %d items", len(tg.Messages(1001)), n)

	if outage := os.Getenv("DEPUTYBOT_TEST_DB_OUTAGE"); outage != "" {
		// The database goes away; people write meanwhile; it comes back.
		cmd := exec.Command("sh", "-c", outage)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The command says "down" once the database has stopped.
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || strings.TrimSpace(line) != "down" {
			t.Fatalf("outage command: %q %v", line, err)
		}
		var late []*telegramtest.Chat
		for i := n; i < n+10; i++ {
			c := tg.Chat(telegramtest.User{ID: int64(200000 + i), FirstName: "Deputy", LanguageCode: "en"})
			c.Send("/help")
			late = append(late, c)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("outage command: %v", err)
		}
		back := time.Now()
		for _, c := range late {
			if err := waitText(tg, c.ID, "/new"); err != nil {
				t.Fatal(err)
			}
			if k := len(tg.Messages(c.ID)); k != 1 {
				t.Errorf("chat %d: %d answers to one /help across the outage", c.ID, k)
			}
		}
		t.Logf("answered %v after the database came back", time.Since(back).Round(100*time.Millisecond))
	}
	if r := tg.RateRefused(); r != 0 {
		for _, c := range tg.Calls("") {
			if c.Status == 429 {
				prev := time.Time{}
				for _, d := range tg.Calls("") {
					if d.ChatID() == c.ChatID() && d.Status == 200 && d.At.Before(c.At) {
						prev = d.At
					}
				}
				t.Logf("refused: %s to %d at %v, %v after the chat's previous send", c.Method, c.ChatID(), c.At.Format("15:04:05.000"), c.At.Sub(prev))
			}
		}
		t.Fatalf("Telegram refused %d sends: the replicas went over the bot's budget", r)
	}
}

// pool is a load balancer's backends, taken in turn.
type pool struct {
	mu    sync.Mutex
	addrs []string
	next  int
}

func (p *pool) add(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addrs = append(p.addrs, addr)
}

// balancer is a TLS load balancer in front of webhook replicas: each
// request goes to the next backend in turn, to the one after if that
// one does not answer (killed), and fails if none does (Telegram then
// posts the update again).
func balancer(t *testing.T) (*httptest.Server, *pool) {
	p := &pool{}
	client := &http.Client{Timeout: 10 * time.Second}
	lb := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		addrs, start := slices.Clone(p.addrs), p.next
		p.next++
		p.mu.Unlock()
		for i := range addrs {
			req, _ := http.NewRequest(r.Method, addrs[(start+i)%len(addrs)]+r.URL.Path, bytes.NewReader(body))
			req.Header = r.Header.Clone()
			resp, err := client.Do(req)
			if err != nil {
				continue // down: the next one
			}
			w.WriteHeader(resp.StatusCode)
			_, _ = io.Copy(w, resp.Body)
			resp.Body.Close()
			return
		}
		http.Error(w, "no backend", http.StatusBadGateway)
	}))
	t.Cleanup(lb.Close)
	return lb, p
}
