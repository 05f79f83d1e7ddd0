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
	return b.cutLines(l, lines, len(lines))
}

// cutLines renders the lines of a list of total (the lines are its first
// ones, at most digestListMax of them shown) and says how many more.
func (b *Bot) cutLines(l deputybot.Language, lines []string, total int) string {
	lines = lines[:min(len(lines), digestListMax)]
	if total > len(lines) {
		lines = append(lines[:len(lines):len(lines)], b.tx.T(l, "digest.more", "Count", total-len(lines)))
	}
	return strings.Join(lines, "\n")
}

// outcomesLine writes the ratings of closed items as the annual report
// does: "办结27件，已评价25件：满意24件，占96.00%；基本满意1件，占4.00%；
// 逾期未评价2件".
func (b *Bot) outcomesLine(l deputybot.Language, t *report.Tally) string {
	o := t.Outcomes
	if t.Closed == 0 {
		return b.tx.T(l, "digest.no_ratings")
	}
	s := b.tx.T(l, "digest.closed_count", "Count", t.Closed, "Rated", o.Rated())
	var parts []string
	if o.Rated() > 0 {
		pct := o.Shares()
		for i, r := range []struct {
			v deputybot.RatingValue
			n int
		}{{deputybot.Satisfied, o.Satisfied}, {deputybot.Basic, o.Basic}, {deputybot.Unsatisfied, o.Unsatisfied}} {
			if r.n > 0 || i == 0 {
				parts = append(parts, b.tx.T(l, "digest.share", "Rating", texts.HTML(b.tx.T(l, "rating."+string(r.v))), "Count", r.n, "Pct", pct[i]))
			}
		}
	}
	if o.Unrated > 0 {
		parts = append(parts, b.tx.T(l, "digest.unrated", "Count", o.Unrated))
	}
	return s + strings.Join(parts, b.tx.T(l, "digest.share_sep"))
}

// ratingLines are this year's ratings: the suggestions of each period,
// then the motions, as the seed report counts them.
func (b *Bot) ratingLines(l deputybot.Language, periods map[deputybot.Period]*report.Tally, motions *report.Tally) string {
	var lines []string
	for _, p := range []deputybot.Period{deputybot.PeriodSession, deputybot.PeriodRecess} {
		lines = append(lines, b.tx.T(l, "digest.period_line", "Period", texts.HTML(b.tx.T(l, "digest.period_"+string(p))),
			"Line", texts.HTML(b.outcomesLine(l, periods[p]))))
	}
	if motions.Handled > 0 {
		lines = append(lines, b.tx.T(l, "digest.period_line", "Period", texts.HTML(b.tx.T(l, "digest.motions")),
			"Line", texts.HTML(b.outcomesLine(l, motions))))
	}
	return strings.Join(lines, "\n")
}

// SupervisorDigest implements service.Renderer: the digest's text and
// its picture, from one computation of its figures.
func (b *Bot) SupervisorDigest(ctx context.Context, l deputybot.Language, in deputybot.Snapshot) (string, *deputybot.OutboxMessage) {
	d := report.ComputeDigest(in)
	return b.digestText(l, in, d), b.digestChart(l, d)
}

// digestText writes the supervisors' digest.
func (b *Bot) digestText(l deputybot.Language, in deputybot.Snapshot, d *report.Digest) string {
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
		lines = append(lines, line(x.Item, texts.Esc(depts[x.Dept])+" · "+b.tx.Due(l, e, x.Duty)))
	}
	sb.WriteString(b.listLines(l, lines))

	sec(b.tx.T(l, "digest.overdue", "Figure", texts.HTML(report.Label(b.tx, l, report.FigOverdueNow)), "Count", d.OverdueCount))
	if d.OverdueCount == 0 {
		sb.WriteString(b.tx.T(l, "digest.none"))
	}
	overdue, total := b.overdueLines(l, e, d, line, digestListMax)
	sb.WriteString(b.cutLines(l, overdue, total))
	if len(d.OpinionsOverdue) > 0 {
		sec(b.tx.T(l, "digest.opinions_overdue", "Count", len(d.OpinionsOverdue)))
		lines = nil
		for _, x := range d.OpinionsOverdue {
			lines = append(lines, line(x.Item, texts.Esc(depts[x.Dept])+" · "+b.tx.Due(l, e, x.Duty)))
		}
		sb.WriteString(b.listLines(l, lines))
	}

	sec(b.tx.T(l, "digest.satisfaction", "Year", d.Year))
	sb.WriteString(b.ratingLines(l, d.Periods, &d.Motions))

	sb.WriteString("\n" + b.tx.T(l, "digest.quality", "Line", texts.HTML(report.QualityLine(b.tx, l, &d.All))))
	if line := report.SameIssueLine(b.tx, l, &d.All); line != "" {
		sb.WriteString("\n" + b.tx.T(l, "digest.same_issue", "Line", texts.HTML(line)))
	}

	sec(b.tx.T(l, "digest.departments", "Year", d.Year))
	lines = nil
	cells := []report.Figure{report.FigOpenNow, report.FigOverdueNow, report.FigOnTimeRate, report.FigSatisfactionRate, report.FigContacts, report.FigScore}
	for i, ds := range digestDepts(d) {
		var parts []string
		for _, f := range cells {
			parts = append(parts, b.tx.T(l, "annual.dept_cell", "Figure", texts.HTML(report.Label(b.tx, l, f)),
				"Value", texts.HTML(report.DeptCell(b.tx, l, ds, f))))
		}
		lines = append(lines, b.tx.T(l, "digest.dept_row", "N", i+1, "Dept", ds.Dept.Name, "Cells", texts.HTML(strings.Join(parts, " · "))))
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
			return b.tx.Status(l, it) + b.targetsDone(l, it)
		}},
		{"digest.promises", d.Promises, func(it *deputybot.Item) string { return texts.Esc(depts[it.LeadDept]) }},
		{"digest.contacts_missing", d.ContactsMissing, func(it *deputybot.Item) string {
			lacks := b.contactLacks(l, it.MissingContacts(&b.opts.Rules))
			return texts.Esc(depts[it.LeadDept]) + " · " + b.tx.T(l, "card.contacts_lack", "List", texts.HTML(strings.Join(lacks, b.tx.T(l, "list.sep"))))
		}},
		{"digest.unkept", d.Unkept, func(it *deputybot.Item) string {
			var ps []string
			for _, p := range it.UnkeptPromises() {
				ps = append(ps, b.tx.T(l, "digest.unkept_promise", "What", p.What, "Due", p.Due,
					"State", texts.HTML(b.tx.T(l, "promise."+string(p.Answer)))))
			}
			return texts.Esc(depts[it.LeadDept]) + " · " + strings.Join(ps, b.tx.T(l, "list.sep"))
		}},
		{"digest.flags", d.OpenFlags, func(it *deputybot.Item) string {
			f := it.OpenFlag()
			s := texts.Esc(depts[it.LeadDept]) + " · " + b.tx.T(l, "flag."+string(f.Category))
			for _, du := range it.OpenDuties() {
				if du.Kind == deputybot.DutyRectify && du.Flag == f.N {
					s += " · " + b.tx.Due(l, e, du)
				}
			}
			return s
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
			extra := texts.Esc(depts[x.Contact.Dept]) + " · " + x.Contact.Date + " " + b.tx.Method(l, x.Contact.Method)
			if x.Contact.Dispute != "" {
				extra += " · " + b.tx.T(l, "note.dispute_reason", "Reason", x.Contact.Dispute)
			}
			lines = append(lines, line(x.Item, extra))
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
	if len(d.Unstaffed) > 0 {
		// Placed before the notes: what nobody in a department hears.
		sec(b.tx.T(l, "digest.unstaffed", "Count", len(d.Unstaffed)))
		lines = nil
		for _, u := range d.Unstaffed {
			lines = append(lines, "• "+b.tx.T(l, "digest.unstaffed_line", "Dept", u.Dept.Name, "Open", u.Open))
		}
		sb.WriteString(b.listLines(l, lines))
	}
	notes := append([]report.Figure{report.FigShares, report.FigSatisfactionRate, report.FigOnTimeRate}, report.QualityFigures...)
	sb.WriteString("\n\n" + report.Notes(b.tx, l, append(notes, report.FigScore)...))
	return strings.TrimRight(sb.String(), "\n")
}

// overdueLines lists the items overdue now, by department, most overdue
// first (the digest, /overdue): the first max lines (0: all) of total.
func (b *Bot) overdueLines(l deputybot.Language, e deputybot.Env, d *report.Digest, line func(*deputybot.Item, string) string, max int) (lines []string, total int) {
	add := func(f func() string) {
		if max == 0 || total < max {
			lines = append(lines, f())
		}
		total++
	}
	for _, ds := range d.Depts {
		xs := d.Overdue[ds.Dept.ID]
		if len(xs) == 0 {
			continue
		}
		add(func() string { return b.tx.T(l, "digest.dept_overdue", "Dept", ds.Dept.Name, "Count", len(xs)) })
		for _, x := range xs {
			add(func() string {
				what := b.tx.T(l, "digest.days_overdue", "Days", e.DaysOverdue(x.Duty))
				if x.Kind == deputybot.DutyRectify {
					what = b.tx.T(l, "pending.rectify") + " · " + what
				}
				return "  " + line(x.Item, what)
			})
		}
	}
	return lines, total
}

// targetsDone shows a motion's targets in words, each on its own line
// under the item.
func (b *Bot) targetsDone(l deputybot.Language, it *deputybot.Item) string {
	var sb strings.Builder
	for _, t := range it.Targets {
		sb.WriteString("\n    " + report.TargetDone(b.tx, l, t))
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
	switch w.Duty.Kind {
	case deputybot.DutyOpinion:
		s += " · " + b.tx.T(l, "pending.co")
	case deputybot.DutyRectify:
		// The item may be closed: what is due is the corrected reply.
		s += " · " + b.tx.T(l, "pending.rectify")
	}
	return s + " · " + b.tx.Due(l, e, w.Duty)
}

// digestDepts are the departments of the digest's table, numbered in
// this order there and in its picture: those that led items this year.
func digestDepts(d *report.Digest) []*report.DeptStats {
	var out []*report.DeptStats
	for _, ds := range d.Depts {
		if ds.Year.Handled > 0 || ds.OpenNow > 0 {
			out = append(out, ds)
		}
	}
	return out
}

// digestChart is the departments' on-time rate, satisfaction and overdue
// items as a picture that stands alone (titled, every department named,
// a legend); its caption is its title, and names any department whose
// name the picture could not draw.
func (b *Bot) digestChart(l deputybot.Language, d *report.Digest) *deputybot.OutboxMessage {
	depts := digestDepts(d)
	if len(depts) == 0 {
		return nil
	}
	pic, err := report.DigestChartPNG(b.tx, l, d, depts)
	if err != nil {
		b.log.Error("digest chart", "err", err)
		return nil
	}
	caption := texts.Esc(pic.Title)
	if len(pic.Numbered) > 0 {
		var names []string
		for i := range depts {
			if name, ok := pic.Numbered[i+1]; ok {
				names = append(names, strconv.Itoa(i+1)+". "+texts.Esc(name))
			}
		}
		caption += "\n" + b.tx.T(l, "digest.chart_numbered", "List", texts.HTML(strings.Join(names, b.tx.T(l, "list.sep"))))
	}
	return &deputybot.OutboxMessage{Method: telegram.MethodPhoto, File: pic.PNG, FileName: "departments.png",
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
		var text string
		text, chart = b.SupervisorDigest(ctx, r.lang, in)
		parts = append(parts, text)
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
	sb.WriteString(b.tx.T(l, "stats.title", "Year", d.Year, "Count", total) + "\n")
	for _, s := range statusOrder {
		sb.WriteString(b.tx.T(l, "stats.status_line", "Status", texts.HTML(b.tx.T(l, "status."+string(s))), "Count", d.ByStatus[s]) + "\n")
	}
	sb.WriteString(b.tx.T(l, "stats.deadlines", "Figure", texts.HTML(report.Label(b.tx, l, report.FigOverdueNow)),
		"Overdue", d.OverdueCount, "Soon", len(d.DueSoon)) + "\n")
	sb.WriteString(b.ratingLines(l, d.Periods, &d.Motions) + "\n")
	sb.WriteString(report.Notes(b.tx, l, report.FigShares))
	b.reply(ctx, r, sb.String(), nil)
}

func (b *Bot) cmdOverdue(ctx context.Context, r *request) {
	d, err := b.personalDigest(ctx, r)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	l := r.lang
	if d.OverdueCount == 0 {
		b.reply(ctx, r, b.tx.T(l, "overdue.none"), nil)
		return
	}
	line := func(it *deputybot.Item, extra string) string {
		return "• " + b.tx.T(l, "digest.item", "Label", texts.HTML(b.tx.Label(l, it)), "Title", it.Title) + " · " + extra
	}
	lines, _ := b.overdueLines(l, d.Env, d, line, 0)
	b.send(ctx, r.chatID, b.tx.T(l, "overdue.title", "Figure", texts.HTML(report.Label(b.tx, l, report.FigOverdueNow)),
		"Count", d.OverdueCount)+"\n"+strings.Join(lines, "\n"), nil)
}

// percent writes a rate for people: "95.00%", or "暂无" when there is
// nothing to count yet (no reply due, no item closed).
func (b *Bot) percent(l deputybot.Language, r string) string { return report.FormatRate(b.tx, l, r) }
