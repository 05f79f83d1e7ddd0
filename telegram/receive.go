package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-telegram/bot/models"

	"deputybot"
)

// incoming is one update as received, with the chat that orders it.
type incoming struct {
	id     int64
	chatID int64
	raw    []byte
	update *models.Update
	replay bool // read back from the store after a restart
}

// allowedUpdates are the update kinds the bot asks Telegram for.
var allowedUpdates = []string{"message", "callback_query", "my_chat_member"}

func decodeUpdate(raw []byte) (*incoming, error) {
	var u models.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, err
	}
	return &incoming{id: u.ID, chatID: chatOf(&u), raw: raw, update: &u}, nil
}

// chatOf returns the chat whose order an update belongs to; for updates
// without a chat, the sender's private chat.
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil:
		if m := u.CallbackQuery.Message.Message; m != nil {
			return m.Chat.ID
		}
		if m := u.CallbackQuery.Message.InaccessibleMessage; m != nil && m.Chat.ID != 0 {
			return m.Chat.ID
		}
		return u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return 0
}

// accept records a batch of updates in the store's inbox (one write) and
// hands the new ones to the dispatcher. A redelivered update (already
// recorded) is dropped. An error means the updates were not recorded and
// must not be confirmed to Telegram.
func (c *Client) accept(ctx context.Context, raws [][]byte) error {
	var ins []*incoming
	var ups []deputybot.InboxUpdate
	for _, raw := range raws {
		in, err := decodeUpdate(raw)
		if err != nil {
			c.log.Warn("undecodable update dropped", "err", err)
			continue
		}
		ins = append(ins, in)
		ups = append(ups, deputybot.InboxUpdate{ID: in.id, ChatID: in.chatID, Payload: raw})
	}
	if len(ups) == 0 {
		return nil
	}
	fresh, err := c.inbox.RecordUpdates(ctx, ups, c.sender.Now())
	if err != nil {
		return fmt.Errorf("record updates %d–%d: %w", ups[0].ID, ups[len(ups)-1].ID, err)
	}
	for i, in := range ins {
		if !fresh[i] {
			c.log.Debug("redelivered update ignored", "update", in.id)
			continue
		}
		c.dispatch.enqueue(in)
	}
	return nil
}

// replayPending hands the updates that were recorded but not handled
// before the last stop to the dispatcher, oldest first.
func (c *Client) replayPending(ctx context.Context) error {
	raws, err := c.inbox.PendingUpdates(ctx, c.sender.Now())
	if err != nil {
		return fmt.Errorf("read pending updates: %w", err)
	}
	for _, raw := range raws {
		in, err := decodeUpdate(raw)
		if err != nil {
			continue
		}
		in.replay = true
		c.dispatch.enqueue(in)
	}
	if len(raws) > 0 {
		c.log.Info("resuming updates received before the last stop", "count", len(raws))
	}
	return nil
}

// poll long-polls getUpdates until ctx ends. It confirms an update to
// Telegram (by asking for the next offset) only after recording it, so an
// update is never lost between Telegram and the store. go-telegram/bot's
// own poller advances the offset before the update is handled, which is
// why this one exists.
func (c *Client) poll(ctx context.Context) {
	var offset int64
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		if backoff > 0 {
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
		}
		updates, err := c.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			backoff = min(max(2*backoff, 500*time.Millisecond), 30*time.Second)
			c.log.Warn("getUpdates failed", "err", err, "retry_in", backoff)
			continue
		}
		backoff = 0
		c.received()
		raws := make([][]byte, 0, len(updates))
		next := offset
		for _, raw := range updates {
			var head struct {
				ID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &head) != nil {
				continue
			}
			raws = append(raws, raw)
			next = max(next, head.ID+1)
		}
		if err := c.accept(ctx, raws); err != nil {
			c.log.Error("updates not recorded; Telegram will send them again", "err", err)
			backoff = time.Second
			continue
		}
		offset = next
	}
}

func (c *Client) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{
		"offset":          offset,
		"timeout":         int(c.o.PollTimeout / time.Second),
		"allowed_updates": allowedUpdates,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.o.APIURL+"/bot"+c.o.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.pollClient.Do(req)
	if err != nil {
		return nil, redactToken(err, c.o.Token)
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d: %w", resp.StatusCode, err)
	}
	if !r.OK {
		if r.Parameters.RetryAfter > 0 {
			select {
			case <-time.After(time.Duration(r.Parameters.RetryAfter) * time.Second):
			case <-ctx.Done():
			}
		}
		return nil, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	return r.Result, nil
}

func redactToken(err error, token string) error {
	return errors.New(string(bytes.ReplaceAll([]byte(err.Error()), []byte(token), []byte("***"))))
}

// WebhookHandler returns the HTTP handler Telegram posts updates to in
// webhook mode. It checks the secret token itself, in constant time (the
// library's handler answers 200 to a wrong secret), records the update
// before answering 200, and answers 500 when it could not, so that
// Telegram delivers it again.
func (c *Client) WebhookHandler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		raw, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if !json.Valid(raw) {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := c.accept(r.Context(), [][]byte{raw}); err != nil {
			c.log.Error("webhook update not recorded", "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		c.received()
		w.WriteHeader(http.StatusOK)
	})
}
