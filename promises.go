package deputybot

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Promises: a B or C reply carries dated promises (what, by when) —
// required for B, optional for C (a C reply that plans nothing gives its
// reasons). On each promise's date the department is asked what was done;
// then the deputy is asked whether the promise was kept (兑现 / 部分兑现 /
// 未兑现), once, and nothing about promises more often than weekly.

// PromiseState is what was done on a promise: as the department reports
// it, or as the deputy answers.
type PromiseState string

const (
	PromiseKept   PromiseState = "kept"   // 兑现
	PromisePartly PromiseState = "partly" // 部分兑现
	PromiseUnkept PromiseState = "unkept" // 未兑现
)

// PromiseStates in order.
var PromiseStates = []PromiseState{PromiseKept, PromisePartly, PromiseUnkept}

// Promise is a dated promise of a reply.
type Promise struct {
	N     int    `bson:"n"` // 1, 2, …: its number on the item
	Round int    `bson:"round"`
	What  string `bson:"what"`
	Due   string `bson:"due"` // local date, 2006-01-02
	// The department's report: what was done.
	ReportedAt time.Time    `bson:"reportedAt,omitempty"`
	Report     string       `bson:"report,omitempty"`
	DeptSays   PromiseState `bson:"deptSays,omitempty"`
	// The deputy's answer, asked once (AskedAt).
	AskedAt    time.Time    `bson:"askedAt,omitempty"`
	Answer     PromiseState `bson:"answer,omitempty"`
	AnsweredAt time.Time    `bson:"answeredAt,omitempty"`
	Comment    string       `bson:"comment,omitempty"`
	PhotoID    string       `bson:"photoId,omitempty"`
}

// DueDate is the promise's date.
func (p *Promise) DueDate() Date { d, _ := ParseDate(p.Due); return d }

// Unkept reports whether the deputy says the promise was not, or only
// partly, kept.
func (p *Promise) Unkept() bool { return p.Answer == PromiseUnkept || p.Answer == PromisePartly }

// PromiseInput is a promise as a reply states it.
type PromiseInput struct {
	What string
	Due  Date
}

// Limits of promises.
const (
	MaxPromises    = 5
	MaxPromiseLen  = 200
	MaxPromiseYear = 5 // a promise's date at most this many years ahead
	// PromiseAskAfterDays: the deputy is asked about a promise the
	// department has not reported on this many days after its date.
	PromiseAskAfterDays = 7
	// PromiseAskEveryDays: at most one question about promises to a
	// deputy in this many days.
	PromiseAskEveryDays = 7
)

// Events of promises.
const (
	EvPromiseReported = "promise_reported"
	EvPromiseAnswered = "promise_answered"
	EvPromiseAsked    = "promise_asked"
	EvPromiseComment  = "promise_comment"
)

// promiseDateWords are the words a date leaves at the ends of a promise:
// "by", "before", "前" (its date is said apart).
var promiseDateWords = regexp.MustCompile(`(?i)(^\s*(by|before|until)\s+|\s+(by|before|until)\s*$|^\s*(之前|以前|前)|(之前|以前|前)\s*$)`)

var promiseDateRE = regexp.MustCompile(`(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?`)

// ParsePromises reads a reply's promises as a department types them: one
// a line, its date anywhere in it ("2026-12-31 完成加装", "年底前完成，
// 2026年12月31日"). A line without a date is refused with its number.
func ParsePromises(s string) ([]PromiseInput, error) {
	var out []PromiseInput
	for i, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(width.Narrow.String(line))
		if line == "" {
			continue
		}
		m := promiseDateRE.FindStringSubmatchIndex(line)
		if m == nil {
			return nil, Errorf(EINVALID, "err.promise_no_date", "Line", i+1)
		}
		y, _ := strconv.Atoi(line[m[2]:m[3]])
		mo, _ := strconv.Atoi(line[m[4]:m[5]])
		d, _ := strconv.Atoi(line[m[6]:m[7]])
		date, ok := ParseDate(strconv.Itoa(y) + "-" + twoDigits(mo) + "-" + twoDigits(d))
		if !ok {
			return nil, Errorf(EINVALID, "err.promise_bad_date", "Line", i+1)
		}
		what := strings.Trim(line[:m[0]]+" "+line[m[1]:], " \t:：,，;；-—、.。")
		what = strings.Join(strings.Fields(promiseDateWords.ReplaceAllString(what, "")), " ")
		what = strings.Trim(what, " \t:：,，;；-—、.。")
		out = append(out, PromiseInput{What: what, Due: date})
	}
	return out, nil
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// CheckPromises is the rule on a reply's promises: a B reply has at
// least one, an A or D reply none; each says what (at most MaxPromiseLen)
// and a date after today and within MaxPromiseYear years; at most
// MaxPromises.
func CheckPromises(class ReplyClass, ps []PromiseInput, e Env) error {
	switch {
	case class == ClassB && len(ps) == 0:
		return Errorf(EINVALID, "err.promise_required")
	case !class.Promise() && len(ps) > 0:
		return Errorf(EINVALID, "err.promise_not_for_class")
	case len(ps) > MaxPromises:
		return Errorf(EINVALID, "err.promise_too_many", "Max", MaxPromises)
	}
	today := e.today()
	latest := DateOf(today.Time(time.UTC).AddDate(MaxPromiseYear, 0, 0), time.UTC)
	for i, p := range ps {
		what := CleanText(p.What)
		if what == "" {
			return Errorf(EINVALID, "err.promise_empty", "Line", i+1)
		}
		if n := utf8.RuneCountInString(what); n > MaxPromiseLen {
			return Errorf(EINVALID, "err.promise_too_long", "Line", i+1, "Max", MaxPromiseLen)
		}
		if !today.Before(p.Due) || latest.Before(p.Due) {
			return Errorf(EINVALID, "err.promise_date_range", "Line", i+1, "Latest", latest.String())
		}
	}
	return nil
}

// setPromises replaces the round's promises not yet reported on or
// answered with ps (a reply, a corrected reply).
func (it *Item) setPromises(round int, ps []PromiseInput) {
	it.Promises = slices.DeleteFunc(it.Promises, func(p Promise) bool {
		return p.Round == round && p.ReportedAt.IsZero() && p.Answer == ""
	})
	n := 0
	for _, p := range it.Promises {
		n = max(n, p.N)
	}
	for _, p := range ps {
		n++
		it.Promises = append(it.Promises, Promise{N: n, Round: round, What: CleanText(p.What), Due: p.Due.String()})
	}
}

// Promise returns promise n, or nil.
func (it *Item) Promise(n int) *Promise {
	for i := range it.Promises {
		if it.Promises[i].N == n {
			return &it.Promises[i]
		}
	}
	return nil
}

// RoundPromises are the promises of a round's reply.
func (it *Item) RoundPromises(round int) []Promise {
	var out []Promise
	for _, p := range it.Promises {
		if p.Round == round {
			out = append(out, p)
		}
	}
	return out
}

// ReportPromise records the lead department's report on promise n: what
// was done, and whether it thinks the promise kept. Once.
func ReportPromise(it *Item, p *Person, n int, state PromiseState, text string, e Env) (Event, error) {
	if err := Check(p, it, ActReportPromise); err != nil {
		return Event{}, err
	}
	pr := it.Promise(n)
	if pr == nil {
		return Event{}, Errorf(ENOTFOUND, "err.promise_not_found")
	}
	if !pr.ReportedAt.IsZero() {
		return Event{}, Errorf(ECONFLICT, "err.promise_reported")
	}
	if !slices.Contains(PromiseStates, state) {
		return Event{}, Errorf(EINVALID, "err.promise_state_unknown")
	}
	text, err := CheckReplyText(text)
	if err != nil {
		return Event{}, err
	}
	pr.ReportedAt, pr.Report, pr.DeptSays = e.Now, text, state
	return ev(e, p, EvPromiseReported, "n", strconv.Itoa(n), "state", string(state)), nil
}

// AnswerPromise records the deputy's answer on promise n: kept, partly or
// not. Once, and not before its date (or the department's report).
func AnswerPromise(it *Item, p *Person, n int, state PromiseState, e Env) (Event, error) {
	if it.AuthorID != p.ID {
		return Event{}, Errorf(EFORBIDDEN, "err.only_author")
	}
	pr := it.Promise(n)
	if pr == nil {
		return Event{}, Errorf(ENOTFOUND, "err.promise_not_found")
	}
	if pr.Answer != "" {
		return Event{}, Errorf(ECONFLICT, "err.promise_answered")
	}
	if pr.ReportedAt.IsZero() && e.today().Before(pr.DueDate()) {
		return Event{}, Errorf(ECONFLICT, "err.promise_not_due", "Date", pr.Due)
	}
	if !slices.Contains(PromiseStates, state) {
		return Event{}, Errorf(EINVALID, "err.promise_state_unknown")
	}
	pr.Answer, pr.AnsweredAt = state, e.Now
	if it.PromisesAnswered(pr.Round) {
		it.PromiseOpen = false
	}
	return ev(e, p, EvPromiseAnswered, "n", strconv.Itoa(n), "state", string(state)), nil
}

// CommentPromise adds the deputy's comment or photo to his answer on
// promise n (optional, once).
func CommentPromise(it *Item, p *Person, n int, comment, photoID string, e Env) (Event, error) {
	if it.AuthorID != p.ID {
		return Event{}, Errorf(EFORBIDDEN, "err.only_author")
	}
	pr := it.Promise(n)
	if pr == nil {
		return Event{}, Errorf(ENOTFOUND, "err.promise_not_found")
	}
	if pr.Answer == "" {
		return Event{}, Errorf(ECONFLICT, "err.promise_not_answered")
	}
	if pr.Comment != "" || pr.PhotoID != "" {
		return Event{}, Errorf(ECONFLICT, "err.promise_commented")
	}
	comment, err := CheckNote(comment)
	if err != nil {
		return Event{}, err
	}
	if comment == "" && photoID == "" {
		return Event{}, Errorf(EINVALID, "err.text_expected")
	}
	pr.Comment, pr.PhotoID = comment, photoID
	return ev(e, p, EvPromiseComment, "n", strconv.Itoa(n)), nil
}

// PromisesUnreported are the promises the department has not reported
// on (nor the deputy answered): what it may report on now.
func (it *Item) PromisesUnreported() []Promise {
	var out []Promise
	for _, p := range it.Promises {
		if p.ReportedAt.IsZero() && p.Answer == "" {
			out = append(out, p)
		}
	}
	return out
}

// PromisesAnswered reports whether round's reply had promises and the
// deputy answered on each.
func (it *Item) PromisesAnswered(round int) bool {
	ps := it.RoundPromises(round)
	for _, p := range ps {
		if p.Answer == "" {
			return false
		}
	}
	return len(ps) > 0
}

// PromisesKept reports whether round's reply had promises and the deputy
// says each was kept.
func (it *Item) PromisesKept(round int) bool {
	ps := it.RoundPromises(round)
	for _, p := range ps {
		if p.Answer != PromiseKept {
			return false
		}
	}
	return len(ps) > 0
}

// UnkeptPromises are the promises the deputy says were not, or only
// partly, kept.
func (it *Item) UnkeptPromises() []Promise {
	var out []Promise
	for _, p := range it.Promises {
		if p.Unkept() {
			out = append(out, p)
		}
	}
	return out
}

// PromisesToReport are the promises whose date has come that the
// department has not reported on: it is asked on the date.
func (it *Item) PromisesToReport(e Env) []Promise {
	var out []Promise
	for _, p := range it.Promises {
		if p.ReportedAt.IsZero() && p.Answer == "" && !e.today().Before(p.DueDate()) {
			out = append(out, p)
		}
	}
	return out
}

// PromisesToAsk are the promises the deputy may be asked about now: not
// asked yet, and reported on by the department or PromiseAskAfterDays
// past their date. (How often he is asked is the scheduler's: at most
// once in PromiseAskEveryDays, LastPromiseAsked.)
func (it *Item) PromisesToAsk(e Env) []Promise {
	var out []Promise
	for _, p := range it.Promises {
		if !p.AskedAt.IsZero() || p.Answer != "" {
			continue
		}
		late := !e.today().Before(p.DueDate().addDays(PromiseAskAfterDays))
		if !p.ReportedAt.IsZero() || late {
			out = append(out, p)
		}
	}
	return out
}

// LastPromiseAsked is when the deputy was last asked about a promise of
// these items (zero: never).
func LastPromiseAsked(items []*Item) time.Time {
	var last time.Time
	for _, it := range items {
		for _, p := range it.Promises {
			if p.AskedAt.After(last) {
				last = p.AskedAt
			}
		}
	}
	return last
}

// MarkPromiseAsked records that the deputy was asked about promise n.
func MarkPromiseAsked(it *Item, n int, e Env) (Event, error) {
	pr := it.Promise(n)
	if pr == nil || !pr.AskedAt.IsZero() {
		return Event{}, Errorf(ECONFLICT, "err.promise_answered")
	}
	pr.AskedAt = e.Now
	return ev(e, nil, EvPromiseAsked, "n", strconv.Itoa(n)), nil
}
