package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"deputybot"
	"deputybot/report"
	"deputybot/storage"
	"deputybot/texts"
)

// The bot is the scheduler's Messenger: it renders reminders and digests
// in each recipient's language and puts them in the outbox, keyed so that
// each goes out once ever.

// Remind implements scheduler.Messenger. Each reminder step goes to each
// recipient once, ever: the steps sent are recorded in the store (the
// outbox forgets delivered messages after a week).
func (b *Bot) Remind(ctx context.Context, rs []deputybot.Reminder, at time.Time) (int, error) {
	e, err := b.env(ctx, at)
	if err != nil {
		return 0, err
	}
	items := map[string]*deputybot.Item{}
	var msgs []deputybot.OutboxMessage
	var claims []storage.ReminderClaim
	var rateAsked []string
	for _, r := range rs {
		it := items[r.ItemID]
		if it == nil {
			if it, err = b.store.Item(ctx, r.ItemID); err != nil {
				return 0, err
			}
			items[r.ItemID] = it
		}
		to, err := b.reminderRecipients(ctx, r, it)
		if err != nil {
			return 0, err
		}
		keys := make([]string, len(to))
		for i, rc := range to {
			keys[i] = "rem:" + r.Key() + ":" + rc.PersonID
		}
		sent, err := b.store.RemindersSent(ctx, keys)
		if err != nil {
			return 0, err
		}
		for i, rc := range to {
			if sent[keys[i]] {
				continue
			}
			text, kb := b.reminderText(ctx, rc.Lang, r, it, e)
			msgs = append(msgs, outboxMessages(keys[i], "reminder", rc.PersonID, rc.ChatID, text, kb)...)
			claims = append(claims, storage.ReminderClaim{Key: keys[i], ItemID: it.ID})
		}
		if r.Kind == deputybot.RemindRate {
			rateAsked = append(rateAsked, it.ID)
		}
	}
	// Queued, then recorded: a crash between the two queues nothing twice
	// (the messages' ids are their keys), and the run is made again.
	n, err := b.enqueue(ctx, msgs)
	if err != nil {
		return n, err
	}
	if err := b.store.RecordReminders(ctx, claims, b.wallNow()); err != nil {
		return n, err
	}
	for _, id := range rateAsked {
		_, err := b.changeItem(ctx, nil, id, at, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
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

// ForgetReminders implements scheduler.Messenger.
func (b *Bot) ForgetReminders(ctx context.Context, itemIDs []string) (int64, error) {
	return b.store.ForgetReminders(ctx, itemIDs)
}

func (b *Bot) reminderRecipients(ctx context.Context, r deputybot.Reminder, it *deputybot.Item) ([]recipient, error) {
	var people []*deputybot.Person
	var err error
	switch r.Kind {
	case deputybot.RemindReply, deputybot.RemindOpinion, deputybot.RemindRectify:
		people, err = b.store.DepartmentContacts(ctx, r.Dept)
	case deputybot.RemindRate:
		var p *deputybot.Person
		if p, err = b.store.Person(ctx, it.AuthorID); err == nil {
			people = []*deputybot.Person{p}
		}
	case deputybot.RemindEscalate:
		people, err = b.store.PeopleWithRole(ctx, deputybot.RoleSupervisor)
		if err == nil && it.LeaderID != "" {
			if p, err := b.store.Person(ctx, it.LeaderID); err == nil && !slices.ContainsFunc(people, func(q *deputybot.Person) bool { return q.ID == p.ID }) {
				people = append(people, p)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	var to []recipient
	for _, p := range people {
		if rc, ok := recipientOf(p); ok {
			to = append(to, rc)
		}
	}
	return to, nil
}

func (b *Bot) reminderText(ctx context.Context, l deputybot.Language, r deputybot.Reminder, it *deputybot.Item, e deputybot.Env) (string, keyboard) {
	depts, _ := b.departmentNames(ctx)
	label := texts.HTML(b.tx.Label(l, it))
	view := keyboard{{button(b.tx.T(l, "btn.view"), "it:"+it.ID)}}
	when := texts.HTML(b.tx.DaysLeft(l, e, r.Deadline))
	switch r.Kind {
	case deputybot.RemindRate:
		return b.tx.T(l, "remind.rate", "Label", label, "Title", it.Title, "Days", b.opts.Rules.UnratedDays),
			keyboard{b.ratingButtons(l, it), view[0]}
	case deputybot.RemindEscalate:
		return b.tx.T(l, "remind.escalate", "Label", label, "Title", it.Title, "Dept", depts[it.LeadDept], "Days", -r.DaysLeft,
			"Deadline", b.tx.Date(r.Deadline)), view
	}
	return b.tx.T(l, "remind."+r.Kind, "Label", label, "Title", it.Title, "When", when), view
}

// CloseUnrated implements scheduler.Messenger.
func (b *Bot) CloseUnrated(ctx context.Context, itemID string, at time.Time) error {
	_, err := b.changeItem(ctx, nil, itemID, at, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		if !deputybot.DueToCloseUnrated(it, e) {
			return nil, nil
		}
		return one(deputybot.CloseUnrated(it, e))
	})
	return err
}

// digestInput reads everything a digest, a report or the register counts,
// as viewer may see it: only the items /view shows him, and the people
// messages cannot reach only if he oversees everything. A nil viewer (the
// scheduler, the command line) sees everything.
func (b *Bot) digestInput(ctx context.Context, at time.Time, viewer *deputybot.Person) (report.Input, error) {
	e, err := b.env(ctx, at)
	if err != nil {
		return report.Input{}, err
	}
	items, err := b.store.ItemsWithStatus(ctx)
	if err != nil {
		return report.Input{}, err
	}
	unreachable, err := b.store.UnreachablePeople(ctx)
	if err != nil {
		return report.Input{}, err
	}
	depts, err := b.store.Departments(ctx)
	if err != nil {
		return report.Input{}, err
	}
	if viewer != nil {
		items = deputybot.VisibleTo(viewer, items)
		if !viewer.OverseesAll() {
			unreachable = nil
		}
	}
	return report.Input{Items: items, Unreachable: unreachable, Departments: depts, Env: e}, nil
}

// Digests implements scheduler.Messenger: the supervisors' digest, each
// leader's digest of his items, each department's digest of its open
// items.
func (b *Bot) Digests(ctx context.Context, slot time.Time) (int, error) {
	in, err := b.digestInput(ctx, slot, nil)
	if err != nil {
		return 0, err
	}
	d := report.ComputeDigest(in)
	key := slot.UTC().Format("20060102T1504")
	var msgs []deputybot.OutboxMessage
	add := func(kind string, p *deputybot.Person, text string) {
		if rc, ok := recipientOf(p); ok {
			msgs = append(msgs, outboxMessages("digest:"+kind+":"+p.ID+":"+key, "digest", p.ID, rc.ChatID, text, nil)...)
		}
	}
	roles := map[deputybot.Role][]*deputybot.Person{}
	for _, r := range []deputybot.Role{deputybot.RoleSupervisor, deputybot.RoleLeader, deputybot.RoleContact} {
		if roles[r], err = b.store.PeopleWithRole(ctx, r); err != nil {
			return 0, err
		}
	}
	// Rendered once per language, not once per supervisor.
	supText := map[deputybot.Language]string{}
	for _, p := range roles[deputybot.RoleSupervisor] {
		if _, ok := supText[p.Language]; !ok {
			supText[p.Language] = b.supervisorDigest(ctx, p.Language, d, in)
		}
		add("supervisor", p, supText[p.Language])
	}
	for _, p := range roles[deputybot.RoleLeader] {
		if text, ok := b.leaderDigest(p.Language, p, in); ok {
			add("leader", p, text)
		}
	}
	for _, p := range roles[deputybot.RoleContact] {
		if p.DepartmentID == "" {
			continue
		}
		if text, ok := b.departmentDigest(p.Language, p, in); ok {
			add("department", p, text)
		}
	}
	return b.enqueue(ctx, msgs)
}

const digestListMax = 30

// listLines renders at most digestListMax lines and says how many more.
func (b *Bot) listLines(l deputybot.Language, lines []string) string {
	if len(lines) > digestListMax {
		more := len(lines) - digestListMax
		lines = append(lines[:digestListMax:digestListMax], b.tx.T(l, "digest.more", "Count", more))
	}
	return strings.Join(lines, "\n")
}

// satisfactionLine writes a period's ratings as the annual report does:
// "满意 155 件，占 92.81%；基本满意 12 件，占 7.19%".
func (b *Bot) satisfactionLine(l deputybot.Language, s report.Satisfaction) string {
	if s.Total() == 0 {
		return b.tx.T(l, "digest.no_ratings")
	}
	pct := s.Percent()
	parts := []string{
		b.tx.T(l, "digest.share", "Rating", texts.HTML(b.tx.T(l, "rating.satisfied")), "Count", s.Satisfied, "Pct", pct[0]),
		b.tx.T(l, "digest.share", "Rating", texts.HTML(b.tx.T(l, "rating.basic")), "Count", s.Basic, "Pct", pct[1]),
	}
	if s.Unsatisfied > 0 {
		parts = append(parts, b.tx.T(l, "digest.share", "Rating", texts.HTML(b.tx.T(l, "rating.unsatisfied")), "Count", s.Unsatisfied, "Pct", pct[2]))
	}
	if s.Unrated > 0 {
		parts = append(parts, b.tx.T(l, "digest.share", "Rating", texts.HTML(b.tx.T(l, "rating.unrated")), "Count", s.Unrated, "Pct", pct[3]))
	}
	return b.tx.T(l, "digest.closed_count", "Count", s.Total()) + strings.Join(parts, b.tx.T(l, "digest.share_sep"))
}

// periodLine is one period's satisfaction: "会议期间：满意 155 件，占 92.81%；…".
func (b *Bot) periodLine(l deputybot.Language, p deputybot.Period, s report.Satisfaction) string {
	return b.tx.T(l, "digest.period_line", "Period", texts.HTML(b.tx.T(l, "period."+string(p))), "Line", texts.HTML(b.satisfactionLine(l, s)))
}

func (b *Bot) supervisorDigest(ctx context.Context, l deputybot.Language, d *report.Digest, in report.Input) string {
	e := in.Env
	depts := map[string]string{}
	for _, dp := range in.Departments {
		depts[dp.ID] = dp.Name
	}
	var sb strings.Builder
	sec := func(title string) { sb.WriteString("\n\n<b>" + title + "</b>\n") }
	sb.WriteString(b.tx.T(l, "digest.title", "Date", b.tx.Time(d.Now)))
	sec(b.tx.T(l, "digest.totals", "Year", d.Year))
	var st []string
	total := 0
	for _, s := range statusOrder {
		total += d.ByStatus[s]
		if d.ByStatus[s] > 0 {
			st = append(st, b.tx.T(l, "status."+string(s))+" "+strconv.Itoa(d.ByStatus[s]))
		}
	}
	sb.WriteString(b.tx.T(l, "digest.total", "Count", total))
	if len(st) > 0 {
		sb.WriteString(" — " + strings.Join(st, " · "))
	}
	sb.WriteString("\n" + b.tx.T(l, "digest.week", "New", d.NewThisWeek, "Replied", d.RepliedWeek, "Closed", d.ClosedWeek))

	line := func(it *deputybot.Item, extra string) string {
		s := "• " + b.tx.T(l, "digest.item", "Label", texts.HTML(b.tx.Label(l, it)), "Title", it.Title)
		if extra != "" {
			s += " · " + extra
		}
		return s
	}
	sec(b.tx.T(l, "digest.due_soon", "Count", len(d.DueSoon)))
	if len(d.DueSoon) == 0 {
		sb.WriteString(b.tx.T(l, "digest.none"))
	}
	var lines []string
	for _, x := range d.DueSoon {
		lines = append(lines, line(x.Item, texts.Esc(depts[x.Dept])+" · "+b.tx.DaysLeft(l, e, x.Deadline)))
	}
	sb.WriteString(b.listLines(l, lines))

	overdue := 0
	for _, xs := range d.Overdue {
		overdue += len(xs)
	}
	sec(b.tx.T(l, "digest.overdue", "Count", overdue))
	if overdue == 0 {
		sb.WriteString(b.tx.T(l, "digest.none"))
	}
	lines = nil
	for _, ds := range d.Depts {
		xs := d.Overdue[ds.Dept.ID]
		if len(xs) == 0 {
			continue
		}
		lines = append(lines, b.tx.T(l, "digest.dept_overdue", "Dept", ds.Dept.Name, "Count", len(xs)))
		for _, x := range xs {
			lines = append(lines, "  "+line(x.Item, b.tx.T(l, "digest.days_overdue", "Days", -x.DaysLeft)))
		}
	}
	sb.WriteString(b.listLines(l, lines))

	sec(b.tx.T(l, "digest.satisfaction"))
	sb.WriteString(b.periodLine(l, deputybot.PeriodSession, d.Satisfaction[deputybot.PeriodSession]) + "\n" +
		b.periodLine(l, deputybot.PeriodRecess, d.Satisfaction[deputybot.PeriodRecess]))

	sec(b.tx.T(l, "digest.departments", "Year", d.Year))
	lines = nil
	for _, ds := range d.Depts {
		if ds.Handled == 0 {
			continue
		}
		lines = append(lines, b.tx.T(l, "digest.dept_row", "Dept", ds.Dept.Name, "Open", ds.Open, "Overdue", ds.Overdue,
			"OnTime", ds.OnTimeRate(), "Satisfaction", ds.SatisfactionRate(), "Logged", ds.ContactsLogged,
			"Confirmed", ds.ContactsConfirmed, "Score", formatScore(ds.Score)))
	}
	if len(lines) == 0 {
		lines = []string{b.tx.T(l, "digest.none")}
	}
	sb.WriteString(b.listLines(l, lines))

	sections := []struct {
		key   string
		items []*deputybot.Item
		extra func(*deputybot.Item) string
	}{
		{"digest.key_items", d.KeyItems, func(it *deputybot.Item) string {
			return b.tx.Status(l, it) + b.progressBar(it)
		}},
		{"digest.promises", d.Promises, func(it *deputybot.Item) string { return texts.Esc(depts[it.LeadDept]) }},
		{"digest.flags", d.OpenFlags, func(it *deputybot.Item) string {
			f := it.OpenFlag()
			return texts.Esc(depts[it.LeadDept]) + " · " + b.tx.T(l, "flag."+string(f.Category)) + " · " + b.tx.DaysLeft(l, e, f.Deadline)
		}},
	}
	for _, s := range sections {
		if len(s.items) == 0 {
			continue
		}
		sec(b.tx.T(l, s.key, "Count", len(s.items)))
		lines = nil
		for _, it := range s.items {
			lines = append(lines, line(it, s.extra(it)))
		}
		sb.WriteString(b.listLines(l, lines))
	}
	if len(d.Disputed) > 0 {
		sec(b.tx.T(l, "digest.disputed", "Count", len(d.Disputed)))
		lines = nil
		for _, x := range d.Disputed {
			lines = append(lines, line(x.Item, texts.Esc(depts[x.Contact.Dept])+" · "+x.Contact.Date+" "+b.tx.Method(l, x.Contact.Method)))
		}
		sb.WriteString(b.listLines(l, lines))
	}
	if len(d.Unreachable) > 0 {
		sec(b.tx.T(l, "digest.unreachable", "Count", len(d.Unreachable)))
		lines = nil
		for _, p := range d.Unreachable {
			lines = append(lines, "• "+b.tx.T(l, "digest.unreachable_line", "Name", p.Name, "Roles", b.tx.Roles(l, p.Roles),
				"Since", b.tx.Date(p.UnreachableSince), "Reason", shortReason(p.Unreachable)))
		}
		sb.WriteString(b.listLines(l, lines))
	}
	return strings.TrimRight(sb.String(), "\n")
}

// progressBar shows a motion's targets with text bars, each on its own
// line under the item.
func (b *Bot) progressBar(it *deputybot.Item) string {
	if len(it.Targets) == 0 {
		return ""
	}
	var sb strings.Builder
	for _, t := range it.Targets {
		sb.WriteString("\n    " + t.Bar() + " " + texts.Esc(t.Name))
	}
	return sb.String()
}

func shortReason(s string) string {
	if len([]rune(s)) > 80 {
		return string([]rune(s)[:80]) + "…"
	}
	return s
}

func formatScore(f float64) string {
	if f == float64(int(f)) {
		return strconv.Itoa(int(f))
	}
	return fmt.Sprintf("%.1f", f)
}

// leaderDigest lists the items a leader may see (those he leads); false
// if there are none.
func (b *Bot) leaderDigest(l deputybot.Language, p *deputybot.Person, in report.Input) (string, bool) {
	var lines []string
	for _, it := range deputybot.VisibleTo(p, in.Items) {
		if it.Status == deputybot.StatusDraft {
			continue
		}
		s := "• " + b.tx.Line(l, it)
		if d := b.deadlineText(l, in.Env, it); d != "" {
			s += " · " + d
		}
		lines = append(lines, s)
	}
	if len(lines) == 0 {
		return "", false
	}
	return b.tx.T(l, "digest.leader_title", "Count", len(lines)) + "\n" + b.listLines(l, lines), true
}

// departmentDigest lists a department's open items by deadline; false if
// there are none.
func (b *Bot) departmentDigest(l deputybot.Language, p *deputybot.Person, in report.Input) (string, bool) {
	rows := openForDept(in.Items, p.DepartmentID)
	if len(rows) == 0 {
		return "", false
	}
	var lines []string
	for _, r := range rows {
		s := "• " + b.tx.Line(l, r.it)
		if r.co {
			s += " · " + b.tx.T(l, "pending.co")
		}
		lines = append(lines, s+" · "+b.tx.DaysLeft(l, in.Env, r.deadline))
	}
	return b.tx.T(l, "digest.department_title", "Count", len(rows)) + "\n" + b.listLines(l, lines), true
}

// SupervisorDigest renders the supervisors' digest as of now (what
// /digest shows them; the benchmarks measure it).
func (b *Bot) SupervisorDigest(ctx context.Context, l deputybot.Language, now time.Time) (string, error) {
	in, err := b.digestInput(ctx, now, nil)
	if err != nil {
		return "", err
	}
	return b.supervisorDigest(ctx, l, report.ComputeDigest(in), in), nil
}

// --- /digest, /stats, /overdue

func (b *Bot) cmdDigest(ctx context.Context, r *request) {
	in, err := b.digestInput(ctx, r.now, r.person)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	var parts []string
	if r.person.OverseesAll() {
		parts = append(parts, b.supervisorDigest(ctx, r.lang, report.ComputeDigest(in), in))
	}
	if r.person.HasRole(deputybot.RoleLeader) {
		text, ok := b.leaderDigest(r.lang, r.person, in)
		if !ok {
			text = b.tx.T(r.lang, "digest.leader_none")
		}
		parts = append(parts, text)
	}
	b.send(ctx, r.chatID, strings.Join(parts, "\n\n"), nil)
}

// statusOrder is the order statuses are counted in.
var statusOrder = []deputybot.Status{deputybot.StatusSubmitted, deputybot.StatusAssigned, deputybot.StatusInProgress,
	deputybot.StatusReplied, deputybot.StatusRehandling, deputybot.StatusClosed, deputybot.StatusReturned, deputybot.StatusWithdrawn}

// personalDigest computes the current figures over what the person may
// see.
func (b *Bot) personalDigest(ctx context.Context, r *request) (*report.Digest, error) {
	in, err := b.digestInput(ctx, r.now, r.person)
	if err != nil {
		return nil, err
	}
	return report.ComputeDigest(in), nil
}

func (b *Bot) cmdStats(ctx context.Context, r *request) {
	d, err := b.personalDigest(ctx, r)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	l := r.lang
	var sb strings.Builder
	total := 0
	for _, n := range d.ByStatus {
		total += n
	}
	overdue := 0
	for _, xs := range d.Overdue {
		overdue += len(xs)
	}
	sb.WriteString(b.tx.T(l, "stats.title", "Year", d.Year, "Count", total) + "\n")
	for _, s := range statusOrder {
		sb.WriteString(b.tx.T(l, "stats.status_line", "Status", texts.HTML(b.tx.T(l, "status."+string(s))), "Count", d.ByStatus[s]) + "\n")
	}
	sb.WriteString(b.tx.T(l, "stats.deadlines", "Overdue", overdue, "Soon", len(d.DueSoon)) + "\n")
	for _, p := range []deputybot.Period{deputybot.PeriodSession, deputybot.PeriodRecess} {
		sb.WriteString(b.periodLine(l, p, d.Satisfaction[p]) + "\n")
	}
	b.reply(ctx, r, strings.TrimRight(sb.String(), "\n"), nil)
}

func (b *Bot) cmdOverdue(ctx context.Context, r *request) {
	d, err := b.personalDigest(ctx, r)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	l := r.lang
	var lines []string
	count := 0
	for _, ds := range d.Depts {
		xs := d.Overdue[ds.Dept.ID]
		if len(xs) == 0 {
			continue
		}
		count += len(xs)
		lines = append(lines, "<b>"+b.tx.T(l, "digest.dept_overdue", "Dept", ds.Dept.Name, "Count", len(xs))+"</b>")
		for _, x := range xs {
			lines = append(lines, "• "+b.tx.T(l, "digest.item", "Label", texts.HTML(b.tx.Label(l, x.Item)), "Title", x.Item.Title)+" · "+
				b.tx.T(l, "digest.days_overdue", "Days", -x.DaysLeft))
		}
	}
	if count == 0 {
		b.reply(ctx, r, b.tx.T(l, "overdue.none"), nil)
		return
	}
	b.send(ctx, r.chatID, b.tx.T(l, "overdue.title", "Count", count)+"\n"+strings.Join(lines, "\n"), nil)
}
