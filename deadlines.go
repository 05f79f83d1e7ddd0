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

// Year is the local year now: "this year" of every figure and list.
func (e Env) Year() int { return e.today().Year }

// DueSoonDays: a deadline this close is "due soon" (digests, /stats).
const DueSoonDays = 14

// DueSoon reports whether a deadline is today or within DueSoonDays.
func (e Env) DueSoon(deadline time.Time) bool {
	left := e.DaysLeft(deadline)
	return left >= 0 && left <= DueSoonDays
}

// ScoreCounts are what a department's score for a year is made of.
type ScoreCounts struct {
	// Late: answers (a reply of any round, a corrected reply, a
	// co-department's opinion) given after their deadline, or overdue now.
	Late        int
	Unsatisfied int // final unsatisfied ratings of items it led
	Flags       int // quality flags on its replies
	NoContact   int // replies sent without a contact the deputy confirmed
}

// Add adds other counts.
func (c *ScoreCounts) Add(o ScoreCounts) {
	c.Late += o.Late
	c.Unsatisfied += o.Unsatisfied
	c.Flags += o.Flags
	c.NoContact += o.NoContact
}

// ScoreCounts is what the item counts against dept's score at e.Now
// (the item counts in the year of its number).
func (e Env) ScoreCounts(it *Item, dept string) ScoreCounts {
	var c ScoreCounts
	it.eachDuty(func(d Duty) {
		if d.Dept == dept && (e.Late(d) || e.Overdue(d)) {
			c.Late++
		}
	})
	if it.LeadDept != dept {
		return c
	}
	if it.Status == StatusClosed && it.Outcome == Unsatisfied {
		c.Unsatisfied++
	}
	c.Flags += len(it.Flags)
	for _, r := range it.Replies {
		if r.NoContact {
			c.NoContact++
		}
	}
	return c
}

// Score is a department's score for a year (SPEC §5): 100 points, less
// the configured deductions.
func (d Deductions) Score(c ScoreCounts) float64 {
	return 100 - d.OverdueReply*float64(c.Late) - d.Unsatisfied*float64(c.Unsatisfied) -
		d.QualityFlag*float64(c.Flags) - d.ReplyWithoutContact*float64(c.NoContact)
}
