package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
)

func toChat(id int64) func(*telegramtest.Call) bool {
	return func(c *telegramtest.Call) bool { return c.Method == "sendMessage" && c.ChatID() == id }
}

// readyToSubmit has a deputy prepare a suggestion; pressing Submit on the
// returned preview makes the office's notification, which goes through
// the outbox.
func readyToSubmit(t *testing.T, h *apptest.Harness, admin *telegramtest.Chat) (*telegramtest.Chat, *telegramtest.Message) {
	dep := join(t, h, admin, "deputy Alice", 2001, "en")
	preview := file(t, h, dep, "Suggestion", "Notify the office", "Body.", "Other")
	admin.Unread()
	return dep, preview
}

func TestOutboxWaitsRetryAfterOn429(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	dep, preview := readyToSubmit(t, h, admin)
	h.TG.FailWhen(toChat(adminID), 1, telegramtest.Failure{Status: 429, RetryAfter: 2})
	h.WaitHandled(dep.PressButton(preview, "Submit"))
	var refused, delivered time.Time
	for _, c := range h.TG.Calls("sendMessage") {
		if c.ChatID() == adminID {
			if c.Status == 429 {
				refused = c.At
			} else if c.Status == 200 {
				delivered = c.At
			}
		}
	}
	if refused.IsZero() || delivered.Sub(refused) < 2*time.Second {
		t.Fatalf("429 at %v, delivered at %v: did not wait retry_after", refused, delivered)
	}
	one(t, admin.Unread(), "New Suggestion 2026-001")
}

func TestOutboxRetriesServerErrorsAndTimeouts(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID), apptest.Outbox(1000, 0, 300*time.Millisecond))
	admin := h.User(adminID, "Admin", "en")
	dep, preview := readyToSubmit(t, h, admin)
	before := len(h.TG.Calls("sendMessage"))
	h.TG.FailWhen(toChat(adminID), 2, telegramtest.Failure{Status: 502})
	h.TG.FailWhen(toChat(adminID), 1, telegramtest.Failure{Hang: true})
	h.WaitHandled(dep.PressButton(preview, "Submit"))
	one(t, admin.Unread(), "New Suggestion 2026-001")
	attempts := 0
	for _, c := range h.TG.Calls("sendMessage")[before:] {
		if c.ChatID() == adminID {
			attempts++
		}
	}
	if attempts != 4 {
		t.Fatalf("%d attempts, want 2 × 502, 1 timeout, 1 delivery", attempts)
	}
}

func TestOutboxRecordsBlockedRecipient(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	office := join(t, h, admin, "office Olga", 1500, "en")
	dep, preview := readyToSubmit(t, h, admin)
	h.TG.BlockBy(1500)
	h.WaitHandled(dep.PressButton(preview, "Submit"))
	s := h.App.Store
	msgs, _ := s.OutboxMessages(context.Background())
	var failed []deputybot.OutboxMessage
	for _, m := range msgs {
		if m.State == deputybot.OutboxFailed {
			failed = append(failed, m)
		}
	}
	if len(failed) != 1 || failed[0].ChatID != 1500 || !strings.Contains(failed[0].Error, "blocked") {
		t.Fatalf("failed messages: %+v", failed)
	}
	p, _ := s.PersonByTelegramID(context.Background(), 1500)
	if p.Unreachable == "" {
		t.Fatal("the blocked person is not marked unreachable")
	}
	if n := len(h.TG.Calls("sendMessage")); n > 0 {
		tries := 0
		for _, c := range h.TG.Calls("sendMessage") {
			if c.ChatID() == 1500 && c.Status == 403 {
				tries++
			}
		}
		if tries != 1 {
			t.Fatalf("a blocked chat was tried %d times", tries)
		}
	}
	// Writing to the bot again (he unblocked it) makes him reachable.
	h.TG.Unblock(1500)
	h.Do(office, "/help")
	p, _ = s.PersonByTelegramID(context.Background(), 1500)
	if p.Unreachable != "" {
		t.Fatal("still unreachable after writing to the bot")
	}
}

func TestOutboxKeepsPaceAndOrder(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID), apptest.Outbox(50, 200*time.Millisecond, 0))
	h.TG.EnforceRate(50, 200*time.Millisecond)
	ctx := context.Background()
	var msgs []deputybot.OutboxMessage
	for i := range 100 {
		msgs = append(msgs, deputybot.OutboxMessage{ChatID: int64(10000 + i%20), Text: fmt.Sprintf("message %03d", i), Kind: "test"})
	}
	if _, err := h.App.Telegram.Sender().Enqueue(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	h.Settle()
	if h.TG.RateRefused() != 0 {
		t.Fatalf("%d sends refused with 429", h.TG.RateRefused())
	}
	for c := int64(0); c < 20; c++ {
		got := h.TG.Messages(10000 + c)
		if len(got) != 5 {
			t.Fatalf("chat %d got %d messages", c, len(got))
		}
		for k, m := range got {
			if want := fmt.Sprintf("message %03d", int(c)+20*k); m.Text != want {
				t.Fatalf("chat %d: message %d is %q, want %q (order)", c, k, m.Text, want)
			}
		}
	}
}
