package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"deputybot/internal/apptest"
	"deputybot/internal/storetest"
	"deputybot/internal/telegramtest"
	"deputybot/scheduler"
)

func at(day string, hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hhmm, apptest.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// containing returns the texts of the messages of msgs (not the captions
// of files and pictures) that contain s.
func containing(msgs []*telegramtest.Message, s string) []string {
	var out []string
	for _, m := range msgs {
		if m.Document == nil && strings.Contains(m.Text, s) {
			out = append(out, m.Text)
		}
	}
	return out
}

func (c *cast) run(t time.Time) {
	c.h.Clock.Set(t)
	c.h.RunScheduler(t)
}

func TestReminderStepsFireOnceAtTheRightLocalTime(t *testing.T) {
	c := newCast(t, "en")
	n := c.assigned(t, "Street lights") // reply due 2026-06-02, a Tuesday
	_ = n
	got := map[string][]string{}
	escalations := map[string][]string{}
	for d := at("2026-05-18", "09:00"); d.Before(at("2026-06-12", "09:00")); d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		if day == "2026-05-26" {
			// Before the reminder time nothing is due yet.
			c.run(d.Add(-time.Minute))
			if r := containing(c.lead.Unread(), "Reply to"); len(r) != 0 {
				t.Fatalf("reminder before 09:00: %q", r)
			}
		}
		c.run(d)
		c.run(d.Add(30 * time.Minute)) // a second wake-up the same day sends nothing more
		got[day] = containing(c.lead.Unread(), "Reply to")
		if l2 := containing(c.lead2.Unread(), "Reply to"); len(l2) != len(got[day]) {
			t.Fatalf("%s: the two contacts got %d and %d reminders", day, len(got[day]), len(l2))
		}
		escalations[day] = containing(c.supervisor.Unread(), "Escalation")
	}
	want := map[string]string{
		"2026-05-19": "14 days left (2026-06-02)", "2026-05-26": "7 days left", "2026-05-30": "3 days left",
		"2026-06-01": "1 day left", "2026-06-02": "due today",
		"2026-06-03": "1 day overdue", "2026-06-04": "2 days overdue", "2026-06-05": "3 days overdue",
		"2026-06-08": "6 days overdue", "2026-06-09": "7 days overdue", "2026-06-10": "8 days overdue", "2026-06-11": "9 days overdue",
	}
	for day, msgs := range got {
		w, ok := want[day]
		switch {
		case !ok && len(msgs) > 0:
			t.Errorf("%s: unexpected reminder %q", day, msgs)
		case ok && (len(msgs) != 1 || !strings.Contains(msgs[0], w)):
			t.Errorf("%s: got %q, want one with %q", day, msgs, w)
		}
	}
	for day, msgs := range escalations {
		if (day == "2026-06-06") != (len(msgs) == 1) || len(msgs) > 1 {
			t.Errorf("%s: escalations %q (want exactly one, on 2026-06-06)", day, msgs)
		}
	}
	if e := escalations["2026-06-06"]; len(e) == 1 && !strings.Contains(e[0], "4 days overdue") {
		t.Errorf("escalation text %q", e[0])
	}
}

func TestRemindersAcrossRestartsAndDowntime(t *testing.T) {
	c := newCast(t, "en")
	c.assigned(t, "Bridge")
	h := c.h
	c.run(at("2026-05-26", "09:00"))
	if len(containing(c.lead.Unread(), "7 days left")) != 1 {
		t.Fatal("no d7 reminder")
	}
	h.Restart()
	c.run(at("2026-05-26", "10:00"))
	if r := containing(c.lead.Unread(), "Reply to"); len(r) != 0 {
		t.Fatalf("repeated after a restart: %q", r)
	}
	// Down over the 30 May 09:00 run, back at 11:00: caught up.
	h.Stop()
	h.Clock.Set(at("2026-05-30", "11:00"))
	h.Restart()
	c.run(at("2026-05-30", "11:00"))
	if len(containing(c.lead.Unread(), "3 days left")) != 1 {
		t.Fatal("missed d3 reminder not caught up")
	}
	// Down for more than the catch-up window over 1 June: that run is not
	// made up for, but the next one happens.
	h.Stop()
	h.Clock.Set(at("2026-06-02", "10:00"))
	h.Restart()
	c.run(at("2026-06-02", "10:00"))
	msgs := containing(c.lead.Unread(), "Reply to")
	if len(msgs) != 1 || !strings.Contains(msgs[0], "due today") {
		t.Fatalf("after a long downtime: %q", msgs)
	}
}

// TestTwoSchedulersOnOneStoreSendOnce: two replicas on one shared
// database run the same jobs at once.
func TestTwoSchedulersOnOneStoreSendOnce(t *testing.T) {
	c := newCast(t, "en", apptest.Shared())
	c.assigned(t, "Twin")
	h := c.h
	ctx := context.Background()
	s2 := storetest.Again(t, *h.Store)
	other, err := scheduler.New(s2, h.App.Service, scheduler.Options{
		Rules: &h.Config.Rules, Clock: h.Clock.Now, CatchUp: 24 * time.Hour,
		ReminderSchedule: h.Config.ReminderSchedule, DigestSchedule: h.Config.DigestSchedule,
	})
	if err != nil {
		t.Fatal(err)
	}
	// 25 May 2026 is a Monday: a digest and a reminder (d7 is on the 26th;
	// here the 14-day step, 19 May, and the digest of Monday 18 May).
	now := at("2026-05-19", "09:00")
	h.Clock.Set(now)
	var wg sync.WaitGroup
	for _, s := range []*scheduler.Scheduler{h.App.Scheduler, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.RunDue(ctx, now); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	h.App.Telegram.Sender().Wake()
	h.Settle()
	if r := containing(c.lead.Unread(), "14 days left"); len(r) != 1 {
		t.Fatalf("two schedulers sent %d reminders", len(r))
	}
	now = at("2026-05-25", "09:00")
	h.Clock.Set(now)
	for _, s := range []*scheduler.Scheduler{h.App.Scheduler, other, h.App.Scheduler} {
		if _, err := s.RunDue(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	h.App.Telegram.Sender().Wake()
	h.Settle()
	if d := containing(c.supervisor.Unread(), "Weekly digest"); len(d) != 1 {
		t.Fatalf("%d digests", len(d))
	}
}

func TestDigestAfterDowntime(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	h.Stop()
	h.Clock.Set(at("2026-03-09", "11:00")) // Monday; the digest was due at 09:00
	h.Restart()
	c.run(at("2026-03-09", "11:00"))
	if d := containing(c.supervisor.Unread(), "Weekly digest"); len(d) != 1 {
		t.Fatalf("%d digests after a short downtime", len(d))
	}
	c.run(at("2026-03-09", "12:00"))
	if d := containing(c.supervisor.Unread(), "Weekly digest"); len(d) != 0 {
		t.Fatal("digest sent twice")
	}
	h.Stop()
	h.Clock.Set(at("2026-03-17", "10:00")) // Tuesday: Monday's slot is 25 h old
	h.Restart()
	c.run(at("2026-03-17", "10:00"))
	if d := containing(c.supervisor.Unread(), "Weekly digest"); len(d) != 0 {
		t.Fatal("a digest older than the catch-up window was sent")
	}
}

func TestRatingWindowAsksAgainThenClosesUnrated(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Unrated")
	c.logContact(t, n)
	one(t, h.Press(c.lead, c.replyAs(t, c.lead, n, "A", "Done."), "Send reply"), "Reply sent")
	reply := one(t, c.deputy.Unread(), "Please rate")
	c.run(at("2026-03-20", "09:00"))
	if r := containing(c.deputy.Unread(), "Please rate"); len(r) != 0 {
		t.Fatal("asked again before 15 working days")
	}
	c.run(at("2026-03-23", "09:00")) // 15 working days after 2 March
	again := c.deputy.Unread()
	if r := containing(again, "Please rate the reply to Suggestion 2026-001"); len(r) != 1 || again[0].Button("🎯 basic") == nil || again[0].Button("🤝 basic") == nil {
		t.Fatalf("rating reminder: %d", len(r))
	}
	for d := at("2026-03-24", "09:00"); !d.After(at("2026-04-22", "09:00")); d = d.AddDate(0, 0, 1) {
		c.run(d)
	}
	one(t, c.deputy.Unread(), "is closed (not rated)")
	one(t, h.Do(c.deputy, "/view "+n), "· closed", "Outcome: not rated", "asked the deputy again to rate", "system closed it: not rated")
	h.WaitHandled(c.deputy.PressButton(reply, "🎯 satisfied"))
	if ans := c.deputy.Answer(); !strings.Contains(ans, "current status") {
		t.Fatalf("rating after closing: %q", ans)
	}
}

// TestEscalationOnceOverNinetyDaysOverdue: each reminder step goes to each
// person once, ever: an item overdue for months is escalated once, though
// delivered messages leave the outbox after a week.
func TestEscalationOnceOverNinetyDaysOverdue(t *testing.T) {
	c := newCast(t, "en")
	c.assigned(t, "Bridge") // reply due 2026-06-02
	s := c.h.App.Store
	escalations := 0
	overdue := 0
	for d := at("2026-06-01", "09:00"); d.Before(at("2026-09-15", "09:00")); d = d.AddDate(0, 0, 1) {
		c.run(d)
		escalations += len(containing(c.supervisor.Unread(), "Escalation"))
		overdue += len(containing(c.lead.Unread(), "overdue"))
		// The service forgets delivered messages after a week; here, every
		// day, everything delivered so far.
		if _, err := s.PruneOutbox(context.Background(), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if escalations != 1 {
		t.Fatalf("escalated %d times over 100 days overdue", escalations)
	}
	if overdue < 60 {
		t.Fatalf("only %d overdue reminders (one each working day)", overdue)
	}
}
