package telegramtest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func TestParseHTML(t *testing.T) {
	for _, tc := range []struct{ in, out, err string }{
		{"<b>bold</b> &lt;x&gt; &amp; &quot;q&quot; &#39;", `bold <x> & "q" '`, ""},
		{`<a href="https://t.me/x">link</a>`, "link", ""},
		{"a < b", "", "unclosed start tag"},
		{"a < b > c", "", "unsupported start tag"},
		{"<script>x</script>", "", "unsupported start tag"},
		{"a > b", "", "reserved"},
		{"fish & chips", "", "must be escaped"},
		{"&nbsp;", "\u00a0", ""},
		{"&bogus;", "", "unsupported HTML entity"},
		{"<b>open", "", "can't find end tag"},
		{"<b><i>x</b></i>", "", "unmatched end tag"},
	} {
		got, err := parseHTML(tc.in)
		if tc.err == "" && (err != nil || got != tc.out) {
			t.Errorf("%q: got %q, %v; want %q", tc.in, got, err, tc.out)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: error %v; want %q", tc.in, err, tc.err)
		}
	}
}

func client(t *testing.T, s *Server) *tgbot.Bot {
	b, err := tgbot.New(s.Token, tgbot.WithServerURL(s.URL), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLibraryWireFormat sends through go-telegram/bot, which streams
// multipart bodies without a Content-Length, and checks what was recorded.
func TestLibraryWireFormat(t *testing.T) {
	s := New(t)
	b := client(t, s)
	ctx := context.Background()
	me, err := b.GetMe(ctx)
	if err != nil || me.Username != "deputy_test_bot" {
		t.Fatalf("getMe: %+v %v", me, err)
	}
	m, err := b.SendMessage(ctx, &tgbot.SendMessageParams{
		ChatID: 42, Text: "<b>Hi</b> &amp; bye", ParseMode: models.ParseModeHTML,
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "OK", CallbackData: "ok:1"}}}},
	})
	if err != nil || m.ID != 1 {
		t.Fatalf("send: %+v %v", m, err)
	}
	got := s.Messages(42)
	if len(got) != 1 || got[0].Text != "Hi & bye" || got[0].Button("OK").CallbackData != "ok:1" {
		t.Fatalf("recorded %+v", got[0])
	}
	// Telegram's refusals come back as the library's errors.
	_, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 42, Text: "1 < 2", ParseMode: models.ParseModeHTML})
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		t.Fatalf("unescaped text: %v", err)
	}
	_, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 42, Text: strings.Repeat("字", 4097)})
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		t.Fatalf("long text: %v", err)
	}
	_, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 42, Text: "x",
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "x", CallbackData: strings.Repeat("d", 65)}}}}})
	if !errors.Is(err, tgbot.ErrorBadRequest) {
		t.Fatalf("long callback data: %v", err)
	}
	s.FailNext("sendMessage", 1, Failure{Status: 429, RetryAfter: 3})
	_, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 42, Text: "x"})
	var tooMany *tgbot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 3 {
		t.Fatalf("429: %v", err)
	}
	s.BlockBy(43)
	if _, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 43, Text: "x"}); !errors.Is(err, tgbot.ErrorForbidden) {
		t.Fatalf("403: %v", err)
	}
	s.FailNext("sendMessage", 1, Failure{Status: 502})
	if _, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 42, Text: "x"}); err == nil {
		t.Fatal("502 not reported")
	}
	if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 42, Text: "again"}); err != nil {
		t.Fatalf("after failures: %v", err)
	}
	bad, _ := tgbot.New("1:wrongwrongwrongwrongwrongwrong", tgbot.WithServerURL(s.URL), tgbot.WithSkipGetMe())
	if _, err := bad.GetMe(ctx); !errors.Is(err, tgbot.ErrorUnauthorized) {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestGetUpdatesLongPollsAndConfirms(t *testing.T) {
	s := New(t)
	u := s.Chat(User{ID: 7})
	done := make(chan []string)
	go func() {
		// A long poll that waits for the update sent below.
		ids := []string{}
		for len(ids) == 0 {
			resp, err := httpPost(s.URL+"/bot"+s.Token+"/getUpdates", `{"offset":0,"timeout":5}`)
			if err != nil {
				break
			}
			ids = append(ids, resp)
		}
		done <- ids
	}()
	s.WaitFor("a waiting poll", func() bool { return s.Polling() == 1 })
	id := u.Send("/start")
	select {
	case got := <-done:
		if !strings.Contains(got[0], `"update_id":1`) || !strings.Contains(got[0], `"type":"bot_command"`) {
			t.Fatalf("poll returned %s", got[0])
		}
	case <-time.After(10 * time.Second):
		t.Fatal("long poll did not return the update")
	}
	if s.Pending() != 1 {
		t.Fatal("update confirmed before the next offset was asked for")
	}
	if _, err := httpPost(s.URL+"/bot"+s.Token+"/getUpdates", `{"offset":2,"timeout":0}`); err != nil {
		t.Fatal(err)
	}
	if s.Pending() != 0 {
		t.Fatal("update not confirmed by the next offset")
	}
	s.Redeliver(id)
	if s.Pending() != 1 {
		t.Fatal("redelivered update not queued")
	}
}

// TestConcurrentSendsAreAllDelivered: users sending at the same moment
// while the bot polls and confirms: the bot gets every update, as from
// Telegram. (Ids were once queued out of order, and a poll between the
// two confirmed, so dropped, an id not yet queued.)
func TestConcurrentSendsAreAllDelivered(t *testing.T) {
	// The race is narrow: a few rounds make it show.
	for range 10 {
		concurrentSends(t)
	}
}

func concurrentSends(t *testing.T) {
	s := New(t)
	const users, each = 20, 25
	var wg sync.WaitGroup
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := s.Chat(User{ID: int64(100 + i)})
			for range each {
				c.Send("hello")
			}
		}()
	}
	sent := make(chan struct{})
	go func() { wg.Wait(); close(sent) }()
	got := map[int64]bool{}
	offset := int64(0)
	idRE := regexp.MustCompile(`"update_id":(\d+)`)
	for done := false; !done; {
		select {
		case <-sent:
			done = s.Pending() == 0 || len(got) == users*each
		default:
		}
		resp, err := httpPost(s.URL+"/bot"+s.Token+"/getUpdates", fmt.Sprintf(`{"offset":%d,"timeout":0}`, offset))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range idRE.FindAllStringSubmatch(resp, -1) {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			got[id] = true
			offset = max(offset, id+1)
		}
	}
	if len(got) != users*each {
		t.Fatalf("the bot got %d of %d updates", len(got), users*each)
	}
}
