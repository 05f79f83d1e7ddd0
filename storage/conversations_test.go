package storage_test

import (
	"fmt"
	"testing"

	"deputybot/internal/storetest"
	"deputybot/storage"
)

type convState struct {
	PersonID string            `bson:"personId"`
	Step     string            `bson:"step"`
	Data     map[string]string `bson:"data"`
	Last     int64             `bson:"lastUpdateId"`
}

// TestConversationVersionsOnTheOnlyWriter: the owner of an embedded
// store writes each step as a new version and deletes superseded ones in
// batches; what it holds survives a restart, a failed write's doubt and a
// copy to a shared store.
func TestConversationVersionsOnTheOnlyWriter(t *testing.T) {
	c := ctx(t)
	dir := t.TempDir()
	s, err := storage.Open(c, storage.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !s.SingleWriter() {
		t.Fatal("the owner of the embedded store is not its only writer")
	}
	const chats = 10
	steps := storage.ConversationBatch // saves per chat: the superseded ones reach a batch many times
	for step := 1; step <= steps; step++ {
		for chat := int64(1); chat <= chats; chat++ {
			st := convState{PersonID: fmt.Sprint("p", chat), Step: fmt.Sprint("step ", step), Data: map[string]string{"title": `{"$gt": ""}`}, Last: int64(step)}
			if err := s.SaveConversation(c, chat, st); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.DeleteConversation(c, 3); err != nil {
		t.Fatal(err)
	}
	counts, err := s.Counts(c)
	if err != nil {
		t.Fatal(err)
	}
	// 2,561 versions written; at most a batch of superseded ones stays
	// beside each chat's latest.
	if n := counts["conversations"]; n > chats+int64(storage.ConversationBatch) || n < chats {
		t.Fatalf("%d conversation documents for %d chats", n, chats)
	}
	check := func(s *storage.Store, how string) {
		t.Helper()
		for chat := int64(1); chat <= chats; chat++ {
			var got convState
			found, err := s.LoadConversation(c, chat, &got)
			if err != nil {
				t.Fatalf("%s: chat %d: %v", how, chat, err)
			}
			if chat == 3 {
				if found {
					t.Fatalf("%s: the ended conversation came back: %+v", how, got)
				}
				continue
			}
			want := fmt.Sprint("step ", steps)
			if !found || got.Step != want || got.Last != int64(steps) || got.Data["title"] != `{"$gt": ""}` || got.PersonID != fmt.Sprint("p", chat) {
				t.Fatalf("%s: chat %d: %+v (found %v), want %s", how, chat, got, found, want)
			}
		}
	}
	check(s, "kept")
	s.ForgetConversation(5) // as after a failed write: read from the store
	s.ForgetConversation(3)
	check(s, "read again")

	// A second process joined to the owner reads the same.
	j, err := storage.Open(c, storage.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !j.Joined() {
		t.Fatal("second opener did not join")
	}
	check(j, "joined")
	j.Close(c)

	// Restarted: the latest version of each chat is read at start.
	s.Close(c)
	s, err = storage.Open(c, storage.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(c)
	check(s, "after a restart")
	var got convState
	if err := s.SaveConversation(c, 3, convState{PersonID: "p3", Step: "again"}); err != nil {
		t.Fatal(err)
	}
	if found, err := s.LoadConversation(c, 3, &got); !found || err != nil || got.Step != "again" {
		t.Fatalf("a new conversation after the ended one: %+v %v %v", got, found, err)
	}
	if err := s.DeleteConversation(c, 3); err != nil {
		t.Fatal(err)
	}

	// Copied to a shared store: one document per chat, the latest.
	o := storetest.Options(t)
	if _, err := s.CopyTo(c, o.URI, o.Database, nil); err != nil {
		t.Fatal(err)
	}
	o.Shared = true
	o.SQLiteDir = ""
	shared := storetest.Again(t, o)
	defer shared.Drop(c)
	check(shared, "copied to a shared store")
	counts, err = shared.Counts(c)
	if err != nil {
		t.Fatal(err)
	}
	if counts["conversations"] != chats-1 {
		t.Fatalf("the shared store holds %d conversation documents, want %d", counts["conversations"], chats-1)
	}
}
