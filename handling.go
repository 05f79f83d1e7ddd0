package deputybot

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ReplyClass is the standard classification printed on a reply's first
// page.
type ReplyClass string

const (
	ClassA ReplyClass = "A" // solved or basically solved
	ClassB ReplyClass = "B" // being solved, or planned
	ClassC ReplyClass = "C" // must wait for conditions
	ClassD ReplyClass = "D" // kept for reference
)

// ReplyClasses in order.
var ReplyClasses = []ReplyClass{ClassA, ClassB, ClassC, ClassD}

// Promise reports whether a reply of this class promises later work that
// the department must report progress on.
func (c ReplyClass) Promise() bool { return c == ClassB || c == ClassC }

// RatingValue is the deputy's rating of a reply.
type RatingValue string

const (
	Satisfied   RatingValue = "satisfied"   // 满意
	Basic       RatingValue = "basic"       // 基本满意
	Unsatisfied RatingValue = "unsatisfied" // 不满意
	Unrated     RatingValue = "unrated"     // no rating in time (closed by the scheduler)
)

// RatingValues are the values a deputy may give, best first.
var RatingValues = []RatingValue{Satisfied, Basic, Unsatisfied}

// Given reports whether v is a rating a deputy gave (not unrated, not
// empty).
func (v RatingValue) Given() bool { return v == Satisfied || v == Basic || v == Unsatisfied }

// ContactMethod is the form of a contact with the deputy.
type ContactMethod string

const (
	MethodFace    ContactMethod = "face"    // 面商
	MethodMeeting ContactMethod = "meeting" // 座谈
	MethodSite    ContactMethod = "site"    // 实地察看
	MethodPhone   ContactMethod = "phone"   // 电话
	MethodSMS     ContactMethod = "sms"     // 短信
	MethodOther   ContactMethod = "other"
	// MethodVisit (走访) is a form logged before schema 7: a visit to
	// the deputy, face to face. No longer offered; kept in the record.
	MethodVisit ContactMethod = "visit"
)

// ContactMethods are the forms offered, in order: face to face first.
var ContactMethods = []ContactMethod{MethodFace, MethodMeeting, MethodSite, MethodPhone, MethodSMS, MethodOther}

// FaceToFace reports whether a contact of this form met the deputy in
// person (面商、座谈、实地察看, and the older 走访); a call, a text
// message or another form did not.
func (m ContactMethod) FaceToFace() bool {
	switch m {
	case MethodFace, MethodMeeting, MethodSite, MethodVisit:
		return true
	}
	return false
}

// ContactStage is when in the handling a contact happened.
type ContactStage string

const (
	StageBefore ContactStage = "before" // 办前: to understand what is asked
	StageDuring ContactStage = "during" // 办中: while the answer is worked out
	StageAfter  ContactStage = "after"  // 办后: after the reply (回访)
)

// ContactStages in order.
var ContactStages = []ContactStage{StageBefore, StageDuring, StageAfter}

// ContactState is the deputy's answer about a logged contact.
type ContactState string

const (
	ContactPending   ContactState = "pending"
	ContactConfirmed ContactState = "confirmed"
	ContactDisputed  ContactState = "disputed"
)

// FlagCategory is a quality review's problem category.
type FlagCategory string

const (
	FlagOffTopic  FlagCategory = "off_topic"
	FlagEvasive   FlagCategory = "evasive"
	FlagUnfounded FlagCategory = "unfounded_promise"
	FlagNoContact FlagCategory = "no_contact"
	FlagFormat    FlagCategory = "format"
)

// FlagCategories in order.
var FlagCategories = []FlagCategory{FlagOffTopic, FlagEvasive, FlagUnfounded, FlagNoContact, FlagFormat}

// RequestKind is what a department asks the office for.
type RequestKind string

const (
	KindExtensionRequest RequestKind = "extension" // 延期
	KindReturnRequest    RequestKind = "return"    // 退回 / 改办: wrong department or outside the remit
)

// CoDept is a co-department with its own deadline for its opinion.
type CoDept struct {
	Dept      string    `bson:"dept"`
	Deadline  time.Time `bson:"deadline"`
	OpinionAt time.Time `bson:"opinionAt,omitempty"`
}

// Reply is a round's reply, without its text.
type Reply struct {
	Round int        `bson:"round"`
	Class ReplyClass `bson:"class"`
	At    time.Time  `bson:"at"`
	By    string     `bson:"by"`
	// Deadline is the round's reply deadline when the reply was sent (the
	// ledger decides from it whether the reply was late).
	Deadline  time.Time `bson:"deadline"`
	Corrected int       `bson:"corrected,omitempty"` // corrections after quality review
	// NoContact: replied without any contact confirmed by the deputy.
	NoContact bool     `bson:"noContact,omitempty"`
	CoDepts   []string `bson:"coDepts,omitempty"` // co-departments whose opinion it drew on
	// Withheld: the office agreed not to publish this reply's text.
	Withheld bool `bson:"withheld,omitempty"`
}

// ReplyText is the text of a reply or a correction.
type ReplyText struct {
	Round    int        `bson:"round"`
	Class    ReplyClass `bson:"class"`
	Text     string     `bson:"text"`
	FileID   string     `bson:"fileId,omitempty"`
	FileName string     `bson:"fileName,omitempty"`
	FileKind string     `bson:"fileKind,omitempty"` // "photo" (a scanned letter sent as one); "": a document
	// Answers to the deputy's requests (ItemDetails.Points), one by one.
	Answers    []PointAnswer `bson:"answers,omitempty"`
	At         time.Time     `bson:"at"`
	By         string        `bson:"by"`
	Correction bool          `bson:"correction,omitempty"`
}

// Rating is the deputy's rating of one round's reply: of its result
// (办理结果, the figure the seed reports) and of the handling (沟通/办理
// 态度), and, if he chose, of each co-department's opinion.
type Rating struct {
	Round int `bson:"round"`
	// Value rates the result. Ratings recorded before schema 7 were one
	// value: it is this one.
	Value RatingValue `bson:"value"`
	// Attitude rates the handling: how the department talked with him
	// and worked. Empty on ratings recorded before schema 7.
	Attitude RatingValue `bson:"attitude,omitempty"`
	At       time.Time   `bson:"at"`
	Comment  string      `bson:"comment,omitempty"`
	// CoDepts are his ratings of co-departments' opinions (optional).
	CoDepts []CoRating `bson:"coDepts,omitempty"`
}

// CoRating is the deputy's rating of a co-department's opinion.
type CoRating struct {
	Dept  string      `bson:"dept"`
	Value RatingValue `bson:"value"`
	At    time.Time   `bson:"at"`
}

// CoRating returns the rating of dept's opinion, or nil.
func (r *Rating) CoRating(dept string) *CoRating {
	for i := range r.CoDepts {
		if r.CoDepts[i].Dept == dept {
			return &r.CoDepts[i]
		}
	}
	return nil
}

// ContactLog is a contact a department logged with the deputy.
type ContactLog struct {
	N        int           `bson:"n"`      // 1, 2, ...: its number on the item
	Date     string        `bson:"date"`   // local date of the contact, 2006-01-02
	Method   ContactMethod `bson:"method"` // its form
	Stage    ContactStage  `bson:"stage,omitempty"`
	Note     string        `bson:"note,omitempty"`
	By       string        `bson:"by"`
	Dept     string        `bson:"dept"`
	Round    int           `bson:"round"`
	LoggedAt time.Time     `bson:"loggedAt"`
	State    ContactState  `bson:"state"`
	// Dispute is the deputy's reason, when he says it did not happen.
	Dispute string `bson:"dispute,omitempty"`
}

// Request is a department's undecided request to the office.
type Request struct {
	Kind   RequestKind `bson:"kind"`
	By     string      `bson:"by"`
	At     time.Time   `bson:"at"`
	Reason string      `bson:"reason"`
	// Late: a return asked for after the return window; the office must
	// override explicitly to grant it.
	Late bool `bson:"late,omitempty"`
	// Scope of a withholding request: the item, or the reply of Round.
	Scope WithholdScope `bson:"scope,omitempty"`
	Round int           `bson:"round,omitempty"`
}

// QualityFlag is a supervisor's finding on a reply.
type QualityFlag struct {
	N          int          `bson:"n"`
	Round      int          `bson:"round"`
	Category   FlagCategory `bson:"category"`
	Note       string       `bson:"note,omitempty"`
	By         string       `bson:"by"`
	At         time.Time    `bson:"at"`
	Deadline   time.Time    `bson:"deadline"`
	ResolvedAt time.Time    `bson:"resolvedAt,omitempty"`
}

// Opinion is a co-department's contribution to the lead's reply.
type Opinion struct {
	Dept string    `bson:"dept"`
	Text string    `bson:"text"`
	At   time.Time `bson:"at"`
	By   string    `bson:"by"`
}

// Progress is a department's update on a B/C promise.
type Progress struct {
	Text string    `bson:"text"`
	At   time.Time `bson:"at"`
	By   string    `bson:"by"`
	Met  bool      `bson:"met,omitempty"`
}

// Limits of handling texts.
const (
	MaxReasonLen = 500
	MaxNoteLen   = 300
	MaxReplyLen  = 3000
)

// Env is what the rules need besides the item: the configured rules, the
// office's holiday calendar, and the time.
type Env struct {
	Rules    *Rules
	Calendar *Calendar
	Now      time.Time
}

func (e Env) loc() *time.Location { return e.Rules.loc() }

// today is the local date now.
func (e Env) today() Date { return DateOf(e.Now, e.loc()) }

// EndOfDay is the last second of a local date: deadlines are the end of
// their day.
func EndOfDay(d Date, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 0, loc)
}

// AddMonths adds months to a date, keeping the day within the month
// (31 January + 1 month is 28 or 29 February).
func AddMonths(d Date, months int) Date {
	t := time.Date(d.Year, d.Month+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := t.AddDate(0, 1, -1).Day()
	return Date{t.Year(), t.Month(), min(d.Day, last)}
}

// checkDeadline checks a proposed deadline: not today or earlier (a
// deadline is never in the past when set), not beyond latest.
func (e Env) checkDeadline(d, latest time.Time) error {
	if !d.After(EndOfDay(e.today(), e.loc())) {
		return Errorf(EINVALID, "err.deadline_past")
	}
	if d.After(latest) {
		return Errorf(EINVALID, "err.deadline_too_late", "Latest", DateOf(latest, e.loc()).String())
	}
	return nil
}

// DaysLeft is the number of local days from today to the deadline:
// 0 on the day, negative when overdue.
func (e Env) DaysLeft(deadline time.Time) int {
	a, b := e.today().Time(time.UTC), DateOf(deadline, e.loc()).Time(time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// Actions on items in handling.
const (
	ActAssign         Action = "assign"
	ActReturnToDeputy Action = "return_to_deputy"
	ActSetPeriod      Action = "set_period"
	ActAccept         Action = "accept"
	ActLogContact     Action = "log_contact"
	ActReply          Action = "reply"
	ActRequestExtend  Action = "request_extension"
	ActRequestReturn  Action = "request_return"
	ActDecideRequest  Action = "decide_request"
	ActOpinion        Action = "opinion"
	ActProgress       Action = "progress"
	ActConfirmContact Action = "confirm_contact"
	ActRate           Action = "rate"
	ActFlag           Action = "flag"
	ActCorrect        Action = "correct"
	// ActChangeAssignment: the office corrects an assignment it
	// confirmed, while the first reply is awaited.
	ActChangeAssignment Action = "change_assignment"
	// ActRevise: the deputy takes a returned item back as a draft, to
	// revise and submit it again under its number.
	ActRevise Action = "revise"
	// ActReportPromise: the lead department reports what was done on a
	// promise of its reply (asked on the promise's date; may be earlier).
	ActReportPromise Action = "report_promise"
	// ActUngroup: the office takes an item out of its group (并案), to be
	// answered on its own.
	ActUngroup Action = "ungroup"
	// ActLinkThread: the office links an item handed to departments to
	// an earlier year's item on the same issue (groups.go).
	ActLinkThread Action = "link_thread"
)

// HandlingActions lists the actions of the handling workflow.
var HandlingActions = []Action{
	ActAssign, ActReturnToDeputy, ActSetPeriod, ActAccept, ActLogContact, ActReply,
	ActRequestExtend, ActRequestReturn, ActDecideRequest, ActOpinion, ActProgress,
	ActConfirmContact, ActRate, ActFlag, ActCorrect, ActSetTargets, ActTargetProgress,
	ActWithholdItem, ActWithholdReply, ActRepublish, ActChangeAssignment, ActRevise, ActReportPromise,
	ActUngroup, ActLinkThread,
}

// IsLeadContact reports whether p answers for the item's lead department.
func (it *Item) IsLeadContact(p *Person) bool {
	return p.HasRole(RoleContact) && p.DepartmentID != "" && p.DepartmentID == it.LeadDept
}

// CoDept returns the item's co-department entry for dept, or nil.
func (it *Item) CoDept(dept string) *CoDept {
	for i := range it.CoDepts {
		if it.CoDepts[i].Dept == dept {
			return &it.CoDepts[i]
		}
	}
	return nil
}

// IsCoContact reports whether p answers for one of the co-departments.
func (it *Item) IsCoContact(p *Person) bool {
	return p.HasRole(RoleContact) && p.DepartmentID != "" && it.CoDept(p.DepartmentID) != nil
}

// LatestReply is the reply of the latest round, or nil.
func (it *Item) LatestReply() *Reply {
	if len(it.Replies) == 0 {
		return nil
	}
	return &it.Replies[len(it.Replies)-1]
}

// OpenFlag is the unresolved quality flag, or nil.
func (it *Item) OpenFlag() *QualityFlag {
	for i := range it.Flags {
		if it.Flags[i].ResolvedAt.IsZero() {
			return &it.Flags[i]
		}
	}
	return nil
}

// LastFlag is the latest quality flag (the one a correction resolves),
// or nil.
func (it *Item) LastFlag() *QualityFlag {
	if len(it.Flags) == 0 {
		return nil
	}
	return &it.Flags[len(it.Flags)-1]
}

// RatingOf returns the rating of a round, or nil.
func (it *Item) RatingOf(round int) *Rating {
	for i := range it.Ratings {
		if it.Ratings[i].Round == round {
			return &it.Ratings[i]
		}
	}
	return nil
}

func (it *Item) hasPendingContact() bool {
	for _, c := range it.Contacts {
		if c.State == ContactPending {
			return true
		}
	}
	return false
}

func in(s Status, ss ...Status) bool { return slices.Contains(ss, s) }

// checkHandling decides the handling actions. It is called by Check after
// visibility.
func checkHandling(p *Person, it *Item, act Action) error {
	forbidden := Errorf(EFORBIDDEN, "err.not_your_part")
	wrong := Errorf(ECONFLICT, "err.wrong_status", "Status", string(it.Status))
	lead := it.IsLeadContact(p)
	switch act {
	case ActAssign, ActReturnToDeputy:
		if !p.HasRole(RoleOffice) {
			return forbidden
		}
		if it.Status != StatusSubmitted {
			return wrong
		}
	case ActLinkThread:
		if !p.HasRole(RoleOffice) {
			return forbidden
		}
		if !it.Handled() || it.ThreadID != "" {
			return wrong
		}
	case ActUngroup:
		if !p.HasRole(RoleOffice) {
			return forbidden
		}
		if !it.InGroup() || !in(it.Status, StatusAssigned, StatusInProgress, StatusReplied, StatusRehandling) {
			return wrong
		}
	case ActChangeAssignment:
		if !p.HasRole(RoleOffice) {
			return forbidden
		}
		if !in(it.Status, StatusAssigned, StatusInProgress) || len(it.Replies) > 0 || it.Request != nil {
			return wrong
		}
	case ActSetPeriod:
		if !p.HasRole(RoleOffice) {
			return forbidden
		}
		if in(it.Status, StatusDraft) {
			return wrong
		}
	case ActRevise:
		if it.AuthorID != p.ID {
			return Errorf(EFORBIDDEN, "err.only_author")
		}
		if it.Status != StatusReturned {
			return wrong
		}
	case ActAccept:
		if !lead {
			return forbidden
		}
		if it.Status != StatusAssigned {
			return wrong
		}
	case ActLogContact:
		if !lead {
			return forbidden
		}
		// A closed item that was replied to still takes follow-up
		// contacts (办后 回访).
		if !in(it.Status, StatusAssigned, StatusInProgress, StatusRehandling, StatusReplied) &&
			(it.Status != StatusClosed || len(it.Replies) == 0) {
			return wrong
		}
	case ActReply:
		if !lead {
			return forbidden
		}
		if !it.WaitingForReply() {
			return wrong
		}
	case ActRequestExtend:
		if !lead {
			return forbidden
		}
		if !it.WaitingForReply() {
			return wrong
		}
		if it.Request != nil {
			return Errorf(ECONFLICT, "err.request_pending")
		}
	case ActRequestReturn:
		if !lead {
			return forbidden
		}
		if !in(it.Status, StatusAssigned, StatusInProgress) || len(it.Replies) > 0 {
			return wrong
		}
		if it.Request != nil {
			return Errorf(ECONFLICT, "err.request_pending")
		}
	case ActDecideRequest:
		if !p.HasRole(RoleOffice) {
			return forbidden
		}
		if it.Request == nil {
			return Errorf(ECONFLICT, "err.no_request")
		}
	case ActOpinion:
		c := it.CoDept(p.DepartmentID)
		if !p.HasRole(RoleContact) || c == nil {
			return forbidden
		}
		if !in(it.Status, StatusAssigned, StatusInProgress) {
			return wrong
		}
		if !c.OpinionAt.IsZero() {
			return Errorf(ECONFLICT, "err.opinion_given")
		}
	case ActReportPromise:
		if !lead {
			return forbidden
		}
		if !slices.ContainsFunc(it.Promises, func(p Promise) bool { return p.ReportedAt.IsZero() && p.Answer == "" }) {
			return Errorf(ECONFLICT, "err.no_promise_to_report")
		}
	case ActProgress:
		if !lead {
			return forbidden
		}
		if !it.PromiseOpen {
			return Errorf(ECONFLICT, "err.no_promise")
		}
	case ActConfirmContact:
		if it.AuthorID != p.ID {
			return forbidden
		}
		if !it.hasPendingContact() {
			return Errorf(ECONFLICT, "err.no_pending_contact")
		}
	case ActRate:
		if it.AuthorID != p.ID {
			return forbidden
		}
		if it.Status != StatusReplied {
			return wrong
		}
	case ActFlag:
		if !p.HasRole(RoleSupervisor) {
			return forbidden
		}
		if it.LatestReply() == nil || !in(it.Status, StatusReplied, StatusRehandling, StatusClosed) {
			return wrong
		}
		if it.OpenFlag() != nil {
			return Errorf(ECONFLICT, "err.flag_open")
		}
	case ActCorrect:
		if !lead {
			return forbidden
		}
		if it.OpenFlag() == nil {
			return Errorf(ECONFLICT, "err.no_flag")
		}
	case ActSetTargets:
		if !p.HasRole(RoleOffice) {
			return forbidden
		}
		if it.Kind != KindMotion || !in(it.Status, StatusAssigned, StatusInProgress, StatusReplied, StatusRehandling) {
			return wrong
		}
	case ActTargetProgress:
		if !lead {
			return forbidden
		}
		if len(it.Targets) == 0 || !in(it.Status, StatusAssigned, StatusInProgress, StatusReplied, StatusRehandling, StatusClosed) {
			return wrong
		}
	default:
		return Errorf(EFORBIDDEN, "err.not_allowed")
	}
	return nil
}

func ev(e Env, p *Person, typ string, kv ...string) Event {
	x := Event{At: e.Now, Type: typ}
	if p != nil {
		x.ActorID = p.ID
	}
	if len(kv) > 0 {
		x.Data = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			x.Data[kv[i]] = kv[i+1]
		}
	}
	return x
}

func dateText(t time.Time, loc *time.Location) string { return DateOf(t, loc).String() }

// The texts handling takes, checked the same wherever they are typed:
// the dialogues check each answer with these as it comes, and the
// operations check it again.

// CheckReplyText checks the text of a reply, an opinion or a progress report.
func CheckReplyText(s string) (string, error) { return checkText(s, MaxReplyLen, true) }

// CheckReason checks a reason (for a request, a return).
func CheckReason(s string) (string, error) { return checkText(s, MaxReasonLen, true) }

// CheckNote checks an optional note (of a contact log, a quality flag).
func CheckNote(s string) (string, error) { return checkText(s, MaxNoteLen, false) }

// CheckRatingComment checks the comment of a rating: optional, except that an
// unsatisfied rating needs a reason.
func CheckRatingComment(v RatingValue, comment string) (string, error) {
	c, err := checkText(comment, MaxReasonLen, v == Unsatisfied)
	if err != nil && v == Unsatisfied && CleanText(comment) == "" {
		return "", Errorf(EINVALID, "err.reason_required")
	}
	return c, err
}

// RatingOpen says whether round's reply may be rated now: it is the
// current round and it has no rating yet.
func (it *Item) RatingOpen(round int) error {
	if round != it.Round || it.RatingOf(round) != nil {
		return Errorf(ECONFLICT, "err.already_rated")
	}
	return nil
}

func checkText(s string, max int, required bool) (string, error) {
	s = CleanText(s)
	if s == "" {
		if required {
			return "", Errorf(EINVALID, "err.text_empty")
		}
		return "", nil
	}
	return s, validateText(s, max, false)
}

// Event types of handling.
const (
	EvAssigned          = "assigned"
	EvReturned          = "returned"
	EvPeriodSet         = "period_set"
	EvAccepted          = "accepted"
	EvContactLogged     = "contact_logged"
	EvContactConfirmed  = "contact_confirmed"
	EvContactDisputed   = "contact_disputed"
	EvReplied           = "replied"
	EvOpinion           = "opinion"
	EvExtensionAsked    = "extension_requested"
	EvReturnAsked       = "return_requested"
	EvExtensionApproved = "extension_approved"
	EvExtensionRefused  = "extension_refused"
	EvReturnRefused     = "return_refused"
	EvReassigned        = "reassigned"
	EvRated             = "rated"
	EvCoRated           = "co_rated"
	EvRehandling        = "rehandling"
	EvClosed            = "closed"
	EvProgress          = "progress"
	EvFlagged           = "flagged"
	EvCorrected         = "corrected"
	EvAssignmentChanged = "assignment_changed"
)

// AssignInput is the office's assignment.
type AssignInput struct {
	Lead     string
	CoDepts  []string
	Leader   string // person id, optional
	Key      bool
	Deadline time.Time // zero: the default for the kind
}

// check is what an assignment (act: a first one or a change) asks of
// the person and of its departments.
func (in AssignInput) check(p *Person, it *Item, act Action) error {
	if err := Check(p, it, act); err != nil {
		return err
	}
	if in.Lead == "" {
		return Errorf(EINVALID, "err.lead_required")
	}
	if slices.Contains(in.CoDepts, in.Lead) {
		return Errorf(EINVALID, "err.lead_is_codept")
	}
	return nil
}

// Assign hands a submitted item to its departments.
func Assign(it *Item, p *Person, in AssignInput, e Env) (Event, error) {
	if err := in.check(p, it, ActAssign); err != nil {
		return Event{}, err
	}
	deadline := in.Deadline
	if deadline.IsZero() {
		deadline = e.DefaultDeadline(it.Kind)
	}
	if err := e.checkDeadline(deadline, e.LatestDeadline(it.Kind, e.Now)); err != nil {
		return Event{}, err
	}
	it.Status, it.LeadDept, it.LeaderID, it.Key = StatusAssigned, in.Lead, in.Leader, in.Key
	it.AssignedAt, it.Deadline, it.Round = e.Now, deadline, 1
	it.CoDepts = nil
	coDeadline := e.CoDeptDeadline(deadline)
	for _, d := range in.CoDepts {
		if it.CoDept(d) == nil {
			it.CoDepts = append(it.CoDepts, CoDept{Dept: d, Deadline: coDeadline})
		}
	}
	return ev(e, p, EvAssigned, "lead", in.Lead, "codepts", strings.Join(in.CoDepts, ","), "leader", in.Leader,
		"key", strconv.FormatBool(in.Key), "deadline", dateText(deadline, e.loc())), nil
}

// ChangeAssignment corrects the office's assignment before the first
// reply: the lead, the co-departments, the leader, key supervision, the
// deadline. A new lead is a reassignment: the item is assigned to it
// anew from now, due by in.Deadline or the reassignment's default; the
// same lead keeps its deadline unless in.Deadline moves it (within the
// latest the assignment allows). Co-departments kept keep their own
// deadline and opinion; new ones get theirs from the deadline.
func ChangeAssignment(it *Item, p *Person, in AssignInput, e Env) (Event, error) {
	if err := in.check(p, it, ActChangeAssignment); err != nil {
		return Event{}, err
	}
	from := it.LeadDept
	moved := in.Lead != from
	deadline, latest := in.Deadline, e.LatestDeadline(it.Kind, it.AssignedAt)
	if moved {
		latest = e.LatestDeadline(it.Kind, e.Now)
		if deadline.IsZero() {
			deadline = e.ReassignDeadline(it.Kind)
		}
	} else if deadline.IsZero() {
		deadline = it.Deadline
	}
	if !deadline.Equal(it.Deadline) {
		if err := e.checkDeadline(deadline, latest); err != nil {
			return Event{}, err
		}
	}
	if moved {
		it.LeadDept, it.Status, it.AssignedAt, it.AcceptedAt = in.Lead, StatusAssigned, e.Now, time.Time{}
	}
	it.Deadline, it.LeaderID, it.Key = deadline, in.Leader, in.Key
	var co []CoDept
	for _, d := range in.CoDepts {
		if slices.ContainsFunc(co, func(c CoDept) bool { return c.Dept == d }) {
			continue
		}
		if old := it.CoDept(d); old != nil {
			co = append(co, *old)
			continue
		}
		co = append(co, CoDept{Dept: d, Deadline: e.CoDeptDeadline(deadline)})
	}
	it.CoDepts = co
	data := []string{"lead", in.Lead, "codepts", strings.Join(in.CoDepts, ","), "leader", in.Leader,
		"key", strconv.FormatBool(in.Key), "deadline", dateText(deadline, e.loc())}
	if moved {
		data = append(data, "from", from)
	}
	return ev(e, p, EvAssignmentChanged, data...), nil
}

// EvRevising: the deputy took a returned item back to revise it.
const EvRevising = "revising"

// Revise makes a returned item its author's draft again, to revise and
// submit anew: it keeps its number (and year), its co-sponsors and its
// record; the office's reason stays on it until it is submitted again.
func Revise(it *Item, p *Person, e Env) (Event, error) {
	if err := Check(p, it, ActRevise); err != nil {
		return Event{}, err
	}
	it.Status, it.ClosedAt = StatusDraft, time.Time{}
	return ev(e, p, EvRevising), nil
}

// EvLeaderChanged: the office handed an item to another leader in charge
// (or to none), when the one in charge was removed.
const EvLeaderChanged = "leader_changed"

// HandOverLeader puts an open item under another leader in charge ("":
// none): the office does it when it removes the one in charge.
func HandOverLeader(it *Item, p *Person, to string, e Env) (Event, error) {
	if !p.HasRole(RoleOffice) {
		return Event{}, Errorf(EFORBIDDEN, "err.not_your_part")
	}
	if !it.IsOpen() || it.LeaderID == to {
		return Event{}, Errorf(ECONFLICT, "err.wrong_status", "Status", string(it.Status))
	}
	from := it.LeaderID
	it.LeaderID = to
	return ev(e, p, EvLeaderChanged, "leader", to, "from", from), nil
}

// ReturnToDeputy returns a submitted item to its author, with a reason.
func ReturnToDeputy(it *Item, p *Person, reason string, e Env) (Event, error) {
	if err := Check(p, it, ActReturnToDeputy); err != nil {
		return Event{}, err
	}
	reason, err := CheckReason(reason)
	if err != nil {
		return Event{}, err
	}
	it.Status, it.ReturnReason, it.ClosedAt = StatusReturned, reason, e.Now
	return ev(e, p, EvReturned, "reason", reason), nil
}

// SetPeriod corrects an item's period.
func SetPeriod(it *Item, p *Person, period Period, e Env) (Event, error) {
	if err := Check(p, it, ActSetPeriod); err != nil {
		return Event{}, err
	}
	if period != PeriodSession && period != PeriodRecess {
		return Event{}, Errorf(EINVALID, "err.period_unknown")
	}
	if period == it.Period {
		return Event{}, Errorf(ECONFLICT, "err.period_same")
	}
	old := it.Period
	it.Period = period
	return ev(e, p, EvPeriodSet, "from", string(old), "to", string(period)), nil
}

// Accept: the lead department takes the item on.
func Accept(it *Item, p *Person, e Env) (Event, error) {
	if err := Check(p, it, ActAccept); err != nil {
		return Event{}, err
	}
	it.Status, it.AcceptedAt = StatusInProgress, e.Now
	return ev(e, p, EvAccepted), nil
}

// ContactInput is a logged contact.
type ContactInput struct {
	Date   Date
	Method ContactMethod
	// Stage: before or during the work; a contact after the current
	// round's reply is 办后 whatever is given (StageOfNext).
	Stage ContactStage
	Note  string
}

// StageOfNext is the stage of a contact logged now, if it is decided:
// after the current round's reply, a contact is a follow-up (办后 回访).
// Before it, the department says whether the work had begun (ok false).
func (it *Item) StageOfNext() (stage ContactStage, decided bool) {
	if r := it.LatestReply(); r != nil && r.Round == it.Round && in(it.Status, StatusReplied, StatusClosed) {
		return StageAfter, true
	}
	return "", false
}

// HasContact reports whether a contact matching f was logged.
func (it *Item) HasContact(f func(c *ContactLog) bool) bool {
	for i := range it.Contacts {
		if f(&it.Contacts[i]) {
			return true
		}
	}
	return false
}

// MetFaceToFace reports whether the department met the deputy in person
// (a contact of a face-to-face form, not disputed by him).
func (it *Item) MetFaceToFace() bool {
	return it.HasContact(func(c *ContactLog) bool { return c.Method.FaceToFace() && c.State != ContactDisputed })
}

// FollowedUp reports whether the department talked with the deputy after
// a reply (办后 回访; not disputed by him).
func (it *Item) FollowedUp() bool {
	return it.HasContact(func(c *ContactLog) bool { return c.Stage == StageAfter && c.State != ContactDisputed })
}

// MissingContacts are the contacts the rules ask for before a reply that
// the item does not have yet (for its card and the digest).
func (it *Item) MissingContacts(r *Rules) []ContactNeed {
	if !r.RequireContact {
		return nil
	}
	var out []ContactNeed
	for _, n := range r.ContactsBeforeReply {
		has := it.HasContact(func(c *ContactLog) bool {
			switch n {
			case NeedFace:
				return c.Method.FaceToFace() && c.State != ContactDisputed
			default:
				return c.Stage == ContactStage(n) && c.State != ContactDisputed
			}
		})
		if !has {
			out = append(out, n)
		}
	}
	return out
}

// LogContact records that the lead department talked with the deputy; the
// deputy is then asked to confirm it. The first contact also accepts an
// assigned item.
func LogContact(it *Item, p *Person, in ContactInput, e Env) (Event, error) {
	if err := Check(p, it, ActLogContact); err != nil {
		return Event{}, err
	}
	if !slices.Contains(ContactMethods, in.Method) {
		return Event{}, Errorf(EINVALID, "err.method_unknown")
	}
	if st, ok := it.StageOfNext(); ok {
		in.Stage = st
	} else if in.Stage != StageBefore && in.Stage != StageDuring {
		return Event{}, Errorf(EINVALID, "err.stage_unknown")
	}
	if err := CheckContactDate(it, in.Date, e); err != nil {
		return Event{}, err
	}
	if err := CheckContactLogsToday(it, p, e); err != nil {
		return Event{}, err
	}
	note, err := CheckNote(in.Note)
	if err != nil {
		return Event{}, err
	}
	if it.Status == StatusAssigned {
		it.Status, it.AcceptedAt = StatusInProgress, e.Now
	}
	n := len(it.Contacts) + 1
	it.Contacts = append(it.Contacts, ContactLog{N: n, Date: in.Date.String(), Method: in.Method, Stage: in.Stage, Note: note,
		By: p.ID, Dept: p.DepartmentID, Round: it.Round, LoggedAt: e.Now, State: ContactPending})
	return ev(e, p, EvContactLogged, "n", strconv.Itoa(n), "date", in.Date.String(), "method", string(in.Method),
		"stage", string(in.Stage)), nil
}

// ContactDates is the range a contact's date may take: from the day the
// item was assigned to today.
func ContactDates(it *Item, e Env) (first, last Date) {
	return DateOf(it.AssignedAt, e.loc()), e.today()
}

// CheckContactDate is the rule on a contact's date: not before the
// assignment, not after today. The dialogue asks it at the date's own
// step, and LogContact again.
func CheckContactDate(it *Item, d Date, e Env) error {
	first, last := ContactDates(it, e)
	if last.Before(d) {
		return Errorf(EINVALID, "err.contact_future")
	}
	if d.Before(first) {
		return Errorf(EINVALID, "err.contact_before_assignment", "Date", first.String())
	}
	return nil
}

// ConfirmContact records the deputy's answer about logged contact n: a
// dispute (not confirmed) needs his reason.
func ConfirmContact(it *Item, p *Person, n int, confirmed bool, reason string, e Env) (Event, error) {
	if err := Check(p, it, ActConfirmContact); err != nil {
		return Event{}, err
	}
	if n < 1 || n > len(it.Contacts) {
		return Event{}, Errorf(ENOTFOUND, "err.contact_not_found")
	}
	c := &it.Contacts[n-1]
	if c.State != ContactPending {
		return Event{}, Errorf(ECONFLICT, "err.contact_answered")
	}
	if confirmed {
		c.State = ContactConfirmed
		return ev(e, p, EvContactConfirmed, "n", strconv.Itoa(n)), nil
	}
	reason, err := CheckReason(reason)
	if err != nil {
		return Event{}, err
	}
	c.State, c.Dispute = ContactDisputed, reason
	return ev(e, p, EvContactDisputed, "n", strconv.Itoa(n), "reason", reason), nil
}

// ReplyInput is a department's reply.
type ReplyInput struct {
	Class    ReplyClass
	Text     string
	FileID   string
	FileName string
	FileKind string // "photo", or "" for a document
	// Promises: a B reply's dated promises (a C reply's if it plans).
	Promises []PromiseInput
	// Points: the deputy's text split into its requests (nil: as split
	// before, or not split); Answers: the reply's answer to each.
	// LeaveUnanswered confirms a reply that answers not every request.
	Points          []string
	Answers         []PointAnswer
	LeaveUnanswered bool
}

// points checks the reply's split and answers against the item's, and
// returns the split the reply answers.
func (in *ReplyInput) points(det *ItemDetails) ([]Point, error) {
	points := det.Points
	if in.Points != nil {
		ps, err := CheckPoints(in.Points)
		if err != nil {
			return nil, err
		}
		points = ps
	}
	if len(in.Answers) > 0 && len(points) == 0 {
		return nil, Errorf(EINVALID, "err.point_unknown")
	}
	if err := checkAnswers(points, in.Answers); err != nil {
		return nil, err
	}
	for i := range in.Answers {
		in.Answers[i].Text = CleanText(in.Answers[i].Text)
	}
	if len(in.Answers) > 0 && len(Unanswered(points, in.Answers)) > 0 && !in.LeaveUnanswered {
		return nil, Errorf(ECONFLICT, "err.points_unanswered", "Count", len(Unanswered(points, in.Answers)))
	}
	return points, nil
}

func (in *ReplyInput) check(e Env) error {
	if !slices.Contains(ReplyClasses, in.Class) {
		return Errorf(EINVALID, "err.class_unknown")
	}
	if err := CheckPromises(in.Class, in.Promises, e); err != nil {
		return err
	}
	t, err := CheckReplyText(in.Text)
	if err != nil {
		return err
	}
	in.Text = t
	if utf8.RuneCountInString(in.FileName) > MaxAttachmentName {
		in.FileName = string([]rune(in.FileName)[:MaxAttachmentName])
	}
	return nil
}

// ReplyBlocked says why the lead department cannot reply yet, or nil:
// with Rules.RequireContact, a contact with the deputy must be logged
// first. The bot asks it before collecting the reply's text.
func ReplyBlocked(it *Item, r *Rules) error {
	if r.RequireContact && len(it.Contacts) == 0 {
		return Errorf(ECONFLICT, "err.contact_first")
	}
	if missing := it.MissingContacts(r); len(missing) > 0 {
		return Errorf(ECONFLICT, "err.contact_need_"+string(missing[0]))
	}
	return nil
}

// SendReply records the lead department's reply for the current round.
// With Rules.RequireContact, some contact with the deputy must have been
// logged first.
func SendReply(it *Item, det *ItemDetails, p *Person, in ReplyInput, e Env) (Event, error) {
	if err := Check(p, it, ActReply); err != nil {
		return Event{}, err
	}
	if err := in.check(e); err != nil {
		return Event{}, err
	}
	if err := ReplyBlocked(it, e.Rules); err != nil {
		return Event{}, err
	}
	points, err := in.points(det)
	if err != nil {
		return Event{}, err
	}
	confirmed := false
	for _, c := range it.Contacts {
		confirmed = confirmed || c.State == ContactConfirmed
	}
	var contributed []string
	for _, c := range it.CoDepts {
		if !c.OpinionAt.IsZero() {
			contributed = append(contributed, c.Dept)
		}
	}
	r := Reply{Round: it.Round, Class: in.Class, At: e.Now, By: p.ID, Deadline: it.Deadline,
		NoContact: !confirmed, CoDepts: contributed}
	it.Replies = append(it.Replies, r)
	it.Status = StatusReplied
	it.PromiseOpen = in.Class.Promise()
	it.setPromises(it.Round, in.Promises)
	it.RatingRemindedAt = time.Time{}
	det.Points = points
	det.Replies = append(det.Replies, ReplyText{Round: it.Round, Class: in.Class, Text: in.Text,
		FileID: in.FileID, FileName: in.FileName, FileKind: in.FileKind, At: e.Now, By: p.ID, Answers: in.Answers})
	return ev(e, p, EvReplied, "round", strconv.Itoa(r.Round), "class", string(in.Class),
		"late", strconv.FormatBool(e.ReplyLate(it, r.Round)), "promises", strconv.Itoa(len(in.Promises))), nil
}

// SendOpinion records a co-department's opinion for the lead department.
func SendOpinion(it *Item, det *ItemDetails, p *Person, text string, e Env) (Event, error) {
	if err := Check(p, it, ActOpinion); err != nil {
		return Event{}, err
	}
	text, err := CheckReplyText(text)
	if err != nil {
		return Event{}, err
	}
	it.CoDept(p.DepartmentID).OpinionAt = e.Now
	det.Opinions = append(det.Opinions, Opinion{Dept: p.DepartmentID, Text: text, At: e.Now, By: p.ID})
	return ev(e, p, EvOpinion, "dept", p.DepartmentID), nil
}

// RequestExtension asks the office for a later deadline.
func RequestExtension(it *Item, p *Person, reason string, e Env) (Event, error) {
	if err := Check(p, it, ActRequestExtend); err != nil {
		return Event{}, err
	}
	reason, err := CheckReason(reason)
	if err != nil {
		return Event{}, err
	}
	it.Request = &Request{Kind: KindExtensionRequest, By: p.ID, At: e.Now, Reason: reason}
	return ev(e, p, EvExtensionAsked, "reason", reason), nil
}

// ReturnWindowOpen reports whether a return may still be asked for without
// the office's override: within Rules.ReturnWorkdays working days of
// assignment.
func ReturnWindowOpen(it *Item, e Env) bool {
	return e.Calendar.Workdays(DateOf(it.AssignedAt, e.loc()), e.today()) <= e.Rules.ReturnWorkdays
}

// RequestReturn asks the office to take back a wrongly assigned item. After
// the return window the request is marked late: only an explicit override
// by the office grants it.
func RequestReturn(it *Item, p *Person, reason string, e Env) (Event, error) {
	if err := Check(p, it, ActRequestReturn); err != nil {
		return Event{}, err
	}
	reason, err := CheckReason(reason)
	if err != nil {
		return Event{}, err
	}
	late := !ReturnWindowOpen(it, e)
	it.Request = &Request{Kind: KindReturnRequest, By: p.ID, At: e.Now, Reason: reason, Late: late}
	return ev(e, p, EvReturnAsked, "reason", reason, "late", strconv.FormatBool(late)), nil
}

// Decision is the office's answer to a department's request.
type Decision struct {
	Approve bool
	// Extension: the new deadline (zero: the latest the law allows).
	Deadline time.Time
	// Return: reassign to this department (empty: return the item to the
	// deputy with the request's reason).
	NewLead string
	// Override must be set to grant a late return request.
	Override bool
}

// DecideRequest applies the office's decision on the pending request.
func DecideRequest(it *Item, p *Person, d Decision, e Env) (Event, error) {
	if err := Check(p, it, ActDecideRequest); err != nil {
		return Event{}, err
	}
	req := it.Request
	if req.Kind == KindWithholdRequest {
		return decideWithhold(it, p, req, d.Approve, e), nil
	}
	if !d.Approve {
		it.Request = nil
		if req.Kind == KindExtensionRequest {
			return ev(e, p, EvExtensionRefused), nil
		}
		return ev(e, p, EvReturnRefused), nil
	}
	switch req.Kind {
	case KindExtensionRequest:
		latest := e.LatestDeadline(it.Kind, it.AssignedAt)
		deadline := d.Deadline
		if deadline.IsZero() {
			deadline = e.ExtensionDeadline(it)
		}
		if !deadline.After(it.Deadline) {
			return Event{}, Errorf(EINVALID, "err.extension_not_later")
		}
		if err := e.checkDeadline(deadline, latest); err != nil {
			return Event{}, err
		}
		old := it.Deadline
		it.Deadline, it.Request = deadline, nil
		it.Extensions++
		return ev(e, p, EvExtensionApproved, "from", dateText(old, e.loc()), "to", dateText(deadline, e.loc())), nil
	default: // return
		if req.Late && !d.Override {
			return Event{}, Errorf(ECONFLICT, "err.return_late")
		}
		if d.NewLead == "" {
			it.Request = nil
			it.Status, it.ReturnReason, it.ClosedAt = StatusReturned, req.Reason, e.Now
			return ev(e, p, EvReturned, "reason", req.Reason), nil
		}
		if d.NewLead == it.LeadDept {
			return Event{}, Errorf(EINVALID, "err.same_department")
		}
		old := it.LeadDept
		deadline := d.Deadline
		if deadline.IsZero() {
			deadline = e.ReassignDeadline(it.Kind)
		}
		if err := e.checkDeadline(deadline, e.LatestDeadline(it.Kind, e.Now)); err != nil {
			return Event{}, err
		}
		it.Request = nil
		it.LeadDept, it.Status, it.AssignedAt, it.AcceptedAt, it.Deadline = d.NewLead, StatusAssigned, e.Now, time.Time{}, deadline
		it.CoDepts = slices.DeleteFunc(it.CoDepts, func(c CoDept) bool { return c.Dept == d.NewLead })
		return ev(e, p, EvReassigned, "from", old, "to", d.NewLead, "deadline", dateText(deadline, e.loc())), nil
	}
}

// FinalRound is the round whose rating is final: an unsatisfied rating
// of an earlier round has the item handled again, once.
const FinalRound = 2

// RatingInput is the deputy's two ratings of a reply: the handling
// (沟通/办理态度) and the result (办理结果), and his comment (a reason,
// required when either is unsatisfied).
type RatingInput struct {
	Attitude, Result RatingValue
	Comment          string
}

// Unsatisfied reports whether either rating is unsatisfied.
func (in RatingInput) Unsatisfied() bool {
	return in.Attitude == Unsatisfied || in.Result == Unsatisfied
}

// Rate records the deputy's ratings of the current round's reply. The
// result decides what follows: satisfied or basic closes the item;
// unsatisfied in round 1 starts rehandling with a new deadline; round
// 2's rating is final whatever it is. An unsatisfied rating of either
// kind needs a reason.
func Rate(it *Item, p *Person, round int, in RatingInput, e Env) ([]Event, error) {
	if err := Check(p, it, ActRate); err != nil {
		return nil, err
	}
	if err := it.RatingOpen(round); err != nil {
		return nil, err
	}
	if !in.Result.Given() || !in.Attitude.Given() {
		return nil, Errorf(EINVALID, "err.rating_unknown")
	}
	worst := in.Result
	if in.Unsatisfied() {
		worst = Unsatisfied
	}
	comment, err := CheckRatingComment(worst, in.Comment)
	if err != nil {
		return nil, err
	}
	value := in.Result
	it.Ratings = append(it.Ratings, Rating{Round: round, Value: value, Attitude: in.Attitude, At: e.Now, Comment: comment})
	evs := []Event{ev(e, p, EvRated, "round", strconv.Itoa(round), "value", string(value), "attitude", string(in.Attitude),
		"comment", comment)}
	if value == Unsatisfied && round < FinalRound {
		it.Status, it.Round = StatusRehandling, round+1
		it.Deadline = e.RehandlingDeadline()
		return append(evs, ev(e, nil, EvRehandling, "deadline", dateText(it.Deadline, e.loc()))), nil
	}
	return append(evs, closeItem(it, value, e)), nil
}

// RateCoDept records the deputy's rating of a co-department's opinion
// on the reply of round, once: the co-department contributed to that
// reply, and he rated the reply itself.
func RateCoDept(it *Item, p *Person, round int, dept string, value RatingValue, e Env) (Event, error) {
	if it.AuthorID != p.ID {
		return Event{}, Errorf(EFORBIDDEN, "err.not_your_part")
	}
	if !value.Given() {
		return Event{}, Errorf(EINVALID, "err.rating_unknown")
	}
	r := it.RatingOf(round)
	if r == nil {
		return Event{}, Errorf(ECONFLICT, "err.rate_reply_first")
	}
	if !slices.Contains(it.CoDeptsToRate(round), dept) {
		return Event{}, Errorf(ENOTFOUND, "err.codept_not_rated")
	}
	if r.CoRating(dept) != nil {
		return Event{}, Errorf(ECONFLICT, "err.already_rated")
	}
	r.CoDepts = append(r.CoDepts, CoRating{Dept: dept, Value: value, At: e.Now})
	return ev(e, p, EvCoRated, "round", strconv.Itoa(round), "dept", dept, "value", string(value)), nil
}

// CoDeptsToRate are the co-departments whose opinions the reply of round
// drew on: the deputy may rate each.
func (it *Item) CoDeptsToRate(round int) []string {
	for _, r := range it.Replies {
		if r.Round == round {
			return r.CoDepts
		}
	}
	return nil
}

func closeItem(it *Item, outcome RatingValue, e Env) Event {
	it.Status, it.Outcome, it.ClosedAt, it.Request = StatusClosed, outcome, e.Now, nil
	return ev(e, nil, EvClosed, "outcome", string(outcome))
}

func (d Date) addDays(n int) Date { return DateOf(d.Time(time.UTC).AddDate(0, 0, n), time.UTC) }

// CloseUnrated closes a replied item whose deputy did not rate in time
// (called by the scheduler when the rating window has passed).
func CloseUnrated(it *Item, e Env) (Event, error) {
	if it.Status != StatusReplied {
		return Event{}, Errorf(ECONFLICT, "err.wrong_status", "Status", string(it.Status))
	}
	return closeItem(it, Unrated, e), nil
}

// PostProgress records progress on a B/C promise; met ends the promise.
func PostProgress(it *Item, det *ItemDetails, p *Person, text string, met bool, e Env) (Event, error) {
	if err := Check(p, it, ActProgress); err != nil {
		return Event{}, err
	}
	text, err := CheckReplyText(text)
	if err != nil {
		return Event{}, err
	}
	det.Progress = append(det.Progress, Progress{Text: text, At: e.Now, By: p.ID, Met: met})
	if met {
		it.PromiseOpen = false
	}
	return ev(e, p, EvProgress, "met", strconv.FormatBool(met)), nil
}

// FlagInput is a quality review finding.
type FlagInput struct {
	Category FlagCategory
	Deadline time.Time // zero: Rules.RectificationDays from now
	Note     string
}

// FlagReply records a supervisor's finding on the latest reply; the lead
// department must send a corrected reply by the deadline.
func FlagReply(it *Item, p *Person, in FlagInput, e Env) (Event, error) {
	if err := Check(p, it, ActFlag); err != nil {
		return Event{}, err
	}
	if !slices.Contains(FlagCategories, in.Category) {
		return Event{}, Errorf(EINVALID, "err.flag_category_unknown")
	}
	note, err := CheckNote(in.Note)
	if err != nil {
		return Event{}, err
	}
	deadline := in.Deadline
	if deadline.IsZero() {
		deadline = e.RectificationDeadline()
	}
	if err := e.checkDeadline(deadline, e.LatestRectification()); err != nil {
		return Event{}, err
	}
	n := len(it.Flags) + 1
	r := it.LatestReply()
	it.Flags = append(it.Flags, QualityFlag{N: n, Round: r.Round, Category: in.Category, Note: note, By: p.ID, At: e.Now, Deadline: deadline})
	return ev(e, p, EvFlagged, "n", strconv.Itoa(n), "category", string(in.Category), "deadline", dateText(deadline, e.loc())), nil
}

// CorrectReply replaces the flagged reply with a corrected one and
// resolves the flag. The deputy's rating, if given, stands.
func CorrectReply(it *Item, det *ItemDetails, p *Person, in ReplyInput, e Env) (Event, error) {
	if err := Check(p, it, ActCorrect); err != nil {
		return Event{}, err
	}
	if err := in.check(e); err != nil {
		return Event{}, err
	}
	points, err := in.points(det)
	if err != nil {
		return Event{}, err
	}
	det.Points = points
	f := it.OpenFlag()
	f.ResolvedAt = e.Now
	for i := range it.Replies {
		if it.Replies[i].Round == f.Round {
			it.Replies[i].Class = in.Class
			it.Replies[i].Corrected++
		}
	}
	if r := it.LatestReply(); r.Round == f.Round {
		it.PromiseOpen = in.Class.Promise()
	}
	it.setPromises(f.Round, in.Promises)
	det.Replies = append(det.Replies, ReplyText{Round: f.Round, Class: in.Class, Text: in.Text,
		FileID: in.FileID, FileName: in.FileName, FileKind: in.FileKind, At: e.Now, By: p.ID, Correction: true, Answers: in.Answers})
	return ev(e, p, EvCorrected, "n", strconv.Itoa(f.N), "class", string(in.Class)), nil
}

// CurrentReplyText is the latest text (correction included) of a round's
// reply.
func (det *ItemDetails) CurrentReplyText(round int) *ReplyText {
	for i := len(det.Replies) - 1; i >= 0; i-- {
		if det.Replies[i].Round == round {
			return &det.Replies[i]
		}
	}
	return nil
}
