// Package service is deputybot's application layer: the use cases of the
// SPEC. Act on an item (load it, check and change it by the domain's
// rules, store it with the notices the change causes, queue them), file a
// draft, remind, close what was not rated, send the digests, and take the
// snapshots that statistics and reports count. The chat interface and the
// scheduler both call it; nothing else changes an item.
//
// It imports the domain only. What it needs of storage, of the outbox and
// of the chat interface (the texts it sends) are the small interfaces
// declared here.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"deputybot"
	"deputybot/internal/crash"
)

// Store is what the use cases need of storage: a repository of the
// record, which keeps and finds and decides nothing the SPEC decides.
type Store interface {
	Person(ctx context.Context, id string) (*deputybot.Person, error)
	PersonByTelegramID(ctx context.Context, telegramID int64) (*deputybot.Person, error)
	PeopleWithRole(ctx context.Context, r deputybot.Role) ([]*deputybot.Person, error)
	People(ctx context.Context, f deputybot.PeopleFilter) ([]*deputybot.Person, int, error)
	DepartmentContacts(ctx context.Context, deptID string) ([]*deputybot.Person, error)
	UnreachablePeople(ctx context.Context) ([]*deputybot.Person, error)
	// InsertPerson and InsertPeople store new people (an id stored
	// already: ECONFLICT); ReplacePerson stores a person over his record.
	InsertPerson(ctx context.Context, p *deputybot.Person) error
	InsertPeople(ctx context.Context, ps []*deputybot.Person) error
	ReplacePerson(ctx context.Context, p *deputybot.Person) error
	Unbind(ctx context.Context, telegramID int64) error
	// Bind claims a Telegram user for a person (bound already: ECONFLICT).
	Bind(ctx context.Context, telegramID int64, personID string, now time.Time) error
	SetName(ctx context.Context, personID, name string) error
	SetLanguage(ctx context.Context, personID string, lang deputybot.Language) error
	SetCommandsKey(ctx context.Context, personID, key string) error
	ClearUnreachable(ctx context.Context, personID string) error

	InsertInvitations(ctx context.Context, invs []deputybot.Invitation) error
	Invitation(ctx context.Context, hash string) (*deputybot.Invitation, error)
	PersonInvitations(ctx context.Context, personID string) ([]deputybot.Invitation, error)
	RevokeInvitation(ctx context.Context, hash string) error
	// UseInvitation claims an invitation for a Telegram user (used
	// already: ECONFLICT).
	UseInvitation(ctx context.Context, hash string, telegramID, cause int64, at time.Time) error
	// Secret is the store's secret of that name, the same for every
	// process that shares the store.
	Secret(ctx context.Context, name string) ([]byte, error)
	// ClaimRows claims roster rows by key for an update; it returns the
	// update that claimed each row claimed before.
	ClaimRows(ctx context.Context, keys []string, cause int64, now time.Time) (map[string]int64, error)

	Department(ctx context.Context, id string) (*deputybot.Department, error)
	Departments(ctx context.Context) ([]*deputybot.Department, error)
	UpdateDepartment(ctx context.Context, d *deputybot.Department) error
	DepartmentItems(ctx context.Context, deptID string) ([]*deputybot.Item, error)
	PersonItems(ctx context.Context, personID string, offset, limit int) ([]*deputybot.Item, int, error)
	InvitationsMadeSince(ctx context.Context, by string, since time.Time) (int, error)
	InsertDepartment(ctx context.Context, d *deputybot.Department) error
	Calendar(ctx context.Context) (*deputybot.Calendar, error)
	SaveCalendar(ctx context.Context, c *deputybot.Calendar, by string, now time.Time) error

	Item(ctx context.Context, id string) (*deputybot.Item, error)
	ItemDetails(ctx context.Context, id string) (*deputybot.ItemDetails, error)
	// ItemsTexts reads the items' texts, replies and progress reports
	// (not their timelines), by id.
	ItemsTexts(ctx context.Context, ids []string) (map[string]*deputybot.ItemDetails, error)
	ItemsWithStatus(ctx context.Context, statuses ...deputybot.Status) ([]*deputybot.Item, error)
	UpdateItem(ctx context.Context, id string, c deputybot.ItemChange) (*deputybot.Item, error)
	InsertItem(ctx context.Context, it *deputybot.Item, det *deputybot.ItemDetails) error
	DeleteItem(ctx context.Context, id string, check func(*deputybot.Item) error) error

	// FlushNotices delivers the notices a crash left stored with item
	// changes; ClearNotices forgets those in the outbox.
	FlushNotices(ctx context.Context, deliver func(ctx context.Context, it *deputybot.Item, det *deputybot.ItemDetails, pending []deputybot.PendingNotice)) (int, error)
	ClearNotices(ctx context.Context, id string, ids []string) error

	// The record of reminder steps sent, each once ever.
	RemindersSent(ctx context.Context, keys []string) (map[string]bool, error)
	// RecordReminders records steps as sent: sent maps each key to its item.
	RecordReminders(ctx context.Context, sent map[string]string, now time.Time) error
	ForgetReminders(ctx context.Context, itemIDs []string) (int64, error)
}

// Outbox takes messages to send (exactly once by their IDs).
type Outbox interface {
	Enqueue(ctx context.Context, msgs []deputybot.OutboxMessage) (int, error)
	// Now is the outbox's clock, which dates its records.
	Now() time.Time
}

// Recipient is someone a message goes to.
type Recipient struct {
	PersonID string
	ChatID   int64
	Lang     deputybot.Language
	// Instead: the department whose message this is, sent to the office
	// because no contact of it has joined.
	Instead string
}

// key names the recipient in a message's key: his person, or his chat
// (a bootstrap admin who is no person yet).
func (r Recipient) key() string {
	if r.PersonID != "" {
		return r.PersonID
	}
	return "tg" + strconv.FormatInt(r.ChatID, 10)
}

// Change is the item a notice tells of, as stored after the change, for
// the notice's text (written at the change's time: Env.Now).
type Change struct {
	Item    *deputybot.Item
	Details *deputybot.ItemDetails
	Env     deputybot.Env
}

// Work is an item a department owes something on, and what it owes first.
type Work struct {
	Item *deputybot.Item
	Duty deputybot.Duty
}

// Renderer writes the messages the use cases send, in the recipient's
// language: the chat interface implements it. A keyboard is the chat's
// own encoding (opaque here).
type Renderer interface {
	// Notice and Reminder write a message, and how it may go with others
	// of its kind to the same person (an empty batch: alone).
	Notice(ctx context.Context, to Recipient, n deputybot.Notice, c Change) (text, keyboard string, batch deputybot.Batch)
	Reminder(ctx context.Context, to Recipient, r deputybot.Reminder, it *deputybot.Item, e deputybot.Env) (text, keyboard string, batch deputybot.Batch)
	// SupervisorDigest is the digest of the whole snapshot, and its
	// picture of the departments: a message to send after the text (its
	// recipient and id are set by the caller), or nil when there is
	// nothing to draw.
	SupervisorDigest(ctx context.Context, l deputybot.Language, s deputybot.Snapshot) (string, *deputybot.OutboxMessage)
	// LeaderDigest lists the items of the snapshot (those a leader may
	// see; there is at least one).
	LeaderDigest(ctx context.Context, l deputybot.Language, s deputybot.Snapshot) string
	// DepartmentDigest lists what a department has to do (at least one),
	// soonest first.
	DepartmentDigest(ctx context.Context, l deputybot.Language, work []Work, e deputybot.Env) string
	// NameChanged tells the office that a person changed his name (from
	// old to p.Name).
	NameChanged(ctx context.Context, to Recipient, p *deputybot.Person, old string) (string, deputybot.Batch)
}

// Options configure the service.
type Options struct {
	Rules *deputybot.Rules
	// Clock tells the time of the domain's rules (deadlines, schedules).
	Clock deputybot.Clock
	// AdminIDs are the bootstrap admins' Telegram ids: they hold the
	// office role, and hear what the office hears.
	AdminIDs []int64
	Logger   *slog.Logger
}

// Service runs the use cases.
type Service struct {
	store  Store
	out    Outbox
	render Renderer
	rules  *deputybot.Rules
	clock  deputybot.Clock
	admins []int64
	log    *slog.Logger
}

// New returns the service. The renderer may be set later (SetRenderer):
// the chat interface that writes the texts also calls the service.
func New(store Store, out Outbox, render Renderer, o Options) *Service {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, out: out, render: render, rules: o.Rules, clock: o.Clock, admins: o.AdminIDs, log: o.Logger}
}

// SetRenderer sets the writer of the service's messages.
func (s *Service) SetRenderer(r Renderer) { s.render = r }

// Rules are the configured rules.
func (s *Service) Rules() *deputybot.Rules { return s.rules }

// Now is the time of the domain's rules.
func (s *Service) Now() time.Time { return s.clock() }

// Env is what the rules need at now: the rules, the office's holiday
// calendar and the time.
func (s *Service) Env(ctx context.Context, now time.Time) (deputybot.Env, error) {
	cal, err := s.store.Calendar(ctx)
	if err != nil {
		return deputybot.Env{}, err
	}
	return deputybot.Env{Rules: s.rules, Calendar: cal, Now: now}, nil
}

// IsAdmin reports whether a Telegram user is a bootstrap admin.
func (s *Service) IsAdmin(telegramID int64) bool { return slices.Contains(s.admins, telegramID) }

// Action is a change of an item by the domain's rules: it changes it (and
// its details) and returns the events.
type Action func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error)

// Act changes an item as actor (nil: the scheduler) at now: loads it,
// applies the action (which checks what the rules allow), and stores it
// with its timeline events and who is told of it (deputybot.Notices);
// once it is stored, the messages are written and queued (deliver).
// cause is the Telegram update that asked for the change (0: none): a
// change asked for again by the same update — handled again after a
// crash — changes nothing and queues nothing twice.
func (s *Service) Act(ctx context.Context, actor *deputybot.Person, cause int64, id string, now time.Time, act Action) (*deputybot.Item, error) {
	e, err := s.Env(ctx, now)
	if err != nil {
		return nil, err
	}
	return s.store.UpdateItem(ctx, id, deputybot.ItemChange{
		Cause: cause,
		Apply: func(it *deputybot.Item, det *deputybot.ItemDetails) ([]deputybot.Event, error) {
			return act(it, det, e)
		},
		Notices: func(before, after *deputybot.Item, evs []deputybot.Event) []deputybot.Notice {
			ns := deputybot.Notices(before, after, evs)
			for i := range ns {
				if actor != nil {
					ns[i].Actor = actor.ID
				}
			}
			return ns
		},
		Deliver: s.deliver,
	})
}

// Recover queues the messages a crash left stored with item changes: the
// service calls it at start, before anything else changes items.
func (s *Service) Recover(ctx context.Context) error {
	n, err := s.store.FlushNotices(ctx, s.deliver)
	if err != nil {
		return fmt.Errorf("queue the notices left by the last stop: %w", err)
	}
	if n > 0 {
		s.log.Info("queued notices left by the last stop", "count", n)
	}
	return nil
}

// deliver writes the messages of a change's notices — to each person of
// each audience but the one who acted — puts them in the outbox (each
// once, by its notice's id and its recipient), and has the store forget
// the notices. It runs after the change is stored, without the item's
// lock. What fails here stays with the item, for the next change or the
// next start.
func (s *Service) deliver(ctx context.Context, it *deputybot.Item, det *deputybot.ItemDetails, pending []deputybot.PendingNotice) {
	var msgs []deputybot.OutboxMessage
	var ids []string
	envs := map[time.Time]deputybot.Env{}
	for _, n := range pending {
		e, ok := envs[n.Event.At]
		if !ok {
			var err error
			if e, err = s.Env(ctx, n.Event.At); err != nil {
				s.log.Error("notices of a change not queued yet", "item", it.ID, "err", err)
				return
			}
			envs[n.Event.At] = e
		}
		c := Change{Item: it, Details: det, Env: e}
		seen := map[int64]bool{}
		for _, to := range s.audience(ctx, n.Notice, it) {
			if to.ChatID == 0 || to.PersonID != "" && to.PersonID == n.Actor || seen[to.ChatID] {
				continue
			}
			seen[to.ChatID] = true
			text, kb, batch := s.render.Notice(ctx, to, n.Notice, c)
			msgs = append(msgs, batched(Messages(n.ID+":"+strconv.FormatInt(to.ChatID, 10), "notification", to, text, kb), batch)...)
		}
		ids = append(ids, n.ID)
	}
	if _, err := s.out.Enqueue(ctx, msgs); err != nil {
		s.log.Error("notices of a change not queued yet", "item", it.ID, "err", err)
		return
	}
	crash.Point("notices-queued")
	if err := s.store.ClearNotices(ctx, it.ID, ids); err != nil {
		s.log.Warn("queued notices not cleared from their item (they go once all the same)", "item", it.ID, "err", err)
		return
	}
	crash.Point("notices-removed")
}

// audience finds the people of a notice's (or a reminder's) audience
// for an item: the one place audiences become people.
func (s *Service) audience(ctx context.Context, n deputybot.Notice, it *deputybot.Item) []Recipient {
	switch n.To {
	case deputybot.ToAuthor:
		return s.people(ctx, it.AuthorID)
	case deputybot.ToAskedCoSponsors, deputybot.ToPersons:
		return s.people(ctx, n.Persons...)
	case deputybot.ToCoSponsors:
		return s.people(ctx, it.ConfirmedCoSponsorIDs()...)
	case deputybot.ToOffice:
		return s.office(ctx)
	case deputybot.ToLead:
		return s.contacts(ctx, it.LeadDept)
	case deputybot.ToFormerLead, deputybot.ToDept:
		return s.contacts(ctx, n.Dept)
	case deputybot.ToLeader:
		return s.people(ctx, it.LeaderID)
	case deputybot.ToSupervisors:
		return s.withRole(ctx, deputybot.RoleSupervisor)
	}
	return nil
}

// RecipientOf is the recipient a person is, if messages can reach him.
func RecipientOf(p *deputybot.Person) (Recipient, bool) {
	if p == nil || p.State != deputybot.PersonActive || p.TelegramID == 0 {
		return Recipient{}, false
	}
	return Recipient{PersonID: p.ID, ChatID: p.TelegramID, Lang: p.Language}, true
}

func recipients(ps []*deputybot.Person) []Recipient {
	var out []Recipient
	for _, p := range ps {
		if r, ok := RecipientOf(p); ok {
			out = append(out, r)
		}
	}
	return out
}

func (s *Service) people(ctx context.Context, ids ...string) []Recipient {
	var ps []*deputybot.Person
	for _, id := range ids {
		if id == "" {
			continue
		}
		if p, err := s.store.Person(ctx, id); err == nil {
			ps = append(ps, p)
		}
	}
	return recipients(ps)
}

func (s *Service) contacts(ctx context.Context, dept string) []Recipient {
	if dept == "" {
		return nil
	}
	ps, err := s.store.DepartmentContacts(ctx, dept)
	if err != nil {
		s.log.Error("list a department's contacts", "err", err)
	}
	return recipients(ps)
}

func (s *Service) withRole(ctx context.Context, r deputybot.Role) []Recipient {
	ps, err := s.store.PeopleWithRole(ctx, r)
	if err != nil {
		s.log.Error("list people by role", "role", r, "err", err)
	}
	return recipients(ps)
}

// office are the office's people and the bootstrap admins (reachable in
// their private chats even before they first wrote).
func (s *Service) office(ctx context.Context) []Recipient {
	to := s.withRole(ctx, deputybot.RoleOffice)
	for _, id := range s.admins {
		rc := Recipient{ChatID: id, Lang: deputybot.DefaultLanguage}
		if p, err := s.store.PersonByTelegramID(ctx, id); err == nil {
			rc.PersonID, rc.Lang = p.ID, p.Language
		}
		to = append(to, rc)
	}
	return to
}

// batched puts messages in a batch group.
func batched(msgs []deputybot.OutboxMessage, b deputybot.Batch) []deputybot.OutboxMessage {
	for i := range msgs {
		msgs[i].Batch = b
	}
	return msgs
}

// Messages makes outbox messages of a text for a recipient. key, if not
// empty, makes the message exactly once (its parts get key:a, key:b…,
// should the outbox split it).
func Messages(key, kind string, to Recipient, text, keyboard string) []deputybot.OutboxMessage {
	return []deputybot.OutboxMessage{{ID: key, ChatID: to.ChatID, PersonID: to.PersonID, Text: text, Keyboard: keyboard, Kind: kind}}
}
