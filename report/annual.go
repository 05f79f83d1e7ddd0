package report

import (
	"slices"

	"deputybot"
)

// PeriodFigures are the suggestions of one period of a year.
type PeriodFigures struct {
	Period       deputybot.Period
	Handled      int // assigned to departments (returned and withdrawn ones are not handled)
	Replied      int // with at least one reply
	Closed       int
	Satisfaction Satisfaction // outcomes of the closed ones
}

// Annual are the figures of the annual handling report (SPEC §5).
type Annual struct {
	Year       int
	Periods    []PeriodFigures   // session, then recess
	Motions    []*deputybot.Item // handled motions, by number
	Depts      []*DeptStats      // departments that handled items, by name
	Flags      map[deputybot.FlagCategory]int
	FlagTotal  int
	FlagsFixed int
	// Overdue: open items past their deadline now; LateReplies: first
	// replies sent after the deadline; Extensions: approved extensions,
	// on ExtendedItems items.
	Overdue, LateReplies, Extensions, ExtendedItems int
	Returned, Withdrawn, Submitted                  int
}

// handled reports whether an item was handed to departments.
func handled(it *deputybot.Item) bool {
	switch it.Status {
	case deputybot.StatusAssigned, deputybot.StatusInProgress, deputybot.StatusReplied,
		deputybot.StatusRehandling, deputybot.StatusClosed:
		return true
	}
	return false
}

// ComputeAnnual computes the report's figures for the items of year.
func ComputeAnnual(in deputybot.Snapshot, year int) *Annual {
	loc := in.Env.Rules.Location
	a := &Annual{Year: year, Flags: map[deputybot.FlagCategory]int{}}
	periods := map[deputybot.Period]*PeriodFigures{
		deputybot.PeriodSession: {Period: deputybot.PeriodSession},
		deputybot.PeriodRecess:  {Period: deputybot.PeriodRecess},
	}
	for _, it := range in.Items {
		if it.Status == deputybot.StatusDraft || yearOf(it, loc) != year {
			continue
		}
		switch it.Status {
		case deputybot.StatusReturned:
			a.Returned++
		case deputybot.StatusWithdrawn:
			a.Withdrawn++
		case deputybot.StatusSubmitted:
			a.Submitted++
		}
		if !handled(it) {
			continue
		}
		if it.Kind == deputybot.KindMotion {
			a.Motions = append(a.Motions, it)
		} else if p := periods[it.Period]; p != nil {
			p.Handled++
			if len(it.Replies) > 0 {
				p.Replied++
			}
			if it.Status == deputybot.StatusClosed {
				p.Closed++
				p.Satisfaction.add(it.Outcome)
			}
		}
		if p, ok := it.ReplyPart(); ok && in.Env.Overdue(p.Deadline) {
			a.Overdue++
		}
		if len(it.Replies) > 0 && it.Replies[0].Late {
			a.LateReplies++
		}
		if it.Extensions > 0 {
			a.Extensions += it.Extensions
			a.ExtendedItems++
		}
		for _, f := range it.Flags {
			a.Flags[f.Category]++
			a.FlagTotal++
			if !f.ResolvedAt.IsZero() {
				a.FlagsFixed++
			}
		}
	}
	a.Periods = []PeriodFigures{*periods[deputybot.PeriodSession], *periods[deputybot.PeriodRecess]}
	slices.SortFunc(a.Motions, func(x, y *deputybot.Item) int { return x.Seq - y.Seq })
	for _, d := range Departments(in, year) {
		if d.Handled > 0 {
			a.Depts = append(a.Depts, d)
		}
	}
	return a
}
