package deputybot

import (
	"slices"
	"time"
)

// Public disclosure (SPEC §9, 网上公开回复): what of the record the public
// site shows, and the withholding of an item or a reply.

// Disclosure is the configured publication.
type Disclosure struct {
	// Enabled: the record is published (off by default): the site is
	// served and written, and departments may ask to withhold.
	Enabled bool
	// HideDeputies: the deputies' names are not published.
	HideDeputies bool
}

// KindWithholdRequest: a department asks that an item or a reply not be
// published (classified content, personal data); the office decides.
const KindWithholdRequest RequestKind = "withhold"

// WithholdScope is what a withholding request covers.
type WithholdScope string

const (
	WithholdItem  WithholdScope = "item"  // the whole item: only its number is shown
	WithholdReply WithholdScope = "reply" // the text of one round's reply
)

// Withholding records that the office withheld an item from publication.
type Withholding struct {
	Reason string    `bson:"reason"` // the department's, never published
	At     time.Time `bson:"at"`
	By     string    `bson:"by"` // the office's person
}

// Actions of disclosure.
const (
	ActWithholdItem  Action = "withhold_item"
	ActWithholdReply Action = "withhold_reply"
	// ActRepublish: the office publishes again what it withheld (a
	// mistake, or a text no longer classified).
	ActRepublish Action = "republish"
)

// Events of disclosure.
const (
	EvWithholdAsked   = "withhold_requested"
	EvWithheld        = "withheld"
	EvWithholdRefused = "withhold_refused"
	EvRepublished     = "republished"
)

// Public reports whether the item's own page, list entries and texts are
// published: it is handled (assigned, from then on) and not withheld. A
// withheld item keeps a page that gives only its number. Drafts,
// submitted, returned and withdrawn items are never public.
func (it *Item) Public() bool { return it.Handled() && it.Withheld == nil }

// Disclosed reports whether the item appears on the public site at all,
// withheld or not.
func (it *Item) Disclosed() bool { return it.Handled() }

// ReplyPublic reports whether the text of a round's reply is published.
func (it *Item) ReplyPublic(round int) bool {
	if !it.Public() {
		return false
	}
	for _, r := range it.Replies {
		if r.Round == round && r.Withheld {
			return false
		}
	}
	return true
}

// PublicEvents are the timeline events shown on an item's public page:
// what happened to the item, never who said what in private (contact
// logs, requests, disputes, quality review, opinions).
var PublicEvents = []string{EvSubmitted, EvAssigned, EvReassigned, EvExtensionApproved, EvReplied, EvCorrected,
	EvRated, EvRehandling, EvProgress, EvClosed}

// withheldAnything reports whether the item or one of its replies is
// withheld.
func (it *Item) withheldAnything() bool {
	return it.Withheld != nil || slices.ContainsFunc(it.Replies, func(r Reply) bool { return r.Withheld })
}

// Offered reports whether the rules offer an action at all: withholding,
// and publishing again, only while the record is published.
func (r *Rules) Offered(act Action) bool {
	switch act {
	case ActWithholdItem, ActWithholdReply, ActRepublish:
		return r.Disclosure.Enabled
	}
	return true
}

// checkDisclosure decides the withholding requests and their undoing.
func checkDisclosure(p *Person, it *Item, act Action) error {
	if act == ActRepublish {
		if !p.HasRole(RoleOffice) {
			return Errorf(EFORBIDDEN, "err.not_your_part")
		}
		if !it.withheldAnything() {
			return Errorf(ECONFLICT, "err.not_withheld")
		}
		return nil
	}
	if !it.IsLeadContact(p) {
		return Errorf(EFORBIDDEN, "err.not_your_part")
	}
	wrong := Errorf(ECONFLICT, "err.wrong_status", "Status", string(it.Status))
	switch act {
	case ActWithholdItem:
		if !it.Handled() {
			return wrong
		}
		if it.Withheld != nil {
			return Errorf(ECONFLICT, "err.already_withheld")
		}
	case ActWithholdReply:
		r := it.LatestReply()
		if r == nil || !it.Handled() {
			return wrong
		}
		if r.Withheld || it.Withheld != nil {
			return Errorf(ECONFLICT, "err.already_withheld")
		}
	}
	if it.Request != nil {
		return Errorf(ECONFLICT, "err.request_pending")
	}
	return nil
}

// RequestWithhold asks the office not to publish the item, or its latest
// reply, for the reason given (classified content, personal data).
func RequestWithhold(it *Item, p *Person, scope WithholdScope, reason string, e Env) (Event, error) {
	act := ActWithholdItem
	if scope == WithholdReply {
		act = ActWithholdReply
	} else if scope != WithholdItem {
		return Event{}, Errorf(EINVALID, "err.wrong_status", "Status", string(it.Status))
	}
	if err := Check(p, it, act); err != nil {
		return Event{}, err
	}
	if !e.Rules.Offered(act) {
		return Event{}, Errorf(EFORBIDDEN, "err.disclosure_off")
	}
	reason, err := CheckReason(reason)
	if err != nil {
		return Event{}, err
	}
	req := &Request{Kind: KindWithholdRequest, By: p.ID, At: e.Now, Reason: reason, Scope: scope}
	if scope == WithholdReply {
		req.Round = it.LatestReply().Round
	}
	it.Request = req
	return ev(e, p, EvWithholdAsked, "reason", reason, "scope", string(scope)), nil
}

// Republish publishes again all that the office withheld of the item.
func Republish(it *Item, p *Person, e Env) (Event, error) {
	if err := Check(p, it, ActRepublish); err != nil {
		return Event{}, err
	}
	if !e.Rules.Offered(ActRepublish) {
		return Event{}, Errorf(EFORBIDDEN, "err.disclosure_off")
	}
	it.Withheld = nil
	for i := range it.Replies {
		it.Replies[i].Withheld = false
	}
	return ev(e, p, EvRepublished), nil
}

// decideWithhold applies the office's decision on a withholding request.
func decideWithhold(it *Item, p *Person, req *Request, approve bool, e Env) Event {
	it.Request = nil
	if !approve {
		return ev(e, p, EvWithholdRefused, "scope", string(req.Scope))
	}
	if req.Scope == WithholdReply {
		for i := range it.Replies {
			if it.Replies[i].Round == req.Round {
				it.Replies[i].Withheld = true
			}
		}
	} else {
		it.Withheld = &Withholding{Reason: req.Reason, At: e.Now, By: p.ID}
	}
	return ev(e, p, EvWithheld, "scope", string(req.Scope))
}
