package storage_test

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/storetest"
	"deputybot/search"
	"deputybot/storage"
)

var rules = deputybot.Rules{
	MotionSigners: 3,
	Categories:    deputybot.DefaultCategories,
	Location:      time.UTC,
	Sessions:      []deputybot.DateRange{{From: deputybot.Date{Year: 2026, Month: 1, Day: 10}, To: deputybot.Date{Year: 2026, Month: 1, Day: 14}}},
}

func deputy(t *testing.T, s *storage.Store, name string, tg int64) *deputybot.Person {
	t.Helper()
	p := &deputybot.Person{ID: fmt.Sprint("p", tg), Name: name, Roles: []deputybot.Role{deputybot.RoleDeputy}, TelegramID: tg,
		Language: deputybot.LangZH, State: deputybot.PersonActive, CreatedAt: t0}
	if err := s.BulkInsertPeople(ctx(t), []*deputybot.Person{p}); err != nil {
		t.Fatal(err)
	}
	return p
}

// saveDraft stores a new draft as the service makes it.
func saveDraft(t *testing.T, s *storage.Store, author *deputybot.Person, in deputybot.DraftInput) *deputybot.Item {
	t.Helper()
	drafts++
	it, det := deputybot.NewDraft(author, in, fmt.Sprint("i", drafts), fmt.Sprintf("share%017d", drafts), t0)
	if err := s.InsertItem(ctx(t), it, det); err != nil {
		t.Fatal(err)
	}
	return it
}

var drafts int

func draft(kind deputybot.Kind, title string) deputybot.DraftInput {
	return deputybot.DraftInput{Kind: kind, Title: title, Body: "body of " + title, Category: "education"}
}

func submit(t *testing.T, s *storage.Store, p *deputybot.Person, it *deputybot.Item, at time.Time) *deputybot.Item {
	t.Helper()
	got, err := s.UpdateItem(ctx(t), it.ID, changeOf(func(it *deputybot.Item, _ *deputybot.ItemDetails) ([]deputybot.Event, error) {
		ev, _, err := deputybot.Submit(it, p, &rules, at)
		return []deputybot.Event{ev}, err
	}))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestDraftSubmitNumberAndPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		a := deputy(t, s, "张三", 1)
		it := saveDraft(t, s, a, draft(deputybot.KindSuggestion, "修路"))
		if it.Status != deputybot.StatusDraft || it.Number() != "" {
			t.Fatalf("draft %+v", it)
		}
		session := time.Date(2026, 1, 12, 3, 0, 0, 0, time.UTC)
		it = submit(t, s, a, it, session)
		if it.Number() != "2026-001" || it.Code() != "S2026-001" || it.Period != deputybot.PeriodSession || it.Version != 2 {
			t.Fatalf("submitted %+v", it)
		}
		it2 := saveDraft(t, s, a, draft(deputybot.KindSuggestion, "修桥"))
		it2 = submit(t, s, a, it2, t0)
		if it2.Number() != "2026-002" || it2.Period != deputybot.PeriodRecess {
			t.Fatalf("second %+v", it2)
		}
		// Motions are numbered separately.
		m := saveDraft(t, s, a, draft(deputybot.KindMotion, "养老"))
		m.CoSponsors = nil
		found, err := s.ItemsByNumber(c, deputybot.NumberQuery{Year: 2026, Seq: 1})
		if err != nil || len(found) != 1 || found[0].ID != it.ID {
			t.Fatalf("by number: %v %v", found, err)
		}
		det, err := s.ItemDetails(c, it.ID)
		if err != nil || det.Body != "body of 修路" || len(det.Timeline) != 2 || det.Timeline[1].Type != deputybot.EvSubmitted {
			t.Fatalf("details %+v %v", det, err)
		}
		// Several items' texts in one reading; an unknown id is left out.
		dets, err := s.ItemsTexts(c, []string{it.ID, it2.ID, "no such item"})
		if err != nil || len(dets) != 2 || dets[it.ID].Body != "body of 修路" || dets[it2.ID].Body != "body of 修桥" {
			t.Fatalf("details of several: %v %v", dets, err)
		}
		if none, err := s.ItemsTexts(c, nil); err != nil || len(none) != 0 {
			t.Fatalf("details of none: %v %v", none, err)
		}
		// Changed, an item's texts are read again; what one reader
		// changes in what it got, no other reader sees.
		dets[it.ID].Body = "changed by a reader"
		if _, err := s.UpdateItem(c, it.ID, changeOf(func(_ *deputybot.Item, det *deputybot.ItemDetails) ([]deputybot.Event, error) {
			det.Progress = append(det.Progress, deputybot.Progress{Text: "半数完成", At: t0})
			return []deputybot.Event{{At: t0, Type: deputybot.EvProgress}}, nil
		})); err != nil {
			t.Fatal(err)
		}
		again, err := s.ItemsTexts(c, []string{it.ID})
		if err != nil || again[it.ID].Body != "body of 修路" || len(again[it.ID].Progress) != 1 {
			t.Fatalf("texts after a change: %+v %v", again[it.ID], err)
		}
		mine, total, err := s.PersonItems(c, a.ID, 0, 10)
		if err != nil || total != 3 || mine[0].ID != m.ID || mine[2].ID != it.ID {
			t.Fatalf("person items: %d %v", total, err)
		}
	})
}

func TestFiftyConcurrentSubmissionsGetConsecutiveNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		a := deputy(t, s, "张三", 1)
		var items []*deputybot.Item
		for i := range 50 {
			items = append(items, saveDraft(t, s, a, draft(deputybot.KindSuggestion, fmt.Sprint("item ", i))))
		}
		var wg sync.WaitGroup
		nums := make([]int, 50)
		for i, it := range items {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.UpdateItem(c, it.ID, changeOf(func(it *deputybot.Item, _ *deputybot.ItemDetails) ([]deputybot.Event, error) {
					ev, _, err := deputybot.Submit(it, a, &rules, t0)
					return []deputybot.Event{ev}, err
				}))
				if err != nil {
					t.Error(err)
					return
				}
				nums[i] = got.Seq
			}()
		}
		wg.Wait()
		sort.Ints(nums)
		for i, n := range nums {
			if n != i+1 {
				t.Fatalf("numbers %v", nums)
			}
		}
	})
}

func TestConcurrentChangesOfOneItemAllApply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		a := deputy(t, s, "张三", 1)
		it := saveDraft(t, s, a, draft(deputybot.KindSuggestion, "t"))
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.UpdateItem(c, it.ID, changeOf(func(it *deputybot.Item, _ *deputybot.ItemDetails) ([]deputybot.Event, error) {
					it.Attachments++ // a read-modify-write that would lose updates without serialisation
					return []deputybot.Event{{At: t0, Type: "test", Data: map[string]string{"i": fmt.Sprint(i)}}}, nil
				}))
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, _ := s.Item(c, it.ID)
		det, _ := s.ItemDetails(c, it.ID)
		if got.Attachments != 20 || got.Version != 21 || len(det.Timeline) != 21 {
			t.Fatalf("attachments %d version %d timeline %d", got.Attachments, got.Version, len(det.Timeline))
		}
	})
}

func TestMotionWaitsForCoSponsors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		a, b, d := deputy(t, s, "A", 1), deputy(t, s, "B", 2), deputy(t, s, "D", 3)
		in := draft(deputybot.KindMotion, "m")
		in.CoSponsors = []string{b.ID, a.ID} // the author is dropped
		m := saveDraft(t, s, a, in)
		if len(m.CoSponsors) != 1 {
			t.Fatalf("%+v", m)
		}
		m = submit(t, s, a, m, t0)
		if m.Status != deputybot.StatusDraft || !m.SubmitRequested {
			t.Fatalf("motion submitted without co-sponsors: %+v", m)
		}
		answer := func(p *deputybot.Person, token string) *deputybot.Item {
			got, err := s.UpdateItem(c, m.ID, changeOf(func(it *deputybot.Item, _ *deputybot.ItemDetails) ([]deputybot.Event, error) {
				evs, _, err := deputybot.AnswerCoSponsor(it, p, true, token, &rules, t0)
				return evs, err
			}))
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		m = answer(b, "")
		if m.Status != deputybot.StatusDraft {
			t.Fatal("submitted with one of two")
		}
		byToken, err := s.ItemByShareToken(c, m.ShareToken)
		if err != nil || byToken.ID != m.ID {
			t.Fatal("share token lookup")
		}
		m = answer(d, m.ShareToken) // joins by link: the second confirmation
		if m.Status != deputybot.StatusSubmitted || m.Number() != "2026-001" {
			t.Fatalf("not submitted on the second confirmation: %+v", m)
		}
		if mine, _, _ := s.PersonItems(c, d.ID, 0, 10); len(mine) != 1 {
			t.Fatal("joined co-sponsor's items not indexed")
		}
	})
}

// changeOf is a change without a cause and without messages.
func changeOf(f func(it *deputybot.Item, det *deputybot.ItemDetails) ([]deputybot.Event, error)) deputybot.ItemChange {
	return deputybot.ItemChange{Apply: f}
}

// TestChangeIsAppliedOncePerCauseAndItsNoticesDeliveredOnce: a change
// asked for again by the same update (handled again after a crash) is not
// applied twice; the notices a change causes are stored with it under
// fixed ids, handed to Deliver once the item's lock is released, and kept
// until they are cleared: the next change, the same update again, or the
// start-up hands them on again.
func TestChangeIsAppliedOncePerCauseAndItsNoticesDeliveredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		a := deputy(t, s, "张三", 1)
		it := saveDraft(t, s, a, draft(deputybot.KindSuggestion, "t"))
		var delivered []string
		failing := true
		deliver := func(ctx context.Context, got *deputybot.Item, _ *deputybot.ItemDetails, pending []deputybot.PendingNotice) {
			// Without the lock: another change of the item can be made here.
			if _, err := s.Item(ctx, got.ID); err != nil {
				t.Error(err)
			}
			if failing {
				return // the outbox is down: they stay
			}
			var ids []string
			for _, n := range pending {
				delivered = append(delivered, n.ID+" "+n.Event.Data["cause"])
				ids = append(ids, n.ID)
			}
			if err := s.ClearNotices(ctx, got.ID, ids); err != nil {
				t.Error(err)
			}
		}
		bump := func(cause int64) *deputybot.Item {
			got, err := s.UpdateItem(c, it.ID, deputybot.ItemChange{Cause: cause, Deliver: deliver,
				Apply: func(it *deputybot.Item, _ *deputybot.ItemDetails) ([]deputybot.Event, error) {
					it.Attachments++
					return []deputybot.Event{{At: t0, Type: "test", Data: map[string]string{"cause": fmt.Sprint(cause)}}}, nil
				},
				Notices: func(_, _ *deputybot.Item, evs []deputybot.Event) []deputybot.Notice {
					return []deputybot.Notice{{What: "test", To: deputybot.ToAuthor, Event: evs[0]}}
				}})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		// The outbox fails: the change stands, its notice waits in the item.
		if got := bump(77); got.Attachments != 1 || got.Version != 2 {
			t.Fatalf("first change: %+v", got)
		}
		if stored, _ := s.StoredNotices(c, it.ID); len(stored) != 1 || stored[0] != "n:"+it.ID+":2:0" || len(delivered) != 0 {
			t.Fatalf("stored notices %+v", stored)
		}
		// The same update again: nothing applied, but the waiting notice goes.
		failing = false
		if got := bump(77); got.Attachments != 1 || got.Version != 2 {
			t.Fatalf("the same cause applied again: %+v", got)
		}
		if len(delivered) != 1 || delivered[0] != "n:"+it.ID+":2:0 77" {
			t.Fatalf("delivered %+v", delivered)
		}
		if stored, _ := s.StoredNotices(c, it.ID); len(stored) != 0 {
			t.Fatal("delivered notices still stored")
		}
		// Another update applies, and its notice is delivered at once.
		if got := bump(78); got.Attachments != 2 {
			t.Fatalf("second change: %+v", got)
		}
		if len(delivered) != 2 || delivered[1] != "n:"+it.ID+":3:0 78" {
			t.Fatalf("delivered %+v", delivered)
		}
		// A notice not delivered waits for the next change, which hands
		// on both.
		failing = true
		bump(79)
		failing = false
		bump(80)
		if len(delivered) != 4 || delivered[2] != "n:"+it.ID+":4:0 79" || delivered[3] != "n:"+it.ID+":5:0 80" {
			t.Fatalf("delivered %+v", delivered)
		}
		// A notice left by a crash is delivered at start-up.
		failing = true
		bump(81)
		failing = false
		if n, err := s.FlushNotices(c, deliver); err != nil || n != 1 || delivered[4] != "n:"+it.ID+":6:0 81" {
			t.Fatalf("flush: %d %v %+v", n, err, delivered)
		}
		if n, _ := s.FlushNotices(c, deliver); n != 0 {
			t.Fatal("flushed twice")
		}
	})
}

// TestItemDetailsAreHandedOutAsCopies: what a read returns is the
// caller's own (the only writer answers from the documents it keeps).
func TestItemDetailsAreHandedOutAsCopies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		a := deputy(t, s, "张三", 1)
		it := saveDraft(t, s, a, draft(deputybot.KindSuggestion, "copies"))
		submit(t, s, a, it, t0)
		det, err := s.ItemDetails(c, it.ID)
		if err != nil || det.Body != "body of copies" || len(det.Timeline) != 2 {
			t.Fatalf("details %+v %v", det, err)
		}
		det.Body = "changed by the caller"
		det.Timeline[0].Type = "changed"
		det.Timeline = append(det.Timeline, deputybot.Event{Type: "added"})
		again, err := s.ItemDetails(c, it.ID)
		if err != nil || again.Body != "body of copies" || len(again.Timeline) != 2 || again.Timeline[0].Type == "changed" {
			t.Fatalf("details read again %+v %v", again, err)
		}
	})
}

// TestItemBodiesReadsEveryText: one pass gives each item's version and
// body, on both read paths (what the search index is built from).
func TestItemBodiesReadsEveryText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		a := deputy(t, s, "张三", 1)
		one := saveDraft(t, s, a, draft(deputybot.KindSuggestion, "加装电梯"))
		two := saveDraft(t, s, a, draft(deputybot.KindMotion, "修路"))
		got := map[string]string{}
		versions := map[string]int{}
		if err := s.ItemBodies(ctx(t), func(id string, v int, _, _, body string) { got[id], versions[id] = body, v }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[one.ID] != "body of 加装电梯" || got[two.ID] != "body of 修路" || versions[one.ID] != one.Version {
			t.Fatalf("bodies %v versions %v", got, versions)
		}
	})
}

// TestItemBodiesAfterAChangeAndARestart: the only writer's bodies follow
// a change of the text, and are read again at its next start (the read
// model's load keeps them, so the search index needs no second pass).
func TestItemBodiesAfterAChangeAndARestart(t *testing.T) {
	o := storetest.Options(t)
	c := ctx(t)
	s, err := storage.Open(c, o)
	if err != nil {
		t.Fatal(err)
	}
	a := deputy(t, s, "张三", 1)
	it := saveDraft(t, s, a, draft(deputybot.KindSuggestion, "加装电梯"))
	edited, err := s.UpdateItem(c, it.ID, deputybot.ItemChange{Apply: func(it *deputybot.Item, det *deputybot.ItemDetails) ([]deputybot.Event, error) {
		det.Body = "改过的正文"
		return []deputybot.Event{{At: t0, Type: "edited"}}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	check := func(s *storage.Store, when string) {
		t.Helper()
		got := map[string]string{}
		var version int
		if err := s.ItemBodies(c, func(id string, v int, _, _, body string) { got[id], version = body, v }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[it.ID] != "改过的正文" || version != edited.Version {
			t.Fatalf("%s: bodies %v, version %d (want %d)", when, got, version, edited.Version)
		}
	}
	check(s, "after the change")
	if err := s.Close(c); err != nil {
		t.Fatal(err)
	}
	s, err = storage.Open(c, o)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Drop(c); _ = s.Close(c) }()
	check(s, "after a restart")
}

// BenchmarkItemsTextsAmong10000: one item's texts, by its id, on an
// embedded store of 10,000 items, as the similar items' and the search's
// lines read them (each item once: its texts are then kept by version).
// It read every item (0.5–0.7 s) while the store took the embedded
// server for a shared one.
func BenchmarkItemsTextsAmong10000(b *testing.B) {
	c := context.Background()
	s, err := storage.Open(c, storage.Options{DataDir: b.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(c)
	now := time.Now()
	var items []*deputybot.Item
	var dets []*deputybot.ItemDetails
	for i := range 10000 {
		items = append(items, &deputybot.Item{ID: fmt.Sprintf("seed%06d", i), Kind: deputybot.KindSuggestion, Year: 2026, Seq: i + 1,
			Title: "t", Status: deputybot.StatusSubmitted, CreatedAt: now, Version: 2})
		dets = append(dets, &deputybot.ItemDetails{Body: strings.Repeat("text ", 60)})
	}
	if err := s.BulkInsertItems(c, items, dets); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("seed%06d", (i*7919)%10000)
		got, err := s.ItemsTexts(c, []string{id})
		if err != nil || got[id] == nil {
			b.Fatal(id, err)
		}
	}
}

// TestSearchIndexFollowsTheRecord: the item index, a cache of the
// record, is built from it, finds an item by its new words only after a
// change of its title and text, and forgets a deleted one — on both read
// paths (the index refreshed by item version, many or few changes).
func TestSearchIndexFollowsTheRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		a := deputy(t, s, "张三", 1)
		lift := saveDraft(t, s, a, draft(deputybot.KindSuggestion, "加装电梯"))
		road := saveDraft(t, s, a, draft(deputybot.KindSuggestion, "修路"))
		var idx search.Items
		found := func(q string) []string {
			t.Helper()
			x, err := idx.Refresh(c, s)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, h := range x.Search(q, nil, 0) {
				ids = append(ids, h.ID)
			}
			return ids
		}
		if got := found("电梯"); len(got) != 1 || got[0] != lift.ID {
			t.Fatalf("电梯: %v", got)
		}
		if _, err := s.UpdateItem(c, road.ID, changeOf(func(it *deputybot.Item, det *deputybot.ItemDetails) ([]deputybot.Event, error) {
			it.Title, det.Body = "公交站台", "增设候车亭"
			return []deputybot.Event{{At: t0, Type: "edited"}}, nil
		})); err != nil {
			t.Fatal(err)
		}
		if got := found("修路"); len(got) != 0 {
			t.Fatalf("found by its old title: %v", got)
		}
		if got := found("候车亭"); len(got) != 1 || got[0] != road.ID {
			t.Fatalf("候车亭: %v", got)
		}
		if err := s.DeleteItem(c, lift.ID, func(*deputybot.Item) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if got := found("电梯"); len(got) != 0 {
			t.Fatalf("a deleted item found: %v", got)
		}
	})
}

// TestGroupAndThreadItems: the items of a group and of a thread, oldest
// first, on both read paths (a query over the declared index on a shared
// store).
func TestGroupAndThreadItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		a := deputy(t, s, "张三", 1)
		var ids []string
		for _, title := range []string{"一", "二", "三"} {
			it := saveDraft(t, s, a, draft(deputybot.KindSuggestion, title))
			ids = append(ids, it.ID)
		}
		set := func(id, group, thread string) {
			t.Helper()
			if _, err := s.UpdateItem(c, id, changeOf(func(it *deputybot.Item, _ *deputybot.ItemDetails) ([]deputybot.Event, error) {
				it.GroupID, it.ThreadID = group, thread
				return []deputybot.Event{{At: t0, Type: "linked"}}, nil
			})); err != nil {
				t.Fatal(err)
			}
		}
		set(ids[0], ids[0], "")
		set(ids[2], ids[0], ids[2])
		set(ids[1], "", ids[2])
		got := func(items []*deputybot.Item, err error) string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, it := range items {
				out = append(out, it.Title)
			}
			return strings.Join(out, ",")
		}
		if g := got(s.GroupItems(c, ids[0])); g != "一,三" {
			t.Fatalf("group: %s", g)
		}
		if th := got(s.ThreadItems(c, ids[2])); th != "二,三" {
			t.Fatalf("thread: %s", th)
		}
		if none := got(s.GroupItems(c, "")); none != "" {
			t.Fatalf("no group: %s", none)
		}
	})
}
