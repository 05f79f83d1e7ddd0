package telegram

import (
	"encoding/binary"
	"os"
	"slices"
	"sync"
	"time"

	"deputybot"
)

// Limiter paces calls to the Bot API within Telegram's limits: at most
// Rate messages in any second overall, and in one chat at most ChatBurst
// messages in any ChatBurst × ChatInterval (on average one per
// ChatInterval, with the short bursts an answer and its next question
// make). Every message the bot sends takes its slot here, whichever path
// sends it.
//
// The global limit is kept over a window a little longer than a second
// (by Margin): a call is counted when it starts, Telegram counts it when
// it arrives, and a call delayed on the way more than the others could
// otherwise make 31 arrive within a second.
//
// Answers may use the whole budget at once; every other lane is paced
// evenly (one slot every window ÷ Rate), so that a bulk send never holds
// the whole window: an answer that comes during a digest waits one slot
// at most, not until a burst's second has passed.
type Limiter struct {
	rate         int
	window       time.Duration
	interval     time.Duration // between two paced slots: window / rate
	chatInterval time.Duration
	chatBurst    int

	mu     sync.Mutex
	state  *os.File // the recent starts, kept over a restart (or nil)
	buf    []byte
	starts []time.Time // reserved start times of recent calls, in order
	paced  time.Time   // the next paced slot
	pause  time.Time   // after a 429: nothing starts before
	chats  map[int64][]time.Time
	pruned time.Time
}

// LimiterOptions configure a Limiter.
type LimiterOptions struct {
	Rate         int           // messages per second overall (default 30)
	Margin       time.Duration // added to the one-second window (default DefaultMargin)
	ChatInterval time.Duration // per chat, after a burst (0: no per-chat limit)
	ChatBurst    int           // per chat at once (default 3)
	// StateFile, if set, keeps the recent starts over a restart: a
	// service started again at once does not send, in the second after
	// its predecessor died, what that one sent in its last second.
	StateFile string
}

// DefaultMargin is how much longer than a second the global window is:
// what a call may be delayed on the way relative to the others without
// Telegram counting 31 in a second (docs/benchmarks.md measures it).
const DefaultMargin = 40 * time.Millisecond

// NewLimiter returns a limiter.
func NewLimiter(o LimiterOptions) *Limiter {
	if o.Rate <= 0 {
		o.Rate = 30
	}
	if o.Margin <= 0 {
		o.Margin = DefaultMargin
	}
	if o.ChatBurst <= 0 {
		o.ChatBurst = 3
	}
	window := time.Second + o.Margin
	l := &Limiter{rate: o.Rate, window: window, interval: window / time.Duration(o.Rate), chatInterval: o.ChatInterval,
		chatBurst: o.ChatBurst, chats: map[int64][]time.Time{}}
	if o.StateFile != "" {
		if data, err := os.ReadFile(o.StateFile); err == nil {
			for len(data) >= 8 {
				if ns := int64(binary.LittleEndian.Uint64(data)); ns != 0 {
					l.starts = append(l.starts, time.Unix(0, ns))
				}
				data = data[8:]
			}
			slices.SortFunc(l.starts, time.Time.Compare)
		}
		if f, err := os.OpenFile(o.StateFile, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
			l.state, l.buf = f, make([]byte, 8*o.Rate)
		}
	}
	return l
}

// Restore keeps, of the starts a predecessor left (StateFile), those of
// the last window before now: one later than now (another clock) counts
// as now. Call it once, when the sender starts.
func (l *Limiter) Restore(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := l.starts[:0]
	for _, t := range l.starts {
		if t.After(now) {
			t = now
		}
		if t.After(now.Add(-l.window)) {
			kept = append(kept, t)
		}
	}
	l.starts = kept
}

// Close closes the state file (the starts written last stay in it for
// the next start); later starts are kept in memory only.
func (l *Limiter) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state == nil {
		return nil
	}
	err := l.state.Close()
	l.state = nil
	return err
}

// save writes the last rate starts to the state file (no sync: what a
// killed process wrote is in the page cache; after a machine's crash the
// restart takes longer than a window). l.mu is held.
func (l *Limiter) save() {
	if l.state == nil {
		return
	}
	clear(l.buf)
	for i, t := range l.starts[max(0, len(l.starts)-l.rate):] {
		binary.LittleEndian.PutUint64(l.buf[8*i:], uint64(t.UnixNano()))
	}
	if _, err := l.state.WriteAt(l.buf, 0); err != nil {
		l.state = nil // kept in memory only from now on
	}
}

// Reserve takes the next global slot at or after now for a message of
// lane and returns when the call may start. Slots are handed out in
// order, so callers that wait for their slot keep the pace together.
func (l *Limiter) Reserve(now time.Time, lane deputybot.Lane) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.readyLocked(now, lane)
	l.starts = append(l.starts, at)
	l.save()
	if lane != deputybot.LaneAnswer {
		// From the slot it was due in, if taken a little late (the
		// sender's wake-up): the pace holds over a long burst.
		base := at
		if late := at.Sub(l.paced); !l.paced.IsZero() && late >= 0 && late < l.interval {
			base = l.paced
		}
		l.paced = base.Add(l.interval)
	}
	return at
}

// SharedChatMargin is added to a chat's span when replicas share the
// budget: one replica sends to a chat only after its previous send to it
// ended, but two replicas' sends are ordered by their reserved moments
// alone, and a send started on time may arrive late (seen: 60–70 ms
// under load, against a fake counting one second between arrivals).
const SharedChatMargin = 150 * time.Millisecond

// SharedMargin widens the bot's slot when replicas share the budget:
// their sends are ordered by reserved moments alone, on machines busier
// than one service's (a loaded CI run drew a 31st send in a second at
// 34.7 ms slots). 1.1 s ÷ 30 = 36.7 ms: 27.3 a second, more than three
// replicas on one store reached (13.5–19).
const SharedMargin = 60 * time.Millisecond

// SharedAnswerEvery and SharedAnswerGuard: when replicas share the budget,
// every fourth slot is kept for answers while it is more than three
// slots ahead. Each replica reserves slots for the sends it has under
// way (Workers, each waiting for its slot), so the other lanes of three
// replicas hold the next 24 slots (0.9 s) during a bulk send; an answer
// then finds a kept slot within about 0.25 s. A kept slot that no answer
// took goes to the next send that reserves as it comes near.
const (
	SharedAnswerEvery = 4
	SharedAnswerGuard = 3
)

// Pace is the limiter's budget, for replicas that share it.
func (l *Limiter) Pace() deputybot.Pace {
	p := deputybot.Pace{Slot: (l.window + SharedMargin) / time.Duration(l.rate), AnswerEvery: SharedAnswerEvery}
	p.AnswerGuard = SharedAnswerGuard * p.Slot
	if l.chatInterval > 0 {
		p.ChatBurst, p.ChatSpan = l.chatBurst, time.Duration(l.chatBurst)*l.chatInterval+SharedChatMargin
	}
	return p
}

// ReadyAt is when a message of lane could start, were it reserved now.
func (l *Limiter) ReadyAt(now time.Time, lane deputybot.Lane) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.readyLocked(now, lane)
}

func (l *Limiter) readyLocked(now time.Time, lane deputybot.Lane) time.Time {
	at := now
	if l.pause.After(at) {
		at = l.pause
	}
	if lane != deputybot.LaneAnswer && l.paced.After(at) {
		at = l.paced
	}
	if n := len(l.starts); n > 0 && l.starts[n-1].After(at) {
		at = l.starts[n-1] // in order
	}
	// Forget starts that can no longer count, for any call from now on.
	i := 0
	for i < len(l.starts) && !l.starts[i].After(now.Add(-l.window)) {
		i++
	}
	l.starts = l.starts[i:]
	// At most rate starts in any window: the one rate places back must
	// be a window before.
	if len(l.starts) >= l.rate {
		if t := l.starts[len(l.starts)-l.rate].Add(l.window); t.After(at) {
			at = t
		}
	}
	return at
}

// Pause stops every call until t (Telegram answered 429 with
// retry_after).
func (l *Limiter) Pause(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.pause) {
		l.pause = t
	}
}

// ChatReady returns the earliest time at or after now when a message may
// go to chat.
func (l *Limiter) ChatReady(chat int64, now time.Time) time.Time {
	if t := l.ChatFreeSince(chat); t.After(now) {
		return t
	}
	return now
}

// ChatFreeSince returns when chat's pace next lets a message go, or let
// one go last: a time past if a message may go now (zero: no recent
// message holds it up).
func (l *Limiter) ChatFreeSince(chat int64) time.Time {
	if l.chatInterval <= 0 {
		return time.Time{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.chats[chat]
	if len(recent) < l.chatBurst {
		return time.Time{}
	}
	// At most chatBurst messages in any chatBurst*chatInterval.
	return recent[len(recent)-l.chatBurst].Add(time.Duration(l.chatBurst) * l.chatInterval)
}

// ChatSent records that a message to chat was delivered (or refused) at
// t.
func (l *Limiter) ChatSent(chat int64, t time.Time) {
	if l.chatInterval <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := append(l.chats[chat], t)
	if len(recent) > l.chatBurst {
		recent = recent[len(recent)-l.chatBurst:]
	}
	l.chats[chat] = recent
	// Now and then forget chats that are quiet long enough.
	span := time.Duration(l.chatBurst) * l.chatInterval
	if t.Sub(l.pruned) > time.Minute {
		for c, ts := range l.chats {
			if t.Sub(ts[len(ts)-1]) > span {
				delete(l.chats, c)
			}
		}
		l.pruned = t
	}
}
