package deputybot

import (
	"strconv"
	"time"
)

// Reminder kinds: what a reminder is about, which decides who gets it.
const (
	RemindReply    = "reply"    // the lead department's reply deadline
	RemindOpinion  = "opinion"  // a co-department's opinion deadline
	RemindRectify  = "rectify"  // a corrected reply after a quality flag
	RemindRate     = "rate"     // the deputy has not rated the reply
	RemindEscalate = "escalate" // more than EscalateAfterDays overdue: supervisors and the leader
	// RemindPromise: a promise's date has come; its department is asked
	// what was done (once).
	RemindPromise = "promise"
	// RemindPromiseAsk: the deputy is asked whether a promise was kept
	// (once a promise; the scheduler asks him at most one a week).
	RemindPromiseAsk = "promise_ask"
)

// ReminderDays are the days before a deadline on which its department is
// reminded (and on the day itself, and every working day overdue).
var ReminderDays = []int{14, 7, 3, 1}

// EscalateAfterDays: an item overdue by more than this is escalated.
const EscalateAfterDays = 3

// Reminder is one reminder step that is due. Its Key is unique per item
// and step: with the recipient's id it makes "sent once, ever".
type Reminder struct {
	ItemID   string
	Kind     string
	Dept     string // reply, opinion, rectify: the department reminded
	Deadline time.Time
	Step     string // "d14" … "d1", "d0", "o2026-03-05" (overdue on that working day), "esc", "again", "p1", "a1"
	Promise  int    // the promise's number (RemindPromise, RemindPromiseAsk)
}

// Duty is the open duty the reminder is about (a rating reminder has
// none: its deadline is the reply's date).
func (r Reminder) Duty() Duty {
	return Duty{Kind: r.Kind, Dept: r.Dept, Deadline: r.Deadline, Open: true}
}

// Key identifies the step: the same deadline's same step is one reminder,
// a new deadline (extension, rehandling) starts the steps again.
func (r Reminder) Key() string {
	return r.ItemID + ":" + r.Kind + ":" + r.Dept + ":" + r.Deadline.UTC().Format("20060102") + ":" + r.Step
}

// dutyStep returns the reminder step due today for an open duty, if one
// is, and whether the duty is overdue enough to escalate.
func dutyStep(d Duty, e Env) (step string, escalate bool) {
	if e.Overdue(d) {
		today := e.today()
		if e.Calendar.IsWorkday(today) {
			step = "o" + today.String()
		}
		return step, e.DaysOverdue(d) > EscalateAfterDays
	}
	left := e.DaysLeft(d.Deadline)
	if left == 0 {
		return "d0", false
	}
	for _, n := range ReminderDays {
		if left == n {
			return "d" + strconv.Itoa(n), false
		}
	}
	return "", false
}

// DueReminders lists the reminders due for an item at e.Now: the
// scheduler's reminder job calls it for every open item at each run.
func DueReminders(it *Item, e Env) []Reminder {
	var out []Reminder
	for _, d := range it.OpenDuties() {
		step, esc := dutyStep(d, e)
		r := Reminder{ItemID: it.ID, Kind: d.Kind, Dept: d.Dept, Deadline: d.Deadline, Step: step}
		if step != "" {
			out = append(out, r)
		}
		if esc && d.Kind == DutyReply {
			r.Kind, r.Step = RemindEscalate, "esc"
			out = append(out, r)
		}
	}
	for _, p := range it.PromisesToReport(e) {
		out = append(out, Reminder{ItemID: it.ID, Kind: RemindPromise, Dept: it.LeadDept, Deadline: EndOfDay(p.DueDate(), e.loc()),
			Step: "p" + strconv.Itoa(p.N), Promise: p.N})
	}
	for _, p := range it.PromisesToAsk(e) {
		out = append(out, Reminder{ItemID: it.ID, Kind: RemindPromiseAsk, Deadline: EndOfDay(p.DueDate(), e.loc()),
			Step: "a" + strconv.Itoa(p.N), Promise: p.N})
	}
	if r := it.LatestReply(); it.Status == StatusReplied && it.RatingRemindedAt.IsZero() && r != nil &&
		e.Calendar.Workdays(DateOf(r.At, e.loc()), e.today()) >= e.Rules.RatingWorkdays {
		out = append(out, Reminder{ItemID: it.ID, Kind: RemindRate, Deadline: r.At, Step: "again"})
	}
	return out
}

// DueToCloseUnrated reports whether a replied item whose deputy was asked
// again to rate has waited Rules.UnratedDays since, and closes as unrated.
func DueToCloseUnrated(it *Item, e Env) bool {
	return it.Status == StatusReplied && !it.RatingRemindedAt.IsZero() &&
		!e.Now.Before(it.RatingRemindedAt.AddDate(0, 0, e.Rules.UnratedDays))
}

// EvRatingReminded: the deputy was asked again to rate.
const EvRatingReminded = "rating_reminded"

// MarkRatingReminded records that the deputy was asked again to rate.
func MarkRatingReminded(it *Item, e Env) (Event, error) {
	if it.Status != StatusReplied || !it.RatingRemindedAt.IsZero() {
		return Event{}, Errorf(ECONFLICT, "err.wrong_status", "Status", string(it.Status))
	}
	it.RatingRemindedAt = e.Now
	return ev(e, nil, EvRatingReminded), nil
}

// Audience is who a reminder goes to: the contacts of its department
// (a reply, an opinion, a corrected reply), the author (a rating), the
// supervisors and the leader in charge (an escalation).
func (r Reminder) Audience() []Audience {
	switch r.Kind {
	case RemindRate, RemindPromiseAsk:
		return []Audience{ToAuthor}
	case RemindEscalate:
		return []Audience{ToSupervisors, ToLeader}
	}
	return []Audience{ToDept}
}
