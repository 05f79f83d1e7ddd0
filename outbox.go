package deputybot

import "time"

// OutboxMessage is a message waiting to be sent, or its record once sent
// or failed. Every notification, reminder and digest is written here
// before it is sent, so none is lost to a crash or a refusal.
type OutboxMessage struct {
	// ID orders the messages (ObjectID hex, increasing), or, for a
	// message that must go out once ever (a reminder step, a digest), is
	// its natural key: inserting it is the claim.
	ID       string `bson:"_id"`
	Seq      string `bson:"seq"` // ordering key: ObjectID hex at enqueue
	ChatID   int64  `bson:"chatId"`
	PersonID string `bson:"personId,omitempty"`
	// Method is what is sent (see package telegram): "" a message, or an
	// edit of MessageID, a document, a photo.
	Method    string `bson:"method,omitempty"`
	MessageID int    `bson:"messageId,omitempty"`
	Text      string `bson:"text"`     // HTML; a document's caption
	Keyboard  string `bson:"keyboard"` // JSON of the inline keyboard, or ""
	FileID    string `bson:"fileId,omitempty"`
	FileName  string `bson:"fileName,omitempty"`
	File      []byte `bson:"file,omitempty"` // a document to upload
	Kind      string `bson:"kind"`           // answer | notification | reminder | digest | ...
	// Lane, if set, overrides the lane its Kind gives (LaneOf).
	Lane     Lane   `bson:"lane,omitempty"`
	State    string `bson:"state"` // pending | sent | failed
	Attempts int    `bson:"attempts"`
	// NextAt: not before (a retry); zero: due at once.
	NextAt time.Time `bson:"nextAt"`
	// LeaseUntil: a sender has taken it until then (several replicas).
	LeaseUntil time.Time `bson:"leaseUntil,omitempty"`
	CreatedAt  time.Time `bson:"createdAt"`
	SentAt     time.Time `bson:"sentAt,omitempty"`
	Error      string    `bson:"error,omitempty"`
	// Batch lets the message go out with others of its kind to the same
	// chat, as one message.
	Batch Batch `bson:",inline"`
	// With are the messages of its batch that go with it (the sender's,
	// in memory only).
	With []OutboxMessage `bson:"-"`
}

// Lane is how soon a message goes among those that could go: the sender
// takes, within Telegram's limits, from the first lane that has one. A
// person waiting for an answer never waits behind a bulk send for more
// than Telegram's pacing requires.
//
// The order within one chat is the order queued, whatever the lanes: an
// answer never overtakes an earlier message to the same person (that it
// may refer to); at one message a second a chat, what a person waits
// behind in his own chat is his own.
type Lane int

const (
	laneByKind Lane = iota
	// LaneAnswer: answers to the update being handled, edits of its
	// messages and button answers.
	LaneAnswer
	// LaneNotice: notices a person's action caused (an assignment, a
	// reply, a rating), to the people it concerns.
	LaneNotice
	// LaneBulk: what a schedule or a stranger causes — reminders,
	// digests, reports, the refusal a stranger is sent.
	LaneBulk
)

// LaneOf is the lane a message goes in: its Lane, or by its Kind.
func (m *OutboxMessage) LaneOf() Lane {
	switch {
	case m.Lane != laneByKind:
		return m.Lane
	case m.Kind == "answer":
		return LaneAnswer
	case m.Kind == "notification":
		return LaneNotice
	}
	return LaneBulk
}

// Batch is how a message goes with others: the messages to one chat of
// one Group that wait together leave as one message — Head (where "{n}"
// is their number) over the numbered Line of each, with a numbered
// button per message carrying its Open callback (the button that opens
// its item). A message that finds no company goes as its own Text and
// Keyboard. A person with thirty new items gets one message, not thirty.
type Batch struct {
	Group string `bson:"group,omitempty"`
	Head  string `bson:"head,omitempty"`
	Line  string `bson:"line,omitempty"`
	Open  string `bson:"open,omitempty"`
}

// Outbox states.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// InboxUpdate is a Telegram update as received: its id, the chat whose
// order it belongs to, and its JSON.
type InboxUpdate struct {
	ID      int64
	ChatID  int64
	Payload []byte
}

// SetAsideUpdate is an update given up on after its handling was cut off
// too many times (it took the process down each time).
type SetAsideUpdate struct {
	ID         int64
	ReceivedAt time.Time
	SetAside   time.Time
	Attempts   int // handlings begun again after a stop
	Size       int // bytes of its payload
}

// Pace is Telegram's budget as a sender keeps it, for replicas that share
// it: one message each Slot for the bot, and at most ChatBurst messages
// to one chat in any ChatSpan (0: no limit per chat). Every AnswerEvery-th
// slot is kept for answers while it is more than AnswerGuard ahead: the
// other lanes take it only when it comes near unused (0: none kept).
type Pace struct {
	Slot        time.Duration
	ChatBurst   int
	ChatSpan    time.Duration
	AnswerEvery int
	AnswerGuard time.Duration
}
