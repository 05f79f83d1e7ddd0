package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/storetest"
	"deputybot/storage"
	"deputybot/telegram"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var t0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func wantCode(t *testing.T, err error, code, key string) {
	t.Helper()
	if deputybot.ErrorCode(err) != code {
		t.Fatalf("error %v: want code %s", err, code)
	}
	if e, ok := err.(*deputybot.Error); key != "" && (!ok || e.Key != key) {
		t.Fatalf("error %v: want key %s", err, key)
	}
}

func TestPeopleFilterAndPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		for i := range 12 {
			role := deputybot.RoleDeputy
			if i%3 == 0 {
				role = deputybot.RoleSupervisor
			}
			p := deputybot.InviteRequest{Role: role, Name: fmt.Sprintf("P%02d", i)}.Invited(fmt.Sprint("p", i), t0)
			if err := s.InsertPerson(c, p); err != nil {
				t.Fatal(err)
			}
		}
		page, total, err := s.People(c, deputybot.PeopleFilter{Role: deputybot.RoleDeputy, Offset: 5, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if total != 8 || len(page) != 3 || page[0].Name != "P08" {
			t.Fatalf("total %d page %d first %s", total, len(page), page[0].Name)
		}
	})
}

func TestUpdatesInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		raw := func(id int64) []byte { return []byte(fmt.Sprintf(`{"update_id":%d}`, id)) }
		batch := []deputybot.InboxUpdate{{ID: 10, ChatID: 1, Payload: raw(10)}, {ID: 11, ChatID: 1, Payload: raw(11)}, {ID: 12, ChatID: 2, Payload: raw(12)}}
		fresh, err := s.RecordUpdates(c, batch, t0)
		if err != nil || !fresh[0] || !fresh[1] || !fresh[2] {
			t.Fatalf("first record: %v %v", fresh, err)
		}
		// Delivered again while waiting, with a new one.
		fresh, err = s.RecordUpdates(c, []deputybot.InboxUpdate{batch[1], {ID: 13, ChatID: 2, Payload: raw(13)}}, t0)
		if err != nil || fresh[0] || !fresh[1] {
			t.Fatalf("redelivered while waiting: %v %v", fresh, err)
		}
		if err := s.MarkUpdatesDone(c, []int64{10, 12}, t0); err != nil {
			t.Fatal(err)
		}
		// Delivered again once handled.
		if fresh, _ := s.RecordUpdate(c, 10, 1, raw(10), t0); fresh {
			t.Fatal("a handled update recorded as new")
		}
		pending, err := s.PendingUpdates(c, t0.Add(time.Minute+storage.UpdateLease))
		if err != nil || len(pending) != 2 || string(pending[0]) != `{"update_id":11}` || string(pending[1]) != `{"update_id":13}` {
			t.Fatalf("pending %q %v", pending, err)
		}
		n, err := s.PruneUpdates(c, t0.Add(time.Second))
		if err != nil || n != 2 {
			t.Fatalf("pruned %d %v", n, err)
		}
		// Only handled updates are pruned, and only after Telegram stops
		// delivering them again.
		if pending, _ := s.PendingUpdates(c, t0.Add(time.Hour+storage.UpdateLease)); len(pending) != 2 {
			t.Fatalf("prune touched pending updates")
		}
	})
}

// TestUpdateRetriedThenSetAside: an update handled again after stops is
// counted each time; beyond the bound it is set aside — out of every
// replay, kept through the inbox's clearing once done, listed for the
// operator, and forgotten 30 days later.
func TestUpdateRetriedThenSetAside(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		if _, err := s.RecordUpdates(c, []deputybot.InboxUpdate{{ID: 30, ChatID: 1, Payload: []byte(`{"update_id":30}`)}}, t0); err != nil {
			t.Fatal(err)
		}
		for want := 1; want <= storage.MaxUpdateRetries; want++ {
			n, aside, err := s.RetryUpdate(c, 30, t0)
			if err != nil || aside || n != want {
				t.Fatalf("retry %d: %d %v %v", want, n, aside, err)
			}
		}
		n, aside, err := s.RetryUpdate(c, 30, t0.Add(time.Minute))
		if err != nil || !aside || n != storage.MaxUpdateRetries+1 {
			t.Fatalf("beyond the bound: %d %v %v", n, aside, err)
		}
		if n, aside, err := s.RetryUpdate(c, 30, t0.Add(time.Minute)); err != nil || !aside || n != 0 {
			t.Fatalf("set aside, tried again: %d %v %v", n, aside, err)
		}
		if err := s.MarkUpdatesDone(c, []int64{30}, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if p, err := s.PendingUpdates(c, t0.Add(time.Hour+storage.UpdateLease)); err != nil || len(p) != 0 {
			t.Fatalf("a set-aside update replayed: %d %v", len(p), err)
		}
		if _, err := s.PruneUpdates(c, t0.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		list, err := s.SetAsideUpdates(c)
		if err != nil || len(list) != 1 || list[0].ID != 30 || list[0].Size != len(`{"update_id":30}`) || !list[0].SetAside.Equal(t0.Add(time.Minute)) {
			t.Fatalf("set aside: %+v %v", list, err)
		}
		if fresh, _ := s.RecordUpdate(c, 30, 1, []byte(`{"update_id":30}`), t0.Add(time.Hour)); fresh {
			t.Fatal("a set-aside update delivered again was taken as new")
		}
		if _, err := s.PruneUpdates(c, t0.Add(time.Minute+storage.SetAsideKept+time.Second)); err != nil {
			t.Fatal(err)
		}
		if list, err := s.SetAsideUpdates(c); err != nil || len(list) != 0 {
			t.Fatalf("kept past 30 days: %+v %v", list, err)
		}
	})
}

// TestUpdateClearedFromTheInboxIsKnown: handled updates leave the inbox a
// hundred at a time; one delivered again after that is still recognised.
func TestUpdateClearedFromTheInboxIsKnown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		var batch []deputybot.InboxUpdate
		var ids []int64
		for i := range 150 {
			id := int64(1000 + i)
			batch = append(batch, deputybot.InboxUpdate{ID: id, ChatID: 1, Payload: []byte(fmt.Sprintf(`{"update_id":%d}`, id))})
			ids = append(ids, id)
		}
		if _, err := s.RecordUpdates(c, batch, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkUpdatesDone(c, ids, t0); err != nil {
			t.Fatal(err)
		}
		for _, u := range []deputybot.InboxUpdate{batch[0], batch[149]} {
			if fresh, err := s.RecordUpdates(c, []deputybot.InboxUpdate{u}, t0); err != nil || fresh[0] {
				t.Fatalf("update %d, handled, recorded as new (%v)", u.ID, err)
			}
		}
		if pending, err := s.PendingUpdates(c, t0.Add(time.Hour)); err != nil || len(pending) != 0 {
			t.Fatalf("%d pending (%v)", len(pending), err)
		}
	})
}

// TestHandledUpdateIsKnownAfterRestart: the newest update handled is
// remembered, so that the only writer, started again, still recognises an
// update it handled before.
func TestHandledUpdateIsKnownAfterRestart(t *testing.T) {
	o := storetest.Options(t)
	c := ctx(t)
	s, err := storage.Open(c, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Drop(c)
	s.RecordUpdate(c, 500, 1, []byte(`{"update_id":500}`), t0)
	s.MarkUpdateDone(c, 500, t0)
	s.Close(c)
	s, err = storage.Open(c, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(c)
	if fresh, err := s.RecordUpdate(c, 500, 1, []byte(`{"update_id":500}`), t0); err != nil || fresh {
		t.Fatalf("update 500 handled before the restart recorded as new (%v)", err)
	}
	if fresh, err := s.RecordUpdate(c, 501, 1, []byte(`{"update_id":501}`), t0); err != nil || !fresh {
		t.Fatalf("a new update refused (%v)", err)
	}
}

// TestReplicasTakeOverOnlyExpiredUpdates: on a shared database an update
// is handled by the replica that received it; another takes it over only
// when that one's claim has expired (its process died), and then only one
// replica does.
func TestReplicasTakeOverOnlyExpiredUpdates(t *testing.T) {
	a := storetest.OpenShared(t)
	c := ctx(t)
	if fresh, err := a.RecordUpdate(c, 20, 1, []byte(`{"update_id":20}`), t0); err != nil || !fresh {
		t.Fatal(fresh, err)
	}
	b := storetest.Again(t, a.Options())
	if p, err := b.PendingUpdates(c, t0.Add(storage.UpdateLease-time.Second)); err != nil || len(p) != 0 {
		t.Fatalf("a replica took an update another one is handling: %d %v", len(p), err)
	}
	// The same update delivered to the other replica (a webhook retry).
	if fresh, err := b.RecordUpdate(c, 20, 1, []byte(`{"update_id":20}`), t0); err != nil || fresh {
		t.Fatalf("recorded twice across replicas: %v %v", fresh, err)
	}
	// One after another (TestThreeReplicasDecideEachThingOnce does it
	// at once): only one replica takes it over.
	later := t0.Add(storage.UpdateLease + time.Minute)
	taken := 0
	for _, s := range []*storage.Store{b, a, storetest.Again(t, a.Options())} {
		p, err := s.PendingUpdates(c, later)
		if err != nil {
			t.Fatal(err)
		}
		taken += len(p)
	}
	if taken != 1 {
		t.Fatalf("an expired update taken over %d times", taken)
	}
	b.MarkUpdateDone(c, 20, later)
	if fresh, _ := a.RecordUpdate(c, 20, 1, []byte(`{"update_id":20}`), later); fresh {
		t.Fatal("an update handled by one replica recorded as new by another")
	}
}

func TestConversationRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		type conv struct {
			PersonID string            `bson:"personId"`
			Step     string            `bson:"step"`
			Data     map[string]string `bson:"data"`
			Last     int64             `bson:"lastUpdateId"`
		}
		var got conv
		if found, err := s.LoadConversation(c, 42, &got); found || err != nil {
			t.Fatalf("empty: %v %v", found, err)
		}
		in := conv{PersonID: "p", Step: "name", Data: map[string]string{"role": "deputy", "name": `{"$ne": ""}`}, Last: 7}
		if err := s.SaveConversation(c, 42, in); err != nil {
			t.Fatal(err)
		}
		in.Step = "dept" // saved again: replaced
		if err := s.SaveConversation(c, 42, in); err != nil {
			t.Fatal(err)
		}
		found, err := s.LoadConversation(c, 42, &got)
		if err != nil || !found || got.Step != "dept" || got.Data["role"] != "deputy" || got.Data["name"] != `{"$ne": ""}` || got.Last != 7 {
			t.Fatalf("got %+v %v", got, err)
		}
		got.Data["role"] = "changed by the dialogue" // its own copy
		var again, stored conv
		if _, err := s.LoadConversation(c, 42, &again); err != nil || again.Data["role"] != "deputy" {
			t.Fatalf("read again: %+v %v", again, err)
		}
		// The store holds it (another process, or this one after a restart, reads it).
		if found, err := storetest.Again(t, s.Options()).LoadConversation(c, 42, &stored); !found || err != nil || stored.Step != "dept" {
			t.Fatalf("stored: %+v %v %v", stored, found, err)
		}
		if err := s.DeleteConversation(c, 42); err != nil {
			t.Fatal(err)
		}
		if found, _ := s.LoadConversation(c, 42, &got); found {
			t.Fatal("conversation survived delete")
		}
	})
}

func TestClaimOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.Claim(c, "reminder:item1:p1:d7", t0)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d claims won", wins)
		}
	})
}

// TestReopenKeepsDataAndSchema opens an embedded store in a directory,
// writes, closes, and opens it again: the data and the schema version
// survive, and the second start's index creation is a no-op.
func TestReopenKeepsDataAndSchema(t *testing.T) {
	dir := t.TempDir()
	c := ctx(t)
	open := func() *storage.Store {
		s, err := storage.Open(c, storage.Options{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	inv := deputybot.NewInvitation("token", "p1", deputybot.RoleDeputy, "o", t0)
	if err := s.InsertInvitations(c, []deputybot.Invitation{inv}); err != nil {
		t.Fatal(err)
	}
	s.Close(c)
	s = open()
	defer s.Close(c)
	if got, err := s.Invitation(c, inv.TokenHash); err != nil || got.PersonID != "p1" {
		t.Fatalf("invitation lost across restart: %v", err)
	}
}

// TestSecondProcessJoinsEmbedded checks that a second Open on a data
// directory that is in use connects to the running embedded server
// instead of opening its files twice.
func TestSecondProcessJoinsEmbedded(t *testing.T) {
	dir := t.TempDir()
	c := ctx(t)
	a, err := storage.Open(c, storage.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(c)
	b, err := storage.Open(c, storage.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(c)
	if err := a.InsertDepartment(c, dept("区民政局")); err != nil {
		t.Fatal(err)
	}
	ds, err := b.Departments(c)
	if err != nil || len(ds) != 1 {
		t.Fatalf("second opener sees %d departments, %v", len(ds), err)
	}
	if !a.Embedded() || a.Joined() || b.Embedded() || !b.Joined() {
		t.Fatalf("owner: embedded %v joined %v; second: embedded %v joined %v", a.Embedded(), a.Joined(), b.Embedded(), b.Joined())
	}
	if info := b.EmbeddedStore().Info(); info.PID != os.Getpid() || info.Command != "" || info.Store == "" {
		t.Fatalf("owner info %+v", info)
	}
}

// TestEmbeddedStoreIsOwnerOnly: the embedded store listens on a Unix
// socket inside an owner-only data directory, and on no TCP port; a data
// directory that others could read is made owner-only at start.
func TestEmbeddedStoreIsOwnerOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := ctx(t)
	s, err := storage.Open(c, storage.Options{DataDir: dir, Command: "run"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(c)
	st, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o700 {
		t.Fatalf("DATA_DIR mode %v, want 0700", st.Mode().Perm())
	}
	info, err := storage.ReadOwner(dir)
	if err != nil || info.Command != "run" || info.PID != os.Getpid() {
		t.Fatalf("lock file: %+v %v", info, err)
	}
	sock, err := os.Stat(info.Store)
	if err != nil || sock.Mode()&os.ModeSocket == 0 || sock.Mode().Perm()&0o077 != 0 || filepath.Dir(info.Store) != dir {
		t.Fatalf("store socket %s: %v %v", info.Store, sock.Mode(), err)
	}
	if uri := s.EmbeddedStore().URI(); strings.Contains(uri, "127.0.0.1") || strings.Contains(uri, "localhost") {
		t.Fatalf("the store is reachable over TCP: %s", uri)
	}
	lock, _ := os.Stat(filepath.Join(dir, "deputybot.lock"))
	if lock.Mode().Perm()&0o077 != 0 {
		t.Fatalf("lock file mode %v", lock.Mode().Perm())
	}
}

func TestDataDirProblemsNameTheDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o600)
	for _, dir := range []string{filepath.Join(file, "data"), file} {
		_, err := storage.Open(ctx(t), storage.Options{DataDir: dir})
		var de *storage.DataDirError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), "DATA_DIR "+dir) {
			t.Fatalf("%s: %v", dir, err)
		}
	}
}

// TestLongDataDirGetsPrivateSocketDirectory: a socket path longer than
// Unix allows is put in a private directory of its own.
func TestLongDataDirGetsPrivateSocketDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	c := ctx(t)
	s, err := storage.Open(c, storage.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := storage.ReadOwner(dir)
	sockDir := filepath.Dir(info.Store)
	if st, err := os.Stat(sockDir); err != nil || st.Mode().Perm() != 0o700 || sockDir == dir {
		t.Fatalf("socket directory %s: %v %v", sockDir, st.Mode(), err)
	}
	if err := s.InsertDepartment(c, dept("区民政局")); err != nil {
		t.Fatal(err)
	}
	s.Close(c)
	if _, err := os.Stat(sockDir); !os.IsNotExist(err) {
		t.Fatalf("the private socket directory outlives the store: %v", err)
	}
}

// TestEmbeddedStoreIndexesIDExpression checks that every collection of the
// embedded store has the SQLite index that lets updates by _id avoid a
// full scan (see indexIDExpressions).
func TestEmbeddedStoreIndexesIDExpression(t *testing.T) {
	dir := t.TempDir()
	c := ctx(t)
	s, err := storage.Open(c, storage.Options{DataDir: dir, Database: "tuned"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(c)
	db, err := sql.Open("sqlite", filepath.Join(dir, "tuned.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables, indexed int
	db.QueryRow(`SELECT count(*) FROM _ferretdb_collections`).Scan(&tables)
	db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE '%_deputybot_id'`).Scan(&indexed)
	if tables < 12 || indexed != tables {
		t.Fatalf("%d collections, %d with the _id expression index", tables, indexed)
	}
	var plan string
	var table string
	db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = 'items'`).Scan(&table)
	rows, _ := db.Query(fmt.Sprintf(`EXPLAIN QUERY PLAN UPDATE %q SET _ferretdb_sjson = '{}' WHERE _ferretdb_sjson->'$._id' = '"x"'`, table))
	for rows.Next() {
		var a, b, c int
		var detail string
		rows.Scan(&a, &b, &c, &detail)
		plan += detail
	}
	rows.Close()
	if !strings.Contains(plan, "USING INDEX") {
		t.Fatalf("update by _id does not use an index: %s", plan)
	}
}

// TestDepartmentsAreHandedOutAsCopies: whatever a caller does to the list
// it got (a dialogue deleting from it in place) never reaches the cache
// behind it, on a miss or a hit.
func TestDepartmentsAndTheCalendarAreHandedOutAsCopies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		for _, n := range []string{"区教育局", "区住建局", "区卫健局"} {
			if err := s.InsertDepartment(c, dept(n)); err != nil {
				t.Fatal(err)
			}
		}
		for round := range 2 { // round 0 reads through a cache miss, round 1 a hit
			ds, err := s.Departments(c)
			if err != nil {
				t.Fatal(err)
			}
			ds = slices.DeleteFunc(ds, func(d *deputybot.Department) bool { return d.Name == "区教育局" })
			ds[0].Name = "changed"
			again, err := s.Departments(c)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			var names []string
			for _, d := range again {
				names = append(names, d.Name)
			}
			if got := strings.Join(names, ","); got != "区教育局,区卫健局,区住建局" {
				t.Fatalf("round %d: the cache changed with the caller's copy: %s", round, got)
			}
		}
		// The calendar likewise; a saved one is read at once.
		cal, problems := deputybot.ParseCalendar("2026-10-01 休 国庆节\n", 2026)
		if len(problems) != 0 {
			t.Fatal(problems)
		}
		if err := s.SaveCalendar(c, cal, "o", t0); err != nil {
			t.Fatal(err)
		}
		for round := range 2 {
			got, err := s.Calendar(c)
			if err != nil || got.Days["2026-10-01"] != deputybot.Holiday {
				t.Fatalf("round %d: %v %v", round, got, err)
			}
			got.Days["2026-10-01"] = deputybot.Workday
			got.Days["2026-10-02"] = deputybot.Holiday
		}
		if again, _ := s.Calendar(c); len(again.Days) != 1 || again.Days["2026-10-01"] != deputybot.Holiday {
			t.Fatalf("the cached calendar changed with the caller's copy: %v", again.Days)
		}
	})
}

func TestReminderRecordKeptUntilForgotten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		claims := map[string]string{"rem:a:esc:p1": "a", "rem:b:esc:p1": "b"}
		if err := s.RecordReminders(c, claims, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordReminders(c, map[string]string{"rem:a:esc:p1": "a"}, t0); err != nil { // again: no error, no change
			t.Fatal(err)
		}
		sent, err := s.RemindersSent(c, []string{"rem:a:esc:p1", "rem:b:esc:p1", "rem:c:esc:p1"})
		if err != nil || !sent["rem:a:esc:p1"] || !sent["rem:b:esc:p1"] || sent["rem:c:esc:p1"] {
			t.Fatalf("sent %v %v", sent, err)
		}
		if n, err := s.ForgetReminders(c, []string{"a"}); err != nil || n != 1 {
			t.Fatalf("forgot %d, %v", n, err)
		}
		sent, _ = s.RemindersSent(c, []string{"rem:a:esc:p1", "rem:b:esc:p1"})
		if sent["rem:a:esc:p1"] || !sent["rem:b:esc:p1"] {
			t.Fatalf("after forgetting a: %v", sent)
		}
	})
}

// TestOutboxRecordsWhatWentOnce: a message that went is recorded once,
// leaves the waiting messages, and is never taken again, also when the
// process died before tidying up (the only writer moves outcomes in
// bulk).
func TestOutboxRecordsWhatWentOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		msgs := []deputybot.OutboxMessage{{ID: "n:a", ChatID: 1, Text: "a"}, {ID: "n:b", ChatID: 2, Text: "b"}, {ChatID: 3, Text: "c"}}
		stored, err := s.Enqueue(c, msgs, t0)
		if err != nil || len(stored) != 3 {
			t.Fatalf("stored %d (%v)", len(stored), err)
		}
		if again, _ := s.Enqueue(c, msgs[:2], t0); len(again) != 0 {
			t.Fatalf("enqueued twice while waiting: %d", len(again))
		}
		a, b := stored[0], stored[1]
		a.State, a.SentAt, a.Attempts = deputybot.OutboxSent, t0, 1
		b.State, b.SentAt, b.Attempts, b.Error = deputybot.OutboxFailed, t0, 1, "Forbidden: bot was blocked by the user"
		if err := s.RecordSent(c, []deputybot.OutboxMessage{a, b}); err != nil {
			t.Fatal(err)
		}
		check := func(s *storage.Store) {
			t.Helper()
			if again, _ := s.Enqueue(c, msgs[:2], t0); len(again) != 0 {
				t.Fatalf("enqueued again after it went: %d", len(again))
			}
			waiting, err := s.AllPending(c)
			if err != nil || len(waiting) != 1 || waiting[0].Text != "c" {
				t.Fatalf("waiting %+v (%v)", waiting, err)
			}
			all, _ := s.OutboxMessages(c)
			states := map[string]string{}
			for _, m := range all {
				states[m.Text] = m.State + " " + m.Error
			}
			if len(all) != 3 || states["a"] != "sent " || states["b"] != "failed Forbidden: bot was blocked by the user" || states["c"] != "pending " {
				t.Fatalf("records %v", states)
			}
		}
		check(s)
		// Another process (or this one after a crash) on the same data.
		check(storetest.Again(t, s.Options()))
	})
}

// TestOutboxOfTheOnlyWriterAfterACrash: outcomes noted but not yet moved
// when the process died are moved at the next start.
func TestOutboxOfTheOnlyWriterAfterACrash(t *testing.T) {
	o := storetest.Options(t)
	c := ctx(t)
	s, err := storage.Open(c, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Drop(c)
	stored, _ := s.Enqueue(c, []deputybot.OutboxMessage{{ID: "n:x", ChatID: 1, Text: "x"}, {ChatID: 2, Text: "y"}}, t0)
	x := stored[0]
	x.State, x.SentAt, x.Attempts = deputybot.OutboxSent, t0, 1
	if err := s.RecordSent(c, []deputybot.OutboxMessage{x}); err != nil {
		t.Fatal(err)
	}
	// Not closed: the process died.
	s2, err := storage.Open(c, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(c)
	waiting, err := s2.AllPending(c)
	if err != nil || len(waiting) != 1 || waiting[0].Text != "y" {
		t.Fatalf("waiting after the crash: %+v (%v)", waiting, err)
	}
	if m, _ := s2.OutboxMessageByID(c, "n:x"); m == nil || m.State != deputybot.OutboxSent {
		t.Fatalf("the record of what went: %+v", m)
	}
}

// TestClaimsOfPeopleAreOnce: what makes a person unique is claimed by an
// insert, whatever runs concurrently: a Telegram user binds to one
// person, an invitation is used once, a department's name is taken once,
// a secret is made once.
func TestClaimsOfPeopleAreOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		inv := deputybot.NewInvitation("token", "p1", deputybot.RoleDeputy, "o", t0)
		if err := s.InsertInvitations(c, []deputybot.Invitation{inv}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.InsertInvitations(c, []deputybot.Invitation{inv}), deputybot.ECONFLICT, "err.exists")
		var wg sync.WaitGroup
		var mu sync.Mutex
		used, bound := 0, 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.UseInvitation(c, inv.TokenHash, int64(100+i), int64(i), t0)
				err2 := s.Bind(c, 42, fmt.Sprint("p", i), t0)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					used++
				} else if deputybot.ErrorCode(err) != deputybot.ECONFLICT {
					t.Error(err)
				}
				if err2 == nil {
					bound++
				} else if deputybot.ErrorCode(err2) != deputybot.ECONFLICT {
					t.Error(err2)
				}
			}()
		}
		wg.Wait()
		if used != 1 || bound != 1 {
			t.Fatalf("used %d times, bound %d times", used, bound)
		}
		got, err := s.Invitation(c, inv.TokenHash)
		if err != nil || got.UsedAt.IsZero() || got.UsedBy < 100 || got.UsedCause != got.UsedBy-100 {
			t.Fatalf("%+v %v", got, err)
		}
		d1, _ := deputybot.NewDepartment("d1", "区住建局", t0)
		d2, _ := deputybot.NewDepartment("d2", " 区住建局", t0)
		if err := s.InsertDepartment(c, d1); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.InsertDepartment(c, d2), deputybot.ECONFLICT, "err.department_exists")
		a, err := s.Secret(c, "x")
		b, err2 := s.Secret(c, "x")
		if err != nil || err2 != nil || len(a) != 32 || string(a) != string(b) {
			t.Fatalf("secret %x %x %v %v", a, b, err, err2)
		}
	})
}

// dept is a new department of that name.
func dept(name string) *deputybot.Department {
	d, err := deputybot.NewDepartment("d-"+name, name, t0)
	if err != nil {
		panic(err)
	}
	return d
}

// TestReplicasStartTogether: several replicas started at the same
// instant on an empty database all start: one migrates, the others wait
// for it (the schema's version record is written once).
func TestReplicasStartTogether(t *testing.T) {
	o := storetest.Options(t)
	o.Shared = true
	const n = 4
	errs := make(chan error, n)
	stores := make(chan *storage.Store, n)
	for range n {
		go func() {
			s, err := storage.Open(context.Background(), o)
			errs <- err
			stores <- s
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("a replica did not start: %v", err)
		}
		if s := <-stores; s != nil {
			t.Cleanup(func() { _ = s.Close(context.Background()) })
		}
	}
	s := storetest.Again(t, o)
	t.Cleanup(func() { _ = s.Drop(context.Background()) })
	if v, err := s.SchemaVersion(context.Background()); err != nil || v != storage.SchemaVersion {
		t.Fatalf("schema version %d (%v)", v, err)
	}
}

// TestReplicasRenewTheirClaims: a replica alive renews its claims on the
// updates it handles, so another does not take them; once it stops
// renewing (it died), another takes them over within the lease.
func TestReplicasRenewTheirClaims(t *testing.T) {
	a := storetest.OpenShared(t)
	c := ctx(t)
	if fresh, err := a.RecordUpdate(c, 40, 1, []byte(`{"update_id":40}`), t0); err != nil || !fresh {
		t.Fatal(fresh, err)
	}
	b := storetest.Again(t, a.Options())
	if err := a.RenewUpdates(c, t0.Add(40*time.Second)); err != nil {
		t.Fatal(err)
	}
	if p, err := b.PendingUpdates(c, t0.Add(storage.UpdateLease+15*time.Second)); err != nil || len(p) != 0 {
		t.Fatalf("a renewed claim taken over: %d %v", len(p), err)
	}
	if p, err := b.PendingUpdates(c, t0.Add(40*time.Second+storage.UpdateLease+time.Second)); err != nil || len(p) != 1 {
		t.Fatalf("a claim no longer renewed not taken over: %d %v", len(p), err)
	}
	if storage.UpdateLease+telegram.UpdateSweep > time.Minute {
		t.Fatalf("a dead replica's updates could wait %v", storage.UpdateLease+telegram.UpdateSweep)
	}
}
