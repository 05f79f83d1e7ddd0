// Package report computes the figures of digests, statistics and the
// annual report from the record: one read of the items, counted in Go
// (the embedded store's $group is slower than a scan, see
// ARCHITECTURE.md). It does no I/O and renders no text.
package report

import (
	"math/big"
	"slices"
	"sort"
	"strconv"
	"time"

	"deputybot"
)

// Percentages returns each count's share of the total as a percentage
// with two decimals ("92.81"), rounded half up, adjusted so that the
// shares add up to exactly 100.00: the hundredths lost or gained by
// rounding go to (or come from) the shares with the largest (smallest)
// remainders, as in the largest remainder method; between equal
// remainders the earlier share keeps the larger value. Exact counts are
// used throughout (no floating point). All zero counts give "0.00" each.
func Percentages(counts []int) []string {
	total := 0
	for _, c := range counts {
		total += c
	}
	out := make([]string, len(counts))
	if total == 0 {
		for i := range out {
			out[i] = "0.00"
		}
		return out
	}
	// Shares in hundredths of a percent: c * 10000 / total.
	type share struct {
		i        int
		floor    int64
		rem      int64 // remainder of the division, in units of 1/total
		hundreds int64
	}
	shares := make([]share, len(counts))
	for i, c := range counts {
		q, r := new(big.Int).QuoRem(big.NewInt(int64(c)*10000), big.NewInt(int64(total)), new(big.Int))
		shares[i] = share{i: i, floor: q.Int64(), rem: r.Int64()}
	}
	// Half up per share first...
	for k := range shares {
		shares[k].hundreds = shares[k].floor
		if 2*shares[k].rem >= int64(total) {
			shares[k].hundreds++
		}
	}
	var rounded int64
	for _, s := range shares {
		rounded += s.hundreds
	}
	// ...then make the total exactly 100.00 by moving the difference to
	// the shares whose rounding was closest to going the other way.
	diff := 10000 - rounded
	order := make([]int, len(shares))
	for k := range order {
		order[k] = k
	}
	if diff > 0 {
		sort.SliceStable(order, func(a, b int) bool { return shares[order[a]].rem > shares[order[b]].rem })
		for k := 0; diff > 0 && k < len(order); k++ {
			if counts[shares[order[k]].i] > 0 && shares[order[k]].hundreds == shares[order[k]].floor {
				shares[order[k]].hundreds++
				diff--
			}
		}
	} else if diff < 0 {
		// Ties take from the later shares: earlier ones keep the larger value.
		sort.SliceStable(order, func(a, b int) bool {
			x, y := shares[order[a]], shares[order[b]]
			return x.rem < y.rem || (x.rem == y.rem && x.i > y.i)
		})
		for k := 0; diff < 0 && k < len(order); k++ {
			if shares[order[k]].hundreds > shares[order[k]].floor {
				shares[order[k]].hundreds--
				diff++
			}
		}
	}
	for _, s := range shares {
		out[s.i] = strconv.FormatInt(s.hundreds/100, 10) + "." + pad2(s.hundreds%100)
	}
	return out
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// NoRate is a rate with nothing to divide.
const NoRate = "—"

// Rate is a share as a percentage with two decimals, or NoRate when there is
// nothing to divide.
func Rate(part, whole int) string {
	if whole == 0 {
		return NoRate
	}
	return Percentages([]int{part, whole - part})[0]
}

// Due is an open duty with its item (a deadline that matters now).
type Due struct {
	Item *deputybot.Item
	deputybot.Duty
}

// Digest is the supervisors' weekly digest (SPEC §4.2), as of Now.
type Digest struct {
	Env            deputybot.Env
	Now, WeekStart time.Time
	// Year: this year; ByStatus counts its items (every status but draft).
	Year        int
	ByStatus    map[deputybot.Status]int
	NewThisWeek int
	RepliedWeek int
	ClosedWeek  int
	// DueSoon: the lead's open answers due within DueSoonDays, soonest
	// first. Overdue: the lead's answers overdue now (items of any year),
	// by department, most overdue first; OverdueCount in all (items).
	DueSoon      []Due
	Overdue      map[string][]Due
	OverdueCount int
	// OpinionsOverdue: co-departments' opinions overdue now.
	OpinionsOverdue []Due
	// Periods: this year's suggestions by period; Motions: this year's
	// motions (the seed counts them apart).
	Periods map[deputybot.Period]*Tally
	Motions Tally
	// All: every handled item of this year (as the annual report's All).
	All      Tally
	Depts    []*DeptStats      // by name
	KeyItems []*deputybot.Item // key items and motions, open
	Promises []*deputybot.Item // B/C replies whose promise is open
	Unkept   []*deputybot.Item // with a promise the deputy says was not (fully) kept
	// ContactsMissing: items waiting for their reply without the contacts
	// the rules ask for before it (Rules.ContactsBeforeReply).
	ContactsMissing []*deputybot.Item
	Disputed        []Disputed
	OpenFlags       []*deputybot.Item
	Unreachable     []*deputybot.Person
	// Unstaffed are the departments no contact has joined that have
	// open items, with how many.
	Unstaffed []Unstaffed
}

// Unstaffed is a department without a joined contact, and its open
// items (as lead or co-department).
type Unstaffed struct {
	Dept *deputybot.Department
	Open int
}

// Disputed is a contact the deputy says did not happen.
type Disputed struct {
	Item    *deputybot.Item
	Contact deputybot.ContactLog
}

// PeriodTallies counts the suggestions of year by period and the
// motions of year, as the seed report counts them.
func PeriodTallies(in deputybot.Snapshot, year int) (map[deputybot.Period]*Tally, Tally) {
	periods := map[deputybot.Period]*Tally{deputybot.PeriodSession: {}, deputybot.PeriodRecess: {}}
	var motions Tally
	for _, it := range in.Items {
		if !InYear(it, year) {
			continue
		}
		if it.Kind == deputybot.KindMotion {
			motions.Add(it, in.Env)
		} else if p := periods[it.Period]; p != nil {
			p.Add(it, in.Env)
		}
	}
	return periods, motions
}

// ComputeDigest computes the supervisors' digest at in.Env.Now.
func ComputeDigest(in deputybot.Snapshot) *Digest {
	e := in.Env
	now := e.Now
	year := e.Year()
	d := &Digest{
		Env: e, Now: now, WeekStart: now.AddDate(0, 0, -7), Year: year,
		ByStatus: map[deputybot.Status]int{}, Overdue: map[string][]Due{},
	}
	since := func(t time.Time) bool { return !t.IsZero() && t.After(d.WeekStart) && !t.After(now) }
	for _, it := range in.Items {
		if it.Status == deputybot.StatusDraft {
			continue
		}
		if InYear(it, year) {
			d.ByStatus[it.Status]++
		}
		if since(it.SubmittedAt) {
			d.NewThisWeek++
		}
		for _, r := range it.Replies {
			if since(r.At) {
				d.RepliedWeek++
				break
			}
		}
		if it.Status == deputybot.StatusClosed && since(it.ClosedAt) {
			d.ClosedWeek++
		}
		var worst *Due // the lead's most overdue answer: the item is overdue by it
		for _, du := range it.OpenDuties() {
			x := Due{Item: it, Duty: du}
			switch {
			case du.Kind == deputybot.DutyOpinion:
				if e.Overdue(du) {
					d.OpinionsOverdue = append(d.OpinionsOverdue, x)
				}
			case e.Overdue(du):
				if worst == nil || x.Deadline.Before(worst.Deadline) {
					worst = &x
				}
			case e.DueSoon(du.Deadline):
				d.DueSoon = append(d.DueSoon, x)
			}
		}
		if worst != nil {
			d.Overdue[worst.Dept] = append(d.Overdue[worst.Dept], *worst)
			d.OverdueCount++
		}
		if it.IsOpen() && (it.Key || it.Kind == deputybot.KindMotion) {
			d.KeyItems = append(d.KeyItems, it)
		}
		if it.PromiseOpen {
			d.Promises = append(d.Promises, it)
		}
		if it.WaitingForReply() && len(it.MissingContacts(e.Rules)) > 0 {
			d.ContactsMissing = append(d.ContactsMissing, it)
		}
		if it.OpenFlag() != nil {
			d.OpenFlags = append(d.OpenFlags, it)
		}
		for _, c := range it.Contacts {
			if c.State == deputybot.ContactDisputed {
				d.Disputed = append(d.Disputed, Disputed{Item: it, Contact: c})
			}
		}
	}
	soonest := func(l []Due) {
		sort.SliceStable(l, func(a, b int) bool { return l[a].Deadline.Before(l[b].Deadline) })
	}
	soonest(d.DueSoon)
	for k := range d.Overdue {
		soonest(d.Overdue[k])
	}
	soonest(d.OpinionsOverdue)
	d.Periods, d.Motions = PeriodTallies(in, year)
	d.Unkept = UnkeptPromises(in.Items)
	for _, it := range in.Items {
		if InYear(it, year) {
			d.All.Add(it, e)
		}
	}
	d.Depts = Departments(in, year)
	d.Unreachable = in.Unreachable
	for _, dp := range in.Unstaffed {
		open := 0
		for _, it := range in.Items {
			if slices.ContainsFunc(it.OpenDuties(), func(du deputybot.Duty) bool { return du.Dept == dp.ID }) {
				open++
			}
		}
		if open > 0 {
			d.Unstaffed = append(d.Unstaffed, Unstaffed{Dept: dp, Open: open})
		}
	}
	return d
}
