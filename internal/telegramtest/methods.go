package telegramtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// handle answers a call that passed failure injection.
func (s *Server) handle(c *Call) (status int, desc string, retryAfter int, result any) {
	switch c.Method {
	case "getMe":
		return 200, "", 0, map[string]any{"id": BotID, "is_bot": true, "first_name": "Deputy Bot", "username": s.BotUsername}
	case "sendMessage":
		return s.sendMessage(c)
	case "editMessageText":
		return s.editMessage(c, true)
	case "editMessageReplyMarkup":
		return s.editMessage(c, false)
	case "sendDocument", "sendPhoto":
		return s.sendDocument(c)
	case "answerCallbackQuery":
		s.mu.Lock()
		s.answers = append(s.answers, Answer{QueryID: c.Params["callback_query_id"], Text: c.Params["text"], ShowAlert: c.Params["show_alert"] == "true"})
		s.mu.Unlock()
		if utf8.RuneCountInString(c.Params["text"]) > 200 {
			return 400, "Bad Request: MESSAGE_TOO_LONG", 0, nil
		}
		return 200, "", 0, true
	case "setMyCommands":
		var cmds []Command
		if err := c.Param("commands", &cmds); err != nil {
			return 400, "Bad Request: can't parse commands", 0, nil
		}
		for _, cmd := range cmds {
			if cmd.Command != strings.ToLower(cmd.Command) || len(cmd.Command) > 32 || cmd.Description == "" || utf8.RuneCountInString(cmd.Description) > 256 {
				return 400, "Bad Request: BOT_COMMAND_INVALID", 0, nil
			}
		}
		s.mu.Lock()
		s.commands[scopeKey(c.Params["scope"])] = cmds
		s.mu.Unlock()
		return 200, "", 0, true
	case "deleteMyCommands":
		s.mu.Lock()
		delete(s.commands, scopeKey(c.Params["scope"]))
		s.mu.Unlock()
		return 200, "", 0, true
	case "getFile":
		s.mu.Lock()
		f := s.files[c.Params["file_id"]]
		s.mu.Unlock()
		if f == nil {
			return 400, "Bad Request: invalid file_id", 0, nil
		}
		return 200, "", 0, map[string]any{"file_id": f.ID, "file_unique_id": f.ID, "file_size": len(f.Data), "file_path": "documents/" + f.ID}
	case "setWebhook":
		return s.setWebhook(c)
	case "deleteWebhook":
		s.mu.Lock()
		if s.webhook != nil {
			s.webhook.stop()
			s.webhook = nil
		}
		if c.Params["drop_pending_updates"] == "true" {
			s.queue = nil
		}
		s.mu.Unlock()
		return 200, "", 0, true
	case "getWebhookInfo":
		s.mu.Lock()
		defer s.mu.Unlock()
		info := map[string]any{"url": "", "pending_update_count": len(s.queue)}
		if s.webhook != nil {
			info["url"] = s.webhook.url
		}
		return 200, "", 0, info
	case "sendChatAction":
		return 200, "", 0, true
	}
	return 404, "Not Found", 0, nil
}

// scopeKey reduces a BotCommandScope to "default" or "chat:<id>".
func scopeKey(raw string) string {
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
	}
	if raw == "" || json.Unmarshal([]byte(raw), &sc) != nil || sc.Type == "" || sc.Type == "default" {
		return "default"
	}
	if sc.Type == "chat" {
		return "chat:" + strings.Trim(string(sc.ChatID), `"`)
	}
	return sc.Type
}

func (s *Server) chat(id int64) *chatState {
	cs := s.chats[id]
	if cs == nil {
		cs = &chatState{nextMessageID: 1}
		s.chats[id] = cs
	}
	return cs
}

// checkText validates a message text like Telegram and returns what the
// user sees.
func checkText(text, parseMode string, caption bool) (string, int, string) {
	limit := 4096
	if caption {
		limit = 1024
	}
	shown := text
	if strings.EqualFold(parseMode, "HTML") {
		var err error
		if shown, err = parseHTML(text); err != nil {
			return "", 400, "Bad Request: " + err.Error()
		}
	} else if parseMode != "" {
		return "", 400, "Bad Request: this fake supports only HTML parse mode"
	}
	if !caption && strings.TrimSpace(shown) == "" {
		return "", 400, "Bad Request: message text is empty"
	}
	if utf16Len(shown) > limit {
		return "", 400, "Bad Request: message is too long"
	}
	return shown, 200, ""
}

// utf16Len counts as Telegram counts its limits: UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func checkKeyboard(raw string) ([][]Button, int, string) {
	if raw == "" {
		return nil, 200, ""
	}
	var m struct {
		InlineKeyboard [][]Button `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, 400, "Bad Request: can't parse reply keyboard markup JSON object"
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.Text == "" {
				return nil, 400, "Bad Request: text buttons are unallowed in the inline keyboard"
			}
			if len(b.CallbackData) > 64 || (b.CallbackData == "" && b.URL == "") {
				return nil, 400, "Bad Request: BUTTON_DATA_INVALID"
			}
		}
	}
	return m.InlineKeyboard, 200, ""
}

func (s *Server) sendMessage(c *Call) (int, string, int, any) {
	if c.ChatID() == 0 {
		return 400, "Bad Request: chat not found", 0, nil
	}
	return s.post(c, "text", false, nil)
}

func (s *Server) sendDocument(c *Call) (int, string, int, any) {
	field := "document"
	if c.Method == "sendPhoto" {
		field = "photo"
	}
	f := c.Files[field]
	if f == nil {
		// A file_id resent.
		s.mu.Lock()
		f = s.files[c.Params[field]]
		s.mu.Unlock()
		if f == nil {
			return 400, "Bad Request: there is no " + field + " in the request", 0, nil
		}
	}
	return s.post(c, "caption", true, f)
}

// post checks a message's text (or caption) and keyboard like Telegram,
// and adds it to the chat.
func (s *Server) post(c *Call, textField string, caption bool, f *File) (int, string, int, any) {
	shown, st, desc := checkText(c.Params[textField], c.Params["parse_mode"], caption)
	if st != 200 {
		return st, desc, 0, nil
	}
	kb, st, desc := checkKeyboard(c.Params["reply_markup"])
	if st != 200 {
		return st, desc, 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f != nil && f.ID == "" {
		s.nextFile++
		f.ID = "botfile-" + strconv.Itoa(s.nextFile)
		s.files[f.ID] = f
	}
	cs := s.chat(c.ChatID())
	m := &Message{ID: cs.nextMessageID, ChatID: c.ChatID(), Text: shown, Raw: c.Params[textField],
		ParseMode: c.Params["parse_mode"], Keyboard: kb, SentKeyboard: kb, Document: f, SentAt: time.Now()}
	cs.nextMessageID++
	cs.messages = append(cs.messages, m)
	s.notifyLocked()
	res := messageJSON(m)
	if f != nil {
		res["document"] = map[string]any{"file_id": f.ID, "file_unique_id": f.ID, "file_name": f.Name, "file_size": len(f.Data)}
	}
	return 200, "", 0, res
}

func (s *Server) editMessage(c *Call, text bool) (int, string, int, any) {
	chatID := c.ChatID()
	id, _ := strconv.Atoi(c.Params["message_id"])
	var shown string
	if text {
		var st int
		var desc string
		if shown, st, desc = checkText(c.Params["text"], c.Params["parse_mode"], false); st != 200 {
			return st, desc, 0, nil
		}
	}
	kb, st, desc := checkKeyboard(c.Params["reply_markup"])
	if st != 200 {
		return st, desc, 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var m *Message
	if cs := s.chats[chatID]; cs != nil {
		for _, x := range cs.messages {
			if x.ID == id {
				m = x
			}
		}
	}
	if m == nil {
		return 400, "Bad Request: message to edit not found", 0, nil
	}
	if text && shown == m.Text && c.Params["reply_markup"] == "" && m.Keyboard == nil {
		return 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message", 0, nil
	}
	if text {
		m.Text, m.Raw, m.ParseMode = shown, c.Params["text"], c.Params["parse_mode"]
	}
	m.Keyboard = kb
	m.Edits++
	s.notifyLocked()
	return 200, "", 0, messageJSON(m)
}

func messageJSON(m *Message) map[string]any {
	return map[string]any{
		"message_id": m.ID,
		"date":       m.SentAt.Unix(),
		"chat":       map[string]any{"id": m.ChatID, "type": "private"},
		"from":       map[string]any{"id": BotID, "is_bot": true, "first_name": "Deputy Bot"},
		"text":       m.Text,
	}
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/file/bot")
	slash := strings.IndexByte(rest, '/')
	if slash < 0 || rest[:slash] != s.Token {
		http.NotFound(w, r)
		return
	}
	id := strings.TrimPrefix(rest[slash+1:], "documents/")
	s.mu.Lock()
	f := s.files[id]
	s.mu.Unlock()
	if f == nil {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write(f.Data)
}
