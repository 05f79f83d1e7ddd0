// Package report computes the figures of digests, statistics and the
// annual report from the record: one read of the items, counted in Go
// (the embedded store's $group is slower than a scan, see
// ARCHITECTURE.md). It does no I/O and renders no text.
package report

import (
	"math/big"
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

// Satisfaction counts the final outcomes of closed items.
type Satisfaction struct {
	Satisfied, Basic, Unsatisfied, Unrated int
}

// Total is the number of closed, rated-or-not items.
func (s Satisfaction) Total() int { return s.Satisfied + s.Basic + s.Unsatisfied + s.Unrated }

// Percent returns the four shares, adding up to 100.00.
func (s Satisfaction) Percent() []string {
	return Percentages([]int{s.Satisfied, s.Basic, s.Unsatisfied, s.Unrated})
}

func (s *Satisfaction) add(o deputybot.RatingValue) {
	switch o {
	case deputybot.Satisfied:
		s.Satisfied++
	case deputybot.Basic:
		s.Basic++
	case deputybot.Unsatisfied:
		s.Unsatisfied++
	case deputybot.Unrated:
		s.Unrated++
	}
}

// DeptStats are one department's figures for a year.
type DeptStats struct {
	Dept    *deputybot.Department
	Handled int // items of the year it led
	// Open and Overdue count the department's open items of any year:
	// last year's overdue item is still overdue.
	Open              int
	Overdue           int
	overdueYear       int // overdue items of the year, for the score
	Replied           int // items with a first reply
	OnTime            int // first reply by the deadline
	Late              int // first reply after the deadline
	Extensions        int
	Satisfaction      Satisfaction // final outcomes of its closed items
	ContactsLogged    int
	ContactsConfirmed int
	ContactsDisputed  int
	Flags             int
	NoContactReplies  int
	Score             float64
}

// add adds another department's counts to d (a total).
func (d *DeptStats) add(o DeptStats) {
	d.Handled += o.Handled
	d.Open += o.Open
	d.Overdue += o.Overdue
	d.Replied += o.Replied
	d.OnTime += o.OnTime
	d.Late += o.Late
	d.Extensions += o.Extensions
	d.Satisfaction.Satisfied += o.Satisfaction.Satisfied
	d.Satisfaction.Basic += o.Satisfaction.Basic
	d.Satisfaction.Unsatisfied += o.Satisfaction.Unsatisfied
	d.Satisfaction.Unrated += o.Satisfaction.Unrated
	d.ContactsLogged += o.ContactsLogged
	d.ContactsConfirmed += o.ContactsConfirmed
	d.ContactsDisputed += o.ContactsDisputed
	d.Flags += o.Flags
}

// OnTimeRate is the share of first replies sent by the deadline.
func (d *DeptStats) OnTimeRate() string { return Rate(d.OnTime, d.Replied) }

// SatisfactionRate is the share of satisfied and basically satisfied
// among rated outcomes.
func (d *DeptStats) SatisfactionRate() string {
	s := d.Satisfaction
	return Rate(s.Satisfied+s.Basic, s.Satisfied+s.Basic+s.Unsatisfied)
}

// Deadline is an item with a deadline that matters now.
type Deadline struct {
	Item     *deputybot.Item
	Dept     string
	Deadline time.Time
	DaysLeft int // negative: overdue
}

// Digest is the supervisors' weekly digest (SPEC §4.2).
type Digest struct {
	Now, WeekStart time.Time
	Year           int
	ByStatus       map[deputybot.Status]int
	NewThisWeek    int
	RepliedWeek    int
	ClosedWeek     int
	DueSoon        []Deadline            // within DueSoonDays
	Overdue        map[string][]Deadline // by department id, most overdue first
	Satisfaction   map[deputybot.Period]Satisfaction
	Depts          []*DeptStats      // by name
	KeyItems       []*deputybot.Item // key items and motions, open
	Promises       []*deputybot.Item // B/C replies whose promise is open
	Disputed       []Disputed
	OpenFlags      []*deputybot.Item
	Unreachable    []*deputybot.Person
}

// Disputed is a contact the deputy says did not happen.
type Disputed struct {
	Item    *deputybot.Item
	Contact deputybot.ContactLog
}

// yearOf is an item's year: of its number, or of its submission.
func yearOf(it *deputybot.Item, loc *time.Location) int {
	if it.Year != 0 {
		return it.Year
	}
	return it.SubmittedAt.In(loc).Year()
}

// Departments computes every department's figures for year.
func Departments(in deputybot.Snapshot, year int) []*DeptStats {
	loc := in.Env.Rules.Location
	byID := map[string]*DeptStats{}
	var out []*DeptStats
	for _, d := range in.Departments {
		ds := &DeptStats{Dept: d}
		byID[d.ID] = ds
		out = append(out, ds)
	}
	for _, it := range in.Items {
		d := byID[it.LeadDept]
		if d == nil {
			continue
		}
		reply, waiting := it.ReplyPart()
		overdue := waiting && in.Env.Overdue(reply.Deadline)
		if it.IsOpen() {
			d.Open++
			if overdue {
				d.Overdue++
			}
		}
		if yearOf(it, loc) != year {
			continue
		}
		if overdue {
			d.overdueYear++
		}
		d.Handled++
		d.Extensions += it.Extensions
		if len(it.Replies) > 0 {
			d.Replied++
			if it.Replies[0].Late {
				d.Late++
			} else {
				d.OnTime++
			}
		}
		for _, r := range it.Replies {
			if r.NoContact {
				d.NoContactReplies++
			}
		}
		if it.Status == deputybot.StatusClosed {
			d.Satisfaction.add(it.Outcome)
		}
		for _, c := range it.Contacts {
			d.ContactsLogged++
			switch c.State {
			case deputybot.ContactConfirmed:
				d.ContactsConfirmed++
			case deputybot.ContactDisputed:
				d.ContactsDisputed++
			}
		}
		d.Flags += len(it.Flags)
	}
	for _, d := range out {
		d.Score = in.Env.Rules.Deductions.Score(deputybot.ScoreCounts{Late: d.Late + d.overdueYear,
			Unsatisfied: d.Satisfaction.Unsatisfied, Flags: d.Flags, NoContact: d.NoContactReplies})
	}
	return out
}

// ComputeDigest computes the supervisors' digest at in.Env.Now.
func ComputeDigest(in deputybot.Snapshot) *Digest {
	e := in.Env
	loc := e.Rules.Location
	now := e.Now
	year := now.In(loc).Year()
	d := &Digest{
		Now: now, WeekStart: now.AddDate(0, 0, -7), Year: year,
		ByStatus: map[deputybot.Status]int{}, Overdue: map[string][]Deadline{},
		Satisfaction: map[deputybot.Period]Satisfaction{},
	}
	since := func(t time.Time) bool { return !t.IsZero() && t.After(d.WeekStart) && !t.After(now) }
	for _, it := range in.Items {
		if it.Status == deputybot.StatusDraft {
			continue
		}
		if yearOf(it, loc) == year {
			d.ByStatus[it.Status]++
			if it.Status == deputybot.StatusClosed {
				s := d.Satisfaction[it.Period]
				s.add(it.Outcome)
				d.Satisfaction[it.Period] = s
			}
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
		if p, ok := it.ReplyPart(); ok {
			dl := Deadline{Item: it, Dept: p.Dept, Deadline: p.Deadline, DaysLeft: e.DaysLeft(p.Deadline)}
			if dl.DaysLeft < 0 {
				d.Overdue[p.Dept] = append(d.Overdue[p.Dept], dl)
			} else if e.DueSoon(p.Deadline) {
				d.DueSoon = append(d.DueSoon, dl)
			}
		}
		if it.IsOpen() && (it.Key || it.Kind == deputybot.KindMotion) {
			d.KeyItems = append(d.KeyItems, it)
		}
		if it.PromiseOpen {
			d.Promises = append(d.Promises, it)
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
	sort.SliceStable(d.DueSoon, func(a, b int) bool { return d.DueSoon[a].DaysLeft < d.DueSoon[b].DaysLeft })
	for k := range d.Overdue {
		l := d.Overdue[k]
		sort.SliceStable(l, func(a, b int) bool { return l[a].DaysLeft < l[b].DaysLeft })
	}
	d.Depts = Departments(in, year)
	d.Unreachable = in.Unreachable
	return d
}
