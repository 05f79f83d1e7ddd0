package report

import (
	"fmt"
	"html"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/texts"
)

// Report formats.
const (
	FormatHTML     = "html"     // in chat
	FormatMarkdown = "markdown" // the file, and `deputybot report --format markdown`
	FormatText     = "text"
	FormatDocx     = "docx" // a Word document the office edits and prints (docx.go)
	FormatWeb      = "web"  // a web page's HTML (the public site)
)

// doc writes one document in a format, escaping what people typed. A
// Word document is kept as blocks of plain text until it is written.
type doc struct {
	format string
	sb     strings.Builder
	blocks []block
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "|", `\|`, "#", `\#`, "<", `\<`, ">", `\>`)

// arg is user text as a message argument: escaped for the format, then
// for HTML (the texts are HTML until the document is converted).
func (d *doc) arg(s string) texts.HTML {
	if d.format == FormatMarkdown {
		s = mdEscaper.Replace(s)
	}
	return texts.HTML(html.EscapeString(s))
}

// text converts our HTML message text (from the message files, with user
// parts already escaped) to the format.
func (d *doc) text(h string) string {
	if d.format == FormatHTML || d.format == FormatWeb {
		return h
	}
	return texts.Plain(h)
}

func (d *doc) heading(level int, h string) {
	switch d.format {
	case FormatDocx:
		d.blocks = append(d.blocks, block{kind: blockHeading, level: level, text: texts.Plain(h)})
	case FormatWeb:
		tag := fmt.Sprintf("h%d", level)
		d.sb.WriteString("<" + tag + ">" + h + "</" + tag + ">\n")
	case FormatHTML:
		d.sb.WriteString("\n<b>" + h + "</b>\n")
	case FormatMarkdown:
		d.sb.WriteString("\n" + strings.Repeat("#", level) + " " + texts.Plain(h) + "\n\n")
	default:
		t := texts.Plain(h)
		d.sb.WriteString("\n" + t + "\n")
		if level == 1 {
			d.sb.WriteString(strings.Repeat("=", len([]rune(t))*2) + "\n")
		}
	}
}

func (d *doc) para(h string) {
	switch d.format {
	case FormatDocx:
		d.blocks = append(d.blocks, block{kind: blockPara, text: texts.Plain(h)})
		return
	case FormatWeb:
		d.sb.WriteString("<p>" + h + "</p>\n")
		return
	}
	d.sb.WriteString(d.text(h) + "\n")
}

func (d *doc) item(h string) {
	switch d.format {
	case FormatDocx:
		d.blocks = append(d.blocks, block{kind: blockItem, text: texts.Plain(h)})
		return
	case FormatWeb:
		d.sb.WriteString(`<p class="li">` + h + "</p>\n")
		return
	case FormatMarkdown:
		d.sb.WriteString("- " + d.text(h) + "\n")
		return
	}
	d.sb.WriteString("• " + d.text(h) + "\n")
}

// table writes rows; in chat and text one line per row, in Markdown and
// Word a table.
func (d *doc) table(headers []string, rows [][]string, line func(row []string) string) {
	if d.format == FormatDocx {
		b := block{kind: blockTable, rows: [][]string{headers}}
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, c := range r {
				cells[i] = texts.Plain(c)
			}
			b.rows = append(b.rows, cells)
		}
		d.blocks = append(d.blocks, b)
		return
	}
	if d.format == FormatWeb {
		d.sb.WriteString("<table><thead><tr>")
		for _, h := range headers {
			d.sb.WriteString("<th>" + html.EscapeString(h) + "</th>")
		}
		d.sb.WriteString("</tr></thead><tbody>\n")
		for _, r := range rows {
			d.sb.WriteString("<tr>")
			for i, c := range r {
				class := ` class="num"`
				if i == 0 {
					class = ""
				}
				d.sb.WriteString("<td" + class + ">" + c + "</td>")
			}
			d.sb.WriteString("</tr>\n")
		}
		d.sb.WriteString("</tbody></table>\n")
		return
	}
	if d.format != FormatMarkdown {
		for _, r := range rows {
			d.item(line(r))
		}
		return
	}
	d.sb.WriteString("| " + strings.Join(headers, " | ") + " |\n|" + strings.Repeat("---|", len(headers)) + "\n")
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = plainCell(c)
		}
		d.sb.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	d.sb.WriteString("\n")
}

// plainCell is a table cell: our HTML converted, user text already
// escaped for Markdown by arg.
func plainCell(s string) string { return texts.Plain(s) }

// RenderAnnual renders the annual handling report of year, in the seed
// report's form and wording, in lang and format, from the record in (as
// of in.Env.Now).
func RenderAnnual(tx *texts.Texts, in deputybot.Snapshot, year int, l deputybot.Language, format string) string {
	d := &doc{format: format}
	renderAnnual(d, tx, in, year, l)
	return strings.TrimSpace(d.sb.String()) + "\n"
}

// renderAnnual writes the annual report into d.
func renderAnnual(d *doc, tx *texts.Texts, in deputybot.Snapshot, year int, l deputybot.Language) {
	a := ComputeAnnual(in, year)
	t := func(id string, args ...any) string { return tx.T(l, id, args...) }
	whole := in.Scope.Whole()
	d.heading(1, annualTitle(tx, in, year, l))
	d.para(t("annual.as_of", "Date", tx.Date(in.Env.Now)))

	// One: motions.
	d.heading(2, t("annual.motions_head"))
	session := in.Env.Rules.CongressSession
	switch {
	case len(a.Motions) == 0:
		d.para(t("annual.motions_none", "Year", year))
	case session != "":
		d.para(t("annual.motions_count_session", "Year", year, "Session", session, "Count", len(a.Motions)))
	default:
		d.para(t("annual.motions_count", "Year", year, "Count", len(a.Motions)))
	}
	for i, m := range a.Motions {
		d.heading(3, t("annual.motion", "N", i+1, "Label", texts.HTML(tx.Label(l, m)), "Title", d.arg(m.Title)))
		if m.Status == deputybot.StatusClosed {
			d.para(t("annual.motion_closed", "Dept", d.arg(in.DeptName(m.LeadDept)), "Outcome", texts.HTML(t("rating."+string(m.Outcome)))))
		} else {
			d.para(t("annual.motion_handling", "Dept", d.arg(in.DeptName(m.LeadDept)), "Status", texts.HTML(tx.Status(l, m))))
		}
		for _, tg := range m.Targets {
			d.item(t("annual.target", "Name", d.arg(tg.Name), "Bar", tg.Bar(), "Unit", d.arg(tg.Unit)))
		}
	}

	// Two: suggestions, by period, as the seed writes them.
	d.heading(2, t("annual.suggestions_head"))
	for i, p := range a.Periods {
		d.para(periodSentence(tx, l, year, p, i == 0))
	}

	// Three: departments. Scores compare departments over the whole
	// district: a document of one person's items has none.
	d.heading(2, t("annual.depts_head"))
	if len(a.Depts) == 0 {
		d.para(t("digest.none"))
	}
	cols := []Figure{FigHandled, FigReplied, FigOnTime, FigLate, FigOverdue, FigExtensions, FigSatisfactionRate}
	if whole {
		cols = append(cols, FigContacts, FigFlags, FigScore)
	}
	headers := []string{texts.Plain(t("annual.dept_col"))}
	for _, f := range cols {
		headers = append(headers, texts.Plain(Label(tx, l, f)))
	}
	var rows [][]string
	for _, ds := range a.Depts {
		row := []string{string(d.arg(ds.Dept.Name))}
		for _, f := range cols {
			row = append(row, DeptCell(tx, l, ds, f))
		}
		rows = append(rows, row)
	}
	d.table(headers, rows, func(r []string) string {
		parts := make([]string, len(cols))
		for i, f := range cols {
			parts[i] = t("annual.dept_cell", "Figure", texts.HTML(Label(tx, l, f)), "Value", texts.HTML(r[i+1]))
		}
		return t("annual.dept_line", "Dept", texts.HTML(r[0]), "Cells", texts.HTML(strings.Join(parts, t("fig.note_sep"))))
	})

	// Four: quality review.
	d.heading(2, t("annual.quality_head"))
	if a.All.FlagTotal == 0 {
		d.para(t("annual.quality_none"))
	} else {
		var parts []string
		for _, c := range deputybot.FlagCategories {
			if n := a.All.Flags[c]; n > 0 {
				parts = append(parts, t("annual.quality_part", "Category", texts.HTML(t("flag."+string(c))), "Count", n))
			}
		}
		d.para(t("annual.quality", "Kinds", len(parts), "Count", a.All.FlagTotal, "Parts", texts.HTML(strings.Join(parts, t("list.sep"))),
			"Fixed", a.All.FlagsFixed))
	}

	// Five: overdue and extensions.
	d.heading(2, t("annual.deadlines_head"))
	d.para(t("annual.deadlines", "Overdue", a.All.Overdue, "Late", a.All.Late, "Ext", a.All.Extensions, "ExtItems", a.All.Extended))
	if a.Returned+a.Withdrawn+a.Waiting > 0 {
		d.para(t("annual.others", "Returned", a.Returned, "Withdrawn", a.Withdrawn, "Submitted", a.Waiting))
	}
	notes := []Figure{FigShares, FigSatisfactionRate, FigOnTimeRate}
	if whole {
		notes = append(notes, FigScore)
	}
	d.para(Notes(tx, l, notes...))
}

// Label is a figure's name (SPEC §10: one name, one figure).
func Label(tx *texts.Texts, l deputybot.Language, f Figure) string { return tx.T(l, "fig."+string(f)) }

// Notes says what the figures divide: "注：满意率（含基本满意）＝…；…。"
func Notes(tx *texts.Texts, l deputybot.Language, figs ...Figure) string {
	parts := make([]string, len(figs))
	for i, f := range figs {
		parts[i] = tx.T(l, "fig."+string(f)+"_note")
	}
	return tx.T(l, "fig.notes") + strings.Join(parts, tx.T(l, "fig.note_sep")) + tx.T(l, "annual.end")
}

// DeptCell is one of a department's figures of the year, as a table
// shows it.
func DeptCell(tx *texts.Texts, l deputybot.Language, ds *DeptStats, f Figure) string {
	y := &ds.Year
	switch f {
	case FigHandled:
		return strconv.Itoa(y.Handled)
	case FigReplied:
		return strconv.Itoa(y.Replied)
	case FigOnTime:
		return strconv.Itoa(y.OnTime)
	case FigLate:
		return strconv.Itoa(y.Late)
	case FigOverdue:
		return strconv.Itoa(y.Overdue)
	case FigExtensions:
		return strconv.Itoa(y.Extensions)
	case FigSatisfactionRate:
		return FormatRate(tx, l, y.Outcomes.SatisfactionRate())
	case FigOnTimeRate:
		return FormatRate(tx, l, y.OnTimeRate())
	case FigContacts:
		return fmt.Sprintf("%d/%d", y.ContactsLogged, y.ContactsConfirmed)
	case FigFlags:
		return strconv.Itoa(y.FlagTotal)
	case FigScore:
		return FormatScore(ds.Score)
	case FigOpenNow:
		return strconv.Itoa(ds.OpenNow)
	case FigOverdueNow:
		return strconv.Itoa(ds.OverdueNow)
	case FigOpinionsLate:
		return strconv.Itoa(ds.OpinionsLate)
	}
	return ""
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

// FormatRate writes a rate as a percentage, or says in words that
// there is nothing to divide yet (暂无 / no data yet).
func FormatRate(tx *texts.Texts, l deputybot.Language, r string) string {
	if r == NoRate {
		return tx.T(l, "digest.no_data")
	}
	return r + "%"
}

// periodSentence is "2021年，承办会议期间代表建议167件，全部办复完毕。其中：
// 代表对办理工作满意的155件，占92.81%；基本满意12件，占7.19%。"
//
// Only the first period's sentence names the year; a rating with no item
// is left out; shares are of the rated items, and items not rated in
// time are said apart.
func periodSentence(tx *texts.Texts, l deputybot.Language, year int, p PeriodTally, first bool) string {
	t := func(id string, args ...any) string { return tx.T(l, id, args...) }
	period := texts.HTML(t("annual.period_" + string(p.Period)))
	if !first {
		if p.Handled == 0 {
			return t("annual.period_none_again", "Period", period)
		}
	} else if p.Handled == 0 {
		return t("annual.period_none", "Year", year, "Period", period)
	}
	s := t("annual.period_handled_again", "Period", period, "Count", p.Handled)
	if first {
		s = t("annual.period_handled", "Year", year, "Period", period, "Count", p.Handled)
	}
	if p.Closed == p.Handled {
		s += t("annual.all_done")
	} else {
		s += t("annual.replied_open", "Replied", p.Replied, "Open", p.Handled-p.Closed)
	}
	o := p.Outcomes
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
		lead := t("annual.of_which")
		if o.Rated() != p.Handled {
			lead = t("annual.of_rated", "Count", o.Rated())
		}
		s += lead + strings.Join(parts, t("annual.share_sep")) + t("annual.end")
	}
	if o.Unrated > 0 {
		s += t("annual.unrated", "Count", o.Unrated)
	}
	return s
}

// FormatScore writes a score without a needless decimal: "96", "97.5".
func FormatScore(f float64) string {
	if f == float64(int(f)) {
		return strconv.Itoa(int(f))
	}
	return fmt.Sprintf("%.1f", f)
}
