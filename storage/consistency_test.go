package storage_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/storetest"
	"deputybot/service"
	"deputybot/storage"
)

// TestListsReadOneTruthWhileItemsChange: while items move between
// departments and statuses, every list the bot, the scheduler and the
// reports read (all items, by status, a department's, a person's) shows
// each item once, as one stored version of it, never older than a change
// that had returned before the read began, and only where that version
// belongs. Once the changes stop, every list, a department's work (what
// /pending, the digests and the reminders read) and a second process's
// store agree with each item's own record.
func TestListsReadOneTruthWhileItemsChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) {
		c := ctx(t)
		authors := []*deputybot.Person{deputy(t, s, "张三", 1), deputy(t, s, "李四", 2), deputy(t, s, "王五", 3)}
		depts := []string{"d1", "d2", "d3", "d4"}
		statuses := []deputybot.Status{deputybot.StatusAssigned, deputybot.StatusInProgress, deputybot.StatusReplied, deputybot.StatusRehandling}
		deadline := t0.Add(90 * 24 * time.Hour)
		const items = 24
		var ids []string
		for i := range items {
			a := authors[i%len(authors)]
			it := saveDraft(t, s, a, draft(deputybot.KindSuggestion, fmt.Sprint("item ", i)))
			submit(t, s, a, it, t0)
			ids = append(ids, it.ID)
		}

		// committed holds, per item, the latest version a change returned.
		var mu sync.Mutex
		committed := map[string]int{}
		seen := func() map[string]int {
			mu.Lock()
			defer mu.Unlock()
			return maps.Clone(committed)
		}
		var changes atomic.Int64
		var writers, readers sync.WaitGroup
		stop := make(chan struct{})
		for w := range 4 {
			writers.Add(1)
			go func() {
				defer writers.Done()
				r := rand.New(rand.NewPCG(uint64(w), 7))
				for range 40 {
					id := ids[r.IntN(len(ids))]
					lead, co := depts[r.IntN(len(depts))], depts[r.IntN(len(depts))]
					st := statuses[r.IntN(len(statuses))]
					got, err := s.UpdateItem(c, id, changeOf(func(it *deputybot.Item, _ *deputybot.ItemDetails) ([]deputybot.Event, error) {
						it.Status, it.LeadDept, it.Deadline, it.Round = st, lead, deadline, 1
						it.CoDepts = nil
						if co != lead {
							it.CoDepts = []deputybot.CoDept{{Dept: co, Deadline: deadline.Add(-24 * time.Hour)}}
						}
						return []deputybot.Event{{At: t0, Type: "moved", Data: map[string]string{"to": lead}}}, nil
					}))
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					committed[id] = max(committed[id], got.Version)
					mu.Unlock()
					changes.Add(1)
				}
			}()
		}
		var reads atomic.Int64
		check := func(list string, got []*deputybot.Item, before map[string]int, belongs func(*deputybot.Item) bool) {
			once := map[string]bool{}
			for _, it := range got {
				switch {
				case once[it.ID]:
					t.Errorf("%s: item %s listed twice", list, it.ID)
				case it.Version < before[it.ID]:
					t.Errorf("%s: item %s at version %d after version %d was stored", list, it.ID, it.Version, before[it.ID])
				case !belongs(it):
					t.Errorf("%s: item %s (version %d: %s, lead %s, co %v) does not belong", list, it.ID, it.Version, it.Status, it.LeadDept, it.CoDepts)
				}
				once[it.ID] = true
			}
			reads.Add(1)
		}
		for r := range 3 {
			readers.Add(1)
			go func() {
				defer readers.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					before := seen()
					switch i % 4 {
					case 0:
						all, err := s.ItemsWithStatus(c)
						if err != nil {
							t.Error(err)
							return
						}
						check("all items", all, before, func(*deputybot.Item) bool { return true })
						if len(all) != items {
							t.Errorf("all items: %d listed, want %d", len(all), items)
						}
					case 1:
						st := statuses[(i/4+r)%len(statuses)]
						got, err := s.ItemsWithStatus(c, st)
						if err != nil {
							t.Error(err)
							return
						}
						check("status "+string(st), got, before, func(it *deputybot.Item) bool { return it.Status == st })
					case 2:
						d := depts[(i/4+r)%len(depts)]
						got, err := s.DepartmentItems(c, d)
						if err != nil {
							t.Error(err)
							return
						}
						check("department "+d, got, before, func(it *deputybot.Item) bool { return assignedTo(it, d) })
					case 3:
						a := authors[(i/4+r)%len(authors)]
						got, total, err := s.PersonItems(c, a.ID, 0, 0)
						if err != nil {
							t.Error(err)
							return
						}
						check("person "+a.Name, got, before, func(it *deputybot.Item) bool { return it.AuthorID == a.ID })
						if total != items/len(authors) {
							t.Errorf("person %s: %d items, want %d", a.Name, total, items/len(authors))
						}
					}
				}
			}()
		}
		writers.Wait()
		close(stop)
		readers.Wait()
		if changes.Load() != 160 || reads.Load() < 20 {
			t.Fatalf("%d changes and %d reads: the lists were not read while items changed", changes.Load(), reads.Load())
		}

		// Quiet now: every list, on this store and on a second process's,
		// is what each item's own record says.
		final := map[string]*deputybot.Item{}
		for _, id := range ids {
			it, err := s.Item(c, id)
			if err != nil {
				t.Fatal(err)
			}
			if it.Version != committed[id] && committed[id] != 0 {
				t.Fatalf("item %s: version %d, the last change stored %d", id, it.Version, committed[id])
			}
			final[id] = it
		}
		other := storetest.Again(t, s.Options())
		for _, st := range []*storage.Store{s, other} {
			all, err := st.ItemsWithStatus(c)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "all items", all, final, func(*deputybot.Item) bool { return true })
			for _, status := range statuses {
				got, err := st.ItemsWithStatus(c, status)
				if err != nil {
					t.Fatal(err)
				}
				same(t, "status "+string(status), got, final, func(it *deputybot.Item) bool { return it.Status == status })
			}
			for _, d := range depts {
				got, err := st.DepartmentItems(c, d)
				if err != nil {
					t.Fatal(err)
				}
				same(t, "department "+d, got, final, func(it *deputybot.Item) bool { return assignedTo(it, d) })
				// What /pending, the digests and the reminders read of a
				// department: its open parts, from the whole register.
				var work []string
				for _, w := range service.DepartmentWork(all, d) {
					work = append(work, w.Item.ID)
				}
				var open []string
				for _, it := range got {
					if _, ok := it.DeptDuty(d); ok {
						open = append(open, it.ID)
					}
				}
				slices.Sort(work)
				slices.Sort(open)
				if !slices.Equal(work, open) {
					t.Errorf("department %s: its work from all items %v, from its list %v", d, work, open)
				}
			}
			for _, a := range authors {
				got, _, err := st.PersonItems(c, a.ID, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				same(t, "person "+a.Name, got, final, func(it *deputybot.Item) bool { return it.AuthorID == a.ID })
			}
		}
	})
}

func assignedTo(it *deputybot.Item, d string) bool {
	return it.LeadDept == d || slices.ContainsFunc(it.CoDepts, func(c deputybot.CoDept) bool { return c.Dept == d })
}

// same fails unless list holds exactly the items of final that belong,
// each as final has it.
func same(t *testing.T, name string, list []*deputybot.Item, final map[string]*deputybot.Item, belongs func(*deputybot.Item) bool) {
	t.Helper()
	want := 0
	for _, it := range final {
		if belongs(it) {
			want++
		}
	}
	if len(list) != want {
		t.Errorf("%s: %d items, want %d", name, len(list), want)
	}
	for _, it := range list {
		f := final[it.ID]
		if f == nil || it.Version != f.Version || it.Status != f.Status || it.LeadDept != f.LeadDept || !belongs(it) {
			t.Errorf("%s: item %s at version %d (%s, %s), its record is at %v", name, it.ID, it.Version, it.Status, it.LeadDept, f)
		}
	}
}
