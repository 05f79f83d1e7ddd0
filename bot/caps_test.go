package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"deputybot"
)

// TestRepeatedActionsAreCapped: a department logs at most
// deputybot.MaxContactLogsPerDay contacts on one item a day (each asks
// the deputy to confirm), the office makes at most
// deputybot.MaxInvitesPerMinute links a minute one by one (an import of
// the same minute does not count), a deputy holds at most
// deputybot.MaxDrafts drafts; each refusal says why and what to do, and
// changes nothing.
func TestRepeatedActionsAreCapped(t *testing.T) {
	c := rosterCast(t, "en")
	h, w := c.h, dailyWords["en"]

	number := c.assignedIn(t, w, "Lift")
	asked := func() int {
		n := 0
		for _, m := range c.deputy.Messages() {
			if strings.Contains(m.Text, "contact you about") {
				n++
			}
		}
		return n
	}
	for range deputybot.MaxContactLogsPerDay {
		c.logContactIn(t, w, number)
	}
	if msgs := h.Press(c.lead, card(t, h, c.lead, number), w["log"]); len(msgs) != 0 {
		t.Fatalf("a fourth contact today was begun: %q", msgs[0].Text)
	}
	if ans := c.lead.Answer(); !strings.Contains(ans, "logged 3 contacts on this item today already") || !strings.Contains(ans, "tomorrow") {
		t.Fatalf("the fourth contact today: %q", ans)
	}
	if n := asked(); n != deputybot.MaxContactLogsPerDay {
		t.Fatalf("the deputy was asked %d times to confirm", n)
	}
	h.Clock.Advance(24 * time.Hour)
	c.logContactIn(t, w, number)
	if n := asked(); n != deputybot.MaxContactLogsPerDay+1 {
		t.Fatalf("the next day: the deputy was asked %d times to confirm", n)
	}

	for i := range deputybot.MaxInvitesPerMinute {
		one(t, h.Do(c.admin, fmt.Sprintf("/invite deputy Person %02d", i)), "Invitation link for Person")
	}
	one(t, h.Do(c.admin, "/invite deputy Person 99"), "20 invitation links in the last minute", "/import")
	h.Clock.Advance(time.Minute)
	one(t, h.Do(c.admin, "/invite deputy Person 99"), "Invitation link for Person 99")

	for i := range deputybot.MaxDrafts {
		file(t, h, c.deputy, w["kind"], fmt.Sprintf("Draft %d", i), "Text.", w["category"])
	}
	one(t, h.Do(c.deputy, "/cancel"))
	one(t, h.Do(c.deputy, "/new"), "You hold 10 unsubmitted drafts already", "/my")
}
