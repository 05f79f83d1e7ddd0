package storage

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"deputybot"
	"deputybot/report"
)

// fixtureDir unpacks a data directory made by an earlier version.
func fixtureDir(t *testing.T, archive string) string {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return dir
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		out, err := os.OpenFile(filepath.Join(dir, filepath.Base(h.Name)), os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, tr); err != nil {
			t.Fatal(err)
		}
		out.Close()
	}
}

// checkV3Data checks that the store holds what the schema-3 fixture held
// (storage/testdata/v3/README.md), read through the store's API.
func checkV3Data(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	items, err := s.ItemsWithStatus(ctx)
	if err != nil || len(items) != 3 {
		t.Fatalf("%d items (%v)", len(items), err)
	}
	got, err := s.ItemsByNumber(ctx, deputybot.NumberQuery{Year: 2026, Seq: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("item 2026-001: %v %v", got, err)
	}
	closed := got[0]
	if closed.Status != deputybot.StatusClosed || len(closed.Contacts) != 1 || len(closed.Ratings) != 1 || len(closed.Replies) != 1 {
		t.Fatalf("item 2026-001: %+v", closed)
	}
	det, err := s.ItemDetails(ctx, closed.ID)
	if err != nil || det.Body != "Body of Bus stop." || len(det.Timeline) != 8 || len(det.Replies) != 1 {
		t.Fatalf("details of 2026-001: %+v %v", det, err)
	}
	byStatus := map[deputybot.Status]int{}
	for _, it := range items {
		byStatus[it.Status]++
	}
	if byStatus[deputybot.StatusClosed] != 1 || byStatus[deputybot.StatusAssigned] != 1 || byStatus[deputybot.StatusSubmitted] != 1 {
		t.Fatalf("statuses %v", byStatus)
	}
	deputy, err := s.PersonByTelegramID(ctx, 2001)
	if err != nil || deputy.Name != "Zhang San" {
		t.Fatalf("deputy: %+v %v", deputy, err)
	}
	if mine, total, err := s.PersonItems(ctx, deputy.ID, 0, 10); err != nil || total != 3 || len(mine) != 3 {
		t.Fatalf("the deputy's items: %d %v", total, err)
	}
	if contacts, err := s.PeopleWithRole(ctx, deputybot.RoleContact); err != nil || len(contacts) != 2 {
		t.Fatalf("%d contacts (%v)", len(contacts), err)
	}
	assigned := items[0]
	for _, it := range items {
		if it.Status == deputybot.StatusAssigned {
			assigned = it
		}
	}
	// 2026-001 (closed) and 2026-002 (assigned) went to the same bureau.
	if its, err := s.DepartmentItems(ctx, assigned.LeadDept); err != nil || len(its) != 2 || closed.LeadDept != assigned.LeadDept {
		t.Fatalf("the lead department's items: %d %v", len(its), err)
	}
	if cs, err := s.DepartmentContacts(ctx, assigned.LeadDept); err != nil || len(cs) != 1 {
		t.Fatalf("the lead department's contacts: %d %v", len(cs), err)
	}
	if people, total, err := s.People(ctx, deputybot.PeopleFilter{}); err != nil || total != 7 || len(people) != 7 {
		t.Fatalf("%d people (%v)", total, err)
	}
	msgs, err := s.OutboxMessages(ctx)
	if err != nil || len(msgs) != 124 {
		t.Fatalf("%d messages (%v)", len(msgs), err)
	}
	for _, m := range msgs {
		if m.State != deputybot.OutboxSent {
			t.Fatalf("message %s is %s", m.ID, m.State)
		}
	}
	if waiting, err := s.AllPending(ctx); err != nil || len(waiting) != 0 {
		t.Fatalf("%d messages waiting (%v)", len(waiting), err)
	}
	if pending, err := s.PendingUpdates(ctx, closed.UpdatedAt); err != nil || len(pending) != 0 {
		t.Fatalf("%d updates pending (%v)", len(pending), err)
	}
	var conv map[string]any
	if found, err := s.LoadConversation(ctx, 2001, &conv); err != nil || !found || conv["flow"] != "new" {
		t.Fatalf("the open dialogue: %v %v %v", found, conv, err)
	}
	// A delivered message is taken once, still.
	if stored, err := s.Enqueue(ctx, []deputybot.OutboxMessage{msgs[0]}, closed.UpdatedAt); err != nil || len(stored) != 0 {
		t.Fatalf("a delivered message enqueued again: %d %v", len(stored), err)
	}
}

// TestSchema3DataDirectoryIsMigrated: a data directory made by the
// version before one document per item opens with everything in it, on
// both read paths, and migrating it again (a crash before the new version
// was recorded) changes nothing.
func TestSchema3DataDirectoryIsMigrated(t *testing.T) {
	migratedTwice(t, "testdata/v3/data.tar.gz", 3, func(t *testing.T, s *Store) {
		checkV3Data(t, s)
		for _, gone := range []string{"itemdetails", "itemscan", "personitems", "deptitems", "members"} {
			names, _ := s.db.ListCollectionNames(context.Background(), bson.D{{Key: "name", Value: gone}})
			if len(names) != 0 {
				t.Errorf("collection %s is still there", gone)
			}
		}
	})
}

// migratedTwice opens a copy of a data directory made at schema from on
// both read paths, checks it, sets its version back (as if the process
// had died before recording the next) and opens and checks it again.
func migratedTwice(t *testing.T, archive string, from int, check func(*testing.T, *Store)) {
	for _, shared := range []bool{false, true} {
		name := map[bool]string{false: "read model", true: "queries"}[shared]
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := fixtureDir(t, archive)
			s, err := Open(ctx, Options{DataDir: dir, Shared: shared})
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := s.SchemaVersion(ctx); v != SchemaVersion {
				t.Fatalf("schema %d", v)
			}
			check(t, s)
			if _, err := s.meta.UpdateOne(ctx, byID("schema"), bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: from}}}}); err != nil {
				t.Fatal(err)
			}
			s.Close(ctx)
			s, err = Open(ctx, Options{DataDir: dir, Shared: shared})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(ctx)
			check(t, s)
		})
	}
}

// TestSchema4RepliesGetTheirDeadlines: a reply of schema 4 kept only a
// "late" flag, decided for its own round; schema 5 gives each reply the
// deadline it answered to, read from the timeline, so that the ledger
// judges every round alike. An item answered late in round 1 and on time
// after rehandling: round 1 late, round 2 not.
func TestSchema4RepliesGetTheirDeadlines(t *testing.T) {
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	dir := t.TempDir()
	s, err := Open(ctx, Options{DataDir: dir, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, loc) }
	eod := func(m time.Month, d int) time.Time {
		return deputybot.EndOfDay(deputybot.Date{Year: 2026, Month: m, Day: d}, loc)
	}
	ev := func(t time.Time, typ string, kv ...string) bson.D {
		data := bson.D{}
		for i := 0; i+1 < len(kv); i += 2 {
			data = append(data, bson.E{Key: kv[i], Value: kv[i+1]})
		}
		return bson.D{{Key: "at", Value: t}, {Key: "type", Value: typ}, {Key: "data", Value: data}}
	}
	// As schema 4 stored it: replies without their deadline.
	doc := bson.D{
		{Key: "_id", Value: "i1"}, {Key: "kind", Value: "suggestion"}, {Key: "year", Value: 2026}, {Key: "seq", Value: 1},
		{Key: "title", Value: "Lifts"}, {Key: "status", Value: "closed"}, {Key: "leadDept", Value: "d1"},
		{Key: "round", Value: 2}, {Key: "deadline", Value: eod(6, 10)}, {Key: "assignedAt", Value: at(1, 5)},
		{Key: "version", Value: 9}, {Key: "outcome", Value: "satisfied"},
		{Key: "replies", Value: bson.A{
			bson.D{{Key: "round", Value: 1}, {Key: "class", Value: "A"}, {Key: "at", Value: at(5, 2)}, {Key: "by", Value: "p2"}, {Key: "late", Value: true}},
			bson.D{{Key: "round", Value: 2}, {Key: "class", Value: "A"}, {Key: "at", Value: at(6, 1)}, {Key: "by", Value: "p2"}},
		}},
		{Key: "details", Value: bson.D{{Key: "body", Value: "Old blocks need lifts."}, {Key: "timeline", Value: bson.A{
			ev(at(1, 5), deputybot.EvAssigned, "lead", "d1", "deadline", "2026-04-05"),
			ev(at(4, 1), deputybot.EvExtensionApproved, "from", "2026-04-05", "to", "2026-04-30"),
			ev(at(5, 2), deputybot.EvReplied, "round", "1", "class", "A", "late", "true"),
			ev(at(5, 11), deputybot.EvRehandling, "deadline", "2026-06-10"),
			ev(at(6, 1), deputybot.EvReplied, "round", "2", "class", "A", "late", "false"),
		}}}},
	}
	if _, err := s.items.InsertOne(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if _, err := s.meta.UpdateOne(ctx, byID("schema"), bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: 4}}}}); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)
	for _, shared := range []bool{false, true} {
		s, err := Open(ctx, Options{DataDir: dir, Location: loc, Shared: shared})
		if err != nil {
			t.Fatal(err)
		}
		it, err := s.Item(ctx, "i1")
		s.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !it.Replies[0].Deadline.Equal(eod(4, 30)) || !it.Replies[1].Deadline.Equal(eod(6, 10)) {
			t.Fatalf("deadlines %v, %v", it.Replies[0].Deadline.In(loc), it.Replies[1].Deadline.In(loc))
		}
		e := deputybot.Env{Rules: &deputybot.Rules{Location: loc}, Now: at(7, 1)}
		if !e.ReplyLate(it, 1) || e.ReplyLate(it, 2) {
			t.Fatalf("late: round 1 %v, round 2 %v", e.ReplyLate(it, 1), e.ReplyLate(it, 2))
		}
		if tl := e.Timeliness(it); !tl.Late || tl.Overdue || tl.OnTime() {
			t.Fatalf("timeliness %+v", tl)
		}
	}
}

// TestDepartmentsGetNumbersOnUpgrade: schema 5's departments had no
// numbers; after the upgrade each has its own, in the order they were
// created, and a department created next gets the one after them, in
// either store.
func TestDepartmentsGetNumbersOnUpgrade(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Options{DataDir: dir, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	// As schema 5 stored them, without the unique index on numbers.
	if err := s.departments.Indexes().DropOne(ctx, "number_unique"); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"区民政局", "区住建局", "区发改局"} {
		doc := bson.D{{Key: "_id", Value: fmt.Sprint("d", i)}, {Key: "name", Value: name}, {Key: "key", Value: deputybot.DepartmentKey(name)},
			{Key: "createdAt", Value: t0.AddDate(0, 0, 2-i)}}
		if _, err := s.departments.InsertOne(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.meta.UpdateOne(ctx, byID("schema"), bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: 5}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.meta.DeleteOne(ctx, byID("department-number")); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)
	for i, shared := range []bool{false, true} {
		s, err := Open(ctx, Options{DataDir: dir, Location: time.UTC, Shared: shared})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := s.Departments(ctx)
		if err != nil {
			s.Close(ctx)
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, d := range ds {
			got[d.Name] = d.Number
		}
		// Created last first: 区发改局 (d2) is the oldest.
		if got["区发改局"] != 1 || got["区住建局"] != 2 || got["区民政局"] != 3 {
			t.Fatalf("numbers %v", got)
		}
		d := &deputybot.Department{ID: fmt.Sprint("new", i), Name: fmt.Sprint("区新单位", i), Key: deputybot.DepartmentKey(fmt.Sprint("区新单位", i)), CreatedAt: t0}
		if err := s.InsertDepartment(ctx, d); err != nil || d.Number != 4+i {
			t.Fatalf("a new department: number %d, %v", d.Number, err)
		}
		// A name that is taken changes nothing.
		dup := &deputybot.Department{ID: "dup", Name: "区民政局", Key: deputybot.DepartmentKey("区民政局"), CreatedAt: t0}
		if err := s.InsertDepartment(ctx, dup); deputybot.ErrorCode(err) != deputybot.ECONFLICT {
			t.Fatalf("a taken name: %v", err)
		}
		s.Close(ctx)
	}
}

// TestSchema6DataDirectoryIsMigrated: a data directory made before two
// ratings and contact stages (storage/testdata/v6/README.md) opens on
// both read paths with every rating kept as the result rating (no
// handling's rating: not asked then) and every contact staged from when
// it was logged, its form kept; migrating it again changes nothing.
func TestSchema6DataDirectoryIsMigrated(t *testing.T) {
	check := func(t *testing.T, s *Store) {
		t.Helper()
		ctx := context.Background()
		item := func(seq int) *deputybot.Item {
			got, err := s.ItemsByNumber(ctx, deputybot.NumberQuery{Year: 2026, Seq: seq})
			if err != nil || len(got) != 1 {
				t.Fatalf("item 2026-%03d: %v %v", seq, got, err)
			}
			return got[0]
		}
		one, two, three := item(1), item(2), item(3)
		if one.Status != deputybot.StatusClosed || len(one.Ratings) != 1 || one.Ratings[0].Value != deputybot.Satisfied ||
			one.Ratings[0].Attitude != "" || one.Outcome != deputybot.Satisfied {
			t.Fatalf("2026-001: %s %+v", one.Status, one.Ratings)
		}
		if len(two.Ratings) != 2 || two.Ratings[0].Value != deputybot.Unsatisfied || two.Ratings[0].Comment != "No date given." ||
			two.Ratings[1].Value != deputybot.Basic || two.Ratings[1].Attitude != "" || two.Outcome != deputybot.Basic {
			t.Fatalf("2026-002: %+v", two.Ratings)
		}
		if three.Status != deputybot.StatusReplied || len(three.Ratings) != 0 {
			t.Fatalf("2026-003: %s %+v", three.Status, three.Ratings)
		}
		for _, c := range []struct {
			it     *deputybot.Item
			method deputybot.ContactMethod
			face   bool
		}{{one, deputybot.MethodVisit, true}, {two, deputybot.MethodPhone, false}, {three, deputybot.MethodMeeting, true}} {
			if len(c.it.Contacts) != 1 || c.it.Contacts[0].Method != c.method || c.it.Contacts[0].Stage != deputybot.StageBefore ||
				c.it.MetFaceToFace() != c.face || c.it.FollowedUp() {
				t.Fatalf("%s's contacts: %+v", c.it.Number(), c.it.Contacts)
			}
		}
		// The figures read them as before: two results rated, no
		// handling rated.
		var tally report.Tally
		e := deputybot.Env{Rules: &deputybot.Rules{Location: time.UTC}, Now: three.UpdatedAt}
		for _, it := range []*deputybot.Item{one, two, three} {
			tally.Add(it, e)
		}
		if o := tally.Outcomes; o.Satisfied != 1 || o.Basic != 1 || o.Rated() != 2 || tally.Attitude.Rated() != 0 ||
			tally.Met != 2 || tally.Replied != 3 {
			t.Fatalf("figures: %+v", tally)
		}
	}
	migratedTwice(t, "testdata/v6/data.tar.gz", 6, check)
}

// TestTheChangeLogForgetsHalfAtATime: the read model names the items
// changed since a generation while its log reaches back that far, each
// once, and says so when it no longer does (the cache then reads every
// item's version).
func TestTheChangeLogForgetsHalfAtATime(t *testing.T) {
	m := &readModel{items: map[string]*deputybot.Item{}, byPerson: map[string]map[string]bool{}, byDept: map[string]map[string]bool{},
		byKey: map[string]string{}, bodies: map[string]string{}}
	m.putItem(&deputybot.Item{ID: "a", Version: 1}, "")
	start := m.gen
	m.putItem(&deputybot.Item{ID: "b", Version: 1}, "")
	m.putItem(&deputybot.Item{ID: "b", Version: 2}, "")
	m.deleteItem("a")
	ids, now, ok := m.changedSince(start)
	if !ok || now != m.gen || len(ids) != 2 {
		t.Fatalf("since %d: %v %d %v", start, ids, now, ok)
	}
	if ids, _, ok := m.changedSince(m.gen); !ok || len(ids) != 0 {
		t.Fatalf("since now: %v %v", ids, ok)
	}
	for i := range maxChangeLog {
		m.putItem(&deputybot.Item{ID: fmt.Sprint("x", i), Version: 1}, "")
	}
	if _, _, ok := m.changedSince(start); ok {
		t.Fatal("the log claims to reach back past what it forgot")
	}
	if ids, _, ok := m.changedSince(m.gen - 3); !ok || len(ids) != 3 {
		t.Fatalf("the latest three: %v %v", ids, ok)
	}
}
