package telegramtest

import "time"

// rateLimit refuses sends beyond Telegram's limits with 429, as the real
// server does: at most global messages in any second, and per chat at
// most one message per perChat interval.
type rateLimit struct {
	global   int
	perChat  time.Duration
	recent   []time.Time // accepted sends in the last second
	lastChat map[int64]time.Time
	refused  int
}

// EnforceRate makes the server answer 429 (retry_after 1) to any send
// beyond global per second overall or more often than once per perChat
// to one chat (perChat 0: no per-chat limit).
func (s *Server) EnforceRate(global int, perChat time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = &rateLimit{global: global, perChat: perChat, lastChat: map[int64]time.Time{}}
}

// RateRefused returns how many sends the rate limit refused.
func (s *Server) RateRefused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rate == nil {
		return 0
	}
	return s.rate.refused
}

func (r *rateLimit) check(chatID int64, now time.Time) (Failure, bool) {
	cut := now.Add(-time.Second)
	i := 0
	for i < len(r.recent) && !r.recent[i].After(cut) {
		i++
	}
	r.recent = r.recent[i:]
	if len(r.recent) >= r.global {
		r.refused++
		return Failure{Status: 429, Description: "Too Many Requests: retry after 1", RetryAfter: 1}, true
	}
	if last, ok := r.lastChat[chatID]; ok && r.perChat > 0 && now.Sub(last) < r.perChat {
		r.refused++
		return Failure{Status: 429, Description: "Too Many Requests: retry after 1", RetryAfter: 1}, true
	}
	r.recent = append(r.recent, now)
	r.lastChat[chatID] = now
	return Failure{}, false
}
