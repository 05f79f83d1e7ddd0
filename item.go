package deputybot

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Kind is what a deputy files.
type Kind string

const (
	KindSuggestion Kind = "suggestion" // 建议、批评和意见
	KindMotion     Kind = "motion"     // 议案: needs co-sponsors
)

// Period says whether an item was filed during the congress session or
// between sessions; the annual report counts them separately.
type Period string

const (
	PeriodSession Period = "session" // 会议期间
	PeriodRecess  Period = "recess"  // 闭会期间
)

// Status is where an item stands in its workflow (SPEC §3.1).
type Status string

const (
	StatusDraft      Status = "draft"
	StatusSubmitted  Status = "submitted"
	StatusReturned   Status = "returned"
	StatusWithdrawn  Status = "withdrawn"
	StatusAssigned   Status = "assigned"
	StatusInProgress Status = "in_progress"
	StatusReplied    Status = "replied"
	StatusRehandling Status = "rehandling"
	StatusClosed     Status = "closed"
)

// Limits on what deputies type.
const (
	MaxTitleLen       = 100
	MaxBodyLen        = 3000
	MaxAttachments    = 10
	MaxCoSponsors     = 50
	MaxAttachmentName = 100
)

// CoSponsorState is a co-sponsor's answer.
type CoSponsorState string

const (
	CoSponsorInvited   CoSponsorState = "invited"
	CoSponsorConfirmed CoSponsorState = "confirmed"
	CoSponsorDeclined  CoSponsorState = "declined"
)

// CoSponsor is a deputy asked to join an item (附议).
type CoSponsor struct {
	PersonID string         `bson:"personId"`
	State    CoSponsorState `bson:"state"`
	At       time.Time      `bson:"at"`
	// Asked: the co-sponsor has been sent the request to confirm (when
	// the author submits; a draft's co-sponsors are not disturbed yet).
	Asked bool `bson:"asked,omitempty"`
}

// Attachment is a file a deputy sent with the item; Telegram keeps the
// file, we keep its id.
type Attachment struct {
	FileID string `bson:"fileId"`
	Kind   string `bson:"kind"` // document | photo
	Name   string `bson:"name,omitempty"`
}

// Item is a motion or suggestion: what lists, digests and reports read.
// Its long parts (body, attachments, timeline, texts) are its
// ItemDetails, stored with it and read when one item is shown.
type Item struct {
	ID         string      `bson:"_id"`
	Kind       Kind        `bson:"kind"`
	Year       int         `bson:"year,omitempty"` // of the number
	Seq        int         `bson:"seq,omitempty"`  // of the number; 0 until submitted
	Period     Period      `bson:"period,omitempty"`
	Title      string      `bson:"title"`
	Category   string      `bson:"category"`
	AuthorID   string      `bson:"authorId"`
	CoSponsors []CoSponsor `bson:"coSponsors,omitempty"`
	Status     Status      `bson:"status"`
	// SubmitRequested: the author pressed Submit on a motion that lacks
	// confirmed co-sponsors; it is submitted as soon as enough confirm.
	SubmitRequested bool `bson:"submitRequested,omitempty"`
	// ShareToken makes the co-sponsor link of the item.
	ShareToken  string    `bson:"shareToken,omitempty"`
	Attachments int       `bson:"attachments,omitempty"` // how many
	CreatedAt   time.Time `bson:"createdAt"`
	SubmittedAt time.Time `bson:"submittedAt,omitempty"`
	UpdatedAt   time.Time `bson:"updatedAt"`

	// Handling. Texts (replies, opinions, progress) are in ItemDetails.
	LeadDept   string    `bson:"leadDept,omitempty"`
	CoDepts    []CoDept  `bson:"coDepts,omitempty"`
	LeaderID   string    `bson:"leaderId,omitempty"`
	Key        bool      `bson:"key,omitempty"` // under key supervision (重点督办)
	AssignedAt time.Time `bson:"assignedAt,omitempty"`
	AcceptedAt time.Time `bson:"acceptedAt,omitempty"`
	// Deadline of the current round's reply: set at assignment, moved by
	// an approved extension, set again for rehandling. The end of its
	// local day.
	Deadline time.Time `bson:"deadline,omitempty"`
	// Round is the handling round: 1, or 2 after an unsatisfied rating.
	Round       int           `bson:"round,omitempty"`
	Replies     []Reply       `bson:"replies,omitempty"` // one per round
	Ratings     []Rating      `bson:"ratings,omitempty"` // at most one per round
	Contacts    []ContactLog  `bson:"contacts,omitempty"`
	Request     *Request      `bson:"request,omitempty"` // an undecided extension or return request
	Extensions  int           `bson:"extensions,omitempty"`
	Flags       []QualityFlag `bson:"flags,omitempty"`
	PromiseOpen bool          `bson:"promiseOpen,omitempty"` // a B/C reply whose promise is not yet met
	// Promises: the dated promises of B/C replies, with the department's
	// reports and the deputy's answers.
	Promises []Promise `bson:"promises,omitempty"`
	// GroupID: handled together with items of the same content (并案办理):
	// the group's first item's id (its own, for that one). groups.go.
	GroupID string `bson:"groupId,omitempty"`
	// ThreadID: the issue was raised in earlier years, linked by the
	// office: the thread's first item's id; ThreadRun: how many years in
	// a row, ending with this item's, when it was linked.
	ThreadID  string `bson:"threadId,omitempty"`
	ThreadRun int    `bson:"threadRun,omitempty"`
	// Withheld: the office agreed not to publish the item (SPEC §9).
	Withheld *Withholding `bson:"withheld,omitempty"`
	ClosedAt time.Time    `bson:"closedAt,omitempty"`
	// Outcome is the final rating when closed: satisfied, basic,
	// unsatisfied, or unrated.
	Outcome      RatingValue `bson:"outcome,omitempty"`
	ReturnReason string      `bson:"returnReason,omitempty"`
	// Targets of a motion, and their progress.
	Targets []Target `bson:"targets,omitempty"`
	// RatingRemindedAt: when the deputy was asked again to rate (the
	// item closes as unrated Rules.UnratedDays later).
	RatingRemindedAt time.Time `bson:"ratingRemindedAt,omitempty"`
	// Version counts the item's changes; a change is stored only over the
	// version it was made from (optimistic concurrency).
	Version int `bson:"version"`
}

// ItemDetails holds an item's long parts: stored in the item's document,
// but read only when one item is shown (lists, digests and reports read
// the item without them).
type ItemDetails struct {
	Body        string       `bson:"body"`
	Attachments []Attachment `bson:"attachments,omitempty"`
	Timeline    []Event      `bson:"timeline,omitempty"`
	Replies     []ReplyText  `bson:"replies,omitempty"`  // every reply and correction, in order
	Opinions    []Opinion    `bson:"opinions,omitempty"` // co-departments'
	Progress    []Progress   `bson:"progress,omitempty"` // on B/C promises
	// Points: the deputy's text split into its requests by the lead
	// department when it replied (none: not split).
	Points []Point `bson:"points,omitempty"`
}

// Event is one line of an item's timeline: who did what, when, with the
// values that changed.
type Event struct {
	At      time.Time         `bson:"at"`
	ActorID string            `bson:"actorId,omitempty"` // empty: the system
	Type    string            `bson:"type"`
	Data    map[string]string `bson:"data,omitempty"`
}

// Event types.
const (
	EvDrafted           = "drafted"
	EvSubmitted         = "submitted"
	EvSubmitRequested   = "submit_requested"
	EvWithdrawn         = "withdrawn"
	EvCoSponsorInvited  = "cosponsor_invited"
	EvCoSponsorJoined   = "cosponsor_joined" // by share link
	EvCoSponsorConfirm  = "cosponsor_confirmed"
	EvCoSponsorDeclined = "cosponsor_declined"
	EvEdited            = "edited"
)

// Number is the item's human number, "2026-017", or "" for a draft.
func (it *Item) Number() string {
	if it.Seq == 0 {
		return ""
	}
	return FormatNumber(it.Year, it.Seq)
}

// FormatNumber formats a year and sequence: 2026, 17 → "2026-017".
func FormatNumber(year, seq int) string { return fmt.Sprintf("%d-%03d", year, seq) }

// Code is the item's number with its kind letter, "S2026-017" or
// "M2026-002", unique across kinds and easy to type in /view.
func (it *Item) Code() string {
	if it.Seq == 0 {
		return ""
	}
	return kindLetter(it.Kind) + it.Number()
}

func kindLetter(k Kind) string {
	if k == KindMotion {
		return "M"
	}
	return "S"
}

// NumberQuery is a parsed item number as a person types it.
type NumberQuery struct {
	Kind Kind // empty: either kind
	Year int
	Seq  int
}

var numberRE = regexp.MustCompile(`^(?i)(?:(s|m|sug|suggestion|mot|motion|建议|议案)\s*)?(\d{4})\s*[-/. ]\s*(\d{1,6})$`)

// ParseNumber reads "2026-017", "S2026-17", "建议 2026-017",
// "建议2026-017", "motion 2026-2", and full-width forms a Chinese input
// method types ("建议２０２６－０１７").
func ParseNumber(s string) (NumberQuery, bool) {
	m := numberRE.FindStringSubmatch(strings.TrimSpace(width.Narrow.String(s)))
	if m == nil {
		return NumberQuery{}, false
	}
	var q NumberQuery
	switch strings.ToLower(m[1]) {
	case "s", "sug", "suggestion", "建议":
		q.Kind = KindSuggestion
	case "m", "mot", "motion", "议案":
		q.Kind = KindMotion
	}
	q.Year, _ = strconv.Atoi(m[2])
	q.Seq, _ = strconv.Atoi(m[3])
	if q.Seq == 0 {
		return NumberQuery{}, false
	}
	return q, true
}

// ValidateTitle checks an item title.
func ValidateTitle(s string) error { return validateText(s, MaxTitleLen, true) }

// ValidateBody checks an item body.
func ValidateBody(s string) error { return validateText(s, MaxBodyLen, false) }

func validateText(s string, max int, oneLine bool) error {
	if strings.TrimSpace(s) == "" {
		return Errorf(EINVALID, "err.text_empty")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Errorf(EINVALID, "err.text_too_long", "Max", max, "Got", n)
	}
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "err.text_invalid")
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
			if oneLine || r != '\r' {
				return Errorf(EINVALID, "err.text_invalid")
			}
		}
		if oneLine && r == '\n' {
			return Errorf(EINVALID, "err.title_one_line")
		}
	}
	return nil
}

// CoSponsor returns p's co-sponsorship of it, or nil.
func (it *Item) CoSponsor(personID string) *CoSponsor {
	for i := range it.CoSponsors {
		if it.CoSponsors[i].PersonID == personID {
			return &it.CoSponsors[i]
		}
	}
	return nil
}

// ConfirmedCoSponsors counts the co-sponsors who confirmed.
func (it *Item) ConfirmedCoSponsors() int {
	n := 0
	for _, c := range it.CoSponsors {
		if c.State == CoSponsorConfirmed {
			n++
		}
	}
	return n
}

// ConfirmedCoSponsorIDs are the people who confirmed co-sponsoring.
func (it *Item) ConfirmedCoSponsorIDs() []string {
	var ids []string
	for _, c := range it.CoSponsors {
		if c.State == CoSponsorConfirmed {
			ids = append(ids, c.PersonID)
		}
	}
	return ids
}

// Handled reports whether the item was handed to departments: assigned,
// in progress, replied, being handled again or closed. Submitted items not
// yet assigned, returned and withdrawn items are not (the figures count
// handled items; the public site shows them).
func (it *Item) Handled() bool {
	switch it.Status {
	case StatusAssigned, StatusInProgress, StatusReplied, StatusRehandling, StatusClosed:
		return true
	}
	return false
}

// IsOpen reports whether the item still waits for handling to finish.
func (it *Item) IsOpen() bool {
	switch it.Status {
	case StatusSubmitted, StatusAssigned, StatusInProgress, StatusReplied, StatusRehandling:
		return true
	}
	return false
}

// Validate cleans a draft's input (see CleanText) and checks it against
// the rules.
func (in *DraftInput) Validate(r *Rules) error {
	in.Title, in.Body = CleanText(in.Title), CleanText(in.Body)
	if in.Kind != KindSuggestion && in.Kind != KindMotion {
		return Errorf(EINVALID, "err.kind_unknown")
	}
	if err := ValidateTitle(in.Title); err != nil {
		return err
	}
	if err := ValidateBody(in.Body); err != nil {
		return err
	}
	if _, ok := r.Category(in.Category); !ok {
		return Errorf(EINVALID, "err.category_unknown")
	}
	if len(in.Attachments) > MaxAttachments {
		return Errorf(EINVALID, "err.too_many_attachments", "Max", MaxAttachments)
	}
	if len(in.CoSponsors) > MaxCoSponsors {
		return Errorf(EINVALID, "err.too_many_cosponsors", "Max", MaxCoSponsors)
	}
	return nil
}

// Snapshot is the record as someone may see it at a time: the items, the
// departments, the people messages cannot reach, and the rules, calendar
// and time. Digests, statistics, reports and the register are computed
// from it.
type Snapshot struct {
	Items       []*Item
	Departments []*Department
	// Unreachable are the people messages cannot be delivered to.
	Unreachable []*Person
	// Unstaffed are the departments no contact has joined
	// (JoinedContacts).
	Unstaffed []*Department
	Env       Env
	// Scope says whose items these are, for the documents made of them
	// to say so in their titles.
	Scope Scope
	// Details are the motions' long parts (the report writes each motion
	// from its record); Names the names of the leaders in charge.
	Details map[string]*ItemDetails
	Names   map[string]string
}

// Scope is whose items a snapshot holds: the whole district's, or only
// what one person may see (a leader: the items he leads).
type Scope struct {
	// Person is the name of the person whose view it is; empty: the
	// whole district.
	Person string
}

// Whole reports whether the snapshot holds every item.
func (s Scope) Whole() bool { return s.Person == "" }

// ScopeOf is the scope of what p sees: the whole district for those who
// oversee everything (nil: the scheduler, the command line), else p's own.
func ScopeOf(p *Person) Scope {
	if p == nil || p.OverseesAll() {
		return Scope{}
	}
	return Scope{Person: p.Name}
}

// DeptName names a department by id ("" if unknown).
func (s Snapshot) DeptName(id string) string {
	for _, d := range s.Departments {
		if d.ID == id {
			return d.Name
		}
	}
	return ""
}
