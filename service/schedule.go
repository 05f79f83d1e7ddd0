package service

import (
	"cmp"
	"context"
	"slices"
	"time"

	"deputybot"
)

// The scheduler's use cases: reminders, closing what was not rated, the
// weekly digests.

// Reminders is the daily job at slot: every due reminder step of every
// open item (deputybot.DueReminders), and the items closed as unrated
// (deputybot.DueToCloseUnrated). The record of which steps were sent is
// kept while a step may come again: until the item has been closed (or
// returned) for longer than keep (the catch-up window); items closed in
// the month before that are looked at every day, so a day without a run
// loses nothing. It returns how many messages it queued.
func (s *Service) Reminders(ctx context.Context, slot time.Time, keep time.Duration) (int, error) {
	items, err := s.store.ItemsWithStatus(ctx, deputybot.StatusAssigned, deputybot.StatusInProgress,
		deputybot.StatusRehandling, deputybot.StatusReplied, deputybot.StatusClosed, deputybot.StatusReturned)
	if err != nil {
		return 0, err
	}
	e, err := s.Env(ctx, slot)
	if err != nil {
		return 0, err
	}
	// The soonest deadlines first, then by number: the order of the
	// lines of a person's reminders.
	slices.SortStableFunc(items, func(a, b *deputybot.Item) int {
		return cmp.Or(a.Deadline.Compare(b.Deadline), cmp.Compare(a.Year, b.Year), cmp.Compare(a.Seq, b.Seq))
	})
	var due []deputybot.Reminder
	var done []string
	byAuthor := map[string][]*deputybot.Item{}
	for _, it := range items {
		byAuthor[it.AuthorID] = append(byAuthor[it.AuthorID], it)
	}
	asked := map[string]bool{} // deputies asked about a promise in this run
	for _, it := range items {
		if deputybot.DueToCloseUnrated(it, e) {
			if err := s.CloseUnrated(ctx, it.ID, slot); err != nil {
				s.log.Error("close unrated", "item", it.ID, "err", err)
			}
			continue
		}
		for _, r := range deputybot.DueReminders(it, e) {
			if r.Kind == deputybot.RemindPromiseAsk {
				// One question about promises a week to a deputy at most.
				last := deputybot.LastPromiseAsked(byAuthor[it.AuthorID])
				if asked[it.AuthorID] || (!last.IsZero() && slot.Before(last.AddDate(0, 0, deputybot.PromiseAskEveryDays))) {
					continue
				}
				asked[it.AuthorID] = true
			}
			due = append(due, r)
		}
		// Forgotten: a closed item's reminder steps, once nothing of it
		// can be reminded again (no open flag, no promise still to
		// answer), from when the last of it settled.
		if settled, ok := settledAt(it); ok && it.OpenFlag() == nil &&
			settled.Before(slot.Add(-keep-24*time.Hour)) && settled.After(slot.Add(-keep-31*24*time.Hour)) {
			done = append(done, it.ID)
		}
	}
	n, err := s.Remind(ctx, due, slot)
	if err != nil {
		return n, err
	}
	if _, err := s.store.ForgetReminders(ctx, done); err != nil {
		s.log.Warn("forget the reminders of closed items", "err", err)
	}
	return n, nil
}

// Remind sends each reminder to its recipients (deputybot.Reminder's
// audience), once ever per (item, step, recipient): the steps sent are
// recorded in the store (the outbox forgets delivered messages after a
// week). It returns how many messages it queued.
func (s *Service) Remind(ctx context.Context, rs []deputybot.Reminder, at time.Time) (int, error) {
	e, err := s.Env(ctx, at)
	if err != nil {
		return 0, err
	}
	items := map[string]*deputybot.Item{}
	var msgs []deputybot.OutboxMessage
	claims := map[string]string{}
	var rateAsked []string
	var promiseAsked []deputybot.Reminder
	for _, r := range rs {
		it := items[r.ItemID]
		if it == nil {
			if it, err = s.store.Item(ctx, r.ItemID); err != nil {
				return 0, err
			}
			items[r.ItemID] = it
		}
		to, err := s.reminderRecipients(ctx, r, it)
		if err != nil {
			return 0, err
		}
		keys := make([]string, len(to))
		for i, rc := range to {
			keys[i] = "rem:" + r.Key() + ":" + rc.key()
		}
		sent, err := s.store.RemindersSent(ctx, keys)
		if err != nil {
			return 0, err
		}
		for i, rc := range to {
			if sent[keys[i]] {
				continue
			}
			text, kb, batch := s.render.Reminder(ctx, rc, r, it, e)
			msgs = append(msgs, batched(Messages(keys[i], "reminder", rc, text, kb), batch)...)
			claims[keys[i]] = it.ID
		}
		switch r.Kind {
		case deputybot.RemindRate:
			rateAsked = append(rateAsked, it.ID)
		case deputybot.RemindPromiseAsk:
			promiseAsked = append(promiseAsked, r)
		}
	}
	// Queued, then recorded: a crash between the two queues nothing twice
	// (the messages' ids are their keys), and the run is made again.
	n, err := s.out.Enqueue(ctx, msgs)
	if err != nil {
		return n, err
	}
	if err := s.store.RecordReminders(ctx, claims, s.out.Now()); err != nil {
		return n, err
	}
	for _, r := range promiseAsked {
		_, err := s.Act(ctx, nil, 0, r.ItemID, at, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			if p := it.Promise(r.Promise); p == nil || !p.AskedAt.IsZero() {
				return nil, nil
			}
			return one(deputybot.MarkPromiseAsked(it, r.Promise, e))
		})
		if err != nil && deputybot.ErrorCode(err) != deputybot.ECONFLICT {
			return n, err
		}
	}
	for _, id := range rateAsked {
		_, err := s.Act(ctx, nil, 0, id, at, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			if !it.RatingRemindedAt.IsZero() {
				return nil, nil
			}
			return one(deputybot.MarkRatingReminded(it, e))
		})
		if err != nil && deputybot.ErrorCode(err) != deputybot.ECONFLICT {
			return n, err
		}
	}
	return n, nil
}

func one(ev deputybot.Event, err error) ([]deputybot.Event, error) {
	if err != nil {
		return nil, err
	}
	return []deputybot.Event{ev}, nil
}

// reminderRecipients finds the people of a reminder's audience.
func (s *Service) reminderRecipients(ctx context.Context, r deputybot.Reminder, it *deputybot.Item) ([]Recipient, error) {
	var to []Recipient
	for _, a := range r.Audience() {
		rs := s.audience(ctx, deputybot.Notice{To: a, Dept: r.Dept}, it)
		if dept := deptOf(a, r, it); dept != "" && len(rs) == 0 {
			// No contact of the department has joined: the office
			// hears its reminders instead (deputybot.JoinedContacts).
			for _, o := range s.office(ctx) {
				o.Instead = dept
				rs = append(rs, o)
			}
		}
		to = append(to, rs...)
	}
	// One message per person, though he be in two audiences.
	seen := map[int64]bool{}
	return slices.DeleteFunc(to, func(r Recipient) bool {
		dup := seen[r.ChatID]
		seen[r.ChatID] = true
		return dup
	}), nil
}

// deptOf is the department a reminder's audience is the contacts of, if
// it is a department's.
func deptOf(a deputybot.Audience, r deputybot.Reminder, it *deputybot.Item) string {
	switch a {
	case deputybot.ToLead:
		return it.LeadDept
	case deputybot.ToDept, deputybot.ToFormerLead:
		return r.Dept
	}
	return ""
}

// CloseUnrated closes an item whose deputy did not rate in time.
func (s *Service) CloseUnrated(ctx context.Context, itemID string, at time.Time) error {
	_, err := s.Act(ctx, nil, 0, itemID, at, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		if !deputybot.DueToCloseUnrated(it, e) {
			return nil, nil
		}
		return one(deputybot.CloseUnrated(it, e))
	})
	return err
}

// Snapshot reads the record at now as viewer may see it: only the items
// /view shows him (deputybot.VisibleTo), and the people messages cannot
// reach only if he oversees everything. A nil viewer (the scheduler, the
// command line) sees everything.
func (s *Service) Snapshot(ctx context.Context, now time.Time, viewer *deputybot.Person) (deputybot.Snapshot, error) {
	e, err := s.Env(ctx, now)
	if err != nil {
		return deputybot.Snapshot{}, err
	}
	items, err := s.store.ItemsWithStatus(ctx)
	if err != nil {
		return deputybot.Snapshot{}, err
	}
	unreachable, err := s.store.UnreachablePeople(ctx)
	if err != nil {
		return deputybot.Snapshot{}, err
	}
	depts, err := s.store.Departments(ctx)
	if err != nil {
		return deputybot.Snapshot{}, err
	}
	contacts, err := s.store.PeopleWithRole(ctx, deputybot.RoleContact)
	if err != nil {
		return deputybot.Snapshot{}, err
	}
	joined := deputybot.JoinedContacts(contacts)
	var unstaffed []*deputybot.Department
	for _, d := range depts {
		if joined[d.ID] == 0 && !d.Retired() {
			unstaffed = append(unstaffed, d)
		}
	}
	if viewer != nil {
		items = deputybot.VisibleTo(viewer, items)
		if !viewer.OverseesAll() {
			unreachable, unstaffed = nil, nil
		}
	}
	return deputybot.Snapshot{Items: items, Unreachable: unreachable, Unstaffed: unstaffed, Departments: depts, Env: e,
		Scope: deputybot.ScopeOf(viewer)}, nil
}

// ReportSnapshot is Snapshot with what the annual report writes each
// motion from: the texts of the handled motions (read in one query) and
// the leaders' names.
func (s *Service) ReportSnapshot(ctx context.Context, now time.Time, viewer *deputybot.Person) (deputybot.Snapshot, error) {
	snap, err := s.Snapshot(ctx, now, viewer)
	if err != nil {
		return snap, err
	}
	var motions []string
	for _, it := range snap.Items {
		if it.Kind == deputybot.KindMotion && it.Handled() {
			motions = append(motions, it.ID)
		}
	}
	if snap.Details, err = s.store.ItemsTexts(ctx, motions); err != nil {
		return deputybot.Snapshot{}, err
	}
	leaders, err := s.store.PeopleWithRole(ctx, deputybot.RoleLeader)
	if err != nil {
		return deputybot.Snapshot{}, err
	}
	snap.Names = make(map[string]string, len(leaders))
	for _, p := range leaders {
		snap.Names[p.ID] = p.Name
	}
	return snap, nil
}

// Digests sends the weekly digests of the slot (SPEC §4.2), once per
// recipient: the supervisors' digest of everything, each leader's of the
// items he may see, each department contact's of what his department has
// to do. It returns how many messages it queued.
func (s *Service) Digests(ctx context.Context, slot time.Time) (int, error) {
	snap, err := s.Snapshot(ctx, slot, nil)
	if err != nil {
		return 0, err
	}
	key := slot.UTC().Format("20060102T1504")
	var msgs []deputybot.OutboxMessage
	add := func(kind string, p *deputybot.Person, text string) {
		if rc, ok := RecipientOf(p); ok {
			msgs = append(msgs, Messages("digest:"+kind+":"+p.ID+":"+key, "digest", rc, text, "")...)
		}
	}
	roles := map[deputybot.Role][]*deputybot.Person{}
	for _, r := range []deputybot.Role{deputybot.RoleSupervisor, deputybot.RoleLeader, deputybot.RoleContact} {
		if roles[r], err = s.store.PeopleWithRole(ctx, r); err != nil {
			return 0, err
		}
	}
	// Written once per language, not once per supervisor; the picture
	// follows the text.
	written := map[deputybot.Language]string{}
	charts := map[deputybot.Language]*deputybot.OutboxMessage{}
	for _, p := range roles[deputybot.RoleSupervisor] {
		if _, ok := written[p.Language]; !ok {
			written[p.Language], charts[p.Language] = s.render.SupervisorDigest(ctx, p.Language, snap)
		}
		add("supervisor", p, written[p.Language])
		if c := charts[p.Language]; c != nil {
			if rc, ok := RecipientOf(p); ok {
				m := *c
				m.ID, m.ChatID, m.PersonID, m.Kind = "digest:chart:"+p.ID+":"+key, rc.ChatID, rc.PersonID, "digest"
				msgs = append(msgs, m)
			}
		}
	}
	for _, p := range roles[deputybot.RoleLeader] {
		if mine := LeaderSnapshot(snap, p); len(mine.Items) > 0 {
			add("leader", p, s.render.LeaderDigest(ctx, p.Language, mine))
		}
	}
	for _, p := range roles[deputybot.RoleContact] {
		if work := DepartmentWork(snap.Items, p.DepartmentID); len(work) > 0 {
			add("department", p, s.render.DepartmentDigest(ctx, p.Language, work, snap.Env))
		}
	}
	return s.out.Enqueue(ctx, msgs)
}

// LeaderSnapshot is the part of a snapshot a leader's digest lists: the
// submitted items he may see.
func LeaderSnapshot(snap deputybot.Snapshot, p *deputybot.Person) deputybot.Snapshot {
	mine := snap
	mine.Scope = deputybot.ScopeOf(p)
	mine.Items = slices.DeleteFunc(deputybot.VisibleTo(p, snap.Items), func(it *deputybot.Item) bool { return it.Status == deputybot.StatusDraft })
	return mine
}

// DepartmentWork lists what a department has to do, soonest deadline
// first: what it owes first on each item (deputybot.Item.DeptDuty).
func DepartmentWork(items []*deputybot.Item, dept string) []Work {
	var out []Work
	for _, it := range items {
		if d, ok := it.DeptDuty(dept); ok {
			out = append(out, Work{Item: it, Duty: d})
		}
	}
	slices.SortStableFunc(out, func(a, b Work) int { return a.Duty.Deadline.Compare(b.Duty.Deadline) })
	return out
}

// settledAt is when a closed item's last duty settled: its closing, or
// the deputy's answer on its last promise; not settled while it is open
// or a promise waits for his answer.
func settledAt(it *deputybot.Item) (time.Time, bool) {
	if it.IsOpen() || it.ClosedAt.IsZero() {
		return time.Time{}, false
	}
	at := it.ClosedAt
	for _, p := range it.Promises {
		if p.Answer == "" {
			return time.Time{}, false
		}
		if p.AnsweredAt.After(at) {
			at = p.AnsweredAt
		}
	}
	return at, true
}
