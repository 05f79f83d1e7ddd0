package deputybot

import (
	"bufio"
	"fmt"
	"sort"
	"strings"
	"time"
)

// DayKind marks a date in the holiday calendar.
type DayKind string

const (
	Holiday DayKind = "holiday" // a public holiday (or a weekday off)
	Workday DayKind = "workday" // a make-up working day (调休), often a weekend day
)

// Calendar is the office's holiday calendar. Without entries, Monday to
// Friday are working days.
type Calendar struct {
	// Days maps "2006-01-02" to the kind of that date; dates not listed
	// follow the week (Saturday and Sunday off).
	Days map[string]DayKind `bson:"days"`
	// Names of the listed days, for showing the calendar.
	Names map[string]string `bson:"names,omitempty"`
}

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d Date) bool {
	if c != nil {
		switch c.Days[d.String()] {
		case Holiday:
			return false
		case Workday:
			return true
		}
	}
	wd := d.Time(time.UTC).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays returns the date n working days after d (d itself not
// counted).
func (c *Calendar) AddWorkdays(d Date, n int) Date {
	t := d.Time(time.UTC)
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if c.IsWorkday(DateOf(t, time.UTC)) {
			n--
		}
	}
	return DateOf(t, time.UTC)
}

// Workdays counts the working days after a up to and including b.
func (c *Calendar) Workdays(a, b Date) int {
	n := 0
	for t := a.Time(time.UTC).AddDate(0, 0, 1); !b.Before(DateOf(t, time.UTC)); t = t.AddDate(0, 0, 1) {
		if c.IsWorkday(DateOf(t, time.UTC)) {
			n++
		}
	}
	return n
}

// ParseCalendar reads the holiday calendar file format:
//
//	# comment
//	2026-01-01 holiday 元旦
//	2026-02-14 workday 春节调休
//	2026-02-15..2026-02-23 holiday 春节
//
// One date or range (inclusive) per line, then "holiday" (or 休) or
// "workday" (or 班), then an optional name. Fields may be separated by
// spaces, tabs or commas. It returns the calendar and the problems found,
// each naming its line; a calendar with problems must not be used.
func ParseCalendar(text string) (*Calendar, []string) {
	c := &Calendar{Days: map[string]DayKind{}, Names: map[string]string{}}
	var problems []string
	sc := bufio.NewScanner(strings.NewReader(text))
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '，' })
		if len(fields) < 2 {
			problems = append(problems, fmt.Sprintf("line %d: expected a date and holiday/workday", line))
			continue
		}
		from, to, isRange := strings.Cut(fields[0], "..")
		if !isRange {
			to = from
		}
		f, ok1 := ParseDate(from)
		t, ok2 := ParseDate(to)
		if !ok1 || !ok2 || t.Before(f) || DateOf(t.Time(time.UTC), time.UTC) != t {
			problems = append(problems, fmt.Sprintf("line %d: %q is not a date or date range", line, fields[0]))
			continue
		}
		var kind DayKind
		switch strings.ToLower(fields[1]) {
		case "holiday", "休", "假", "off":
			kind = Holiday
		case "workday", "班", "work":
			kind = Workday
		default:
			problems = append(problems, fmt.Sprintf("line %d: %q is neither holiday nor workday", line, fields[1]))
			continue
		}
		name := strings.Join(fields[2:], " ")
		for d := f.Time(time.UTC); !t.Before(DateOf(d, time.UTC)); d = d.AddDate(0, 0, 1) {
			if d.Sub(f.Time(time.UTC)) > 60*24*time.Hour {
				problems = append(problems, fmt.Sprintf("line %d: a range longer than 60 days", line))
				break
			}
			key := DateOf(d, time.UTC).String()
			c.Days[key] = kind
			if name != "" {
				c.Names[key] = name
			}
		}
	}
	if len(c.Days) == 0 && len(problems) == 0 {
		problems = append(problems, "no dates in the file")
	}
	return c, problems
}

// Listed returns the calendar's dates in order.
func (c *Calendar) Listed() []string {
	var ds []string
	for d := range c.Days {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	return ds
}
