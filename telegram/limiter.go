package telegram

import (
	"sync"
	"time"
)

// Limiter paces calls to the Bot API within Telegram's limits: at most
// Rate messages in any second overall, and in one chat at most ChatBurst
// messages in any ChatBurst × ChatInterval (on average one per
// ChatInterval, with the short bursts an answer and its next question
// make). Every message the bot sends takes its slot here, whichever path
// sends it.
//
// The global limit is kept over a window longer than a second (by
// Margin): a call is counted when it starts, Telegram counts it when it
// arrives, and a call delayed on the way (a busy machine, the network)
// arrives later than the next ones started. A margin of 250 ms keeps any
// second at or under Rate as long as no call is delayed by more than
// that relative to the others, at 80% of Rate.
type Limiter struct {
	rate         int
	window       time.Duration
	chatInterval time.Duration
	chatBurst    int

	mu     sync.Mutex
	starts []time.Time // reserved start times of recent calls, in order
	pause  time.Time   // after a 429: nothing starts before
	chats  map[int64][]time.Time
	pruned time.Time
}

// LimiterOptions configure a Limiter.
type LimiterOptions struct {
	Rate         int           // messages per second overall (default 30)
	Margin       time.Duration // added to the one-second window (default 250 ms)
	ChatInterval time.Duration // per chat, after a burst (0: no per-chat limit)
	ChatBurst    int           // per chat at once (default 3)
}

// NewLimiter returns a limiter.
func NewLimiter(o LimiterOptions) *Limiter {
	if o.Rate <= 0 {
		o.Rate = 30
	}
	if o.Margin <= 0 {
		o.Margin = 250 * time.Millisecond
	}
	if o.ChatBurst <= 0 {
		o.ChatBurst = 3
	}
	return &Limiter{rate: o.Rate, window: time.Second + o.Margin, chatInterval: o.ChatInterval, chatBurst: o.ChatBurst,
		chats: map[int64][]time.Time{}}
}

// Reserve takes the next global slot at or after now and returns when the
// call may start. Slots are handed out in order, so callers that wait for
// their slot keep the pace together.
func (l *Limiter) Reserve(now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := now
	if l.pause.After(at) {
		at = l.pause
	}
	// Forget starts that can no longer count.
	i := 0
	for i < len(l.starts) && !l.starts[i].After(at.Add(-l.window)) {
		i++
	}
	l.starts = l.starts[i:]
	if len(l.starts) >= l.rate {
		if t := l.starts[len(l.starts)-l.rate].Add(l.window); t.After(at) {
			at = t
		}
	}
	l.starts = append(l.starts, at)
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
