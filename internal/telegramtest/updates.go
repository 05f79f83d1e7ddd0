package telegramtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
)

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, c *Call) {
	offset, _ := strconv.ParseInt(c.Params["offset"], 10, 64)
	timeout, _ := strconv.Atoi(c.Params["timeout"])
	limit, _ := strconv.Atoi(c.Params["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	deadline := time.After(time.Duration(timeout) * time.Second)
	s.mu.Lock()
	s.polling++
	s.notifyLocked()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.polling--
		s.notifyLocked()
		s.mu.Unlock()
	}()
	for {
		s.mu.Lock()
		if s.webhook != nil {
			s.mu.Unlock()
			s.reply(w, c, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", 0, nil)
			return
		}
		if offset > 0 {
			s.confirmLocked(offset)
		}
		var out []json.RawMessage
		for _, u := range s.queue {
			if u.id >= offset && len(out) < limit {
				out = append(out, u.raw)
			}
		}
		changed := s.changed
		s.mu.Unlock()
		if len(out) > 0 || timeout <= 0 {
			if out == nil {
				out = []json.RawMessage{}
			}
			s.reply(w, c, 200, "", 0, out)
			return
		}
		select {
		case <-changed:
		case <-deadline:
			timeout = 0
		case <-r.Context().Done():
			s.record(c, 0, "client went away")
			return
		}
	}
}

// confirmLocked drops the updates below offset, as Telegram does when the
// bot asks for updates from offset on.
func (s *Server) confirmLocked(offset int64) {
	i := 0
	for i < len(s.queue) && s.queue[i].id < offset {
		i++
	}
	if i > 0 {
		s.queue = append([]queuedUpdate(nil), s.queue[i:]...)
		s.notifyLocked()
	}
}

// Polling returns how many getUpdates requests are waiting right now.
func (s *Server) Polling() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polling
}

// Pending returns how many updates Telegram still holds for the bot (not
// yet confirmed).
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// enqueue adds an update built by build (given its id) and returns the id.
// Updates are queued in the order of their ids, as Telegram gives them:
// a getUpdates answered between the two would otherwise confirm an id
// not yet queued, and the update would be lost.
func (s *Server) enqueue(build func(id int64) map[string]any) int64 {
	s.enqueueMu.Lock()
	defer s.enqueueMu.Unlock()
	s.mu.Lock()
	s.nextUpdate++
	id := s.nextUpdate
	s.mu.Unlock()
	u := build(id) // takes the lock itself, for message ids
	u["update_id"] = id
	raw, err := json.Marshal(u)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, queuedUpdate{id: id, raw: raw})
	sortQueue(s.queue)
	s.sent[id] = raw
	if s.webhook != nil {
		s.webhook.kick()
	}
	s.notifyLocked()
	return id
}

// Redeliver queues an update again with the same update_id, as Telegram
// does when the bot did not confirm it (for example after a crash).
func (s *Server) Redeliver(updateID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw := s.sent[updateID]
	if raw == nil {
		s.tb.Fatalf("telegramtest: no update %d to redeliver", updateID)
	}
	for _, u := range s.queue {
		if u.id == updateID {
			return
		}
	}
	s.queue = append(s.queue, queuedUpdate{id: updateID, raw: raw})
	sortQueue(s.queue)
	if s.webhook != nil {
		s.webhook.kick()
	}
	s.notifyLocked()
}

func sortQueue(q []queuedUpdate) {
	for i := 1; i < len(q); i++ {
		for j := i; j > 0 && q[j].id < q[j-1].id; j-- {
			q[j], q[j-1] = q[j-1], q[j]
		}
	}
}

// webhook delivers queued updates to the bot's URL, one at a time and in
// order, retrying until the bot answers 2xx, as Telegram does.
type webhook struct {
	url, secret string
	wake        chan struct{}
	done        chan struct{}
	once        sync.Once
}

func (h *webhook) kick() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *webhook) stop() { h.once.Do(func() { close(h.done) }) }

func (s *Server) setWebhook(c *Call) (int, string, int, any) {
	u := c.Params["url"]
	if u == "" {
		return 400, "Bad Request: bad webhook: URL must be set", 0, nil
	}
	h := &webhook{url: u, secret: c.Params["secret_token"], wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.mu.Lock()
	if s.webhook != nil {
		s.webhook.stop()
	}
	s.webhook = h
	s.mu.Unlock()
	go s.deliver(h)
	h.kick()
	return 200, "", 0, true
}

func (s *Server) deliver(h *webhook) {
	client := &http.Client{Timeout: 10 * time.Second}
	if s.WebhookClient != nil {
		client = s.WebhookClient
	}
	for {
		s.mu.Lock()
		var next *queuedUpdate
		if len(s.queue) > 0 {
			u := s.queue[0]
			next = &u
		}
		s.mu.Unlock()
		if next == nil {
			select {
			case <-h.wake:
				continue
			case <-h.done:
				return
			}
		}
		req, _ := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(next.raw))
		req.Header.Set("Content-Type", "application/json")
		if h.secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", h.secret)
		}
		resp, err := client.Do(req)
		ok := err == nil && resp.StatusCode/100 == 2
		if resp != nil {
			resp.Body.Close()
		}
		s.mu.Lock()
		s.webhookPosts = append(s.webhookPosts, WebhookPost{UpdateID: next.id, OK: ok})
		if ok {
			s.confirmLocked(next.id + 1)
		}
		s.notifyLocked()
		s.mu.Unlock()
		if !ok {
			select {
			case <-time.After(50 * time.Millisecond):
			case <-h.done:
				return
			}
		}
	}
}

// WebhookPost is one delivery attempt to the webhook.
type WebhookPost struct {
	UpdateID int64
	OK       bool
}

// WebhookPosts returns the delivery attempts so far.
func (s *Server) WebhookPosts() []WebhookPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WebhookPost(nil), s.webhookPosts...)
}
