package report

import (
	"slices"

	"deputybot"
)

// Annual are the figures of the annual handling report (SPEC §5) of a
// year's items.
type Annual struct {
	Year int
	// Periods: the suggestions of each period (session, then recess), as
	// the seed counts them.
	Periods []PeriodTally
	// Motions: the handled motions, by number, and their tally.
	Motions      []*deputybot.Item
	MotionsTally Tally
	// All: every handled item of the year, motions and suggestions.
	All Tally
	// Depts: departments that led items of the year, by name.
	Depts []*DeptStats
	// Not handled: returned, withdrawn, and submitted but not yet assigned.
	Returned, Withdrawn, Waiting int
}

// PeriodTally is the suggestions of one period.
type PeriodTally struct {
	Period deputybot.Period
	Tally
}

// ComputeAnnual computes the report's figures for the items of year.
func ComputeAnnual(in deputybot.Snapshot, year int) *Annual {
	a := &Annual{Year: year}
	periods := map[deputybot.Period]*Tally{deputybot.PeriodSession: {}, deputybot.PeriodRecess: {}}
	for _, it := range in.Items {
		if !InYear(it, year) {
			continue
		}
		switch it.Status {
		case deputybot.StatusReturned:
			a.Returned++
		case deputybot.StatusWithdrawn:
			a.Withdrawn++
		case deputybot.StatusSubmitted:
			a.Waiting++
		}
		if !it.Handled() {
			continue
		}
		tl := in.Env.Timeliness(it)
		a.All.add(it, tl)
		if it.Kind == deputybot.KindMotion {
			a.Motions = append(a.Motions, it)
			a.MotionsTally.add(it, tl)
		} else if p := periods[it.Period]; p != nil {
			p.add(it, tl)
		}
	}
	a.Periods = []PeriodTally{{deputybot.PeriodSession, *periods[deputybot.PeriodSession]}, {deputybot.PeriodRecess, *periods[deputybot.PeriodRecess]}}
	slices.SortFunc(a.Motions, func(x, y *deputybot.Item) int { return x.Seq - y.Seq })
	for _, d := range Departments(in, year) {
		if d.Year.Handled > 0 {
			a.Depts = append(a.Depts, d)
		}
	}
	return a
}
