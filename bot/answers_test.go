package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
	"deputybot/telegram"
)

// TestAnswersKeepTelegramsPace: direct answers go through the outbox like
// notifications: 181 people writing at once get their answers at no more
// than 30 a second, and none is refused.
func TestAnswersKeepTelegramsPace(t *testing.T) {
	h := apptest.Start(t, apptest.Outbox(30, 0, 0))
	h.TG.EnforceRate(30, 0)
	var ids []int64
	var chats []*telegramtest.Chat
	for i := range 181 {
		c := h.User(int64(50000+i), "Stranger", "en")
		chats = append(chats, c)
		ids = append(ids, c.Send("/help"))
	}
	h.WaitHandled(ids...)
	if n := h.TG.RateRefused(); n != 0 {
		t.Fatalf("%d answers refused with 429", n)
	}
	var starts []time.Time
	for _, c := range chats {
		one(t, c.Unread(), "not registered")
	}
	for _, c := range h.TG.Calls("sendMessage") {
		starts = append(starts, c.At)
	}
	for i := 30; i < len(starts); i++ {
		if d := starts[i].Sub(starts[i-30]); d < time.Second {
			t.Fatalf("31 answers within %v", d)
		}
	}
}

// TestAnswerWaitsRetryAfterAndRefusalIsRecorded: a 429 on an answer is
// waited out; a 403 on an answer marks the person unreachable, as for a
// notification, and the supervisors' digest names him.
func TestAnswerWaitsRetryAfterAndRefusalIsRecorded(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	h.TG.FailWhen(toChat(c.deputy.ID), 1, telegramtest.Failure{Status: 429, RetryAfter: 2})
	one(t, h.Do(c.deputy, "/help"), "Zhang San")
	var refused, delivered time.Time
	for _, call := range h.TG.Calls("sendMessage") {
		if call.ChatID() == c.deputy.ID {
			if call.Status == 429 {
				refused = call.At
			} else if call.Status == 200 {
				delivered = call.At
			}
		}
	}
	if refused.IsZero() || delivered.Sub(refused) < 2*time.Second {
		t.Fatalf("429 at %v, answer at %v: retry_after not waited", refused, delivered)
	}

	h.TG.BlockBy(c.lead.ID)
	h.WaitHandled(c.lead.Send("/help"))
	s := h.App.Store
	p, err := s.PersonByTelegramID(context.Background(), c.lead.ID)
	if err != nil || p.Unreachable == "" {
		t.Fatalf("a refused answer left the person reachable: %+v %v", p, err)
	}
	digest := last(t, h.Do(c.supervisor, "/digest")).Text
	if !strings.Contains(digest, "Li Si") || !strings.Contains(digest, "blocked") {
		t.Fatalf("the digest does not name the unreachable contact: %q", digest)
	}
}

// TestLongJunkIsEchoedShort: whatever a person types, the answer that
// repeats it fits in one message Telegram accepts.
func TestLongJunkIsEchoedShort(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	junk := strings.Repeat("x", 4000) + "😀"
	for _, cmd := range []string{"/view ", "/assign ", "/lang ", "/invite ", "/people ", "/" + strings.Repeat("z", 300) + " "} {
		who := c.deputy
		if cmd == "/assign " || cmd == "/invite " || cmd == "/people " {
			who = c.admin
		}
		m := one(t, h.Do(who, cmd+junk))
		if telegram.VisibleLen(m.Raw) > telegram.MaxMessageLen || len(m.Text) > 1000 {
			t.Fatalf("%s…: an answer of %d characters", cmd, len([]rune(m.Text)))
		}
	}
	for _, call := range h.TG.Calls("sendMessage") {
		if call.Status != 200 {
			t.Fatalf("Telegram refused an answer: %d %s", call.Status, call.Error)
		}
	}
	_ = fmt.Sprint
}
