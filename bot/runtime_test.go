package bot_test

import (
	"context"
	"deputybot"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
	"deputybot/storage"
)

func sendTo(chatID int64) func(*telegramtest.Call) bool {
	return func(c *telegramtest.Call) bool { return c.Method == "sendMessage" && c.ChatID() == chatID }
}

func TestUpdatesOfOneChatAreHandledInOrder(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	var ids []int64
	for i := range 15 {
		ids = append(ids, admin.Send(fmt.Sprintf("/departments add D%02d", i)))
	}
	h.WaitHandled(ids...)
	msgs := admin.Unread()
	if len(msgs) != 15 {
		t.Fatalf("%d replies", len(msgs))
	}
	for i, m := range msgs {
		if want := fmt.Sprintf("Department D%02d added", i); !strings.Contains(m.Text, want) {
			t.Fatalf("reply %d is %q, want %q", i, m.Text, want)
		}
	}
}

// buttonAnswers matches the answers to button presses: a call a handler
// waits for, so holding one keeps the handler running.
func buttonAnswers(c *telegramtest.Call) bool { return c.Method == "answerCallbackQuery" }

func TestChatsAreHandledConcurrently(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID, 1002))
	a := h.User(adminID, "A", "en")
	b := h.User(1002, "B", "en")
	h.Do(a, "/help") // first contact done (menus set)
	h.Do(b, "/help")
	release := h.TG.HoldWhen(buttonAnswers)
	defer release()
	slow := a.Press(nil, "lang:en")
	h.TG.WaitFor("A's button answer to be held", func() bool { return h.TG.Holding("answerCallbackQuery") == 1 })
	one(t, h.Do(b, "/help"), "your roles: office") // B is not stuck behind A
	if h.Handled(slow) {
		t.Fatal("A's update finished while its handler waited")
	}
	release()
	h.WaitHandled(slow)
	one(t, a.Unread(), "English")
}

func TestShutdownLetsRunningHandlerFinish(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	h.Do(admin, "/help")
	release := h.TG.HoldWhen(buttonAnswers)
	id := admin.Press(nil, "dp:add")
	h.TG.WaitFor("the button answer to be held", func() bool { return h.TG.Holding("answerCallbackQuery") == 1 })

	stopped := make(chan struct{})
	go func() { h.Stop(); close(stopped) }()
	// The poller stops first (its long poll is abandoned)...
	h.TG.WaitFor("polling to stop", func() bool {
		for _, c := range h.TG.Calls("getUpdates") {
			if c.Error == "client went away" {
				return true
			}
		}
		return false
	})
	// ...while the handler is still waiting for Telegram: the service must
	// not be gone yet.
	select {
	case <-stopped:
		t.Fatal("service stopped before its running handler finished")
	default:
	}
	release()
	<-stopped
	if !h.Handled(id) {
		t.Fatal("the running update was not completed")
	}
	one(t, admin.Unread(), "Name of the new department")

	// After a restart the finished update is not handled again, and the
	// dialogue it began goes on.
	h.Restart()
	one(t, h.Do(admin, "Slow Bureau"), "Slow Bureau added")
	one(t, h.Do(admin, "/departments"), "Departments (1)")
}

func TestShutdownGraceEndsAStuckHandlerAndItResumes(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	h.ShutdownGrace = 300 * time.Millisecond
	h.Restart()
	admin := h.User(adminID, "Admin", "en")
	h.Do(admin, "/help")
	release := h.TG.HoldWhen(buttonAnswers)
	id := admin.Press(nil, "lang:en")
	h.TG.WaitFor("the button answer to be held", func() bool { return h.TG.Holding("answerCallbackQuery") == 1 })
	h.Stop() // returns after the grace period although the handler hangs
	release()
	if h.Handled(id) {
		t.Fatal("a cut-off update was marked handled")
	}
	h.Restart()
	h.WaitHandled(id) // resumed from the store after the restart
}

func TestPendingUpdateIsHandledAfterRestart(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	h.Do(admin, "/help")
	h.Stop()
	// An update recorded by a process that died before handling it.
	ctx := context.Background()
	s, err := storage.Open(ctx, *h.Store)
	if err != nil {
		t.Fatal(err)
	}
	raw := fmt.Sprintf(`{"update_id":990001,"message":{"message_id":77,"date":%d,"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"Admin","language_code":"en"},"text":"/departments add Recovered Bureau","entities":[{"type":"bot_command","offset":0,"length":12}]}}`,
		time.Now().Unix(), adminID, adminID)
	if _, err := s.RecordUpdate(ctx, 990001, adminID, []byte(raw), h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)
	h.Restart()
	h.WaitHandled(990001)
	one(t, admin.Unread(), "Recovered Bureau added")
}

func TestWebhookMode(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID), apptest.Webhook("s3cret-token"))
	calls := h.TG.Calls("setWebhook")
	if len(calls) != 1 || calls[0].Params["secret_token"] != "s3cret-token" || !strings.HasSuffix(calls[0].Params["url"], "/telegram/hook") {
		t.Fatalf("setWebhook calls: %+v", calls)
	}
	admin := h.User(adminID, "Admin", "en")
	one(t, h.Do(admin, "/departments add Hook Bureau"), "Hook Bureau added")
	if n := len(h.TG.Calls("getUpdates")); n != 0 {
		t.Fatalf("polled %d times in webhook mode", n)
	}
	// A post without the right secret is refused and changes nothing.
	for _, secret := range []string{"", "wrong", "s3cret-token-"} {
		req, _ := http.NewRequest(http.MethodPost, h.Config.WebhookURL, strings.NewReader(
			fmt.Sprintf(`{"update_id":777,"message":{"message_id":1,"date":1,"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"X"},"text":"/departments add Forged"}}`, adminID, adminID)))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("secret %q: status %d", secret, resp.StatusCode)
		}
	}
	// An update far beyond any Telegram sends (16 MB), with the right
	// secret, is refused before it is read, and nothing is stored.
	big := fmt.Sprintf(`{"update_id":778,"message":{"message_id":2,"date":1,"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"X"},"text":"/departments add %s"}}`,
		adminID, adminID, strings.Repeat("Big", 16<<20/3))
	req, _ := http.NewRequest(http.MethodPost, h.Config.WebhookURL, strings.NewReader(big))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret-token")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("a 16 MB update accepted: %d", resp.StatusCode)
		}
	}
	one(t, h.Do(admin, "/departments"), "Departments (1)", "Hook Bureau")
}

func TestHealthAndMetrics(t *testing.T) {
	h := apptest.Start(t, func(h *apptest.Harness) { h.Config.HTTPAddr = "127.0.0.1:0" })
	h.Do(h.User(7, "Stranger", "en"), "/help")
	for _, c := range []struct{ path, want string }{
		{"/healthz", "ok\nstore: ok\ntelegram: ok"},
		{"/readyz", "taking updates"},
		{"/metrics", `deputybot_updates_handled_total{kind="command"} 1` + "\n"},
		{"/metrics", `deputybot_update_handling_seconds_count{kind="command"} 1` + "\n"},
		{"/metrics", `deputybot_store_operation_seconds_count{command="insert",result="ok"}`},
		{"/metrics", "deputybot_outbox_pending 0\n"},
		{"/metrics", "deputybot_handler_panics_total 0\n"},
		{"/metrics", "deputybot_updates_set_aside_total 0\n"},
	} {
		path, want := c.path, c.want
		resp, err := http.Get("http://" + h.App.HTTPAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("%s: %d %.100s", path, resp.StatusCode, body)
		}
	}
}

// get fetches path from the service's HTTP listener.
func get(t *testing.T, h *apptest.Harness, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + h.App.HTTPAddr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitHTTP waits until path answers status with a body containing want.
func waitHTTP(t *testing.T, h *apptest.Harness, path string, status int, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := get(t, h, path)
		if code == status && strings.Contains(body, want) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d %.300q, waited for %d %q", path, code, body, status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOutboxMetricsFollowABurst: a burst Telegram does not take yet shows
// as pending messages, the oldest of them ageing until /healthz says the
// outbox is stuck; once Telegram takes them, pending is back to 0, each
// is counted as sent, and the service is healthy again.
func TestOutboxMetricsFollowABurst(t *testing.T) {
	h := apptest.Start(t, func(h *apptest.Harness) {
		h.Config.HTTPAddr = "127.0.0.1:0"
		h.Config.HealthOutboxMaxAge = time.Second
	})
	waitHTTP(t, h, "/healthz", 200, "outbox: ok, 0 messages")
	release := h.TG.Hold("sendMessage")
	var burst []deputybot.OutboxMessage
	for i := range 40 {
		burst = append(burst, deputybot.OutboxMessage{ID: fmt.Sprint("burst-", i), ChatID: int64(5000 + i), Text: "notice", Kind: "notification"})
	}
	if n, err := h.App.Telegram.Sender().Enqueue(context.Background(), burst); err != nil || n != 40 {
		t.Fatalf("enqueue: %d %v", n, err)
	}
	waitHTTP(t, h, "/metrics", 200, "deputybot_outbox_pending 40\n")
	body := waitHTTP(t, h, "/healthz", 503, "outbox: 40 messages, the oldest due waited")
	if !strings.HasPrefix(body, "unhealthy\n") {
		t.Fatalf("healthz: %q", body)
	}
	release()
	waitHTTP(t, h, "/metrics", 200, "deputybot_outbox_pending 0\n")
	waitHTTP(t, h, "/metrics", 200, `deputybot_messages_sent_total{kind="notification",method="send"} 40`+"\n")
	_, m := get(t, h, "/metrics")
	if !strings.Contains(m, "deputybot_outbox_oldest_due_age_seconds 0\n") {
		t.Fatalf("oldest age after the burst: %s", grep(m, "oldest"))
	}
	waitHTTP(t, h, "/healthz", 200, "outbox: ok, 0 messages")
}

// TestPacedQueuesAreNotAStuckOutbox: a queue Telegram's pace spreads
// over seconds keeps /healthz healthy (HEALTH_OUTBOX_MAX_AGE 1 s here)
// all the while — a burst of answers to one person (a chat's pace 250 ms:
// the last of 8 waits 1.75 s), and a bulk send to 40 people at 10 a
// second (the last waits 4 s): the sender is working, nothing is stuck.
func TestPacedQueuesAreNotAStuckOutbox(t *testing.T) {
	for _, c := range []struct {
		name  string
		rate  float64
		chats int
		n     int
	}{{"one person's burst", 30, 1, 8}, {"a bulk send", 10, 40, 40}} {
		t.Run(c.name, func(t *testing.T) {
			h := apptest.Start(t, apptest.Outbox(c.rate, 250*time.Millisecond, 5*time.Second), func(h *apptest.Harness) {
				h.Config.HTTPAddr = "127.0.0.1:0"
				h.Config.HealthOutboxMaxAge = time.Second
			})
			waitHTTP(t, h, "/healthz", 200, "outbox: ok, 0 messages")
			var burst []deputybot.OutboxMessage
			for i := range c.n {
				burst = append(burst, deputybot.OutboxMessage{ID: fmt.Sprint("paced-", i), ChatID: int64(5000 + i%c.chats), Text: fmt.Sprint("message ", i), Kind: "notification"})
			}
			if n, err := h.App.Telegram.Sender().Enqueue(context.Background(), burst); err != nil || n != c.n {
				t.Fatalf("enqueue: %d %v", n, err)
			}
			sent := func() int {
				n := 0
				for i := range c.chats {
					n += len(h.TG.Messages(int64(5000 + i)))
				}
				return n
			}
			checks := 0
			for sent() < c.n {
				code, body := get(t, h, "/healthz")
				if code != 200 {
					t.Fatalf("unhealthy while the queue drains (%d sent): %s", sent(), body)
				}
				checks++
				time.Sleep(50 * time.Millisecond) // polling /healthz as an orchestrator would, until the queue is out
			}
			if checks < 25 {
				t.Fatalf("the queue went out in %d checks: it was not paced", checks)
			}
		})
	}
}

// TestHealthFollowsPolling: /healthz fails when getUpdates has failed for
// longer than HEALTH_POLL_MAX_AGE and recovers once it succeeds again;
// /readyz is unaffected (the service still takes what comes).
func TestHealthFollowsPolling(t *testing.T) {
	h := apptest.Start(t, func(h *apptest.Harness) {
		h.Config.HTTPAddr = "127.0.0.1:0"
		h.Config.HealthPollMaxAge = 3 * time.Second
	})
	waitHTTP(t, h, "/healthz", 200, "telegram: ok")
	// Telegram unreachable: every getUpdates fails, until it is back.
	var down atomic.Bool
	down.Store(true)
	h.TG.FailWhen(func(c *telegramtest.Call) bool { return c.Method == "getUpdates" && down.Load() }, -1, telegramtest.Failure{Status: 502})
	waitHTTP(t, h, "/healthz", 503, "telegram: no update received and no answer to getUpdates for")
	waitHTTP(t, h, "/readyz", 200, "taking updates")
	down.Store(false)
	waitHTTP(t, h, "/healthz", 200, "telegram: ok")
	// And it still works.
	one(t, h.Do(h.User(7, "Stranger", "en"), "/help"))
}

func grep(text, word string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
