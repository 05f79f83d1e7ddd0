package public

import (
	"strconv"
	"strings"
	"time"

	"deputybot"
	"deputybot/report"
	"deputybot/texts"
)

// charts are a page's charts: the departments' (stats given), and the
// items assigned by month (of one department, or all).
func (w *writer) charts(stats []*report.DeptStats, y int, dept string) string {
	var b strings.Builder
	if len(stats) > 0 {
		for _, c := range report.DeptCharts(w.tx, w.l, stats) {
			b.WriteString(w.chart(c, w.t("pub.col_dept")))
		}
	}
	var months [12]int
	loc := w.s.o.Rules.Location
	for _, it := range w.m.items {
		if it.Year != y || it.AssignedAt.IsZero() || (dept != "" && it.LeadDept != dept) {
			continue
		}
		if a := it.AssignedAt.In(loc); a.Year() == y {
			months[a.Month()-1]++
		}
	}
	m := report.Chart{Title: w.t("pub.chart_months")}
	for i, n := range months {
		var month any = i + 1 // 3月
		if w.l == deputybot.LangEN {
			month = time.Month(i + 1).String()[:3] // Mar
		}
		m.Bars = append(m.Bars, report.Bar{Label: w.t("pub.month", "Month", month), Value: float64(n), Text: strconv.Itoa(n)})
		m.Max = max(m.Max, float64(n))
	}
	b.WriteString(w.chart(m, w.t("pub.col_month")))
	return b.String()
}

// chart is a chart with its figures as a table under it, for a reader
// who cannot see the picture or wants the full names and numbers.
func (w *writer) chart(c report.Chart, labelHead string) string {
	var b strings.Builder
	b.WriteString(`<details><summary>` + w.t("pub.chart_data") + `</summary><table class="data"><caption>` + texts.Esc(c.Title) +
		`</caption><thead><tr><th scope="col">` + labelHead + `</th><th scope="col">` + texts.Esc(c.Title) + `</th></tr></thead><tbody>`)
	for _, bar := range c.Bars {
		b.WriteString(`<tr><th scope="row"` + w.langOf(bar.Label) + `>` + texts.Esc(bar.Label) + `</th><td class="num">` + texts.Esc(bar.Text) + `</td></tr>`)
	}
	b.WriteString(`</tbody></table></details>`)
	return c.Figure(b.String())
}
