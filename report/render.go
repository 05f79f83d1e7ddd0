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

// Version is which document of a year's handling is made.
type Version int

const (
	// Congress: the report to the congress, in the seed's form, with its
	// parts for the office to edit marked as drafts.
	Congress Version = iota
	// Public: its facts, for the public site (no drafts).
	Public
	// Annex: the departments' figures with their scores and contacts,
	// for the office only.
	Annex
)

// doc writes one document in a format, escaping what people typed. A
// Word document is kept as blocks of plain text until it is written.
// Headings are numbered as a 公文 numbers them: 一、（一）1.（1）.
type doc struct {
	format string
	lang   deputybot.Language
	sb     strings.Builder
	blocks []block
	num    [5]int // the headings' counters, by level
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "|", `\|`, "#", `\#`, "<", `\<`, ">", `\>`)

// arg is user text as a message argument: escaped for the format, then
// for HTML (the texts are HTML until the document is converted).
func (d *doc) arg(s string) texts.HTML {
	switch d.format {
	case FormatMarkdown:
		s = mdEscaper.Replace(s)
	case FormatWeb:
		return texts.HTML(texts.EscIn(d.lang, s))
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

func (d *doc) add(b block) { d.blocks = append(d.blocks, b) }

// title is the document's title.
func (d *doc) title(h string) {
	switch d.format {
	case FormatDocx:
		d.add(block{kind: blockTitle, text: texts.Plain(h)})
	case FormatWeb:
		d.sb.WriteString("<h1>" + h + "</h1>\n")
	case FormatHTML:
		d.sb.WriteString("<b>" + h + "</b>\n")
	case FormatMarkdown:
		d.sb.WriteString("# " + texts.Plain(h) + "\n\n")
	default:
		t := texts.Plain(h)
		d.sb.WriteString(t + "\n" + strings.Repeat("=", len([]rune(t))*2) + "\n")
	}
}

// centered is a line under the title (the venue, the reporter).
func (d *doc) centered(h string) {
	switch d.format {
	case FormatDocx:
		d.add(block{kind: blockCentered, text: texts.Plain(h)})
	case FormatWeb:
		d.sb.WriteString(`<p class="center">` + h + "</p>\n")
	case FormatMarkdown:
		d.sb.WriteString("*" + texts.Plain(h) + "*\n\n")
	default:
		d.sb.WriteString(d.text(h) + "\n")
	}
}

// plain is a paragraph without the first line's indent ("各位代表：").
func (d *doc) plain(h string) {
	if d.format == FormatDocx {
		d.add(block{kind: blockPlain, text: texts.Plain(h)})
		return
	}
	d.para(h)
}

// numberOf is the number of a heading of level: 一、（一）1.（1） in
// Chinese, 1. (1) (a) (i) in English.
func (d *doc) numberOf(level int) string {
	d.num[level]++
	for l := level + 1; l < len(d.num); l++ {
		d.num[l] = 0
	}
	n := d.num[level]
	if d.lang == deputybot.LangEN {
		switch level {
		case 1:
			return strconv.Itoa(n) + ". "
		case 2:
			return "(" + strconv.Itoa(n) + ") "
		case 3:
			return "(" + string(rune('a'+n-1)) + ") "
		}
		return "(" + romanSmall(n) + ") "
	}
	switch level {
	case 1:
		return ChineseNumeral(n) + "、"
	case 2:
		return "（" + ChineseNumeral(n) + "）"
	case 3:
		return strconv.Itoa(n) + "."
	}
	return "（" + strconv.Itoa(n) + "）"
}

// heading is a numbered heading of level 1 to 4.
func (d *doc) heading(level int, h string) {
	h = d.numberOf(level) + h
	switch d.format {
	case FormatDocx:
		d.add(block{kind: blockHeading, level: level, text: texts.Plain(h)})
	case FormatWeb:
		tag := fmt.Sprintf("h%d", level+1)
		d.sb.WriteString("<" + tag + ">" + h + "</" + tag + ">\n")
	case FormatHTML:
		d.sb.WriteString("\n<b>" + h + "</b>\n")
	case FormatMarkdown:
		d.sb.WriteString("\n" + strings.Repeat("#", level+1) + " " + texts.Plain(h) + "\n\n")
	default:
		d.sb.WriteString("\n" + texts.Plain(h) + "\n")
	}
}

func (d *doc) para(h string) {
	switch d.format {
	case FormatDocx:
		d.add(block{kind: blockPara, text: texts.Plain(h)})
		return
	case FormatWeb:
		d.sb.WriteString("<p>" + h + "</p>\n")
		return
	case FormatMarkdown:
		d.sb.WriteString(d.text(h) + "\n\n")
		return
	}
	d.sb.WriteString(d.text(h) + "\n")
}

// draft is a paragraph the office is to edit: marked so in every format
// (highlighted in the Word document).
func (d *doc) draft(h string) {
	switch d.format {
	case FormatDocx:
		d.add(block{kind: blockDraft, text: texts.Plain(h)})
	case FormatWeb:
		d.sb.WriteString(`<p class="draft">` + h + "</p>\n")
	case FormatHTML:
		d.sb.WriteString("<i>" + h + "</i>\n")
	case FormatMarkdown:
		d.sb.WriteString("> " + d.text(h) + "\n\n")
	default:
		d.sb.WriteString("✏️ " + d.text(h) + "\n")
	}
}

func (d *doc) item(h string) {
	switch d.format {
	case FormatDocx:
		d.add(block{kind: blockItem, text: texts.Plain(h)})
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
		d.add(b)
		return
	}
	if d.format == FormatWeb {
		// On a phone a row becomes a card, each cell under its header.
		d.sb.WriteString(`<table class="cards"><thead><tr>`)
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
				label := ""
				if i < len(headers) {
					label = ` data-label="` + html.EscapeString(headers[i]) + `"`
				}
				d.sb.WriteString("<td" + class + label + ">" + c + "</td>")
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
			cells[i] = texts.Plain(c)
		}
		d.sb.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	d.sb.WriteString("\n")
}

// ChineseNumeral writes 1 to 99 as 一, 十二, 二十, 九十九.
func ChineseNumeral(n int) string {
	digits := []string{"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n <= 0 || n > 99:
		return strconv.Itoa(n)
	case n < 10:
		return digits[n]
	case n == 10:
		return "十"
	case n < 20:
		return "十" + digits[n-10]
	case n%10 == 0:
		return digits[n/10] + "十"
	}
	return digits[n/10] + "十" + digits[n%10]
}

func romanSmall(n int) string {
	r := []string{"", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"}
	if n > 0 && n < len(r) {
		return r[n]
	}
	return strconv.Itoa(n)
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
	switch f {
	case FigScore:
		return FormatScore(ds.Score)
	case FigOpenNow:
		return strconv.Itoa(ds.OpenNow)
	case FigOverdueNow:
		return strconv.Itoa(ds.OverdueNow)
	case FigOpinionsLate:
		return strconv.Itoa(ds.OpinionsLate)
	}
	return TallyCell(tx, l, &ds.Year, f)
}

// QualityFigures are the figures of what handling achieved beyond its
// timeliness: the handling's rating, problems solved, contacts met and
// followed up. Every output that shows them shows these, in this order.
var QualityFigures = []Figure{FigAttitudeRate, FigDoneRate, FigFaceRate, FigFollowUpRate}

// QualityLine is a tally's QualityFigures in one line: "态度满意率80.00% ·
// 办成率…".
func QualityLine(tx *texts.Texts, l deputybot.Language, y *Tally) string {
	parts := make([]string, len(QualityFigures))
	for i, f := range QualityFigures {
		parts[i] = tx.T(l, "annual.dept_cell", "Figure", texts.HTML(Label(tx, l, f)), "Value", texts.HTML(TallyCell(tx, l, y, f)))
	}
	return strings.Join(parts, " · ")
}

// SameIssueLine says how many items were handled together and how many
// issues were raised three years in a row ("并案办理2组5件；连续三年提出的
// 问题1个"); "" when neither.
func SameIssueLine(tx *texts.Texts, l deputybot.Language, y *Tally) string {
	var parts []string
	if groups, items := y.Groups(); groups > 0 {
		parts = append(parts, tx.T(l, "annual.same_issue_groups", "Groups", groups, "Items", items))
	}
	if three := y.ThreeYears(); three > 0 {
		parts = append(parts, tx.T(l, "annual.same_issue_three", "Three", three))
	}
	return strings.Join(parts, tx.T(l, "annual.same_issue_sep"))
}

// TallyCell is one of a tally's figures as a table shows it.
func TallyCell(tx *texts.Texts, l deputybot.Language, y *Tally, f Figure) string {
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
	case FigSatisfactionRate, FigOnTimeRate, FigAttitudeRate, FigDoneRate, FigFaceRate, FigFollowUpRate:
		return FormatRate(tx, l, y.RateOf(f))
	case FigContacts:
		return fmt.Sprintf("%d/%d", y.ContactsLogged, y.ContactsConfirmed)
	case FigFlags:
		return strconv.Itoa(y.FlagTotal)
	}
	return ""
}

// FormatRate writes a rate as a percentage, or says in words that
// there is nothing to divide yet (暂无 / no data yet).
func FormatRate(tx *texts.Texts, l deputybot.Language, r string) string {
	if r == NoRate {
		return tx.T(l, "digest.no_data")
	}
	return r + "%"
}

// FormatScore writes a score without a needless decimal: "96", "97.5".
func FormatScore(f float64) string {
	if f == float64(int(f)) {
		return strconv.Itoa(int(f))
	}
	return fmt.Sprintf("%.1f", f)
}

// TargetDone says how far a motion's target has come, in words and
// figures: "完成改造老旧小区已完成120个，占39.74%（目标302个）".
func TargetDone(tx *texts.Texts, l deputybot.Language, t deputybot.Target) string {
	return TargetDoneAs(tx, l, t, texts.HTML(texts.Esc(t.Name)), texts.HTML(texts.Esc(t.Unit)))
}

// TargetDoneAs is TargetDone with the target's name and unit as the
// page writes them (marked Chinese on an English page).
func TargetDoneAs(tx *texts.Texts, l deputybot.Language, t deputybot.Target, name, unit texts.HTML) string {
	if t.Qualitative {
		if t.Met() {
			return tx.T(l, "annual.target_met", "Name", name)
		}
		return tx.T(l, "annual.target_not_met", "Name", name)
	}
	return tx.T(l, "annual.target_done", "Name", name, "Done", t.Done, "Unit", unit, "Goal", t.Goal, "Pct", Rate(min(t.Done, t.Goal), t.Goal))
}

// Targets lists a motion's targets, numbered, a line each, in the same
// words as the report: "1. 新增停车泊位已完成54个，占17.88%（目标302个）".
func Targets(tx *texts.Texts, l deputybot.Language, ts []deputybot.Target) string {
	lines := make([]string, len(ts))
	for i, t := range ts {
		lines[i] = tx.T(l, "target.line", "N", t.N, "Done", texts.HTML(TargetDone(tx, l, t)))
	}
	return strings.Join(lines, "\n")
}
