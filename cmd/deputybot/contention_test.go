package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/telegramtest"
	"deputybot/storage"
)

// TestTwoReplicasLogContactsOnOneItemAtOnce: two `deputybot run` replicas
// on one shared store (the embedded store reached by URI; FerretDB on
// PostgreSQL in CI); the two contacts of a department log a contact with
// the deputy on each of twelve items at the same moment, each step of the
// two dialogues sent together (whichever replica takes each). Every
// contact is told "Contact logged" once per item, and every item keeps
// both contacts: no change is lost to the other.
func TestTwoReplicasLogContactsOnOneItemAtOnce(t *testing.T) {
	const items = 12
	dir := t.TempDir()
	s, ctx := openStore(t, dir)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().Add(-48 * time.Hour)
	if err := s.BulkInsertDepartments(ctx, []*deputybot.Department{{ID: "d1", Name: "Housing Bureau", CreatedAt: now}}); err != nil {
		t.Fatal(err)
	}
	people := []*deputybot.Person{{ID: "p1", Name: "Zhang San", Roles: []deputybot.Role{deputybot.RoleDeputy}, TelegramID: 2001,
		Language: deputybot.LangEN, State: deputybot.PersonActive, CreatedAt: now}}
	for i, name := range []string{"Li Si", "Wang Wu"} {
		people = append(people, &deputybot.Person{ID: fmt.Sprint("c", i), Name: name, Roles: []deputybot.Role{deputybot.RoleContact},
			DepartmentID: "d1", TelegramID: int64(3001 + i), Language: deputybot.LangEN, State: deputybot.PersonActive, CreatedAt: now})
	}
	if err := s.BulkInsertPeople(ctx, people); err != nil {
		t.Fatal(err)
	}
	var its []*deputybot.Item
	var dets []*deputybot.ItemDetails
	for i := 1; i <= items; i++ {
		its = append(its, &deputybot.Item{ID: fmt.Sprint("i", i), Kind: deputybot.KindSuggestion, Year: now.Year(), Seq: i,
			Title: fmt.Sprint("Lift ", i), Category: "other", AuthorID: "p1", Status: deputybot.StatusAssigned, LeadDept: "d1",
			AssignedAt: now, SubmittedAt: now, Round: 1, Version: 1,
			Deadline: deputybot.EndOfDay(deputybot.DateOf(now.AddDate(0, 3, 0), loc), loc)})
		dets = append(dets, &deputybot.ItemDetails{Body: "Old blocks need lifts."})
	}
	if err := s.BulkInsertItems(ctx, its, dets); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)

	shared := sharedCopy(t, dir)
	tg := telegramtest.New(t)
	for range 2 {
		startService(t, tg, t.TempDir(), append([]string{"OUTBOX_CHAT_INTERVAL=50ms"}, shared...)...)
	}
	contacts := []*telegramtest.Chat{
		tg.Chat(telegramtest.User{ID: 3001, FirstName: "Li", LanguageCode: "en"}),
		tg.Chat(telegramtest.User{ID: 3002, FirstName: "Wang", LanguageCode: "en"}),
	}
	// both does a step in both chats, then reads both answers.
	both := func(step func(c *telegramtest.Chat, last *telegramtest.Message), want string, last []*telegramtest.Message) []*telegramtest.Message {
		t.Helper()
		for i, c := range contacts {
			step(c, last[i])
		}
		out := make([]*telegramtest.Message, len(contacts))
		for i, c := range contacts {
			out[i] = c.Next(want)
		}
		return out
	}
	press := func(label string) func(*telegramtest.Chat, *telegramtest.Message) {
		return func(c *telegramtest.Chat, m *telegramtest.Message) { c.PressButton(m, label) }
	}
	for i := 1; i <= items; i++ {
		last := both(func(c *telegramtest.Chat, _ *telegramtest.Message) {
			c.Send(fmt.Sprintf("/view %d-%03d", now.Year(), i))
		},
			fmt.Sprint("Lift ", i), make([]*telegramtest.Message, 2))
		last = both(press("Log contact"), "When did you talk", last)
		last = both(press("Today"), "When in the handling", last)
		last = both(press("Before the work"), "How did you contact the deputy?", last)
		last = both(press("Face to face"), "short note", last)
		both(press("Skip"), "Contact logged", last)
	}

	var uri, database string
	for _, kv := range shared {
		if v, ok := strings.CutPrefix(kv, "MONGODB_URI="); ok {
			uri = v
		}
		if v, ok := strings.CutPrefix(kv, "MONGODB_DATABASE="); ok {
			database = v
		}
	}
	st, err := storage.Open(context.Background(), storage.Options{URI: uri, Database: database})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	for i := 1; i <= items; i++ {
		it, err := st.Item(context.Background(), fmt.Sprint("i", i))
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]int{}
		for _, c := range it.Contacts {
			by[c.By]++
		}
		if len(it.Contacts) != 2 || by["c0"] != 1 || by["c1"] != 1 {
			t.Errorf("item %d keeps %d contacts (%v), want one by each contact", i, len(it.Contacts), by)
		}
	}
	for _, c := range contacts {
		if n := sends(tg, c.ID, "Contact logged"); n != items {
			t.Errorf("contact %d told %d times that a contact was logged, want %d", c.ID, n, items)
		}
	}
}
