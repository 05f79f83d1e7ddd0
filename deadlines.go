package deputybot

import "time"

// Every deadline the rules set (SPEC §3.2), and what a department still
// has to do on an item by when. All are the end of their local day.

// DefaultDeadline is the reply deadline of an item assigned at e.Now: 3
// months for a suggestion, 6 for a motion (as configured).
func (e Env) DefaultDeadline(k Kind) time.Time {
	months := e.Rules.SuggestionMonths
	if k == KindMotion {
		months = e.Rules.MotionMonths
	}
	return EndOfDay(AddMonths(e.today(), months), e.loc())
}

// LatestDeadline is the latest reply deadline allowed for an item
// assigned at assigned: 6 months for a complex suggestion, and for a
// motion Rules.MotionLatestMonths (12).
func (e Env) LatestDeadline(k Kind, assigned time.Time) time.Time {
	months := e.Rules.ExtendedMonths
	if k == KindMotion {
		months = e.Rules.MotionLatestMonths
	}
	return EndOfDay(AddMonths(DateOf(assigned, e.loc()), months), e.loc())
}

// ExtensionDeadline is the deadline an approved extension gives unless the
// office names another: the latest allowed.
func (e Env) ExtensionDeadline(it *Item) time.Time { return e.LatestDeadline(it.Kind, it.AssignedAt) }

// ReassignDeadline is the reply deadline of an item reassigned at e.Now
// unless the office names another: as for a new assignment.
func (e Env) ReassignDeadline(k Kind) time.Time { return e.DefaultDeadline(k) }

// CoDeptDeadline is a co-department's deadline for its opinion, for a
// reply due at lead: a month from now, and not after the reply.
func (e Env) CoDeptDeadline(lead time.Time) time.Time {
	d := EndOfDay(AddMonths(e.today(), e.Rules.CoDeptMonths), e.loc())
	if d.After(lead) {
		return lead
	}
	return d
}

// RehandlingDeadline is the new reply deadline after an unsatisfied
// rating given at e.Now: 30 days.
func (e Env) RehandlingDeadline() time.Time {
	return EndOfDay(e.today().addDays(e.Rules.RehandlingDays), e.loc())
}

// RectificationDeadline is the deadline of a corrected reply after a
// quality flag raised at e.Now, unless the supervisor names another: 15
// days.
func (e Env) RectificationDeadline() time.Time {
	return EndOfDay(e.today().addDays(e.Rules.RectificationDays), e.loc())
}

// LatestRectification is the latest deadline a supervisor may give a
// corrected reply: a year.
func (e Env) LatestRectification() time.Time { return EndOfDay(e.today().addDays(366), e.loc()) }

// DueSoonDays: a deadline this close is "due soon" (digests, /stats).
const DueSoonDays = 14

// DueSoon reports whether a deadline is today or within DueSoonDays.
func (e Env) DueSoon(deadline time.Time) bool {
	left := e.DaysLeft(deadline)
	return left >= 0 && left <= DueSoonDays
}

// Overdue reports whether a deadline has passed.
func (e Env) Overdue(deadline time.Time) bool { return e.Now.After(deadline) }

// Kinds of a department's part of an item (Part.Kind): they are the kinds
// of the reminders of that part.
const (
	PartReply   = RemindReply   // the lead department's reply
	PartOpinion = RemindOpinion // a co-department's opinion
	PartRectify = RemindRectify // the lead's corrected reply after a quality flag
)

// Part is what one department still has to do on an item, and by when.
type Part struct {
	Dept     string
	Kind     string
	Deadline time.Time
}

// OpenParts lists what departments still have to do on the item: the
// lead's reply while the item waits for it (assigned, in progress, being
// handled again), each co-department's opinion until it is given (before
// the first reply), the lead's corrected reply while a quality flag is
// open. Every list, digest, report and reminder reads them here.
func (it *Item) OpenParts() []Part {
	var out []Part
	if in(it.Status, StatusAssigned, StatusInProgress, StatusRehandling) {
		out = append(out, Part{Dept: it.LeadDept, Kind: PartReply, Deadline: it.Deadline})
	}
	if in(it.Status, StatusAssigned, StatusInProgress) {
		for _, c := range it.CoDepts {
			if c.OpinionAt.IsZero() {
				out = append(out, Part{Dept: c.Dept, Kind: PartOpinion, Deadline: c.Deadline})
			}
		}
	}
	if f := it.OpenFlag(); f != nil {
		out = append(out, Part{Dept: it.LeadDept, Kind: PartRectify, Deadline: f.Deadline})
	}
	return out
}

// ReplyPart is the lead's reply, if the item waits for it.
func (it *Item) ReplyPart() (Part, bool) {
	for _, p := range it.OpenParts() {
		if p.Kind == PartReply {
			return p, true
		}
	}
	return Part{}, false
}

// DeptPart is what dept has to do on the item first: its part with the
// earliest deadline, if it has one.
func (it *Item) DeptPart(dept string) (Part, bool) {
	var first Part
	ok := false
	for _, p := range it.OpenParts() {
		if dept != "" && p.Dept == dept && (!ok || p.Deadline.Before(first.Deadline)) {
			first, ok = p, true
		}
	}
	return first, ok
}

// ScoreCounts are what a department's score for a year is made of.
type ScoreCounts struct {
	Late        int // items replied late, or overdue without a reply
	Unsatisfied int // final unsatisfied ratings
	Flags       int // quality flags on its replies
	NoContact   int // replies sent without a contact the deputy confirmed
}

// Score is a department's score for a year (SPEC §5): 100 points, less
// the configured deductions.
func (d Deductions) Score(c ScoreCounts) float64 {
	return 100 - d.OverdueReply*float64(c.Late) - d.Unsatisfied*float64(c.Unsatisfied) -
		d.QualityFlag*float64(c.Flags) - d.ReplyWithoutContact*float64(c.NoContact)
}
