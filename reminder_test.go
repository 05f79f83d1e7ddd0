package deputybot

import (
	"strings"
	"testing"
	"time"
)

func stepsAt(it *Item, e Env, day Date) []string {
	e.Now = time.Date(day.Year, day.Month, day.Day, 9, 0, 0, 0, loc)
	var out []string
	for _, r := range DueReminders(it, e) {
		out = append(out, r.Kind+":"+r.Step)
	}
	return out
}

func TestReminderSteps(t *testing.T) {
	e := env()
	it := fixtures()["in_progress"] // reply due 2026-06-02 (Tuesday); co-department opinion due 2026-04-02
	it.CoDepts = nil
	got := map[string][]string{}
	for d := (Date{2026, 5, 1}); d.Before(Date{2026, 6, 12}); d = d.addDays(1) {
		if s := stepsAt(it, e, d); len(s) > 0 {
			got[d.String()] = s
		}
	}
	want := map[string]string{
		"2026-05-19": "reply:d14", "2026-05-26": "reply:d7", "2026-05-30": "reply:d3", "2026-06-01": "reply:d1",
		"2026-06-02": "reply:d0",
		// Overdue: every working day (6-6 and 6-7 are a weekend); escalated
		// once more than 3 days overdue.
		"2026-06-03": "reply:o2026-06-03", "2026-06-04": "reply:o2026-06-04", "2026-06-05": "reply:o2026-06-05",
		"2026-06-06": "escalate:esc", "2026-06-07": "escalate:esc",
		"2026-06-08": "reply:o2026-06-08 escalate:esc", "2026-06-09": "reply:o2026-06-09 escalate:esc",
		"2026-06-10": "reply:o2026-06-10 escalate:esc", "2026-06-11": "reply:o2026-06-11 escalate:esc",
	}
	for d, w := range want {
		if strings.Join(got[d], " ") != w {
			t.Errorf("%s: %v, want %s", d, got[d], w)
		}
	}
	for d := range got {
		if _, ok := want[d]; !ok {
			t.Errorf("%s: unexpected %v", d, got[d])
		}
	}
	// The escalation is one step: its key is the same every day, so it is
	// sent once.
	e.Now = time.Date(2026, 6, 8, 9, 0, 0, 0, loc)
	a := DueReminders(it, e)
	e.Now = time.Date(2026, 6, 9, 9, 0, 0, 0, loc)
	b := DueReminders(it, e)
	if a[1].Key() != b[1].Key() || a[0].Key() == b[0].Key() {
		t.Fatalf("keys: %s / %s, %s / %s", a[1].Key(), b[1].Key(), a[0].Key(), b[0].Key())
	}
	// An extension starts the steps again for the new deadline.
	it.Deadline = EndOfDay(Date{2026, 7, 2}, loc)
	if s := stepsAt(it, e, Date{2026, 6, 25}); strings.Join(s, " ") != "reply:d7" {
		t.Fatalf("after an extension: %v", s)
	}
}

func TestCoDepartmentRectifyAndRatingReminders(t *testing.T) {
	e := env()
	it := fixtures()["assigned"] // co-department opinion due 2026-04-02
	if s := stepsAt(it, e, Date{2026, 3, 26}); strings.Join(s, " ") != "opinion:d7" {
		t.Fatalf("co-department: %v", s)
	}
	it.CoDepts[0].OpinionAt = testNow
	if s := stepsAt(it, e, Date{2026, 3, 26}); len(s) != 0 {
		t.Fatalf("after the opinion: %v", s)
	}
	fl := fixtures()["flagged"] // rectification due 2026-03-20
	fl.Replies[0].At = testNow
	if s := stepsAt(fl, e, Date{2026, 3, 17}); strings.Join(s, " ") != "rectify:d3" {
		t.Fatalf("rectification: %v", s)
	}
	r := fixtures()["replied"]
	r.Replies[0].At = time.Date(2026, 3, 2, 10, 0, 0, 0, loc) // Monday
	// 15 working days after 2 March is 23 March.
	if s := stepsAt(r, e, Date{2026, 3, 20}); len(s) != 0 {
		t.Fatalf("rating reminder too early: %v", s)
	}
	if s := stepsAt(r, e, Date{2026, 3, 23}); strings.Join(s, " ") != "rate:again" {
		t.Fatalf("rating reminder: %v", s)
	}
	e.Now = time.Date(2026, 3, 23, 9, 0, 0, 0, loc)
	if _, err := MarkRatingReminded(r, e); err != nil {
		t.Fatal(err)
	}
	if s := stepsAt(r, e, Date{2026, 3, 24}); len(s) != 0 {
		t.Fatalf("asked twice: %v", s)
	}
	e.Now = time.Date(2026, 4, 22, 8, 59, 0, 0, loc)
	if DueToCloseUnrated(r, e) {
		t.Fatal("closed before 30 days")
	}
	e.Now = time.Date(2026, 4, 22, 9, 0, 0, 0, loc)
	if !DueToCloseUnrated(r, e) {
		t.Fatal("not closed after 30 days")
	}
	if _, err := CloseUnrated(r, e); err != nil || r.Outcome != Unrated || r.Status != StatusClosed {
		t.Fatalf("close unrated: %v %+v", err, r)
	}
}
