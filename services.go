package deputybot

import "context"

// Types the application layer and its ports share. The ports themselves
// are declared where they are used: the service declares what it needs
// of storage (service.Store), the chat interface what it needs of the
// service (bot.Service).

// PeopleFilter selects people for a listing.
type PeopleFilter struct {
	Role   Role // empty: any role
	Offset int
	Limit  int // 0: no limit
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

// ItemChange is one change of an item, as the store applies it: read the
// item, apply the change, store the result with its events, the update
// that caused it and the messages it causes, over the version it was
// read at (applied again to a newer item if another change came first).
// A change that returns no events stores nothing; one whose cause the
// item holds already is not applied again. When the change moves the item
// out of draft, the item gets its number, claimed atomically.
type ItemChange struct {
	// Cause is the Telegram update that asked for the change (0: the
	// scheduler, or a command).
	Cause int64
	// Apply makes the change and returns its events.
	Apply func(it *Item, det *ItemDetails) ([]Event, error)
	// Notices, if set, decides who is told of the change (Notices), from
	// the item before it and as it will be stored (numbered, if just
	// submitted); the store keeps them with the change, under ids of
	// their own.
	Notices func(before, after *Item, evs []Event) []Notice
	// Deliver, if set, is called once the change is stored and the
	// item's lock released, with the item as stored and the notices
	// waiting with it (this change's, and any an earlier change left):
	// it puts them in the outbox and has the store forget them. The
	// change stands whether it succeeds or not; a crash before it is made
	// up at the next start.
	Deliver func(ctx context.Context, it *Item, det *ItemDetails, pending []PendingNotice)
}
