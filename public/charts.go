package public

import (
	"strconv"
	"strings"
	"time"

	"deputybot"
	"deputybot/report"
)

// charts are a page's charts: the departments' (stats given), and the
// items assigned by month (of one department, or all).
func (w *writer) charts(stats []*report.DeptStats, y int, dept string) string {
	var b strings.Builder
	if len(stats) > 0 {
		for _, c := range report.DeptCharts(w.tx, w.l, stats) {
			b.WriteString(c.SVG())
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
	b.WriteString(m.SVG())
	return b.String()
}
