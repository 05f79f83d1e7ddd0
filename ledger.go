package deputybot

import "time"

// The ledger of an item's clocks (SPEC §10). Every part of an item that a
// department owes by a deadline is a Duty: the lead department's reply of
// each round (against that round's deadline: the first, an extended one,
// the rehandling one), each co-department's opinion, each corrected reply
// after a quality flag. For each the ledger says its deadline, when it was
// done, whether it was done late, and whether it is overdue now.
//
// Cards, reminders, digests, /stats, /overdue, the report, the register,
// the score and the public site all ask it; nothing else decides
// lateness or overdue.

// Kinds of duties; they are the kinds of their reminders.
const (
	DutyReply   = RemindReply   // the lead department's reply of a round
	DutyOpinion = RemindOpinion // a co-department's opinion for the lead
	DutyRectify = RemindRectify // the lead's corrected reply after a quality flag
)

// Duty is one thing a department owes on an item by a deadline.
type Duty struct {
	Kind string
	Dept string
	// Round is a reply's round, or the round a corrected reply corrects.
	Round int
	// Flag is a corrected reply's quality flag (its number on the item).
	Flag int
	// Deadline is the end of its local day.
	Deadline time.Time
	// DoneAt is when it was done; zero while it is not.
	DoneAt time.Time
	// Open: still owed. A duty that is neither open nor done lapsed: an
	// opinion the lead replied without; EndedAt says when.
	Open    bool
	EndedAt time.Time
}

// Done reports whether the duty was done.
func (d Duty) Done() bool { return !d.DoneAt.IsZero() }

// ended is when the duty stopped being owed: when it was done, or lapsed.
func (d Duty) ended() time.Time {
	if d.Done() {
		return d.DoneAt
	}
	return d.EndedAt
}

// Late reports whether the duty ended after the day of its deadline: done
// late, or lapsed after its deadline without being done. (A duty without a
// known deadline is never late.)
func (e Env) Late(d Duty) bool {
	end := d.ended()
	return !d.Open && !end.IsZero() && !d.Deadline.IsZero() && DateOf(d.Deadline, e.loc()).Before(DateOf(end, e.loc()))
}

// Overdue reports whether the duty is owed and the day of its deadline
// has passed.
func (e Env) Overdue(d Duty) bool { return d.Open && e.DaysLeft(d.Deadline) < 0 }

// DaysOverdue is how many days an overdue duty is past its deadline (0
// when it is not overdue).
func (e Env) DaysOverdue(d Duty) int {
	if !e.Overdue(d) {
		return 0
	}
	return -e.DaysLeft(d.Deadline)
}

// Ledger lists the item's duties: the lead's reply of each round (the
// current round's while it is owed), each co-department's opinion (owed
// until the lead's first reply), each quality flag's corrected reply.
func (it *Item) Ledger() []Duty {
	var out []Duty
	it.eachDuty(func(d Duty) { out = append(out, d) })
	return out
}

// eachDuty calls f with each duty of the item, in the ledger's order
// (what every figure reads, without making a list of them).
func (it *Item) eachDuty(f func(Duty)) {
	for _, r := range it.Replies {
		f(Duty{Kind: DutyReply, Dept: it.LeadDept, Round: r.Round, Deadline: r.Deadline, DoneAt: r.At})
	}
	if it.WaitingForReply() {
		f(Duty{Kind: DutyReply, Dept: it.LeadDept, Round: it.Round, Deadline: it.Deadline, Open: true})
	}
	opinionsOwed := in(it.Status, StatusAssigned, StatusInProgress)
	var lapsed time.Time
	if len(it.Replies) > 0 {
		lapsed = it.Replies[0].At
	} else if !opinionsOwed {
		lapsed = it.ClosedAt // returned after assignment
	}
	for _, c := range it.CoDepts {
		d := Duty{Kind: DutyOpinion, Dept: c.Dept, Deadline: c.Deadline, DoneAt: c.OpinionAt}
		if !d.Done() {
			d.Open = opinionsOwed
			if !d.Open {
				d.EndedAt = lapsed
			}
		}
		f(d)
	}
	for _, fl := range it.Flags {
		f(Duty{Kind: DutyRectify, Dept: it.LeadDept, Round: fl.Round, Flag: fl.N, Deadline: fl.Deadline,
			DoneAt: fl.ResolvedAt, Open: fl.ResolvedAt.IsZero()})
	}
}

// WaitingForReply reports whether the lead department owes the current
// round's reply: the item is assigned, in progress or being handled again.
func (it *Item) WaitingForReply() bool {
	return it.LeadDept != "" && in(it.Status, StatusAssigned, StatusInProgress, StatusRehandling)
}

// OpenDuties lists what departments still owe on the item. Every list,
// digest and reminder reads them here.
func (it *Item) OpenDuties() []Duty {
	var out []Duty
	it.eachDuty(func(d Duty) {
		if d.Open {
			out = append(out, d)
		}
	})
	return out
}

// ReplyDuty is the lead's reply, if the item waits for it.
func (it *Item) ReplyDuty() (Duty, bool) {
	for _, d := range it.OpenDuties() {
		if d.Kind == DutyReply {
			return d, true
		}
	}
	return Duty{}, false
}

// DeptDuty is what dept owes on the item first: its open duty with the
// earliest deadline, if it has one.
func (it *Item) DeptDuty(dept string) (Duty, bool) {
	var first Duty
	ok := false
	for _, d := range it.OpenDuties() {
		if dept != "" && d.Dept == dept && (!ok || d.Deadline.Before(first.Deadline)) {
			first, ok = d, true
		}
	}
	return first, ok
}

// Timeliness is what the ledger says of the lead department's answers
// on an item: its reply of every round and its corrected replies (the
// figures of SPEC §10 count items by it).
type Timeliness struct {
	// Due: an answer was due: given, or overdue now.
	Due bool
	// Late: an answer was given after its deadline.
	Late bool
	// Overdue: an answer is overdue now; DaysOverdue by how many days
	// (the most overdue one).
	Overdue     bool
	DaysOverdue int
}

// OnTime reports whether every answer that was due came by its deadline
// and none is overdue now.
func (t Timeliness) OnTime() bool { return t.Due && !t.Late && !t.Overdue }

// Timeliness is what the item's ledger says of the lead's answers at
// e.Now.
func (e Env) Timeliness(it *Item) Timeliness {
	var t Timeliness
	it.eachDuty(func(d Duty) {
		if d.Kind == DutyOpinion {
			return
		}
		if e.Late(d) {
			t.Late = true
		}
		if days := e.DaysOverdue(d); days > 0 {
			t.Overdue = true
			t.DaysOverdue = max(t.DaysOverdue, days)
		}
		if d.Done() || t.Overdue {
			t.Due = true
		}
	})
	return t
}

// ReplyLate reports whether a round's reply came after that round's
// deadline.
func (e Env) ReplyLate(it *Item, round int) bool {
	return e.AnswerLate(it, ReplyText{Round: round})
}

// DeadlineAt is the reply deadline that was in force at t by an item's
// timeline (assigned, reassigned, extended, rehandling), for records made
// before replies kept their deadline.
func DeadlineAt(timeline []Event, t time.Time, loc *time.Location) (time.Time, bool) {
	var out time.Time
	found := false
	for _, ev := range timeline {
		if ev.At.After(t) {
			break
		}
		key := ""
		switch ev.Type {
		case EvAssigned, EvReassigned, EvRehandling:
			key = "deadline"
		case EvExtensionApproved:
			key = "to"
		default:
			continue
		}
		if d, ok := ParseDate(ev.Data[key]); ok {
			out, found = EndOfDay(d, loc), true
		}
	}
	return out, found
}

// AnswerLate reports whether a reply text (a round's reply, or a
// corrected reply) was sent after its deadline.
func (e Env) AnswerLate(it *Item, t ReplyText) bool {
	late := false
	it.eachDuty(func(d Duty) {
		switch {
		case t.Correction && d.Kind == DutyRectify && d.Round == t.Round && d.DoneAt.Equal(t.At),
			!t.Correction && d.Kind == DutyReply && d.Round == t.Round && d.Done():
			late = late || e.Late(d)
		}
	})
	return late
}
