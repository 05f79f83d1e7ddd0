package deputybot

import (
	"bufio"
	"maps"
	"regexp"
	"sort"
	"strconv"
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

// Clone returns a deep copy of the calendar.
func (c *Calendar) Clone() *Calendar {
	if c == nil {
		return nil
	}
	return &Calendar{Days: maps.Clone(c.Days), Names: maps.Clone(c.Names)}
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

// CalendarProblem is a problem of a calendar text: its line, and what
// is wrong, to be said in the reader's language.
type CalendarProblem struct {
	Line int
	Err  *Error
}

// Limits of a calendar text.
const (
	MaxCalendarBytes = 256 << 10 // a year's notice is a few KB
	maxCalendarSpan  = 60        // days in one range
)

// ParseCalendar reads a holiday calendar, in either of two forms, line by
// line (they may be mixed):
//
// The file format, one date or inclusive range per line, then "holiday"
// (or 休) or "workday" (or 班, a make-up working day), then an optional
// name; fields separated by spaces, tabs or commas; # starts a comment:
//
//	2026-02-15..2026-02-23 holiday 春节
//	2026-02-14 workday 春节调休
//
// The State Council's notice as published (国务院办公厅关于2026年部分节假日
// 安排的通知), pasted whole: each numbered line names a holiday, the days
// off ("1月1日（周五）至3日（周日）放假") and the make-up working days
// ("1月4日（周日）上班"). Dates without a year are of the year the notice's
// title names, else of year.
//
// It returns the calendar and the problems found, each with its line; a
// calendar with problems must not be used.
func ParseCalendar(text string, year int) (*Calendar, []CalendarProblem) {
	c := &Calendar{Days: map[string]DayKind{}, Names: map[string]string{}}
	var problems []CalendarProblem
	if len(text) > MaxCalendarBytes {
		return c, []CalendarProblem{{Line: 0, Err: Errorf(EINVALID, "err.cal_too_big", "Max", MaxCalendarBytes>>10)}}
	}
	// The notice: its title names the year; its other prose is passed
	// over. A file without the notice's lines has none.
	notice := false
	if m := noticeYearRE.FindStringSubmatch(text); m != nil {
		year, _ = strconv.Atoi(m[1])
		notice = true
	}
	for _, l := range strings.Split(text, "\n") {
		notice = notice || noticeLineRE.MatchString(strings.TrimSpace(l))
	}
	mark := func(line int, f, t Date, kind DayKind, name string) {
		if t.Before(f) || f.Time(time.UTC).AddDate(0, 0, maxCalendarSpan).Before(t.Time(time.UTC)) {
			problems = append(problems, CalendarProblem{line, Errorf(EINVALID, "err.cal_range", "From", f.String(), "To", t.String())})
			return
		}
		for d := f.Time(time.UTC); !t.Before(DateOf(d, time.UTC)); d = d.AddDate(0, 0, 1) {
			key := DateOf(d, time.UTC).String()
			c.Days[key] = kind
			if name != "" {
				c.Names[key] = name
			}
		}
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), MaxCalendarBytes)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if m := noticeLineRE.FindStringSubmatch(s); m != nil {
			if err := parseNoticeLine(m[1], m[2], year, func(f, t Date, kind DayKind, name string) { mark(line, f, t, kind, name) }); err != nil {
				problems = append(problems, CalendarProblem{line, err})
			}
			continue
		}
		if notice && !fileLineRE.MatchString(s) {
			continue // the notice's title, its preamble and closing
		}
		fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '，' })
		if len(fields) < 2 {
			problems = append(problems, CalendarProblem{line, Errorf(EINVALID, "err.cal_expected")})
			continue
		}
		from, to, isRange := strings.Cut(fields[0], "..")
		if !isRange {
			to = from
		}
		f, ok1 := ParseDate(from)
		t, ok2 := ParseDate(to)
		if !ok1 || !ok2 || DateOf(f.Time(time.UTC), time.UTC) != f || DateOf(t.Time(time.UTC), time.UTC) != t {
			problems = append(problems, CalendarProblem{line, Errorf(EINVALID, "err.cal_date", "Given", Echo(fields[0]))})
			continue
		}
		var kind DayKind
		switch strings.ToLower(fields[1]) {
		case "holiday", "休", "假", "off":
			kind = Holiday
		case "workday", "班", "work":
			kind = Workday
		default:
			problems = append(problems, CalendarProblem{line, Errorf(EINVALID, "err.cal_kind", "Given", Echo(fields[1]))})
			continue
		}
		mark(line, f, t, kind, strings.Join(fields[2:], " "))
	}
	if err := sc.Err(); err != nil {
		problems = append(problems, CalendarProblem{line + 1, Errorf(EINVALID, "err.cal_line_too_long")})
	}
	if len(c.Days) == 0 && len(problems) == 0 {
		problems = append(problems, CalendarProblem{0, Errorf(EINVALID, "err.cal_empty")})
	}
	return c, problems
}

var (
	// 国务院办公厅关于2026年部分节假日安排的通知
	noticeYearRE = regexp.MustCompile(`(\d{4})年(?:部分)?节假日安排`)
	// 一、元旦：…  (the numbered lines of the notice)
	noticeLineRE = regexp.MustCompile(`^[一二三四五六七八九十]+[、.．]\s*([^：:]{1,12})[：:](.+)$`)
	// 2026年1月1日, 1月1日, 3日; a weekday in brackets after it is dropped
	noticeDateRE = regexp.MustCompile(`(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日`)
	bracketsRE   = regexp.MustCompile(`[（(][^）)]*[）)]`)
	// a line of the file format
	fileLineRE = regexp.MustCompile(`^\d{4}-\d{1,2}-\d{1,2}`)
)

// parseNoticeLine reads one holiday's line of the State Council's
// notice: in each sentence the date or range ("…至…") before 放假 gives
// the days off, the dates before 上班 the make-up working days.
func parseNoticeLine(name, rest string, year int, mark func(f, t Date, kind DayKind, name string)) *Error {
	found := false
	for _, sentence := range strings.FieldsFunc(bracketsRE.ReplaceAllString(rest, ""), func(r rune) bool { return r == '。' || r == '；' || r == ';' }) {
		if off, after, ok := strings.Cut(sentence, "放假"); ok {
			from, to, isRange := strings.Cut(off, "至")
			f, ok := noticeDate(from, year, 0)
			if !ok {
				return Errorf(EINVALID, "err.cal_notice_date", "Given", Echo(off))
			}
			t := f
			if isRange {
				if t, ok = noticeDate(to, f.Year, f.Month); !ok {
					return Errorf(EINVALID, "err.cal_notice_date", "Given", Echo(off))
				}
				if t.Before(f) && !strings.Contains(to, "年") {
					t.Year++ // 12月30日至1月1日
				}
			}
			mark(f, t, Holiday, name)
			found, sentence = true, after
		}
		if work, _, ok := strings.Cut(sentence, "上班"); ok {
			var month time.Month
			y := year
			for _, m := range noticeDateRE.FindAllString(work, -1) {
				d, ok := noticeDate(m, y, month)
				if !ok {
					return Errorf(EINVALID, "err.cal_notice_date", "Given", Echo(m))
				}
				y, month = d.Year, d.Month
				mark(d, d, Workday, name+"调休")
				found = true
			}
		}
	}
	if !found {
		return Errorf(EINVALID, "err.cal_notice_line")
	}
	return nil
}

// noticeDate reads the first date of s as the notice writes it; a part
// it leaves out (the year, the month) is year's, month's.
func noticeDate(s string, year int, month time.Month) (Date, bool) {
	m := noticeDateRE.FindStringSubmatch(s)
	if m == nil || year == 0 {
		return Date{}, false
	}
	d := Date{Year: year, Month: month}
	if m[1] != "" {
		d.Year, _ = strconv.Atoi(m[1])
	}
	if m[2] != "" {
		n, _ := strconv.Atoi(m[2])
		d.Month = time.Month(n)
	}
	d.Day, _ = strconv.Atoi(m[3])
	if d.Month < 1 || d.Month > 12 || DateOf(d.Time(time.UTC), time.UTC) != d {
		return Date{}, false
	}
	return d, true
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
