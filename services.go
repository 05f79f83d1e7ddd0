package deputybot

import (
	"context"
	"time"
)

// PeopleService keeps the people the bot knows and their Telegram
// bindings.
type PeopleService interface {
	// PersonByTelegramID returns the person bound to the Telegram user,
	// or an ENOTFOUND error when the user is a stranger.
	PersonByTelegramID(ctx context.Context, telegramID int64) (*Person, error)

	// Person returns a person by id, or ENOTFOUND.
	Person(ctx context.Context, id string) (*Person, error)

	// EnsureBootstrapAdmin returns the person bound to u, creating an
	// active person for u when there is none. Called only for the Telegram
	// ids listed in ADMIN_TELEGRAM_IDS.
	EnsureBootstrapAdmin(ctx context.Context, u TelegramUser, now time.Time) (*Person, error)

	// People lists people matching f, ordered by name, and the total count
	// of matches (for paging). Merged records are never listed.
	People(ctx context.Context, f PeopleFilter) ([]*Person, int, error)

	// SetLanguage changes the language a person is addressed in.
	SetLanguage(ctx context.Context, personID string, lang Language) error
	// SetName changes the name a person is shown by.
	SetName(ctx context.Context, personID, name string) error

	// SetCommandsKey records which command menu Telegram now shows.
	SetCommandsKey(ctx context.Context, personID, key string) error

	// PeopleWithRole lists the active people holding a role (without
	// reading everyone).
	PeopleWithRole(ctx context.Context, r Role) ([]*Person, error)

	// DepartmentContacts lists a department's active contacts.
	DepartmentContacts(ctx context.Context, deptID string) ([]*Person, error)

	// SetUnreachable and ClearUnreachable record whether messages reach
	// the person.
	SetUnreachable(ctx context.Context, personID, reason string, at time.Time) error
	ClearUnreachable(ctx context.Context, personID string) error
	// UnreachablePeople lists the people messages cannot reach.
	UnreachablePeople(ctx context.Context) ([]*Person, error)
}

// PeopleFilter selects people for a listing.
type PeopleFilter struct {
	Role   Role // empty: any role
	Offset int
	Limit  int // 0: no limit
}

// InvitationService creates and redeems invitation links.
type InvitationService interface {
	// Invite creates an invited person and a one-time invitation token
	// for the role. The request is validated; the department must exist.
	Invite(ctx context.Context, createdBy string, req InviteRequest, now time.Time) (*Person, string, error)

	// RenewInvitation revokes the open invitations of an invited person
	// and returns a new token. ECONFLICT if the person has already joined.
	RenewInvitation(ctx context.Context, createdBy, personID string, now time.Time) (string, error)

	// Redeem binds the Telegram user to the invitation's person and role.
	// An unknown, used, revoked or expired token binds nobody and returns
	// ENOTFOUND or ECONFLICT. A user who is already registered gains the
	// invitation's role (and department) instead.
	Redeem(ctx context.Context, token string, u TelegramUser, now time.Time) (*Person, error)
}

// DepartmentService keeps the departments.
type DepartmentService interface {
	// CreateDepartment adds a department. A name that is already taken
	// (ignoring case, width and spacing) is ECONFLICT.
	CreateDepartment(ctx context.Context, name string, now time.Time) (*Department, error)

	// Department returns a department by id, or ENOTFOUND.
	Department(ctx context.Context, id string) (*Department, error)

	// Departments lists all departments by name.
	Departments(ctx context.Context) ([]*Department, error)
}

// DraftInput is what an author typed for a draft.
type DraftInput struct {
	ItemID string // empty: a new draft
	// NewID, for a new draft, is the id it gets: saving it again (a step
	// handled again after a crash) edits it instead of making another.
	NewID       string
	Kind        Kind
	Title       string
	Body        string
	Category    string
	Attachments []Attachment
	CoSponsors  []string // person ids to invite
}

// ItemService keeps items.
type ItemService interface {
	// SaveDraft creates a draft (ItemID empty) or replaces an existing
	// draft's fields; the input is validated.
	SaveDraft(ctx context.Context, author *Person, in DraftInput, r *Rules, now time.Time) (*Item, error)
	// DeleteDraft removes an author's draft.
	DeleteDraft(ctx context.Context, author *Person, itemID string) error
	// Item returns an item by id, or ENOTFOUND.
	Item(ctx context.Context, id string) (*Item, error)
	// ItemDetails returns the item's body, attachments and timeline.
	ItemDetails(ctx context.Context, id string) (*ItemDetails, error)
	// ItemsByNumber returns the items with that number (of either kind
	// when q.Kind is empty).
	ItemsByNumber(ctx context.Context, q NumberQuery) ([]*Item, error)
	// ItemByShareToken returns the item of a co-sponsor share link.
	ItemByShareToken(ctx context.Context, token string) (*Item, error)
	// UpdateItem applies a change to the item and its details and stores
	// the result with the events it returns (appended to the timeline) and
	// the messages they cause, unless another change came first (then the
	// change is applied again to the newer item). A change that returns no
	// events stores nothing; one whose cause the item holds already is not
	// applied again (the item is returned as it is). When the change moves
	// the item out of draft, the item gets its number, claimed atomically.
	// The change's messages are delivered after it is stored, and so are
	// any that a crash left with an earlier change.
	UpdateItem(ctx context.Context, id string, c ItemChange) (*Item, error)
	// PersonItems lists the items p authored or was asked to co-sponsor,
	// newest first, and their total.
	PersonItems(ctx context.Context, personID string, offset, limit int) ([]*Item, int, error)
	// ItemsWithStatus lists items in any of the statuses (all items if
	// none is given).
	ItemsWithStatus(ctx context.Context, statuses ...Status) ([]*Item, error)
	// DepartmentItems lists the items ever assigned to the department (as
	// lead or co-department).
	DepartmentItems(ctx context.Context, deptID string) ([]*Item, error)
}

// ItemChange is one change of an item.
type ItemChange struct {
	// Cause is the Telegram update that asked for the change (0: the
	// scheduler, or a command).
	Cause int64
	// Apply makes the change and returns its events.
	Apply func(it *Item, det *ItemDetails) ([]Event, error)
	// Notices, if set, returns the messages the events cause, from the
	// item as it will be stored (numbered, if just submitted); their IDs
	// are given by the store.
	Notices func(it *Item, det *ItemDetails, evs []Event) []OutboxMessage
	// Deliver puts messages in the outbox (exactly once by their IDs).
	Deliver func(ctx context.Context, msgs []OutboxMessage) error
}

// CalendarService keeps the office's holiday calendar.
type CalendarService interface {
	// Calendar returns the loaded calendar (an empty one if none was
	// loaded: Monday to Friday are working days).
	Calendar(ctx context.Context) (*Calendar, error)
	// SaveCalendar replaces the calendar.
	SaveCalendar(ctx context.Context, c *Calendar, by string, now time.Time) error
}
