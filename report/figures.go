package report

import "deputybot"

// The figures module (SPEC §10): every count and rate the product shows
// — in /stats, /overdue, the digests, the annual report, the register,
// the public site and its charts — is defined here once, with what it
// counts and what it divides by what. Outputs read these and label each
// with its Figure's name ("fig.<id>" in the message files), so one name
// never carries two values; where a rate is shown, its note
// ("fig.<id>_note") says what it divides.
//
// Which items count:
//   - an item counts in the year of its number (建议 2026-017: 2026);
//     drafts have no number and count nowhere;
//   - handled items are those handed to departments: assigned, in
//     progress, replied, being handled again, closed. Submitted items not
//     yet assigned, returned and withdrawn items are not handled: they
//     count only in their own figures (Returned, Withdrawn, Waiting);
//   - withheld items count like any other: withholding is about
//     publication, not about the record;
//   - ratings are the final outcome of a closed item (the second round's
//     rating after rehandling). Items closed without a rating (unrated)
//     are counted apart and are in no rate's denominator. The deputy
//     rates a reply twice: its result (the seed's single figure: 满意率 is
//     the result's) and the handling (沟通/办理态度, 态度满意率: the
//     final rating's handling value; ratings recorded before the two
//     were asked have none and count in no attitude figure);
//   - contacts: a replied item was met face to face when one of its
//     contacts not disputed by the deputy was face to face (面商、座谈、
//     实地察看, the older 走访), and followed up when one such contact
//     came after a reply (办后 回访); 见面率 and 回访率 divide by the
//     replied items;
//   - 办成率: a replied item is 办成 when the deputy confirms its problem
//     solved: its final reply is class A and he rated the result
//     satisfied or basically satisfied, or it is class B or C and he says
//     each of its dated promises was kept (兑现);
//   - motions and suggestions are counted apart wherever the seed report
//     counts them apart (by period, the suggestions; the motions each by
//     itself); a figure of both says so in its name.

// Figure names a figure shown to people.
type Figure string

// The figures with a name of their own (a label, and for rates a note).
const (
	FigHandled          Figure = "handled"           // 承办: handled items
	FigReplied          Figure = "replied"           // 已答复
	FigClosed           Figure = "closed"            // 已办结
	FigRated            Figure = "rated"             // 已评价
	FigUnrated          Figure = "unrated"           // 未评价（逾期未评）
	FigSatisfactionRate Figure = "satisfaction_rate" // 满意率（含基本满意）
	FigShares           Figure = "shares"            // 满意、基本满意、不满意各占已评价件数的比例
	FigOnTime           Figure = "on_time"           // 按期答复
	FigOnTimeRate       Figure = "on_time_rate"      // 按期答复率
	FigLate             Figure = "late"              // 超期答复
	FigOverdue          Figure = "overdue"           // 超期未答复（本年度件）
	FigOpenNow          Figure = "open_now"          // 当前在办（各年度）
	FigOverdueNow       Figure = "overdue_now"       // 当前超期（各年度）
	FigExtensions       Figure = "extensions"        // 延期
	FigOpinionsLate     Figure = "opinions_late"     // 协办意见超期
	FigContacts         Figure = "contacts"          // 沟通记录/代表确认/有异议
	FigFlags            Figure = "flags"             // 质量问题
	FigScore            Figure = "score"             // 得分
	FigAttitudeRate     Figure = "attitude_rate"     // 态度满意率（含基本满意）
	FigDoneRate         Figure = "done_rate"         // 办成率
	FigFaceRate         Figure = "face_rate"         // 见面率
	FigFollowUpRate     Figure = "follow_up_rate"    // 回访率
)

// Figures lists every named figure (tests hold the message files to it).
var Figures = []Figure{FigHandled, FigReplied, FigClosed, FigRated, FigUnrated, FigSatisfactionRate, FigShares,
	FigOnTime, FigOnTimeRate, FigLate, FigOverdue, FigOpenNow, FigOverdueNow, FigExtensions, FigOpinionsLate,
	FigContacts, FigFlags, FigScore, FigAttitudeRate, FigDoneRate, FigFaceRate, FigFollowUpRate}

// Rates are the figures that divide one count by another: each has a
// note saying so.
var Rates = []Figure{FigSatisfactionRate, FigShares, FigOnTimeRate, FigAttitudeRate, FigDoneRate, FigFaceRate, FigFollowUpRate}

// Outcomes counts the final outcomes of closed items.
type Outcomes struct {
	Satisfied, Basic, Unsatisfied int // rated
	Unrated                       int // closed without a rating in time
}

// Rated is the number of closed items the deputy rated: the denominator
// of every satisfaction figure.
func (o Outcomes) Rated() int { return o.Satisfied + o.Basic + o.Unsatisfied }

// Shares are the satisfied, basically satisfied and unsatisfied items as
// percentages of the rated ones, adding up to 100.00 (the seed: 满意155件，
// 占92.81%；基本满意12件，占7.19%).
func (o Outcomes) Shares() []string {
	return Percentages([]int{o.Satisfied, o.Basic, o.Unsatisfied})
}

// SatisfactionRate (满意率，含基本满意) = (satisfied + basically satisfied)
// ÷ rated; NoRate when nothing was rated.
func (o Outcomes) SatisfactionRate() string { return Rate(o.Satisfied+o.Basic, o.Rated()) }

func (o *Outcomes) add(v deputybot.RatingValue) {
	switch v {
	case deputybot.Satisfied:
		o.Satisfied++
	case deputybot.Basic:
		o.Basic++
	case deputybot.Unsatisfied:
		o.Unsatisfied++
	case deputybot.Unrated:
		o.Unrated++
	}
}

func (o *Outcomes) plus(p Outcomes) {
	o.Satisfied += p.Satisfied
	o.Basic += p.Basic
	o.Unsatisfied += p.Unsatisfied
	o.Unrated += p.Unrated
}

// Tally counts a set of handled items.
type Tally struct {
	// Handled: items handed to departments.
	Handled int
	// Replied: handled items with at least one reply.
	Replied int
	// Closed: handled items closed; Outcomes their final outcomes.
	Closed   int
	Outcomes Outcomes
	// ReplyDue: handled items whose lead department's answer (the reply
	// of any round, a corrected reply) was due: given, or overdue now.
	ReplyDue int
	// OnTime: of those, the items whose every answer came by its deadline
	// and none is overdue now (deputybot.Timeliness.OnTime).
	OnTime int
	// Late: handled items with an answer given after its deadline (any
	// round, a corrected reply): 超期答复.
	Late int
	// Overdue: handled items with an answer overdue now: 超期未答复.
	Overdue int
	// Extensions approved, on Extended items.
	Extensions, Extended int
	// Flags: quality review's findings by category; FlagTotal in all,
	// FlagsFixed corrected.
	Flags                 map[deputybot.FlagCategory]int
	FlagTotal, FlagsFixed int
	// Contacts logged with the deputy, confirmed and disputed by him.
	ContactsLogged, ContactsConfirmed, ContactsDisputed int
	// Attitude: the handling's ratings of closed items (those rated
	// twice).
	Attitude Outcomes
	// Done: replied items the deputy confirms solved (办成); Met: replied
	// items met face to face; FollowedUp: replied items followed up
	// after a reply.
	Done, Met, FollowedUp int
	// groups: of each group handled together (并案; its first item's
	// id), how many of these items; threads3: the threads of these items
	// raised three years in a row (连续三年提出).
	groups   map[string]int
	threads3 map[string]bool
}

// Groups are the groups of items handled together (two or more of
// these items: "并案办理N组M件"): how many groups, how many items.
func (t *Tally) Groups() (groups, items int) {
	for _, n := range t.groups {
		if n >= 2 {
			groups++
			items += n
		}
	}
	return groups, items
}

// ThreeYears is how many issues of these items were raised three years
// in a row (the threads of items linked to two earlier years).
func (t *Tally) ThreeYears() int { return len(t.threads3) }

// AttitudeRate (态度满意率) = (handling rated satisfied + basically
// satisfied) ÷ closed items whose handling was rated.
func (t *Tally) AttitudeRate() string { return t.Attitude.SatisfactionRate() }

// DoneRate (办成率) = Done ÷ Replied.
func (t *Tally) DoneRate() string { return Rate(t.Done, t.Replied) }

// FaceRate (见面率) = Met ÷ Replied.
func (t *Tally) FaceRate() string { return Rate(t.Met, t.Replied) }

// FollowUpRate (回访率) = FollowedUp ÷ Replied.
func (t *Tally) FollowUpRate() string { return Rate(t.FollowedUp, t.Replied) }

// RateOf is one of the tally's rates by its figure ("" for a figure
// that is not a tally's rate).
func (t *Tally) RateOf(f Figure) string {
	switch f {
	case FigSatisfactionRate:
		return t.Outcomes.SatisfactionRate()
	case FigOnTimeRate:
		return t.OnTimeRate()
	case FigAttitudeRate:
		return t.AttitudeRate()
	case FigDoneRate:
		return t.DoneRate()
	case FigFaceRate:
		return t.FaceRate()
	case FigFollowUpRate:
		return t.FollowUpRate()
	}
	return ""
}

// Done reports whether the deputy confirms the item's problem solved
// (办成): its final reply is class A and he rated its result satisfied
// or basically satisfied, or it is B or C and he says each of its
// promises was kept.
func Done(it *deputybot.Item) bool {
	r := it.LatestReply()
	switch {
	case r == nil:
		return false
	case r.Class == deputybot.ClassA:
		rt := it.RatingOf(r.Round)
		return rt != nil && (rt.Value == deputybot.Satisfied || rt.Value == deputybot.Basic)
	case r.Class.Promise():
		return it.PromisesKept(r.Round)
	}
	return false
}

// OnTimeRate (按期答复率) = OnTime ÷ ReplyDue; NoRate when no answer was
// due yet.
func (t *Tally) OnTimeRate() string { return Rate(t.OnTime, t.ReplyDue) }

// Add counts a handled item as of e.Now (an item not handled is left out).
func (t *Tally) Add(it *deputybot.Item, e deputybot.Env) {
	if it.Handled() {
		t.add(it, e.Timeliness(it))
	}
}

// add counts a handled item whose timeliness is tl.
func (t *Tally) add(it *deputybot.Item, tl deputybot.Timeliness) {
	t.Handled++
	if it.GroupID != "" {
		if t.groups == nil {
			t.groups = map[string]int{}
		}
		t.groups[it.GroupID]++
	}
	if it.ThreadID != "" && it.ThreadRun >= 3 {
		if t.threads3 == nil {
			t.threads3 = map[string]bool{}
		}
		t.threads3[it.ThreadID] = true
	}
	if len(it.Replies) > 0 {
		t.Replied++
		if Done(it) {
			t.Done++
		}
		if it.MetFaceToFace() {
			t.Met++
		}
		if it.FollowedUp() {
			t.FollowedUp++
		}
	}
	if it.Status == deputybot.StatusClosed {
		t.Closed++
		t.Outcomes.add(it.Outcome)
		if r := it.LatestReply(); r != nil && it.Outcome != deputybot.Unrated {
			if rt := it.RatingOf(r.Round); rt != nil && rt.Attitude.Given() {
				t.Attitude.add(rt.Attitude)
			}
		}
	}
	if tl.Due {
		t.ReplyDue++
	}
	if tl.OnTime() {
		t.OnTime++
	}
	if tl.Late {
		t.Late++
	}
	if tl.Overdue {
		t.Overdue++
	}
	if it.Extensions > 0 {
		t.Extensions += it.Extensions
		t.Extended++
	}
	for _, f := range it.Flags {
		if t.Flags == nil {
			t.Flags = map[deputybot.FlagCategory]int{}
		}
		t.Flags[f.Category]++
		t.FlagTotal++
		if !f.ResolvedAt.IsZero() {
			t.FlagsFixed++
		}
	}
	for _, c := range it.Contacts {
		t.ContactsLogged++
		switch c.State {
		case deputybot.ContactConfirmed:
			t.ContactsConfirmed++
		case deputybot.ContactDisputed:
			t.ContactsDisputed++
		}
	}
}

// plus adds another tally's counts (a total row).
func (t *Tally) plus(o Tally) {
	t.Handled += o.Handled
	t.Replied += o.Replied
	t.Closed += o.Closed
	t.Outcomes.plus(o.Outcomes)
	t.ReplyDue += o.ReplyDue
	t.OnTime += o.OnTime
	t.Late += o.Late
	t.Overdue += o.Overdue
	t.Extensions += o.Extensions
	t.Extended += o.Extended
	for c, n := range o.Flags {
		if t.Flags == nil {
			t.Flags = map[deputybot.FlagCategory]int{}
		}
		t.Flags[c] += n
	}
	t.FlagTotal += o.FlagTotal
	t.FlagsFixed += o.FlagsFixed
	for g, n := range o.groups {
		if t.groups == nil {
			t.groups = map[string]int{}
		}
		t.groups[g] += n
	}
	for th := range o.threads3 {
		if t.threads3 == nil {
			t.threads3 = map[string]bool{}
		}
		t.threads3[th] = true
	}
	t.ContactsLogged += o.ContactsLogged
	t.ContactsConfirmed += o.ContactsConfirmed
	t.ContactsDisputed += o.ContactsDisputed
	t.Attitude.plus(o.Attitude)
	t.Done += o.Done
	t.Met += o.Met
	t.FollowedUp += o.FollowedUp
}

// DeptStats are one department's figures.
type DeptStats struct {
	Dept *deputybot.Department
	// Year: the items of the year it led.
	Year Tally
	// OpenNow: items it leads (of any year: last year's item is still
	// open) not yet closed; OverdueNow: of those, with its answer overdue
	// now (the digest's "now" figures).
	OpenNow, OverdueNow int
	// OpinionsLate: its opinions as a co-department, on items of the
	// year, given after their deadline or overdue now.
	OpinionsLate int
	// Score: 100 less the deductions for what the items of the year count
	// against it (deputybot.Env.ScoreCounts).
	Score float64
	score deputybot.ScoreCounts
}

// Departments computes every department's figures for year, in the
// order of in.Departments (by name).
func Departments(in deputybot.Snapshot, year int) []*DeptStats {
	e := in.Env
	byID := map[string]*DeptStats{}
	var out []*DeptStats
	for _, d := range in.Departments {
		ds := &DeptStats{Dept: d}
		byID[d.ID] = ds
		out = append(out, ds)
	}
	for _, it := range in.Items {
		if !it.Handled() {
			continue
		}
		lead := byID[it.LeadDept]
		var tl deputybot.Timeliness
		if lead != nil {
			tl = e.Timeliness(it)
			if it.Status != deputybot.StatusClosed {
				lead.OpenNow++
				if tl.Overdue {
					lead.OverdueNow++
				}
			}
		}
		if !InYear(it, year) {
			continue
		}
		if lead != nil {
			lead.Year.add(it, tl)
			lead.score.Add(e.ScoreCounts(it, lead.Dept.ID))
		}
		for _, c := range it.CoDepts {
			if d := byID[c.Dept]; d != nil && c.Dept != it.LeadDept {
				sc := e.ScoreCounts(it, c.Dept)
				d.OpinionsLate += sc.Late
				d.score.Add(sc)
			}
		}
	}
	for _, d := range out {
		d.Score = e.Rules.Deductions.Score(d.score)
	}
	return out
}

// Totals adds up departments' figures (a total row; scores have none).
func Totals(ds []*DeptStats) DeptStats {
	var t DeptStats
	for _, d := range ds {
		t.Year.plus(d.Year)
		t.OpenNow += d.OpenNow
		t.OverdueNow += d.OverdueNow
		t.OpinionsLate += d.OpinionsLate
	}
	return t
}

// InYear reports whether an item counts in year: it has a number of
// that year.
func InYear(it *deputybot.Item, year int) bool { return it.Seq != 0 && it.Year == year }
