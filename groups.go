package deputybot

import (
	"slices"
	"strconv"
	"strings"
)

// Handling the same issue once (并案办理), and following it across years.
//
// A group is items of one year and kind with the same content, handled
// together: one lead department, one deadline, a reply written once and
// adapted to each deputy; each item keeps its own record, its own
// deputy's rating and its own figures. Its items carry the id of the
// group's first item (GroupID; the first its own).
//
// A thread is items of several years on the same issue, linked by the
// office: each carries the id of the thread's first item (ThreadID).

// Event types of groups and threads.
const (
	EvGrouped       = "grouped"        // the first item of a group: another joined it
	EvUngrouped     = "ungrouped"      // taken out of its group
	EvThreadLinked  = "thread_linked"  // linked to an earlier year's item on the same issue
	EvThreadStarted = "thread_started" // a later year's item was linked to this one
)

// InGroup reports whether the item is handled in a group.
func (it *Item) InGroup() bool { return it.GroupID != "" }

// Mergeable reports whether it, a submitted item, may be handled in the
// group of with: the same year and kind, with assigned and not yet
// answered (its department writes the group's reply once).
func (it *Item) Mergeable(with *Item) bool {
	return it.ID != with.ID && it.Status == StatusSubmitted && with.Year == it.Year && with.Kind == it.Kind &&
		(with.Status == StatusAssigned || with.Status == StatusInProgress) && len(with.Replies) == 0 && with.Request == nil
}

// Merge assigns it, a submitted item, to be handled with with (并案): its
// lead department, co-departments, leader, key supervision and deadline,
// in with's group. The lead department is told as of any assignment.
// The group's first item is marked by StartGroup.
func Merge(it, with *Item, p *Person, e Env) (Event, error) {
	if err := Check(p, it, ActAssign); err != nil {
		return Event{}, err
	}
	if !it.Mergeable(with) {
		return Event{}, Errorf(ECONFLICT, "err.merge_not_open")
	}
	in := AssignInput{Lead: with.LeadDept, Leader: with.LeaderID, Key: with.Key, Deadline: with.Deadline}
	for _, c := range with.CoDepts {
		in.CoDepts = append(in.CoDepts, c.Dept)
	}
	evt, err := Assign(it, p, in, e)
	if err != nil {
		return Event{}, err
	}
	it.GroupID = with.GroupID
	if it.GroupID == "" {
		it.GroupID = with.ID
	}
	evt.Data["group"] = it.GroupID
	return evt, nil
}

// StartGroup marks with as its group's first item when another (of id
// joined) is merged into it.
func StartGroup(with *Item, p *Person, joined string, e Env) (Event, error) {
	if !p.HasRole(RoleOffice) {
		return Event{}, Errorf(EFORBIDDEN, "err.not_your_part")
	}
	if with.GroupID == "" {
		with.GroupID = with.ID
	}
	return ev(e, p, EvGrouped, "item", joined), nil
}

// Ungroup takes it out of its group: it keeps its assignment and
// deadline, and is answered on its own. The group's first item leaves
// last (others names how many are in the group besides it).
func Ungroup(it *Item, p *Person, others int, e Env) (Event, error) {
	if err := Check(p, it, ActUngroup); err != nil {
		return Event{}, err
	}
	switch {
	case it.GroupID == it.ID && others > 0:
		return Event{}, Errorf(ECONFLICT, "err.group_first_leaves_last", "Count", others)
	}
	from := it.GroupID
	it.GroupID = ""
	return ev(e, p, EvUngrouped, "group", from), nil
}

// GroupOpen are the items of a group whose reply its lead department may
// still send with the one just sent: answered in no round yet, by the
// same department.
func GroupOpen(members []*Item, replied *Item) []*Item {
	var out []*Item
	for _, m := range members {
		if m.ID != replied.ID && m.GroupID != "" && m.GroupID == replied.GroupID && m.LeadDept == replied.LeadDept &&
			(m.Status == StatusAssigned || m.Status == StatusInProgress) && m.Request == nil {
			out = append(out, m)
		}
	}
	return out
}

// AdaptReply is the group's reply for one deputy: the department's line
// to him, then the reply written once.
func AdaptReply(in ReplyInput, line string) ReplyInput {
	out := in
	out.Points, out.Answers, out.LeaveUnanswered = nil, nil, false
	if line = CleanText(line); line != "" {
		out.Text = line + "\n\n" + in.Text
	}
	return out
}

// ThreadRunYears is how many years in a row, ending with year, the
// thread raised its issue, of the years its items were raised in.
func ThreadRunYears(years []int, year int) int {
	n := 0
	for slices.Contains(years, year-n) {
		n++
	}
	return n
}

// LinkThread links it to earlier, an item of an earlier year on the same
// issue (the office confirms what similarity proposed). years are the
// years of the thread's items before the link. When the link makes the
// issue one raised three years in a row, the event says so (flag): the
// leader in charge and the supervisors are told, as a candidate for key
// supervision (重点督办).
func LinkThread(it, earlier *Item, p *Person, years []int, e Env) (Event, error) {
	if err := Check(p, it, ActLinkThread); err != nil {
		return Event{}, err
	}
	switch {
	case it.Seq == 0 || earlier.Seq == 0 || earlier.Year >= it.Year:
		return Event{}, Errorf(ECONFLICT, "err.thread_not_earlier")
	case it.ThreadID != "" && (it.ThreadID == earlier.ThreadID || it.ThreadID == earlier.ID):
		return Event{}, Errorf(ECONFLICT, "err.thread_already")
	}
	tid := earlier.ThreadID
	if tid == "" {
		tid = earlier.ID
	}
	before := ThreadRunYears(years, it.Year)
	all := append(slices.Clone(years), earlier.Year, it.Year)
	run := ThreadRunYears(all, it.Year)
	it.ThreadID, it.ThreadRun = tid, run
	slices.Sort(all)
	all = slices.Compact(all)
	ys := make([]string, len(all))
	for i, y := range all {
		ys[i] = strconv.Itoa(y)
	}
	kv := []string{"earlier", earlier.ID, "thread", tid, "years", strings.Join(ys, ",")}
	if run >= 3 && before < 3 {
		kv = append(kv, "flag", "1")
	}
	return ev(e, p, EvThreadLinked, kv...), nil
}

// StartThread marks earlier as its thread's first item when a later
// one (of id later) is linked to it.
func StartThread(earlier *Item, p *Person, later string, e Env) (Event, error) {
	if !p.HasRole(RoleOffice) {
		return Event{}, Errorf(EFORBIDDEN, "err.not_your_part")
	}
	if earlier.ThreadID == "" {
		earlier.ThreadID = earlier.ID
	}
	return ev(e, p, EvThreadStarted, "item", later), nil
}
