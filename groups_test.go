package deputybot

import (
	"strings"
	"testing"
)

// TestGroupsAndThreads: merging takes the group's assignment (not across
// years, kinds, or into an answered item); the group's first item leaves
// last; the reply adapted to one deputy starts with his line; a thread
// flags the third year in a row once.
func TestGroupsAndThreads(t *testing.T) {
	e := env()
	office := actors["office"]
	f := fixtures()
	with := f["assigned"]
	with.ID = "g1"
	it := f["submitted"]
	it.ID = "g2"
	for name, o := range map[string]*Item{"replied": f["replied"], "another year": {ID: "y", Kind: KindSuggestion, Year: 2025, Status: StatusAssigned},
		"a motion": {ID: "m", Kind: KindMotion, Year: 2026, Status: StatusAssigned}} {
		if it.Mergeable(o) {
			t.Errorf("mergeable with %s", name)
		}
	}
	if _, err := Merge(it, with, actors["lead contact"], e); err == nil || it.Status != StatusSubmitted {
		t.Fatalf("a contact merged: %v", err)
	}
	if _, err := StartGroup(with, office, it.ID, e); err != nil || with.GroupID != "g1" {
		t.Fatalf("start: %v %q", err, with.GroupID)
	}
	evt, err := Merge(it, with, office, e)
	if err != nil || it.GroupID != "g1" || it.LeadDept != with.LeadDept || !it.Deadline.Equal(with.Deadline) || it.LeaderID != with.LeaderID ||
		len(it.CoDepts) != 1 || it.Status != StatusAssigned || evt.Type != EvAssigned || evt.Data["group"] != "g1" {
		t.Fatalf("merged: %v %+v %+v", err, it, evt)
	}
	if open := GroupOpen([]*Item{with, it}, with); len(open) != 1 || open[0] != it {
		t.Fatalf("open in the group: %v", open)
	}
	if _, err := Ungroup(with, office, 1, e); ErrorCode(err) != ECONFLICT {
		t.Fatalf("the first item left first: %v", err)
	}
	if _, err := Ungroup(it, office, 1, e); err != nil || it.InGroup() {
		t.Fatalf("taken out: %v", err)
	}
	in := AdaptReply(ReplyInput{Class: ClassA, Text: "done", Points: []string{"x"}}, " 王五代表：3号楼在首批。 ")
	if in.Text != "王五代表：3号楼在首批。\n\ndone" || in.Points != nil {
		t.Fatalf("adapted: %+v", in)
	}

	// Threads: 2024 → 2025 → 2026 flags once; a fourth link does not.
	y := func(id string, year int) *Item { return &Item{ID: id, Year: year, Seq: 1, Status: StatusAssigned} }
	a, b, c := y("a", 2024), y("b", 2025), y("c", 2026)
	if _, err := LinkThread(a, b, office, nil, e); ErrorCode(err) != ECONFLICT {
		t.Fatalf("linked to a later year: %v", err)
	}
	if _, err := StartThread(a, office, "b", e); err != nil || a.ThreadID != "a" {
		t.Fatal("start thread")
	}
	evt, err = LinkThread(b, a, office, []int{2024}, e)
	if err != nil || b.ThreadID != "a" || b.ThreadRun != 2 || evt.Data["flag"] != "" {
		t.Fatalf("second year: %v %+v", err, evt)
	}
	evt, err = LinkThread(c, b, office, []int{2024, 2025}, e)
	if err != nil || c.ThreadID != "a" || c.ThreadRun != 3 || evt.Data["flag"] != "1" || evt.Data["years"] != "2024,2025,2026" {
		t.Fatalf("third year: %v %+v", err, evt)
	}
	d := y("d", 2026)
	if evt, _ := LinkThread(d, b, office, []int{2024, 2025, 2026}, e); evt.Data["flag"] != "" {
		t.Fatalf("a second item of the third year flagged again: %+v", evt)
	}
	gap := y("e", 2027)
	if evt, _ := LinkThread(gap, a, office, []int{2024}, e); evt.Data["flag"] != "" || gap.ThreadRun != 1 {
		t.Fatalf("a gap year counted: %+v %d", evt, gap.ThreadRun)
	}
	if n := Notices(c, c, []Event{{Type: EvThreadLinked, Data: map[string]string{"flag": "1"}}}); len(n) != 2 ||
		!strings.Contains(string(n[0].To)+string(n[1].To), "leader") {
		t.Fatalf("the flag told %v", n)
	}
}
