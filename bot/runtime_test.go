package bot_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
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
	one(t, h.Do(admin, "/departments"), "Departments (1)", "Hook Bureau")
}

func TestHealthAndMetrics(t *testing.T) {
	h := apptest.Start(t, func(h *apptest.Harness) { h.Config.HTTPAddr = "127.0.0.1:0" })
	h.Do(h.User(7, "Stranger", "en"), "/help")
	for _, c := range []struct{ path, want string }{
		{"/healthz", "ok"},
		{"/metrics", "deputybot_updates_handled_total 1\n"},
		{"/metrics", "deputybot_handler_panics_total 0\n"},
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
