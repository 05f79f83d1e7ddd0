package report

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"deputybot"
	"deputybot/texts"
)

// The annual report to the congress, in the form of the seed's report
// (关于…议案建议办理情况的报告): its title, the date-and-venue line, the
// reporter, "各位代表：", the opening; 一、议案办理情况 with each motion its
// own subsection from its record; 二、代表建议办理情况 in the seed's
// sentences; 三、办理工作主要做法 and the closing paragraph as drafts the
// office edits, with the facts of the record filled in. The departments'
// figures, scores and contacts are an annex for the office. Every format
// (chat, Markdown, text, Word, web) is written from this one function.

// RenderAnnual renders the report to the congress on year, in lang and
// format, from the record in (as of in.Env.Now).
func RenderAnnual(tx *texts.Texts, in deputybot.Snapshot, year int, l deputybot.Language, format string) string {
	return RenderAnnualVersion(tx, in, year, l, format, Congress)
}

// RenderAnnualVersion renders one version of the year's handling: the
// report to the congress, its public part, or the annex.
func RenderAnnualVersion(tx *texts.Texts, in deputybot.Snapshot, year int, l deputybot.Language, format string, v Version) string {
	d := &doc{format: format, lang: l}
	renderVersion(d, tx, in, year, l, v)
	return strings.TrimSpace(d.sb.String()) + "\n"
}

func renderVersion(d *doc, tx *texts.Texts, in deputybot.Snapshot, year int, l deputybot.Language, v Version) {
	a := ComputeAnnual(in, year)
	r := annualWriter{d: d, tx: tx, in: in, l: l, a: a, year: year}
	if v == Annex {
		r.annex()
		return
	}
	r.front(v)
	r.motions()
	r.suggestions()
	if v == Congress && in.Scope.Whole() {
		r.practices()
		r.closing()
	}
	r.notes()
}

// annualWriter writes the parts of the report.
type annualWriter struct {
	d    *doc
	tx   *texts.Texts
	in   deputybot.Snapshot
	l    deputybot.Language
	a    *Annual
	year int
}

func (r *annualWriter) t(id string, args ...any) string { return r.tx.T(r.l, id, args...) }

// bodyForms are the reporting body as the seed names it: in full in the
// title (武昌区人民政府), as 区人民政府 where it acts, as 区政府 in the
// suggestions' sentences. Without one, a Chinese sentence goes without
// it; an English one says "the government".
func bodyForms(body string, l deputybot.Language) (mid, short string) {
	if l == deputybot.LangEN && body == "" {
		return "the government", "the government"
	}
	if l != deputybot.LangZH || body == "" {
		return body, body
	}
	if i := strings.Index(body, "人民政府"); i > 0 {
		level := []rune(body[:i])
		unit := string(level[len(level)-1])
		return unit + "人民政府", unit + "政府"
	}
	return body, body
}

// date writes a date as the report does: 2021年12月14日, 14 December 2021.
func (r *annualWriter) date(d deputybot.Date) string { return LongDate(r.l, d) }

// LongDate writes a date as documents do: 2021年12月14日, 14 December 2021.
func LongDate(l deputybot.Language, d deputybot.Date) string {
	if l == deputybot.LangEN {
		return strconv.Itoa(d.Day) + " " + d.Month.String() + " " + strconv.Itoa(d.Year)
	}
	return strconv.Itoa(d.Year) + "年" + strconv.Itoa(int(d.Month)) + "月" + strconv.Itoa(d.Day) + "日"
}

// subject is what is reported on: the session's items, or the year's.
func (r *annualWriter) subject() texts.HTML {
	if s := r.in.Env.Rules.CongressSession; s != "" {
		return r.d.arg(s)
	}
	return texts.HTML(r.t("annual.subject_year", "Year", r.year))
}

// front: the title, the date-and-venue line, the reporter, the address
// and the opening.
func (r *annualWriter) front(v Version) {
	rules := r.in.Env.Rules
	r.d.title(annualTitle(r.tx, r.in, r.year, r.l))
	if v != Congress || !r.in.Scope.Whole() {
		return
	}
	if rules.ReportVenue != "" {
		day := rules.ReportDate
		if day == (deputybot.Date{}) {
			day = deputybot.DateOf(r.in.Env.Now, rules.Location)
		}
		r.d.centered(r.t("annual.venue", "Date", r.date(day), "Venue", r.d.arg(rules.ReportVenue)))
	}
	if rules.Reporter != "" {
		r.d.centered(string(r.d.arg(rules.Reporter)))
	}
	r.d.plain(r.t("annual.dear"))
	mid, _ := bodyForms(rules.ReportingBody, r.l)
	if mid != "" {
		r.d.para(r.t("annual.opening_by", "Body", r.d.arg(mid), "Subject", r.subject()))
	} else {
		r.d.para(r.t("annual.opening", "Subject", r.subject()))
	}
}

// ordinal is a motion's number as the seed says it: 一号, No. 1.
func (r *annualWriter) ordinal(n int) string {
	if r.l == deputybot.LangEN {
		return strconv.Itoa(n)
	}
	return ChineseNumeral(n)
}

// motions: 一、议案办理情况, each motion its own subsection.
func (r *annualWriter) motions() {
	r.d.heading(1, r.t("annual.motions_head"))
	if len(r.a.Motions) == 0 {
		r.d.para(r.t("annual.motions_none", "Year", r.year))
		return
	}
	mid, _ := bodyForms(r.in.Env.Rules.ReportingBody, r.l)
	var named []string
	for i, m := range r.a.Motions {
		named = append(named, r.t("annual.motion_named", "Ordinal", r.ordinal(i+1), "Title", r.d.arg(m.Title)))
	}
	intro := "annual.motions_intro"
	if r.in.Env.Rules.CongressSession != "" {
		intro += "_session"
	}
	r.d.para(r.t(intro, "Year", r.year, "Body", r.d.arg(mid), "Subject", r.subject(), "Count", len(r.a.Motions),
		"List", texts.HTML(strings.Join(named, r.t("list.sep_comma")))))
	for i, m := range r.a.Motions {
		r.d.heading(2, r.t("annual.motion_head", "Ordinal", r.ordinal(i+1)))
		r.motion(m)
	}
}

// motion writes one motion from its record: what it asks and its
// targets, who handles it, what was done (the replies and progress
// reports), how far the targets came, the deputy's rating.
func (r *annualWriter) motion(m *deputybot.Item) {
	det := r.in.Details[m.ID]
	if det != nil && strings.TrimSpace(det.Body) != "" {
		r.d.para(r.t("annual.motion_requirement", "Text", r.d.arg(oneLine(det.Body))))
	}
	if len(m.Targets) > 0 {
		var ts []string
		for _, t := range m.Targets {
			if t.Qualitative {
				ts = append(ts, r.t("annual.motion_target_text", "Name", r.d.arg(t.Name)))
				continue
			}
			ts = append(ts, r.t("annual.motion_target", "Name", r.d.arg(t.Name), "Goal", t.Goal, "Unit", r.d.arg(t.Unit)))
		}
		r.d.para(r.t("annual.motion_targets", "List", texts.HTML(strings.Join(ts, r.t("annual.share_sep")))))
	}
	who := []string{r.t("annual.motion_lead", "Dept", r.d.arg(r.in.DeptName(m.LeadDept)))}
	if len(m.CoDepts) > 0 {
		var cs []string
		for _, c := range m.CoDepts {
			cs = append(cs, string(r.d.arg(r.in.DeptName(c.Dept))))
		}
		who = append(who, r.t("annual.motion_co", "Depts", texts.HTML(strings.Join(cs, r.t("list.sep")))))
	}
	if name := r.in.Names[m.LeaderID]; m.LeaderID != "" && name != "" {
		who = append(who, r.t("annual.motion_leader", "Name", r.d.arg(name)))
	}
	if m.Key {
		who = append(who, r.t("annual.motion_key"))
	}
	r.d.para(strings.Join(who, r.t("annual.share_sep")) + r.t("annual.end"))
	r.d.para(r.t("annual.motion_measures"))
	done := false
	if det != nil {
		type entry struct {
			at   time.Time
			text string
		}
		var es []entry
		for _, rt := range det.Replies {
			if !rt.Correction && det.CurrentReplyText(rt.Round) != nil {
				cur := det.CurrentReplyText(rt.Round)
				es = append(es, entry{rt.At, r.t("annual.motion_reply", "Date", r.date(deputybot.DateOf(rt.At, r.in.Env.Rules.Location)),
					"Dept", r.d.arg(r.in.DeptName(m.LeadDept)), "Class", texts.HTML(r.t("class."+string(cur.Class))), "Text", r.d.arg(oneLine(cur.Text)))})
			}
		}
		for _, p := range det.Progress {
			es = append(es, entry{p.At, r.t("annual.motion_progress", "Date", r.date(deputybot.DateOf(p.At, r.in.Env.Rules.Location)),
				"Text", r.d.arg(oneLine(p.Text)))})
		}
		slices.SortStableFunc(es, func(a, b entry) int { return a.at.Compare(b.at) })
		for _, e := range es {
			r.d.para(e.text)
			done = true
		}
	}
	if !done {
		if d, ok := m.ReplyDuty(); ok {
			r.d.para(r.t("annual.motion_none_yet", "Due", texts.HTML(r.tx.Due(r.l, r.in.Env, d))))
		}
	}
	if len(m.Targets) > 0 {
		var ts []string
		for _, t := range m.Targets {
			ts = append(ts, TargetDoneAs(r.tx, r.l, t, r.d.arg(t.Name), r.d.arg(t.Unit)))
		}
		r.d.para(r.t("annual.motion_targets_done", "List", texts.HTML(strings.Join(ts, r.t("annual.share_sep")))))
	}
	if m.Status == deputybot.StatusClosed && m.Outcome != "" {
		r.d.para(r.t("annual.motion_rated", "Rating", texts.HTML(r.t("rating."+string(m.Outcome)))))
	}
}

// oneLine joins a text's lines (a paragraph of the report).
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// suggestions: 二、代表建议办理情况, in the seed's sentences.
func (r *annualWriter) suggestions() {
	r.d.heading(1, r.t("annual.suggestions_head"))
	var sb strings.Builder
	for i, p := range r.a.Periods {
		sb.WriteString(periodSentence(r.tx, r.l, r.in.Env.Rules, r.year, p, i == 0))
	}
	r.d.para(sb.String())
}

// practices: 三、办理工作主要做法, a draft with the record's facts.
func (r *annualWriter) practices() {
	rules := r.in.Env.Rules
	all := &r.a.All
	r.d.heading(1, r.t("annual.practices_head"))
	r.d.draft(r.t("annual.draft"))
	leaders := map[string]bool{}
	led, key, public := 0, 0, 0
	for _, it := range r.in.Items {
		if !InYear(it, r.year) || !it.Handled() {
			continue
		}
		if it.LeaderID != "" {
			leaders[it.LeaderID] = true
			led++
		}
		if it.Key {
			key++
		}
		if rules.Disclosure.Enabled && it.Public() {
			for _, rp := range it.Replies {
				if it.ReplyPublic(rp.Round) {
					public++
				}
			}
		}
	}
	mid, _ := bodyForms(rules.ReportingBody, r.l)
	if mid == "" {
		mid = r.t("annual.the_government")
	}
	r.d.heading(2, r.t("annual.practice_duty_head"))
	var lead texts.HTML
	if len(leaders) > 0 {
		lead = texts.HTML(r.t("annual.practice_leaders", "Leaders", len(leaders), "Led", led))
	}
	r.d.draft(r.t("annual.practice_duty", "Body", r.d.arg(mid), "Leaders", lead))
	r.d.heading(2, r.t("annual.practice_mechanism_head"))
	mechanism := r.t("annual.practice_mechanism", "Contacts", all.ContactsLogged, "Confirmed", all.ContactsConfirmed)
	if all.Extended > 0 {
		mechanism += r.t("annual.practice_extended", "Count", all.Extended)
	}
	if all.Replied > 0 {
		mechanism += r.t("annual.practice_quality", "Count", all.Replied, "Line", texts.HTML(QualityLine(r.tx, r.l, all)))
	}
	if line := SameIssueLine(r.tx, r.l, all); line != "" {
		mechanism += r.t("annual.practice_same_issue", "Line", texts.HTML(line))
	}
	r.d.draft(mechanism)
	r.d.heading(2, r.t("annual.practice_supervision_head"))
	var parts []string
	if all.FlagTotal > 0 {
		parts = append(parts, r.t("annual.supervision_quality", "Kinds", len(all.Flags), "Count", all.FlagTotal,
			"Parts", texts.HTML(r.flagParts()), "Fixed", all.FlagsFixed))
	} else {
		parts = append(parts, r.t("annual.supervision_quality_none"))
	}
	if key > 0 {
		parts = append(parts, r.t("annual.supervision_key", "Count", key))
	} else {
		parts = append(parts, r.t("annual.supervision_key_none"))
	}
	if public > 0 {
		parts = append(parts, r.t("annual.supervision_public", "Count", public))
	} else {
		parts = append(parts, r.t("annual.supervision_public_none"))
	}
	r.d.draft(r.sentences(parts...))
}

// sentences joins sentences as the language does: Chinese ones end with
// their full stop, English ones have a space between.
func (r *annualWriter) sentences(parts ...string) string {
	if r.l == deputybot.LangZH {
		return strings.Join(parts, "")
	}
	return strings.Join(parts, " ")
}

// flagParts are the quality review's findings by category: "避重就轻1个、…".
func (r *annualWriter) flagParts() string {
	var parts []string
	for _, c := range deputybot.FlagCategories {
		if n := r.a.All.Flags[c]; n > 0 {
			parts = append(parts, r.t("annual.quality_part", "Category", texts.HTML(r.t("flag."+string(c))), "Count", n))
		}
	}
	return strings.Join(parts, r.t("list.sep"))
}

// closing: the problems and the next steps, a draft with the record's
// facts.
func (r *annualWriter) closing() {
	all := &r.a.All
	noContact := 0
	for _, it := range r.in.Items {
		if InYear(it, r.year) && it.Handled() {
			for _, rp := range it.Replies {
				if rp.NoContact {
					noContact++
				}
			}
		}
	}
	var problems []string
	switch {
	case all.Late > 0 && all.Overdue > 0:
		problems = append(problems, r.t("annual.problem_late", "Late", all.Late, "Overdue", all.Overdue))
	case all.Late > 0:
		problems = append(problems, r.t("annual.problem_late_only", "Late", all.Late))
	case all.Overdue > 0:
		problems = append(problems, r.t("annual.problem_overdue_only", "Overdue", all.Overdue))
	}
	if noContact > 0 {
		problems = append(problems, r.t("annual.problem_contact", "Count", noContact))
	}
	switch {
	case all.FlagTotal > 0 && all.Outcomes.Unsatisfied > 0:
		problems = append(problems, r.t("annual.problem_quality", "Flags", all.FlagTotal, "Unsatisfied", all.Outcomes.Unsatisfied))
	case all.FlagTotal > 0:
		problems = append(problems, r.t("annual.problem_flags", "Flags", all.FlagTotal))
	case all.Outcomes.Unsatisfied > 0:
		problems = append(problems, r.t("annual.problem_unsatisfied", "Unsatisfied", all.Outcomes.Unsatisfied))
	}
	if len(problems) == 0 {
		problems = append(problems, r.t("annual.problem_general"))
	}
	for i := range problems {
		problems[i] = r.t("annual.problem_n", "N", r.nth(i+1), "Text", texts.HTML(problems[i]))
	}
	r.d.draft(r.t("annual.closing", "Year", r.year, "Problems", texts.HTML(strings.Join(problems, r.t("annual.problem_sep")))))
}

// nth is "一", "二" in Chinese; "first", "second" in English.
func (r *annualWriter) nth(n int) string {
	if r.l == deputybot.LangEN {
		words := []string{"", "first", "second", "third", "fourth", "fifth"}
		if n < len(words) {
			return words[n]
		}
		return strconv.Itoa(n)
	}
	return ChineseNumeral(n)
}

// notes: what the figures divide, and as of when.
func (r *annualWriter) notes() {
	notes := []Figure{FigShares, FigSatisfactionRate}
	if r.a.All.Replied > 0 {
		notes = append(notes, QualityFigures...)
	}
	r.d.para(r.sentences(r.t("annual.as_of", "Date", r.tx.Date(r.in.Env.Now)), Notes(r.tx, r.l, notes...)))
}

// annex: the departments' figures with their scores and contacts, the
// quality review, overdue and extended items: for the office.
func (r *annualWriter) annex() {
	a, whole := r.a, r.in.Scope.Whole()
	r.d.title(r.t("annual.annex_title", "Year", r.year))
	r.d.centered(r.t("annual.annex_for"))
	r.d.heading(1, r.t("annual.depts_head"))
	if len(a.Depts) == 0 {
		r.d.para(r.t("digest.none"))
	}
	cols := []Figure{FigHandled, FigReplied, FigOnTime, FigLate, FigOverdue, FigExtensions, FigSatisfactionRate, FigOpinionsLate}
	if whole {
		cols = append(cols, FigContacts, FigFlags, FigScore)
	}
	r.deptTable(cols)
	r.d.heading(1, r.t("annual.depts_quality_head"))
	r.deptTable(QualityFigures)
	r.d.heading(1, r.t("annual.quality_head"))
	if a.All.FlagTotal == 0 {
		r.d.para(r.t("annual.quality_none"))
	} else {
		r.d.para(r.t("annual.quality", "Kinds", len(a.All.Flags), "Count", a.All.FlagTotal, "Parts", texts.HTML(r.flagParts()),
			"Fixed", a.All.FlagsFixed))
	}
	r.d.heading(1, r.t("annual.deadlines_head"))
	r.d.para(r.t("annual.deadlines", "Overdue", a.All.Overdue, "Late", a.All.Late, "Ext", a.All.Extensions, "ExtItems", a.All.Extended))
	if a.Returned+a.Withdrawn+a.Waiting > 0 {
		r.d.para(r.t("annual.others", "Returned", a.Returned, "Withdrawn", a.Withdrawn, "Submitted", a.Waiting))
	}
	notes := append([]Figure{FigOnTimeRate, FigSatisfactionRate}, QualityFigures...)
	if whole {
		notes = append(notes, FigScore)
	}
	r.d.para(r.sentences(r.t("annual.as_of", "Date", r.tx.Date(r.in.Env.Now)), Notes(r.tx, r.l, notes...)))
}

// deptTable is a table of the departments' figures cols: a row each (a
// line each where the output has no tables).
func (r *annualWriter) deptTable(cols []Figure) {
	headers := []string{texts.Plain(r.t("annual.dept_col"))}
	for _, f := range cols {
		headers = append(headers, texts.Plain(Label(r.tx, r.l, f)))
	}
	var rows [][]string
	for _, ds := range r.a.Depts {
		row := []string{string(r.d.arg(ds.Dept.Name))}
		for _, f := range cols {
			row = append(row, DeptCell(r.tx, r.l, ds, f))
		}
		rows = append(rows, row)
	}
	cell := r.t("annual.dept_cell", "Figure", "\x00", "Value", "\x01")
	sep := r.t("fig.note_sep")
	r.d.table(headers, rows, func(row []string) string {
		parts := make([]string, len(cols))
		for i := range cols {
			parts[i] = strings.NewReplacer("\x00", headers[i+1], "\x01", row[i+1]).Replace(cell)
		}
		return r.t("annual.dept_line", "Dept", texts.HTML(row[0]), "Cells", texts.HTML(strings.Join(parts, sep)))
	})
}

// annualTitle is the report's heading: by the reporting body when one is
// configured, and about what was handled since the congress session when
// one is named (as the seed's report: 关于区十五届人大六次会议以来议案建议
// 办理情况的报告), else about the year. A report of one person's items
// says so: it is not the district's.
func annualTitle(tx *texts.Texts, in deputybot.Snapshot, year int, l deputybot.Language) string {
	r := in.Env.Rules
	if !in.Scope.Whole() {
		return tx.T(l, "annual.title_scoped", "Name", in.Scope.Person, "Year", year)
	}
	id := "annual.title"
	if r.CongressSession != "" {
		id = "annual.title_session"
	}
	if r.ReportingBody != "" {
		id += "_by"
	}
	return tx.T(l, id, "Body", r.ReportingBody, "Session", r.CongressSession, "Year", year)
}

// periodSentence is one period's suggestions in the seed's words:
// "2021年，区政府承办区十五届人大六次会议期间代表建议167件，全部办复完毕。
// 其中：代表对办理工作满意的155件，占92.81%；基本满意12件，占7.19%。", then
// "承办闭会期间代表建议83件，代表对办理工作满意的73件，占87.95%；…。"
//
// Only the first period's sentence names the year and the body; a rating
// with no item is left out; shares are of the rated items, and items not
// rated in time are said apart.
func periodSentence(tx *texts.Texts, l deputybot.Language, rules *deputybot.Rules, year int, p PeriodTally, first bool) string {
	t := func(id string, args ...any) string { return tx.T(l, id, args...) }
	_, short := bodyForms(rules.ReportingBody, l)
	var period texts.HTML
	switch {
	case p.Period == deputybot.PeriodSession && rules.CongressSession != "":
		period = texts.HTML(t("annual.period_session_named", "Session", rules.CongressSession))
	default:
		period = texts.HTML(t("annual.period_" + string(p.Period)))
	}
	if p.Handled == 0 {
		if first {
			return t("annual.period_none", "Year", year, "Body", short, "Period", period)
		}
		return t("annual.period_none_again", "Period", period)
	}
	s := t("annual.period_handled_again", "Period", period, "Count", p.Handled)
	if first {
		s = t("annual.period_handled", "Year", year, "Body", short, "Period", period, "Count", p.Handled)
	}
	o := p.Outcomes
	allRated := p.Closed == p.Handled && o.Rated() == p.Handled
	switch {
	case allRated && first:
		s += t("annual.all_done_of_which")
	case allRated:
		// As the seed: the second period goes on with its ratings.
	case p.Closed == p.Handled:
		s += t("annual.all_done")
	default:
		s += t("annual.replied_open", "Replied", p.Replied, "Open", p.Handled-p.Closed)
	}
	if o.Rated() > 0 {
		pc := o.Shares()
		var parts []string
		if o.Satisfied > 0 {
			parts = append(parts, t("annual.share_satisfied", "Count", o.Satisfied, "Pct", pc[0]))
		}
		if o.Basic > 0 {
			parts = append(parts, t("annual.share", "Rating", texts.HTML(t("rating.basic")), "Count", o.Basic, "Pct", pc[1]))
		}
		if o.Unsatisfied > 0 {
			parts = append(parts, t("annual.share", "Rating", texts.HTML(t("rating.unsatisfied")), "Count", o.Unsatisfied, "Pct", pc[2]))
		}
		if !allRated {
			s += t("annual.of_rated", "Count", o.Rated())
		}
		s += strings.Join(parts, t("annual.share_sep")) + t("annual.end")
	}
	if o.Unrated > 0 {
		s += t("annual.unrated", "Count", o.Unrated)
	}
	return s
}
