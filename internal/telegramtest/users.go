package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// User is a Telegram user the test acts as.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
}

func (u User) json() map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName}
	if u.LastName != "" {
		m["last_name"] = u.LastName
	}
	if u.Username != "" {
		m["username"] = u.Username
	}
	if u.LanguageCode != "" {
		m["language_code"] = u.LanguageCode
	}
	return m
}

// Chat is a user's private chat with the bot, from the user's side. It
// remembers which bot messages the test has already looked at, so Next
// returns the bot's next message.
type Chat struct {
	s    *Server
	User User
	// ID is the chat's id: the user's id for a private chat.
	ID    int64
	group bool
	seen  int
	// LastQuery is the id of the last callback query this chat sent.
	LastQuery string
}

// Chat returns the private chat of u with the bot.
func (s *Server) Chat(u User) *Chat {
	if u.FirstName == "" {
		u.FirstName = "User" + strconv.FormatInt(u.ID, 10)
	}
	return &Chat{s: s, User: u, ID: u.ID}
}

// Group returns u's view of a group chat (id < 0) the bot is in.
func (s *Server) Group(u User, groupID int64) *Chat {
	c := s.Chat(u)
	c.ID, c.group = groupID, true
	return c
}

func (c *Chat) message(id int64, fields map[string]any) map[string]any {
	c.s.mu.Lock()
	cs := c.s.chat(c.ID)
	mid := cs.nextMessageID
	cs.nextMessageID++
	c.s.mu.Unlock()
	chat := map[string]any{"id": c.ID, "type": "private", "first_name": c.User.FirstName}
	if c.group {
		chat = map[string]any{"id": c.ID, "type": "group", "title": "Group"}
	}
	m := map[string]any{
		"message_id": mid,
		"from":       c.User.json(),
		"chat":       chat,
		"date":       time.Now().Unix(),
	}
	for k, v := range fields {
		m[k] = v
	}
	return m
}

// Send sends a text message; a text starting with "/" carries a
// bot_command entity for its first word, as Telegram's clients send it.
// It returns the update id.
func (c *Chat) Send(text string) int64 {
	fields := map[string]any{"text": text}
	if strings.HasPrefix(text, "/") {
		word := text
		if i := strings.IndexAny(text, " \n"); i >= 0 {
			word = text[:i]
		}
		fields["entities"] = []map[string]any{{"type": "bot_command", "offset": 0, "length": len(utf16.Encode([]rune(word)))}}
	}
	return c.s.enqueue(func(id int64) map[string]any { return map[string]any{"message": c.message(id, fields)} })
}

// SendFile sends a document with an optional caption and returns the
// update id. The bot can fetch its content with getFile.
func (c *Chat) SendFile(name, mimeType string, data []byte, caption string) int64 {
	f := c.s.addFile(name, mimeType, data)
	fields := map[string]any{"document": map[string]any{"file_id": f.ID, "file_unique_id": f.ID, "file_name": name, "mime_type": mimeType, "file_size": len(data)}}
	if caption != "" {
		fields["caption"] = caption
	}
	return c.s.enqueue(func(id int64) map[string]any { return map[string]any{"message": c.message(id, fields)} })
}

// SendPhoto sends a photo with an optional caption.
func (c *Chat) SendPhoto(caption string) int64 {
	f := c.s.addFile("photo.jpg", "image/jpeg", []byte("\xff\xd8\xff fake jpeg"))
	fields := map[string]any{"photo": []map[string]any{
		{"file_id": f.ID + "-s", "file_unique_id": f.ID + "-s", "width": 90, "height": 90, "file_size": 100},
		{"file_id": f.ID, "file_unique_id": f.ID, "width": 1280, "height": 960, "file_size": len(f.Data)},
	}}
	if caption != "" {
		fields["caption"] = caption
	}
	return c.s.enqueue(func(id int64) map[string]any { return map[string]any{"message": c.message(id, fields)} })
}

// SendSticker sends a sticker (something that is not text).
func (c *Chat) SendSticker() int64 {
	fields := map[string]any{"sticker": map[string]any{"file_id": "sticker-1", "file_unique_id": "sticker-1", "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "👍"}}
	return c.s.enqueue(func(id int64) map[string]any { return map[string]any{"message": c.message(id, fields)} })
}

// Press presses an inline button with the given callback data on msg
// (which may be nil for a forged press on no message) and returns the
// update id.
func (c *Chat) Press(msg *Message, data string) int64 {
	return c.s.enqueue(func(id int64) map[string]any {
		qid := "q" + strconv.FormatInt(id, 10)
		c.LastQuery = qid
		q := map[string]any{"id": qid, "from": c.User.json(), "chat_instance": "ci" + strconv.FormatInt(c.User.ID, 10), "data": data}
		if msg != nil {
			m := messageJSON(msg)
			m["text"] = msg.Text
			if len(msg.Keyboard) > 0 {
				// As Telegram: the pressed message with its buttons.
				m["reply_markup"] = map[string]any{"inline_keyboard": msg.Keyboard}
			}
			q["message"] = m
		}
		return map[string]any{"callback_query": q}
	})
}

// PressButton presses the first button of msg whose text contains label.
func (c *Chat) PressButton(msg *Message, label string) int64 {
	c.s.tb.Helper()
	b := msg.Button(label)
	if b == nil {
		c.s.tb.Fatalf("telegramtest: no button %q on message %q (buttons: %v)", label, msg.Text, msg.Buttons())
	}
	return c.Press(msg, b.CallbackData)
}

func (s *Server) addFile(name, mimeType string, data []byte) *File {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFile++
	f := &File{ID: "userfile-" + strconv.Itoa(s.nextFile), Name: name, MIME: mimeType, Data: data}
	s.files[f.ID] = f
	return f
}

// Messages returns the bot's messages in this chat, oldest first.
func (c *Chat) Messages() []*Message { return c.s.Messages(c.ID) }

// Message returns the bot's message with this id in this chat as the
// user sees it now (after any edits), and fails the test if there is none.
func (c *Chat) Message(id int) *Message {
	c.s.tb.Helper()
	for _, m := range c.Messages() {
		if m.ID == id {
			return m
		}
	}
	c.s.tb.Fatalf("telegramtest: no message #%d in chat %d", id, c.ID)
	return nil
}

// Next waits for the bot's next message in this chat (after the last one
// Next returned) and fails the test unless its text contains every one of
// want.
func (c *Chat) Next(want ...string) *Message {
	c.s.tb.Helper()
	var m *Message
	c.s.WaitFor(fmt.Sprintf("a message to %d after #%d", c.ID, c.seen), func() bool {
		msgs := c.s.Messages(c.ID)
		if len(msgs) > c.seen {
			m = msgs[c.seen]
			return true
		}
		return false
	})
	c.seen++
	for _, w := range want {
		if !strings.Contains(m.Text, w) {
			c.s.tb.Fatalf("telegramtest: message to %d is %q; want it to contain %q", c.ID, m.Text, w)
		}
	}
	return m
}

// Unread returns the bot's messages the test has not looked at yet with
// Next, and marks them read.
func (c *Chat) Unread() []*Message {
	msgs := c.Messages()
	out := msgs[min(c.seen, len(msgs)):]
	c.seen = len(msgs)
	return out
}

// Answer waits for the bot's answer to this chat's last button press and
// returns its text.
func (c *Chat) Answer() string {
	c.s.tb.Helper()
	var text string
	q := c.LastQuery
	c.s.WaitFor("an answer to callback query "+q, func() bool {
		for _, a := range c.s.Answers() {
			if a.QueryID == q {
				text = a.Text
				return true
			}
		}
		return false
	})
	return text
}

// ChatIDs lists the chats the bot has sent messages to.
func (s *Server) ChatIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for id := range s.chats {
		ids = append(ids, id)
	}
	return ids
}

// Messages returns the bot's messages to a chat.
func (s *Server) Messages(chatID int64) []*Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(chatID)
}

func (s *Server) messagesLocked(chatID int64) []*Message {
	cs := s.chats[chatID]
	if cs == nil {
		return nil
	}
	out := make([]*Message, len(cs.messages))
	for i, m := range cs.messages {
		cp := *m
		out[i] = &cp
	}
	return out
}

// Commands returns the command menu set for a chat ("chat:<id>") or for
// everyone ("default"), and whether one is set.
func (s *Server) Commands(scope string) ([]Command, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds, ok := s.commands[scope]
	return cmds, ok
}

// Calls returns the recorded calls of method (all calls if method is "").
func (s *Server) Calls(method string) []*Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitFor waits until cond (evaluated after every change of the server's
// state) is true, and fails the test after WaitTimeout.
func (s *Server) WaitFor(what string, cond func() bool) {
	s.tb.Helper()
	deadline := time.After(s.WaitTimeout)
	for {
		changed := s.Changed()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			s.tb.Fatalf("telegramtest: timed out waiting for %s", what)
			return
		}
	}
}

// Answers returns the answerCallbackQuery calls so far.
func (s *Server) Answers() []Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Answer(nil), s.answers...)
}

// Changed returns a channel closed at the next change of the server's
// state (a call, a message, an update), for waiting on conditions the
// server does not know.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}
