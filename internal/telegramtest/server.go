// Package telegramtest is a fake Telegram Bot API server for tests. It
// speaks the real wire format (multipart/form-data streamed without a
// Content-Length, as go-telegram/bot sends it, JSON and url-encoded
// bodies), long-polls getUpdates, delivers to a webhook, records every
// call, checks messages the way Telegram does (HTML entities, lengths,
// callback data), lets a test act as users (messages, commands, files,
// button presses) and injects failures (429 with retry_after, 5xx, 403,
// delays, held requests).
package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Token is a well-formed bot token the fake accepts by default.
const Token = "123456789:TESTtokenTESTtokenTESTtokenTESTtoken"

// BotID is the fake bot's user id (the digits of Token).
const BotID = 123456789

// Server is the fake Bot API. Create it with New; it stops when the test
// ends.
type Server struct {
	URL         string
	Token       string
	BotUsername string
	// WaitTimeout bounds every Wait*, Next and Expect* call: generous (two
	// minutes), for tests wait on conditions and a busy machine is slow;
	// only a test that is failing ever waits that long.
	WaitTimeout time.Duration
	// WebhookClient, if set, posts updates to the webhook (a test's TLS
	// load balancer, whose certificate it trusts); by default a plain
	// client.
	WebhookClient *http.Client

	srv *httptest.Server
	tb  testing.TB

	mu           sync.Mutex
	enqueueMu    sync.Mutex // one update queued at a time, in id order
	changed      chan struct{}
	nextUpdate   int64
	queue        []queuedUpdate // delivered but not confirmed, in id order
	calls        []*Call
	chats        map[int64]*chatState
	files        map[string]*File
	nextFile     int
	rules        []*failRule
	holds        []*hold
	holding      map[string]int
	conns        int // open client connections
	polling      int
	blocked      map[int64]bool
	commands     map[string][]Command
	answers      []Answer
	webhook      *webhook
	webhookPosts []WebhookPost
	sent         map[int64]json.RawMessage // every update ever queued, for Redeliver
	rate         *rateLimit
}

type queuedUpdate struct {
	id  int64
	raw json.RawMessage
}

type chatState struct {
	nextMessageID int
	messages      []*Message // sent by the bot
}

// Call is one request the bot made.
type Call struct {
	Method string
	Params map[string]string // form fields as sent; JSON-valued ones as JSON text
	Files  map[string]*File
	At     time.Time
	// Status is the HTTP status answered; Error the description of a
	// refusal.
	Status int
	Error  string
}

// Param decodes a JSON-valued parameter (reply_markup, commands, scope).
func (c *Call) Param(name string, v any) error { return json.Unmarshal([]byte(c.Params[name]), v) }

// ChatID returns the chat_id parameter.
func (c *Call) ChatID() int64 {
	id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
	return id
}

// File is a file uploaded by the bot or sent by a user.
type File struct {
	ID   string
	Name string
	MIME string
	Data []byte
}

// Button is one inline keyboard button.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Message is a message the bot sent, as the user sees it now (after any
// edits).
type Message struct {
	ID     int
	ChatID int64
	// Text is what the user reads: for HTML messages, tags removed and
	// entities decoded.
	Text string
	// Raw is the text as the bot sent it.
	Raw       string
	ParseMode string
	Keyboard  [][]Button
	// SentKeyboard is the keyboard as the message was sent, before any
	// edit took its buttons away.
	SentKeyboard [][]Button
	Document     *File
	Edits        int
	SentAt       time.Time
}

// Buttons returns the keyboard's buttons in reading order.
func (m *Message) Buttons() []Button {
	var bs []Button
	for _, row := range m.Keyboard {
		bs = append(bs, row...)
	}
	return bs
}

// Button returns the first button whose text contains label, or nil.
func (m *Message) Button(label string) *Button {
	for _, row := range m.Keyboard {
		for i := range row {
			if strings.Contains(row[i].Text, label) {
				return &row[i]
			}
		}
	}
	return nil
}

// Command is one entry of a command menu.
type Command struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// Answer is an answerCallbackQuery call.
type Answer struct {
	QueryID   string
	Text      string
	ShowAlert bool
}

// Failure is an injected error response.
type Failure struct {
	Status      int    // HTTP status and error_code, e.g. 429, 403, 502
	Description string // defaulted from Status
	RetryAfter  int    // seconds, for 429
	// Delay holds the response this long before answering (a slow
	// server). With Status 0 the request then succeeds.
	Delay time.Duration
	// Hang never answers: the client sees a timeout or its context end.
	Hang bool
}

type failRule struct {
	match func(*Call) bool
	n     int // remaining; <0: unlimited
	f     Failure
}

// New starts a fake Bot API server for the test.
func New(tb testing.TB) *Server {
	s := &Server{
		Token:       Token,
		BotUsername: "deputy_test_bot",
		WaitTimeout: 2 * time.Minute,
		tb:          tb,
		changed:     make(chan struct{}),
		chats:       map[int64]*chatState{},
		files:       map[string]*File{},
		holding:     map[string]int{},
		blocked:     map[int64]bool{},
		commands:    map[string][]Command{},
		sent:        map[int64]json.RawMessage{},
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		s.mu.Lock()
		switch st {
		case http.StateNew:
			s.conns++
		case http.StateClosed, http.StateHijacked:
			s.conns--
		}
		s.notifyLocked()
		s.mu.Unlock()
	}
	s.srv.Start()
	s.URL = s.srv.URL
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server, releasing any held or long-polling requests.
func (s *Server) Close() {
	s.mu.Lock()
	for _, h := range s.holds {
		h.release()
	}
	s.holds = nil
	if s.webhook != nil {
		s.webhook.stop()
		s.webhook = nil
	}
	s.notifyLocked()
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if strings.HasPrefix(path, "/file/bot") {
		s.serveFile(w, r)
		return
	}
	if !strings.HasPrefix(path, "/bot") {
		http.NotFound(w, r)
		return
	}
	rest := strings.TrimPrefix(path, "/bot")
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		http.NotFound(w, r)
		return
	}
	token, method := rest[:slash], rest[slash+1:]
	params, files, err := parseBody(r)
	call := &Call{Method: method, Params: params, Files: files, At: time.Now()}
	if err != nil {
		s.reply(w, call, 400, "Bad Request: "+err.Error(), 0, nil)
		return
	}
	if token != s.Token {
		s.reply(w, call, 401, "Unauthorized", 0, nil)
		return
	}
	if f, ok := s.failureFor(call); ok {
		if f.Hang {
			<-r.Context().Done()
			s.record(call, 0, "hung")
			return
		}
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		if f.Status != 0 {
			desc := f.Description
			if desc == "" {
				desc = defaultDescription(f.Status)
			}
			s.reply(w, call, f.Status, desc, f.RetryAfter, nil)
			return
		}
	}
	if method == "getUpdates" {
		s.getUpdates(w, r, call)
		return
	}
	s.waitHeld(r.Context(), call)
	if r.Context().Err() != nil {
		// The client gave up (or died) while the call was held: like
		// Telegram, nothing was done for it.
		s.record(call, 0, "client went away")
		return
	}
	status, desc, retry, result := s.handle(call)
	s.reply(w, call, status, desc, retry, result)
}

func defaultDescription(status int) string {
	switch status {
	case 429:
		return "Too Many Requests: retry later"
	case 403:
		return "Forbidden: bot was blocked by the user"
	case 400:
		return "Bad Request: chat not found"
	case 502:
		return "Bad Gateway"
	}
	return http.StatusText(status)
}

func (s *Server) reply(w http.ResponseWriter, call *Call, status int, desc string, retryAfter int, result any) {
	s.record(call, status, desc)
	w.Header().Set("Content-Type", "application/json")
	if status >= 500 {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `<html><body>`+http.StatusText(status)+`</body></html>`)
		return
	}
	w.WriteHeader(status)
	body := map[string]any{"ok": status == 200}
	if status == 200 {
		body["result"] = result
	} else {
		body["error_code"] = status
		body["description"] = desc
		if retryAfter > 0 {
			body["parameters"] = map[string]any{"retry_after": retryAfter}
		}
	}
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) record(call *Call, status int, desc string) {
	call.Status, call.Error = status, ""
	if status != 200 {
		call.Error = desc
	}
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.notifyLocked()
	s.mu.Unlock()
}

// parseBody reads multipart, url-encoded or JSON parameters.
func parseBody(r *http.Request) (map[string]string, map[string]*File, error) {
	params := map[string]string{}
	files := map[string]*File{}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, nil, err
		}
		if len(body) == 0 {
			// go-telegram/bot sends a method without parameters (getMe)
			// as an empty multipart body; Telegram accepts it.
			return params, files, nil
		}
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, nil, fmt.Errorf("multipart: %w", err)
			}
			data, err := io.ReadAll(p)
			if err != nil {
				return nil, nil, err
			}
			if p.FileName() != "" {
				files[p.FormName()] = &File{Name: p.FileName(), MIME: p.Header.Get("Content-Type"), Data: data}
			} else {
				params[p.FormName()] = string(data)
			}
		}
	case "application/json":
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil && err != io.EOF {
			return nil, nil, fmt.Errorf("json: %w", err)
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				params[k] = str
			} else {
				params[k] = string(v)
			}
		}
	case "application/x-www-form-urlencoded", "":
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
		for k := range r.URL.Query() {
			params[k] = r.URL.Query().Get(k)
		}
	default:
		return nil, nil, fmt.Errorf("unsupported content type %q", ct)
	}
	return params, files, nil
}

func (s *Server) failureFor(call *Call) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rate != nil && isSend(call.Method) {
		if f, limited := s.rate.check(call.ChatID(), time.Now()); limited {
			return f, true
		}
	}
	for i, r := range s.rules {
		if r.n != 0 && r.match(call) {
			if r.n > 0 {
				r.n--
			}
			if r.n == 0 {
				s.rules = append(s.rules[:i], s.rules[i+1:]...)
			}
			return r.f, true
		}
	}
	if isSend(call.Method) && s.blocked[call.ChatID()] {
		return Failure{Status: 403, Description: "Forbidden: bot was blocked by the user"}, true
	}
	return Failure{}, false
}

func isSend(method string) bool {
	switch method {
	case "sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage":
		return true
	}
	return false
}

// FailNext makes the next n calls of method fail with f (n < 0: all of
// them, until the test ends).
func (s *Server) FailNext(method string, n int, f Failure) {
	s.FailWhen(func(c *Call) bool { return c.Method == method }, n, f)
}

// FailWhen makes the next n calls matching match fail with f.
func (s *Server) FailWhen(match func(*Call) bool, n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, &failRule{match: match, n: n, f: f})
}

// BlockBy makes the user have blocked the bot: every send to his chat is
// refused with 403.
func (s *Server) BlockBy(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[userID] = true
}

// Unblock undoes BlockBy: the user talks to the bot again.
func (s *Server) Unblock(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, userID)
}

type hold struct {
	match func(*Call) bool
	ch    chan struct{}
	once  sync.Once
}

func (h *hold) release() { h.once.Do(func() { close(h.ch) }) }

// Hold makes calls of method wait (after being received) until the
// returned release function is called.
func (s *Server) Hold(method string) (release func()) {
	return s.HoldWhen(func(c *Call) bool { return c.Method == method })
}

// HoldWhen makes the calls matching match wait until released.
func (s *Server) HoldWhen(match func(*Call) bool) (release func()) {
	h := &hold{match: match, ch: make(chan struct{})}
	s.mu.Lock()
	s.holds = append(s.holds, h)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		for i, x := range s.holds {
			if x == h {
				s.holds = append(s.holds[:i], s.holds[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
		h.release()
	}
}

func (s *Server) waitHeld(ctx context.Context, call *Call) {
	s.mu.Lock()
	var h *hold
	for _, x := range s.holds {
		if x.match(call) {
			h = x
			break
		}
	}
	if h != nil {
		s.holding[call.Method]++
		s.notifyLocked()
	}
	s.mu.Unlock()
	if h == nil {
		return
	}
	select {
	case <-h.ch:
	case <-ctx.Done():
	}
	s.mu.Lock()
	s.holding[call.Method]--
	s.notifyLocked()
	s.mu.Unlock()
}

// Connections reports how many client connections are open. A
// connection closes only once the call it carries has been handled, so
// after a client process is killed, Connections() == 0 means that none
// of its calls can still be handled: a test waits for it (with its holds
// in place) before it lets later calls through.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Holding reports how many calls of method are waiting on Hold.
func (s *Server) Holding(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.holding[method]
}
