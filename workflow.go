package deputybot

import "time"

// Action is something a person does to an item. Which actions are allowed
// for whom, in which status, is decided here and only here.
type Action string

const (
	ActView        Action = "view"
	ActEditDraft   Action = "edit_draft"
	ActSubmit      Action = "submit"
	ActDeleteDraft Action = "delete_draft"
	ActWithdraw    Action = "withdraw"
)

// CanView reports whether p may see it. Whoever may not see an item is
// told it does not exist.
func CanView(p *Person, it *Item) bool {
	if p == nil || p.State != PersonActive {
		return false
	}
	if it.AuthorID == p.ID {
		return true
	}
	if it.Status == StatusDraft {
		// A draft is the author's, and its co-sponsors' (they confirm it).
		c := it.CoSponsor(p.ID)
		return c != nil && c.State != CoSponsorDeclined
	}
	if p.OverseesAll() {
		return true
	}
	if it.LeaderID == p.ID || (it.Status != StatusSubmitted && (it.IsLeadContact(p) || it.IsCoContact(p))) {
		return true
	}
	// A co-sponsor who declined sees no more than any other deputy.
	c := it.CoSponsor(p.ID)
	return c != nil && c.State != CoSponsorDeclined
}

// CanSeePhone reports whether p may see the deputy's phone number on
// an item: the people who handle it (its departments' contacts, once it
// is theirs, and its leader), the office and the supervisors. Never
// other deputies (co-sponsors included) nor the public.
func CanSeePhone(p *Person, it *Item) bool {
	if p == nil || p.State != PersonActive || it.Status == StatusDraft || it.AuthorID == p.ID {
		return false
	}
	return p.OverseesAll() || it.LeaderID == p.ID || it.Status != StatusSubmitted && (it.IsLeadContact(p) || it.IsCoContact(p))
}

// OverseesAll reports whether p sees every submitted item (the office
// and the supervisors), rather than only his own part of them.
func (p *Person) OverseesAll() bool { return p.HasAnyRole(RoleOffice, RoleSupervisor) }

// VisibleTo returns the items p may see (CanView), in their order: what
// every list, figure, report and export shows p, so that no command shows
// anyone more than /view would.
func VisibleTo(p *Person, items []*Item) []*Item {
	var out []*Item
	for _, it := range items {
		if CanView(p, it) {
			out = append(out, it)
		}
	}
	return out
}

// Check says whether p may do act to it now: nil, or an error for the
// person (ENOTFOUND when p may not even see the item).
func Check(p *Person, it *Item, act Action) error {
	if !CanView(p, it) {
		return Errorf(ENOTFOUND, "err.item_not_found")
	}
	author := it.AuthorID == p.ID
	switch act {
	case ActView:
		return nil
	case ActEditDraft, ActSubmit, ActDeleteDraft:
		if !author {
			return Errorf(EFORBIDDEN, "err.only_author")
		}
		if it.Status != StatusDraft {
			return Errorf(ECONFLICT, "err.not_draft")
		}
		return nil
	case ActWithdraw:
		if !author {
			return Errorf(EFORBIDDEN, "err.only_author")
		}
		if it.Status != StatusSubmitted {
			return Errorf(ECONFLICT, "err.withdraw_too_late")
		}
		return nil
	}
	if act == ActWithholdItem || act == ActWithholdReply || act == ActRepublish {
		return checkDisclosure(p, it, act)
	}
	return checkHandling(p, it, act)
}

// Submit submits a draft for p. A motion without enough confirmed
// co-sponsors is not submitted but marked to be submitted as soon as they
// confirm (submitted is false then). Either way the co-sponsors not asked
// yet are asked now (a draft's co-sponsors are not disturbed before). On
// submission the item gets its period and the year of its number; the
// sequence number is claimed by the store.
func Submit(it *Item, p *Person, r *Rules, now time.Time) (ev Event, submitted bool, err error) {
	if err := Check(p, it, ActSubmit); err != nil {
		return Event{}, false, err
	}
	if it.Title == "" || it.Category == "" {
		return Event{}, false, Errorf(EINVALID, "err.draft_incomplete")
	}
	for i := range it.CoSponsors {
		if c := &it.CoSponsors[i]; c.State == CoSponsorInvited {
			c.Asked = true
		}
	}
	if it.Kind == KindMotion && it.ConfirmedCoSponsors() < r.MotionCoSponsors() {
		it.SubmitRequested = true
		return Event{At: now, ActorID: p.ID, Type: EvSubmitRequested}, false, nil
	}
	return markSubmitted(it, p.ID, r, now), true, nil
}

func markSubmitted(it *Item, actorID string, r *Rules, now time.Time) Event {
	it.Status = StatusSubmitted
	it.SubmitRequested = false
	it.SubmittedAt = now
	it.Period = r.PeriodAt(now)
	if it.Seq == 0 {
		// A revised item keeps its number, and so its year.
		it.Year = now.In(r.loc()).Year()
	}
	return Event{At: now, ActorID: actorID, Type: EvSubmitted, Data: map[string]string{"period": string(it.Period)}}
}

// Withdraw withdraws a submitted item that is not yet assigned.
func Withdraw(it *Item, p *Person, now time.Time) (Event, error) {
	if err := Check(p, it, ActWithdraw); err != nil {
		return Event{}, err
	}
	it.Status = StatusWithdrawn
	return Event{At: now, ActorID: p.ID, Type: EvWithdrawn}, nil
}

// NewDraft is a new draft of author's from what he typed (checked
// already: DraftInput.Validate): id and shareToken are its id and the
// token of its co-sponsor link.
func NewDraft(author *Person, in DraftInput, id, shareToken string, now time.Time) (*Item, *ItemDetails) {
	it := &Item{ID: id, AuthorID: author.ID, Status: StatusDraft, ShareToken: shareToken, CreatedAt: now, UpdatedAt: now, Version: 1}
	det := &ItemDetails{Timeline: []Event{{At: now, ActorID: author.ID, Type: EvDrafted}}}
	setDraft(it, det, in, now)
	return it, det
}

// EditDraft replaces a draft's fields with what its author typed (checked
// already: DraftInput.Validate). Co-sponsors kept keep their answers.
func EditDraft(it *Item, det *ItemDetails, author *Person, in DraftInput, now time.Time) (Event, error) {
	if err := Check(author, it, ActEditDraft); err != nil {
		return Event{}, err
	}
	setDraft(it, det, in, now)
	return Event{At: now, ActorID: author.ID, Type: EvEdited}, nil
}

func setDraft(it *Item, det *ItemDetails, in DraftInput, now time.Time) {
	it.Kind, it.Title, it.Category = in.Kind, in.Title, in.Category
	it.Attachments = len(in.Attachments)
	var cos []CoSponsor
	for _, id := range in.CoSponsors {
		if id == it.AuthorID {
			continue
		}
		if c := it.CoSponsor(id); c != nil {
			cos = append(cos, *c)
		} else {
			cos = append(cos, CoSponsor{PersonID: id, State: CoSponsorInvited, At: now})
		}
	}
	it.CoSponsors = cos
	det.Body, det.Attachments = in.Body, in.Attachments
}

// CanViewWithToken: a deputy who opened the item's share link may see it
// to decide whether to co-sponsor it.
func CanViewWithToken(p *Person, it *Item, token string) bool {
	if CanView(p, it) {
		return true
	}
	return p != nil && p.State == PersonActive && p.HasRole(RoleDeputy) &&
		it.ShareToken != "" && token == it.ShareToken &&
		(it.Status == StatusDraft || it.Status == StatusSubmitted)
}

// AnswerCoSponsor records p's answer to co-sponsoring it: an invited
// co-sponsor confirms or declines; a deputy with the share link (token)
// joins by confirming. When a motion whose author already pressed Submit
// reaches its co-sponsors, it is submitted (submitted is true).
func AnswerCoSponsor(it *Item, p *Person, accept bool, token string, r *Rules, now time.Time) (evs []Event, submitted bool, err error) {
	if c := it.CoSponsor(p.ID); c != nil && c.State == CoSponsorDeclined && p.State == PersonActive {
		// He may no longer see the item; he may know he answered.
		return nil, false, Errorf(ECONFLICT, "err.cosponsor_answered")
	}
	if !CanViewWithToken(p, it, token) {
		return nil, false, Errorf(ENOTFOUND, "err.item_not_found")
	}
	if it.AuthorID == p.ID {
		return nil, false, Errorf(ECONFLICT, "err.cosponsor_self")
	}
	if !p.HasRole(RoleDeputy) {
		return nil, false, Errorf(EFORBIDDEN, "err.cosponsor_not_deputy")
	}
	if it.Status != StatusDraft && it.Status != StatusSubmitted {
		return nil, false, Errorf(ECONFLICT, "err.cosponsors_closed")
	}
	c := it.CoSponsor(p.ID)
	switch {
	case c == nil && (token == "" || token != it.ShareToken):
		return nil, false, Errorf(ENOTFOUND, "err.item_not_found")
	case c == nil && !accept:
		return nil, false, nil // declining a link one never joined changes nothing
	case c == nil:
		if len(it.CoSponsors) >= MaxCoSponsors {
			return nil, false, Errorf(EINVALID, "err.too_many_cosponsors", "Max", MaxCoSponsors)
		}
		it.CoSponsors = append(it.CoSponsors, CoSponsor{PersonID: p.ID, State: CoSponsorConfirmed, At: now})
		evs = append(evs, Event{At: now, ActorID: p.ID, Type: EvCoSponsorJoined})
	case c.State != CoSponsorInvited:
		return nil, false, Errorf(ECONFLICT, "err.cosponsor_answered")
	case accept:
		c.State, c.At = CoSponsorConfirmed, now
		evs = append(evs, Event{At: now, ActorID: p.ID, Type: EvCoSponsorConfirm})
	default:
		c.State, c.At = CoSponsorDeclined, now
		evs = append(evs, Event{At: now, ActorID: p.ID, Type: EvCoSponsorDeclined})
	}
	if it.Status == StatusDraft && it.SubmitRequested && it.Kind == KindMotion && it.ConfirmedCoSponsors() >= r.MotionCoSponsors() {
		evs = append(evs, markSubmitted(it, "", r, now))
		submitted = true
	}
	return evs, submitted, nil
}

// Joinable reports whether a deputy who found it while filing the same
// issue may join it as co-sponsor instead: it is open (submitted, or in
// hand and not yet answered for good) and p may see it (his right to it,
// or its publication).
func (it *Item) Joinable(p *Person) bool {
	switch it.Status {
	case StatusSubmitted, StatusAssigned, StatusInProgress, StatusRehandling:
	default:
		return false
	}
	return CanView(p, it) || it.Public()
}

// JoinAsCoSponsor records p, a deputy filing the same issue, as a
// co-sponsor of an open item he found (SPEC: similar items when filing).
// The author is told; the co-sponsor hears of its reply.
func JoinAsCoSponsor(it *Item, p *Person, now time.Time) (Event, error) {
	switch {
	case p == nil || p.State != PersonActive || !p.HasRole(RoleDeputy):
		return Event{}, Errorf(EFORBIDDEN, "err.cosponsor_not_deputy")
	case !CanView(p, it) && !it.Public():
		return Event{}, Errorf(ENOTFOUND, "err.item_not_found")
	case it.AuthorID == p.ID:
		return Event{}, Errorf(ECONFLICT, "err.cosponsor_self")
	case !it.Joinable(p):
		return Event{}, Errorf(ECONFLICT, "err.join_closed")
	}
	if c := it.CoSponsor(p.ID); c != nil {
		if c.State == CoSponsorConfirmed {
			return Event{}, Errorf(ECONFLICT, "err.join_already")
		}
		c.State, c.At = CoSponsorConfirmed, now
	} else {
		if len(it.CoSponsors) >= MaxCoSponsors {
			return Event{}, Errorf(EINVALID, "err.too_many_cosponsors", "Max", MaxCoSponsors)
		}
		it.CoSponsors = append(it.CoSponsors, CoSponsor{PersonID: p.ID, State: CoSponsorConfirmed, At: now})
	}
	return Event{At: now, ActorID: p.ID, Type: EvCoSponsorJoined, Data: map[string]string{"via": "similar"}}, nil
}
