package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	"deputybot"
	"deputybot/internal/crash"
)

// The use cases of people: who is behind a Telegram user, invitations
// and joining, names and languages, departments.
//
// A change asked for by a Telegram update (cause, its update_id) is made
// once: handled again after a crash, the update finds what it did — the
// person, the department, the link it made — and is answered as the
// first time. Records made for an update get ids made from it, links get
// tokens made from it (deputybot.InvitationToken).

// newID is a random id for a record no update asked for.
func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// causeID is the id of the record an update makes (kind: "p", "d"): the
// same when the update is handled again; random without an update.
func causeID(kind string, cause int64) string {
	if cause == 0 {
		return newID()
	}
	return kind + "-u" + strconv.FormatInt(cause, 10)
}

// Identify finds the person behind a Telegram user; nil for a stranger.
// A bootstrap admin (ADMIN_TELEGRAM_IDS) gets a record at his first
// message, and holds the office role as long as the configuration says
// so. A person who writes can be reached again.
func (s *Service) Identify(ctx context.Context, u deputybot.TelegramUser, now time.Time) (*deputybot.Person, error) {
	p, err := s.store.PersonByTelegramID(ctx, u.ID)
	if deputybot.ErrorCode(err) == deputybot.ENOTFOUND {
		if !s.IsAdmin(u.ID) {
			return nil, nil
		}
		p, err = s.bootstrapAdmin(ctx, u, now)
	}
	if err != nil {
		return nil, err
	}
	s.asAdmin(p)
	if p.Unreachable != "" {
		// He writes to us, so he can be reached again.
		if err := s.store.ClearUnreachable(ctx, p.ID); err == nil {
			p.Unreachable = ""
		}
	}
	return p, nil
}

// asAdmin gives a bootstrap admin the office role (in memory: the
// configuration grants it, not the record).
func (s *Service) asAdmin(p *deputybot.Person) {
	if p != nil && s.IsAdmin(p.TelegramID) {
		p.Admin = true
		p.AddRole(deputybot.RoleOffice)
	}
}

func (s *Service) bootstrapAdmin(ctx context.Context, u deputybot.TelegramUser, now time.Time) (*deputybot.Person, error) {
	p := deputybot.BootstrapAdmin("admin-"+strconv.FormatInt(u.ID, 10), u, now)
	if err := s.store.InsertPerson(ctx, p); err != nil && deputybot.ErrorCode(err) != deputybot.ECONFLICT {
		return nil, err
	}
	// Two first messages at once: both made the same record, one binds.
	if err := s.store.Bind(ctx, u.ID, p.ID, now); err != nil && deputybot.ErrorCode(err) != deputybot.ECONFLICT {
		return nil, err
	}
	return s.store.PersonByTelegramID(ctx, u.ID)
}

// Invitation is an invitation made: the person invited and the link's
// token (shown once, in the link).
type Invitation struct {
	Person *deputybot.Person
	Role   deputybot.Role
	Token  string
	// Expires: when the link stops working.
	Expires time.Time
}

// token is the token of the invitation made for purpose.
func (s *Service) token(ctx context.Context, purpose string) (string, error) {
	if purpose == "" {
		return deputybot.NewInvitationToken()
	}
	secret, err := s.store.Secret(ctx, "invitations")
	if err != nil {
		return "", err
	}
	return deputybot.InvitationToken(secret, purpose), nil
}

func causePurpose(cause int64) string {
	if cause == 0 {
		return ""
	}
	return "u" + strconv.FormatInt(cause, 10)
}

// Invite invites a person for a role (the office: PermManagePeople; else
// EFORBIDDEN): the request is checked (EINVALID; a department that does
// not exist is ENOTFOUND), the person is recorded as invited, and a
// one-time link is made, valid InvitationValidity. Asked again by the
// same update, it returns the same person and link.
func (s *Service) Invite(ctx context.Context, by *deputybot.Person, cause int64, req deputybot.InviteRequest, now time.Time) (*Invitation, error) {
	if !by.Can(deputybot.PermManagePeople) {
		return nil, deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if req.DepartmentID != "" {
		if _, err := s.store.Department(ctx, req.DepartmentID); err != nil {
			return nil, err
		}
	}
	if err := s.checkInvitesMade(ctx, by, cause, now); err != nil {
		return nil, err
	}
	p := req.Invited(causeID("p", cause), now)
	if err := s.store.InsertPerson(ctx, p); err != nil {
		if cause == 0 || deputybot.ErrorCode(err) != deputybot.ECONFLICT {
			return nil, err
		}
		// Made by this update before a crash.
		if p, err = s.store.Person(ctx, p.ID); err != nil {
			return nil, err
		}
	}
	crash.Point("person-written")
	return s.newLink(ctx, p, req.Role, by.ID, causePurpose(cause), p.CreatedAt)
}

// checkInvitesMade is the cap on the links one person makes a minute.
// An update handled again after a crash made its link already: it is not
// held to the cap again.
func (s *Service) checkInvitesMade(ctx context.Context, by *deputybot.Person, cause int64, now time.Time) error {
	if cause != 0 {
		if _, err := s.store.Person(ctx, causeID("p", cause)); err == nil {
			return nil
		}
	}
	return s.invitesMade(ctx, by, now)
}

// invitesMade is the cap on the links one person makes a minute.
func (s *Service) invitesMade(ctx context.Context, by *deputybot.Person, now time.Time) error {
	made, err := s.store.InvitationsMadeSince(ctx, by.ID, now.Add(-time.Minute))
	if err != nil {
		return err
	}
	return deputybot.CheckInvitesMade(made)
}

// newLink makes the invitation link of purpose for p (the same again for
// the same purpose).
func (s *Service) newLink(ctx context.Context, p *deputybot.Person, role deputybot.Role, by, purpose string, at time.Time) (*Invitation, error) {
	token, err := s.token(ctx, purpose)
	if err != nil {
		return nil, err
	}
	inv := deputybot.NewInvitation(token, p.ID, role, by, at)
	if err := s.store.InsertInvitations(ctx, []deputybot.Invitation{inv}); err != nil {
		if deputybot.ErrorCode(err) != deputybot.ECONFLICT {
			return nil, err
		}
		// Made before a crash: that one stands.
		old, err := s.store.Invitation(ctx, inv.TokenHash)
		if err != nil {
			return nil, err
		}
		inv = *old
	}
	return &Invitation{Person: p, Role: role, Token: token, Expires: inv.ExpiresAt}, nil
}

// RenewInvitation gives an invited person who lost his link a new one
// (the office: PermManagePeople), revoking the old ones; ECONFLICT
// ("err.person_joined") once he has joined.
func (s *Service) RenewInvitation(ctx context.Context, by *deputybot.Person, cause int64, personID string, now time.Time) (*Invitation, error) {
	if !by.Can(deputybot.PermManagePeople) {
		return nil, deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
	}
	p, err := s.store.Person(ctx, personID)
	if err != nil {
		return nil, err
	}
	purpose := causePurpose(cause)
	if purpose != "" {
		purpose += ":renew:" + personID
	}
	var keep string
	if purpose != "" {
		token, err := s.token(ctx, purpose)
		if err != nil {
			return nil, err
		}
		keep = deputybot.HashToken(token)
	}
	old, err := s.store.PersonInvitations(ctx, personID)
	if err != nil {
		return nil, err
	}
	role := p.Roles[0]
	for _, inv := range old {
		if inv.TokenHash == keep {
			// Renewed by this update before a crash.
			return s.newLink(ctx, p, inv.Role, by.ID, purpose, inv.CreatedAt)
		}
	}
	if p.State != deputybot.PersonInvited {
		return nil, deputybot.Errorf(deputybot.ECONFLICT, "err.person_joined", "Name", p.Name)
	}
	if err := s.invitesMade(ctx, by, now); err != nil {
		return nil, err
	}
	for _, inv := range old {
		role = inv.Role
		if inv.UsedAt.IsZero() && !inv.Revoked {
			if err := s.store.RevokeInvitation(ctx, inv.TokenHash); err != nil {
				return nil, err
			}
		}
	}
	return s.newLink(ctx, p, role, by.ID, purpose, now)
}

// Join redeems an invitation link for the Telegram user u (anyone may:
// the link is the proof): a stranger becomes the invited person, a
// registered person gains the invitation's role. An unknown, used,
// revoked or expired link binds nobody (ENOTFOUND, ECONFLICT). A person
// who opens his own used link again is told he has joined
// (deputybot.AlreadyJoined); the update that used it, handled again after
// a crash, is answered as the first time.
func (s *Service) Join(ctx context.Context, cause int64, token string, u deputybot.TelegramUser, now time.Time) (*deputybot.Person, deputybot.JoinOutcome, error) {
	if !deputybot.LooksLikeToken(token) {
		return nil, "", deputybot.Errorf(deputybot.ENOTFOUND, "err.invite_unknown")
	}
	inv, err := s.store.Invitation(ctx, deputybot.HashToken(token))
	if err != nil {
		return nil, "", err
	}
	existing, err := s.store.PersonByTelegramID(ctx, u.ID)
	if err != nil && deputybot.ErrorCode(err) != deputybot.ENOTFOUND {
		return nil, "", err
	}
	if !inv.UsedAt.IsZero() && inv.UsedBy == u.ID && existing != nil {
		s.asAdmin(existing)
		if cause != 0 && inv.UsedCause == cause {
			if existing.ID == inv.PersonID {
				return existing, deputybot.Joined, nil
			}
			return existing, deputybot.RoleAdded, nil
		}
		return existing, deputybot.AlreadyJoined, nil
	}
	if err := inv.CheckRedeemable(now); err != nil {
		return nil, "", err
	}
	invited, err := s.store.Person(ctx, inv.PersonID)
	if err != nil {
		return nil, "", err
	}
	// The claim makes the link single-use even when two people open it
	// at the same moment.
	if err := s.store.UseInvitation(ctx, inv.TokenHash, u.ID, cause, now); err != nil {
		return nil, "", err
	}
	if existing == nil {
		if err := s.store.Bind(ctx, u.ID, invited.ID, now); err != nil {
			if deputybot.ErrorCode(err) != deputybot.ECONFLICT {
				return nil, "", err
			}
			// The same user redeemed two links at once: fold this one in.
			if existing, err = s.store.PersonByTelegramID(ctx, u.ID); err != nil {
				return nil, "", err
			}
		}
	}
	p, outcome := deputybot.Join(inv, invited, existing, u, now)
	if err := s.store.ReplacePerson(ctx, p); err != nil {
		return nil, "", err
	}
	if outcome == deputybot.RoleAdded {
		if err := s.store.ReplacePerson(ctx, invited.Merged(p.ID, now)); err != nil {
			return nil, "", err
		}
	}
	s.asAdmin(p)
	return p, outcome, nil
}

// SetName changes the name a person is shown by, as he chose it (/name):
// cleaned and checked (deputybot.ValidatePersonName: EINVALID), and
// nobody else's or any department's (EINVALID). The office hears of every
// change (once, for the update cause). It returns the name as stored.
func (s *Service) SetName(ctx context.Context, p *deputybot.Person, cause int64, name string) (string, error) {
	name = deputybot.CleanName(name)
	if err := deputybot.ValidatePersonName(name); err != nil {
		return "", err
	}
	if name == p.Name {
		return name, nil
	}
	if key := deputybot.NameKey(name); key != deputybot.NameKey(p.Name) {
		if err := s.nameFree(ctx, p.ID, key, name); err != nil {
			return "", err
		}
	}
	if err := s.store.SetName(ctx, p.ID, name); err != nil {
		return "", err
	}
	old := p.Name
	p.Name = name
	var msgs []deputybot.OutboxMessage
	for _, to := range s.office(ctx) {
		if to.PersonID == p.ID || to.ChatID == p.TelegramID {
			continue
		}
		text, batch := s.render.NameChanged(ctx, to, p, old)
		msgs = append(msgs, batched(Messages(fmt.Sprintf("name:%d:%d", cause, to.ChatID), "notification", to, text, ""), batch)...)
	}
	if _, err := s.out.Enqueue(ctx, msgs); err != nil {
		s.log.Error("the office not told of a change of name", "person", p.ID, "err", err)
	}
	return name, nil
}

// nameFree checks that no other person, and no department, goes by a
// name of that key.
func (s *Service) nameFree(ctx context.Context, personID, key, name string) error {
	people, _, err := s.store.People(ctx, deputybot.PeopleFilter{})
	if err != nil {
		return err
	}
	for _, o := range people {
		if o.ID != personID && o.State != deputybot.PersonRemoved && deputybot.NameKey(o.Name) == key {
			return deputybot.Errorf(deputybot.EINVALID, "err.name_taken", "Name", name)
		}
	}
	depts, err := s.store.Departments(ctx)
	if err != nil {
		return err
	}
	for _, d := range depts {
		if deputybot.NameKey(d.Name) == key {
			return deputybot.Errorf(deputybot.EINVALID, "err.name_reserved", "Name", name)
		}
	}
	return nil
}

// SetLanguage changes the language a person is addressed in.
func (s *Service) SetLanguage(ctx context.Context, p *deputybot.Person, lang deputybot.Language) error {
	if err := s.store.SetLanguage(ctx, p.ID, lang); err != nil {
		return err
	}
	p.Language = lang
	return nil
}

// RecordMenu records which command menu Telegram shows the person.
func (s *Service) RecordMenu(ctx context.Context, p *deputybot.Person, key string) error {
	if err := s.store.SetCommandsKey(ctx, p.ID, key); err != nil {
		return err
	}
	p.CommandsKey = key
	return nil
}

// AddDepartment adds a department (the office: PermManageDepartments). A
// name taken already (ignoring case, width and spacing) is ECONFLICT
// ("err.department_exists"). Asked again by the same update, it returns
// the department it added.
func (s *Service) AddDepartment(ctx context.Context, by *deputybot.Person, cause int64, name string, now time.Time) (*deputybot.Department, error) {
	if !by.Can(deputybot.PermManageDepartments) {
		return nil, deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
	}
	d, err := deputybot.NewDepartment(causeID("d", cause), name, now)
	if err != nil {
		return nil, err
	}
	if cause != 0 {
		if done, err := s.store.Department(ctx, d.ID); err == nil {
			return done, nil // added by this update before a crash
		}
	}
	if err := s.store.InsertDepartment(ctx, d); err != nil {
		return nil, err
	}
	crash.Point("department-written")
	return d, nil
}

// RemovePerson removes a person (the office: PermManagePeople): his
// Telegram binding is cut and his unused links revoked; he stays by name
// in the items' history. A leader in charge of open items hands them to
// successor (an active leader's id; "-": to none); without one it is
// ECONFLICT ("err.person_has_work"). Nobody removes himself or a
// bootstrap admin. It returns the removed person and the items handed
// over.
func (s *Service) RemovePerson(ctx context.Context, by *deputybot.Person, cause int64, id, successor string, now time.Time) (*deputybot.Person, int, error) {
	if !by.Can(deputybot.PermManagePeople) {
		return nil, 0, deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
	}
	p, err := s.store.Person(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if p.State == deputybot.PersonRemoved {
		return p, 0, nil // removed by this update before a crash
	}
	if p.ID == by.ID || p.TelegramID != 0 && slices.Contains(s.admins, p.TelegramID) {
		return nil, 0, deputybot.Errorf(deputybot.ECONFLICT, "err.remove_self", "Name", p.Name)
	}
	var led []*deputybot.Item
	if p.HasRole(deputybot.RoleLeader) {
		items, err := s.store.ItemsWithStatus(ctx)
		if err != nil {
			return nil, 0, err
		}
		for _, it := range items {
			if it.LeaderID == p.ID && it.IsOpen() {
				led = append(led, it)
			}
		}
	}
	to := ""
	switch {
	case len(led) > 0 && successor == "":
		return nil, 0, deputybot.Errorf(deputybot.ECONFLICT, "err.person_has_work", "Name", p.Name, "Count", len(led))
	case successor != "" && successor != "-":
		q, err := s.store.Person(ctx, successor)
		if err != nil || q.ID == p.ID || q.State != deputybot.PersonActive || !q.HasRole(deputybot.RoleLeader) {
			return nil, 0, deputybot.Errorf(deputybot.EINVALID, "err.leader_unknown")
		}
		to = q.ID
	}
	for _, it := range led {
		if _, err := s.Act(ctx, by, 0, it.ID, now, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			if it.LeaderID != p.ID {
				return nil, nil // handed over already
			}
			return one(deputybot.HandOverLeader(it, by, to, e))
		}); err != nil {
			return nil, 0, err
		}
	}
	invs, err := s.store.PersonInvitations(ctx, p.ID)
	if err != nil {
		return nil, 0, err
	}
	for _, inv := range invs {
		if inv.UsedAt.IsZero() && !inv.Revoked {
			if err := s.store.RevokeInvitation(ctx, inv.TokenHash); err != nil {
				return nil, 0, err
			}
		}
	}
	if p.TelegramID != 0 {
		if err := s.store.Unbind(ctx, p.TelegramID); err != nil {
			return nil, 0, err
		}
	}
	r := p.Removed(now)
	return r, len(led), s.store.ReplacePerson(ctx, r)
}

// RenameDepartment renames a department (the office): its items, its
// contacts and its public pages follow it, since they hold its id.
func (s *Service) RenameDepartment(ctx context.Context, by *deputybot.Person, id, name string) (*deputybot.Department, error) {
	if !by.Can(deputybot.PermManageDepartments) {
		return nil, deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
	}
	d, err := s.store.Department(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := d.Renamed(name)
	if err != nil {
		return nil, err
	}
	if r.Name == d.Name {
		return d, nil
	}
	return r, s.store.UpdateDepartment(ctx, r)
}

// RetireDepartment retires a department with no open work (the office):
// it is offered nowhere again; its items keep it in their history.
func (s *Service) RetireDepartment(ctx context.Context, by *deputybot.Person, id string, now time.Time) (*deputybot.Department, error) {
	if !by.Can(deputybot.PermManageDepartments) {
		return nil, deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
	}
	d, err := s.store.Department(ctx, id)
	if err != nil {
		return nil, err
	}
	items, err := s.store.DepartmentItems(ctx, id)
	if err != nil {
		return nil, err
	}
	open := 0
	for _, it := range items {
		if slices.ContainsFunc(it.OpenDuties(), func(du deputybot.Duty) bool { return du.Dept == id }) {
			open++
		}
	}
	r, err := d.Retire(open, now)
	if err != nil {
		return nil, err
	}
	return r, s.store.UpdateDepartment(ctx, r)
}
