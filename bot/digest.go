package bot

import (
	"context"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/report"
	"deputybot/service"
	"deputybot/telegram"
	"deputybot/texts"
)

// The digests: the supervisors' weekly picture, a leader's items, a
// department's work (service.Renderer), and /digest, /stats, /overdue.

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

// SupervisorDigest implements service.Renderer.
func (b *Bot) SupervisorDigest(ctx context.Context, l deputybot.Language, in deputybot.Snapshot) string {
	d := report.ComputeDigest(in)
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
	for i, ds := range digestDepts(d) {
		lines = append(lines, b.tx.T(l, "digest.dept_row", "N", i+1, "Dept", ds.Dept.Name, "Open", ds.Open, "Overdue", ds.Overdue,
			"OnTime", b.percent(l, ds.OnTimeRate()), "Satisfaction", b.percent(l, ds.SatisfactionRate()), "Logged", ds.ContactsLogged,
			"Confirmed", ds.ContactsConfirmed, "Score", report.FormatScore(ds.Score)))
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

// LeaderDigest implements service.Renderer.
func (b *Bot) LeaderDigest(ctx context.Context, l deputybot.Language, in deputybot.Snapshot) string {
	var lines []string
	for _, it := range in.Items {
		s := "• " + b.tx.Line(l, it)
		if d := b.deadlineText(l, in.Env, it); d != "" {
			s += " · " + d
		}
		lines = append(lines, s)
	}
	return b.tx.T(l, "digest.leader_title", "Count", len(lines)) + "\n" + b.listLines(l, lines)
}

// DepartmentDigest implements service.Renderer.
func (b *Bot) DepartmentDigest(ctx context.Context, l deputybot.Language, work []service.Work, e deputybot.Env) string {
	var lines []string
	for _, w := range work {
		lines = append(lines, "• "+b.workLine(l, w, e))
	}
	return b.tx.T(l, "digest.department_title", "Count", len(work)) + "\n" + b.listLines(l, lines)
}

// workLine is an item a department has a part of, with the part's
// deadline.
func (b *Bot) workLine(l deputybot.Language, w service.Work, e deputybot.Env) string {
	s := b.tx.Line(l, w.Item)
	switch w.Part.Kind {
	case deputybot.PartOpinion:
		s += " · " + b.tx.T(l, "pending.co")
	case deputybot.PartRectify:
		// The item may be closed: what is due is the corrected reply.
		s += " · " + b.tx.T(l, "pending.rectify")
	}
	return s + " · " + b.tx.DaysLeft(l, e, w.Part.Deadline)
}

// digestDepts are the departments of the digest's table, numbered in
// this order there and in its picture: those that led items this year.
func digestDepts(d *report.Digest) []*report.DeptStats {
	var out []*report.DeptStats
	for _, ds := range d.Depts {
		if ds.Handled > 0 {
			out = append(out, ds)
		}
	}
	return out
}

// SupervisorChart implements service.Renderer: the departments' on-time
// rate, satisfaction and overdue items as a picture, each department by
// its number in the digest's table, named in the caption.
func (b *Bot) SupervisorChart(ctx context.Context, l deputybot.Language, in deputybot.Snapshot) *deputybot.OutboxMessage {
	depts := digestDepts(report.ComputeDigest(in))
	if len(depts) == 0 {
		return nil
	}
	img, err := report.DeptChartPNG(depts)
	if err != nil {
		b.log.Error("digest chart", "err", err)
		return nil
	}
	var names []string
	for i, ds := range depts[:min(len(depts), report.MaxChartDepts)] {
		names = append(names, strconv.Itoa(i+1)+" "+texts.Esc(ds.Dept.Name))
	}
	caption := b.tx.T(l, "digest.chart_caption", "Depts", texts.HTML(strings.Join(names, " · ")))
	return &deputybot.OutboxMessage{Method: telegram.MethodPhoto, File: img, FileName: "departments.png",
		Text: telegram.Truncate(caption, telegram.MaxCaptionLen)}
}

// --- /digest, /stats, /overdue

func (b *Bot) cmdDigest(ctx context.Context, r *request) {
	in, err := b.svc.Snapshot(ctx, r.now, r.person)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	var parts []string
	var chart *deputybot.OutboxMessage
	if r.person.OverseesAll() {
		parts = append(parts, b.SupervisorDigest(ctx, r.lang, in))
		chart = b.SupervisorChart(ctx, r.lang, in)
	}
	if r.person.HasRole(deputybot.RoleLeader) {
		text := b.tx.T(r.lang, "digest.leader_none")
		if mine := service.LeaderSnapshot(in, r.person); len(mine.Items) > 0 {
			text = b.LeaderDigest(ctx, r.lang, mine)
		}
		parts = append(parts, text)
	}
	b.send(ctx, r.chatID, strings.Join(parts, "\n\n"), nil)
	if chart != nil {
		m := *chart
		m.ChatID, m.PersonID, m.Kind = r.chatID, telegram.AnswerTo(ctx, r.chatID), "answer"
		b.post(ctx, []deputybot.OutboxMessage{m})
	}
}

// statusOrder is the order statuses are counted in.
var statusOrder = []deputybot.Status{deputybot.StatusSubmitted, deputybot.StatusAssigned, deputybot.StatusInProgress,
	deputybot.StatusReplied, deputybot.StatusRehandling, deputybot.StatusClosed, deputybot.StatusReturned, deputybot.StatusWithdrawn}

// personalDigest computes the current figures over what the person may
// see.
func (b *Bot) personalDigest(ctx context.Context, r *request) (*report.Digest, error) {
	in, err := b.svc.Snapshot(ctx, r.now, r.person)
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

// percent writes a rate for people: "95.00%", or "暂无" when there is
// nothing to count yet (no reply due, no item closed).
func (b *Bot) percent(l deputybot.Language, r string) string { return report.FormatRate(b.tx, l, r) }
