package report

import (
	"reflect"
	"testing"
	"time"

	"deputybot"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func eod(m time.Month, d int) time.Time {
	return deputybot.EndOfDay(deputybot.Date{Year: 2026, Month: m, Day: d}, shanghai)
}

func at(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, shanghai) }

func env(now time.Time) deputybot.Env {
	r := deputybot.DefaultRules(shanghai)
	return deputybot.Env{Rules: &r, Calendar: &deputybot.Calendar{}, Now: now}
}

// item is a handled suggestion of 2026 led by d1, due 31 March.
func item(status deputybot.Status) *deputybot.Item {
	return &deputybot.Item{ID: "i", Kind: deputybot.KindSuggestion, Year: 2026, Seq: 1, Period: deputybot.PeriodSession,
		Status: status, LeadDept: "d1", AssignedAt: at(1, 5), Deadline: eod(3, 31), Round: 1}
}

func reply(round int, when time.Time, deadline time.Time) deputybot.Reply {
	return deputybot.Reply{Round: round, Class: deputybot.ClassA, At: when, Deadline: deadline}
}

// TestTheSeedsTableReproduces: the seed report's own figures, as the
// figures module makes them: 167 session suggestions, 155 satisfied =
// 92.81%, 12 basically = 7.19%; 83 recess ones, 73 = 87.95%, 10 = 12.05%.
func TestTheSeedsTableReproduces(t *testing.T) {
	for _, tc := range []struct {
		o    Outcomes
		want [2]string
	}{
		{Outcomes{Satisfied: 155, Basic: 12}, [2]string{"92.81", "7.19"}},
		{Outcomes{Satisfied: 73, Basic: 10}, [2]string{"87.95", "12.05"}},
	} {
		got := tc.o.Shares()
		if got[0] != tc.want[0] || got[1] != tc.want[1] || got[2] != "0.00" || tc.o.SatisfactionRate() != "100.00" {
			t.Errorf("%+v: shares %v, satisfaction rate %s", tc.o, got, tc.o.SatisfactionRate())
		}
	}
}

// TestEachFigureCountsWhatItsNoteSays holds each figure of a tally to its
// definition, one item at a time.
func TestEachFigureCountsWhatItsNoteSays(t *testing.T) {
	now := at(7, 1)
	e := env(now)
	closed := func(v deputybot.RatingValue, replies ...deputybot.Reply) *deputybot.Item {
		it := item(deputybot.StatusClosed)
		it.Replies, it.Outcome, it.ClosedAt = replies, v, now
		return it
	}
	for _, tc := range []struct {
		name string
		it   *deputybot.Item
		want Tally
	}{
		{"submitted, not yet handled", item(deputybot.StatusSubmitted), Tally{}},
		{"returned", item(deputybot.StatusReturned), Tally{}},
		{"withdrawn", item(deputybot.StatusWithdrawn), Tally{}},
		{"assigned, not yet due", func() *deputybot.Item { it := item(deputybot.StatusAssigned); it.Deadline = eod(9, 30); return it }(),
			Tally{Handled: 1}},
		{"overdue, no reply: due, not on time", item(deputybot.StatusInProgress), Tally{Handled: 1, ReplyDue: 1, Overdue: 1}},
		{"replied on time, satisfied", closed(deputybot.Satisfied, reply(1, at(3, 20), eod(3, 31))),
			Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Satisfied: 1}, ReplyDue: 1, OnTime: 1}},
		{"replied late, basically satisfied", closed(deputybot.Basic, reply(1, at(4, 2), eod(3, 31))),
			Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Basic: 1}, ReplyDue: 1, Late: 1}},
		{"on time, then late after rehandling", closed(deputybot.Satisfied, reply(1, at(3, 20), eod(3, 31)), reply(2, at(5, 2), eod(4, 30))),
			Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Satisfied: 1}, ReplyDue: 1, Late: 1}},
		{"closed unrated: in no rate", closed(deputybot.Unrated, reply(1, at(3, 20), eod(3, 31))),
			Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Unrated: 1}, ReplyDue: 1, OnTime: 1}},
		{"a corrected reply late", func() *deputybot.Item {
			it := closed(deputybot.Unsatisfied, reply(1, at(3, 20), eod(3, 31)))
			it.Flags = []deputybot.QualityFlag{{N: 1, Round: 1, Category: deputybot.FlagEvasive, At: at(4, 1), Deadline: eod(4, 16), ResolvedAt: at(4, 20)}}
			return it
		}(), Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Unsatisfied: 1}, ReplyDue: 1, Late: 1,
			Flags: map[deputybot.FlagCategory]int{deputybot.FlagEvasive: 1}, FlagTotal: 1, FlagsFixed: 1}},
		{"a corrected reply overdue on a closed item", func() *deputybot.Item {
			it := closed(deputybot.Satisfied, reply(1, at(3, 20), eod(3, 31)))
			it.Flags = []deputybot.QualityFlag{{N: 1, Round: 1, Category: deputybot.FlagFormat, At: at(4, 1), Deadline: eod(4, 16)}}
			return it
		}(), Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Satisfied: 1}, ReplyDue: 1, Overdue: 1,
			Flags: map[deputybot.FlagCategory]int{deputybot.FlagFormat: 1}, FlagTotal: 1}},
		{"A, result satisfied, handling basic, met and followed up: done", func() *deputybot.Item {
			it := closed(deputybot.Satisfied, reply(1, at(3, 20), eod(3, 31)))
			it.Ratings = []deputybot.Rating{{Round: 1, Value: deputybot.Satisfied, Attitude: deputybot.Basic}}
			it.Contacts = []deputybot.ContactLog{
				{N: 1, Method: deputybot.MethodSite, Stage: deputybot.StageBefore, State: deputybot.ContactConfirmed},
				{N: 2, Method: deputybot.MethodPhone, Stage: deputybot.StageAfter, State: deputybot.ContactPending}}
			return it
		}(), Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Satisfied: 1}, ReplyDue: 1, OnTime: 1,
			ContactsLogged: 2, ContactsConfirmed: 1, Attitude: Outcomes{Basic: 1}, Done: 1, Met: 1, FollowedUp: 1}},
		{"B rated satisfied: not done; met by phone, face to face disputed: not met", func() *deputybot.Item {
			r := reply(1, at(3, 20), eod(3, 31))
			r.Class = deputybot.ClassB
			it := closed(deputybot.Satisfied, r)
			it.Ratings = []deputybot.Rating{{Round: 1, Value: deputybot.Satisfied, Attitude: deputybot.Unsatisfied}}
			it.Contacts = []deputybot.ContactLog{
				{N: 1, Method: deputybot.MethodPhone, Stage: deputybot.StageBefore, State: deputybot.ContactConfirmed},
				{N: 2, Method: deputybot.MethodFace, Stage: deputybot.StageAfter, State: deputybot.ContactDisputed}}
			return it
		}(), Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Satisfied: 1}, ReplyDue: 1, OnTime: 1,
			ContactsLogged: 2, ContactsConfirmed: 1, ContactsDisputed: 1, Attitude: Outcomes{Unsatisfied: 1}}},
		{"A rated before the two ratings: done, no handling's rating", func() *deputybot.Item {
			it := closed(deputybot.Basic, reply(1, at(3, 20), eod(3, 31)))
			it.Ratings = []deputybot.Rating{{Round: 1, Value: deputybot.Basic}}
			return it
		}(), Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Basic: 1}, ReplyDue: 1, OnTime: 1, Done: 1}},
		{"B whose promises the deputy says kept: done", func() *deputybot.Item {
			r := reply(1, at(3, 20), eod(3, 31))
			r.Class = deputybot.ClassB
			it := closed(deputybot.Basic, r)
			it.Promises = []deputybot.Promise{{N: 1, Round: 1, Answer: deputybot.PromiseKept}, {N: 2, Round: 1, Answer: deputybot.PromiseKept}}
			return it
		}(), Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Basic: 1}, ReplyDue: 1, OnTime: 1, Done: 1}},
		{"C with a promise partly kept: not done", func() *deputybot.Item {
			r := reply(1, at(3, 20), eod(3, 31))
			r.Class = deputybot.ClassC
			it := closed(deputybot.Satisfied, r)
			it.Promises = []deputybot.Promise{{N: 1, Round: 1, Answer: deputybot.PromiseKept}, {N: 2, Round: 1, Answer: deputybot.PromisePartly}}
			return it
		}(), Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Satisfied: 1}, ReplyDue: 1, OnTime: 1}},
		{"withheld: counted like any other", func() *deputybot.Item {
			it := closed(deputybot.Satisfied, reply(1, at(3, 20), eod(3, 31)))
			it.Withheld = &deputybot.Withholding{Reason: "x"}
			return it
		}(), Tally{Handled: 1, Replied: 1, Closed: 1, Outcomes: Outcomes{Satisfied: 1}, ReplyDue: 1, OnTime: 1}},
	} {
		var got Tally
		got.Add(tc.it, e)
		if got.Flags == nil && tc.want.Flags == nil {
			got.Flags, tc.want.Flags = map[deputybot.FlagCategory]int{}, map[deputybot.FlagCategory]int{}
		}
		if len(got.Flags) != len(tc.want.Flags) || got.Flags[deputybot.FlagEvasive] != tc.want.Flags[deputybot.FlagEvasive] ||
			got.Flags[deputybot.FlagFormat] != tc.want.Flags[deputybot.FlagFormat] {
			t.Errorf("%s: flags %v, want %v", tc.name, got.Flags, tc.want.Flags)
		}
		got.Flags, tc.want.Flags = nil, nil
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

// TestRatesDivideWhatTheirNotesSay: the rates of a tally of several
// items, and "no data yet" when there is nothing to divide.
func TestRatesDivideWhatTheirNotesSay(t *testing.T) {
	o := Outcomes{Satisfied: 3, Basic: 1, Unsatisfied: 1, Unrated: 5}
	if o.Rated() != 5 || o.SatisfactionRate() != "80.00" || o.Shares()[0] != "60.00" {
		t.Fatalf("rated %d, satisfaction rate %s, shares %v", o.Rated(), o.SatisfactionRate(), o.Shares())
	}
	if (Outcomes{Unrated: 2}).SatisfactionRate() != NoRate {
		t.Fatal("a rate of nothing rated")
	}
	tl := Tally{ReplyDue: 4, OnTime: 3}
	if tl.OnTimeRate() != "75.00" || (&Tally{}).OnTimeRate() != NoRate {
		t.Fatalf("on-time rate %s", tl.OnTimeRate())
	}
	// The handling's rate divides by the items whose handling was rated;
	// the contacts' and 办成率 by the items replied.
	tl = Tally{Replied: 8, Done: 2, Met: 6, FollowedUp: 1, Attitude: Outcomes{Satisfied: 2, Basic: 1, Unsatisfied: 1}}
	if tl.AttitudeRate() != "75.00" || tl.DoneRate() != "25.00" || tl.FaceRate() != "75.00" || tl.FollowUpRate() != "12.50" {
		t.Fatalf("attitude %s, done %s, face %s, follow-up %s", tl.AttitudeRate(), tl.DoneRate(), tl.FaceRate(), tl.FollowUpRate())
	}
	if empty := (&Tally{}); empty.AttitudeRate() != NoRate || empty.DoneRate() != NoRate || empty.FaceRate() != NoRate || empty.FollowUpRate() != NoRate {
		t.Fatal("a rate of nothing replied")
	}
}

// TestDepartmentsCountTheirOwnDuties: a department's year counts the
// items it led; its late opinions as a co-department count against it
// (and in its score), not in its tally; its figures of now count open
// items of any year.
func TestDepartmentsCountTheirOwnDuties(t *testing.T) {
	e := env(at(7, 1))
	lastYear := item(deputybot.StatusInProgress)
	lastYear.ID, lastYear.Year = "old", 2025
	led := item(deputybot.StatusClosed)
	led.ID, led.Outcome = "led", deputybot.Unsatisfied
	led.Replies = []deputybot.Reply{reply(1, at(3, 20), eod(3, 31))}
	led.CoDepts = []deputybot.CoDept{{Dept: "d2", Deadline: eod(2, 5), OpinionAt: at(2, 10)}}
	snap := deputybot.Snapshot{Env: e, Items: []*deputybot.Item{lastYear, led},
		Departments: []*deputybot.Department{{ID: "d1", Name: "A"}, {ID: "d2", Name: "B"}}}
	ds := Departments(snap, 2026)
	a, b := ds[0], ds[1]
	if a.Year.Handled != 1 || a.OpenNow != 1 || a.OverdueNow != 1 || a.Year.Overdue != 0 || a.OpinionsLate != 0 {
		t.Errorf("A: %+v %+v", a, a.Year)
	}
	if b.Year.Handled != 0 || b.OpinionsLate != 1 {
		t.Errorf("B: %+v", b)
	}
	d := e.Rules.Deductions
	if a.Score != 100-d.Unsatisfied || b.Score != 100-d.OverdueReply {
		t.Errorf("scores A %v B %v", a.Score, b.Score)
	}
}
