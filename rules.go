package deputybot

import (
	"strings"
	"time"
)

// Rules are the configurable parts of the product's rules (SPEC §3).
type Rules struct {
	// ReportingBody is who reports (武昌区人民政府): the author of the
	// register and of the annual report.
	ReportingBody string
	// CongressSession is the session whose items the annual report covers
	// (区十五届人大六次会议): its subject, "since the session", as the
	// seed's report names it. Empty: the report is about the year.
	CongressSession string
	// ReportVenue is the meeting the annual report is made to
	// (武汉市武昌区第十六届人民代表大会第一次会议), ReportDate its day (zero:
	// the day the report is made), Reporter who makes it (区人民政府办公室
	// 主任　李远华): the lines under the report's title.
	ReportVenue string
	ReportDate  Date
	Reporter    string
	// Disclosure: what the public site (SPEC §9) publishes.
	Disclosure Disclosure
	// MotionSigners is how many deputies must sign a motion, the lead
	// deputy counted, as the law counts them (代表十人以上联名: the lead
	// and 9 confirmed co-sponsors at district level).
	MotionSigners int
	// Sessions are the congress sessions' dates; an item submitted on one
	// of these local dates is a session item, any other a recess item.
	Sessions []DateRange
	// Categories offered when filing.
	Categories []Category
	// Location is the local time zone: dates, deadlines, schedules.
	Location *time.Location

	// Deadlines (SPEC §3.2).
	SuggestionMonths int // reply to a suggestion: 3 months from assignment
	ExtendedMonths   int // latest for a complex suggestion: 6 months
	MotionMonths     int // reply to a motion: 6 months
	// MotionLatestMonths is the latest a motion's reply may be extended
	// to, from its assignment: 12 months.
	MotionLatestMonths int
	CoDeptMonths       int  // a co-department's opinion: 1 month
	RehandlingDays     int  // after an unsatisfied rating: 30 days
	RectificationDays  int  // a corrected reply after a quality flag: 15 days
	ReturnWorkdays     int  // a department may ask to return within 7 working days
	RatingWorkdays     int  // the deputy is asked again after 15 working days
	UnratedDays        int  // and the item closes unrated 30 days after that
	RequireContact     bool // no reply before a contact with the deputy is logged
	// ContactsBeforeReply are the contacts a reply needs besides (with
	// RequireContact) one of any form: a contact of a stage (办前, 办中)
	// and/or one face to face. Empty: one contact of any kind.
	ContactsBeforeReply []ContactNeed

	// Score deductions, from each department's 100 points a year.
	Deductions Deductions
}

// ContactNeed is a contact a reply needs: one of a stage, or one face
// to face.
type ContactNeed string

const (
	NeedBefore ContactNeed = "before" // a contact before the work (办前)
	NeedDuring ContactNeed = "during" // a contact during the work (办中)
	NeedFace   ContactNeed = "face"   // a contact face to face (面商、座谈、实地察看)
)

// ContactNeeds are the needs a configuration may name.
var ContactNeeds = []ContactNeed{NeedBefore, NeedDuring, NeedFace}

// Deductions are the points a department loses (SPEC §5).
type Deductions struct {
	OverdueReply        float64 // per answer given late, or overdue now (ScoreCounts.Late)
	Unsatisfied         float64 // per final unsatisfied rating
	QualityFlag         float64 // per quality flag on its replies
	ReplyWithoutContact float64 // per reply sent without a contact the deputy confirmed
}

// DefaultMotionSigners follows the Local Organic Law at district level
// (县级: 代表十人以上联名).
const DefaultMotionSigners = 10

// MotionCoSponsors is how many confirmed co-sponsors a motion needs
// besides its lead deputy.
func (r *Rules) MotionCoSponsors() int { return max(0, r.MotionSigners-1) }

// DateRange is a span of local calendar dates, both ends included.
type DateRange struct {
	From, To Date
}

// Date is a calendar date without a time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns t's local date in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads "2026-01-10".
func ParseDate(s string) (Date, bool) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return Date{}, false
	}
	return Date{t.Year(), t.Month(), t.Day()}, true
}

func (d Date) String() string { return d.Time(time.UTC).Format("2006-01-02") }

// Time is the start of the date in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is an earlier date than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// Contains reports whether d lies in r.
func (r DateRange) Contains(d Date) bool { return !d.Before(r.From) && !r.To.Before(d) }

// PeriodAt is the period of an item submitted at t.
func (r *Rules) PeriodAt(t time.Time) Period {
	d := DateOf(t, r.loc())
	for _, s := range r.Sessions {
		if s.Contains(d) {
			return PeriodSession
		}
	}
	return PeriodRecess
}

func (r *Rules) loc() *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

// Category is a subject area offered when filing. Key is stored on items;
// the names are shown.
type Category struct {
	Key    string
	NameZH string
	NameEN string
}

// Name returns the category's name in lang.
func (c Category) Name(lang Language) string {
	if lang == LangEN && c.NameEN != "" {
		return c.NameEN
	}
	return c.NameZH
}

// DefaultCategories are offered unless configured otherwise.
var DefaultCategories = []Category{
	{"urban", "城市建设", "Urban construction"},
	{"elderly", "养老服务", "Elderly care"},
	{"education", "教育", "Education"},
	{"health", "医疗卫生", "Health"},
	{"transport", "交通", "Transport"},
	{"environment", "生态环境", "Environment"},
	{"economy", "经济发展", "Economy"},
	{"safety", "公共安全", "Public safety"},
	{"other", "其他", "Other"},
}

// Category returns the category with key, or false.
func (r *Rules) Category(key string) (Category, bool) {
	for _, c := range r.Categories {
		if c.Key == key {
			return c, true
		}
	}
	return Category{}, false
}

// CategoryName names a stored category key in lang; a key that is no
// longer configured is shown as it was stored.
func (r *Rules) CategoryName(key string, lang Language) string {
	if c, ok := r.Category(key); ok {
		return c.Name(lang)
	}
	return key
}

// DefaultRules returns the defaults of SPEC §3.
func DefaultRules(loc *time.Location) Rules {
	return Rules{
		MotionSigners: DefaultMotionSigners, Categories: DefaultCategories, Location: loc,
		SuggestionMonths: 3, ExtendedMonths: 6, MotionMonths: 6, MotionLatestMonths: 12, CoDeptMonths: 1,
		RehandlingDays: 30, RectificationDays: 15, ReturnWorkdays: 7, RatingWorkdays: 15, UnratedDays: 30,
		RequireContact: true,
		Deductions:     Deductions{OverdueReply: 2, Unsatisfied: 3, QualityFlag: 1, ReplyWithoutContact: 2},
	}
}
