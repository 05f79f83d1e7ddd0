package report

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"unicode"

	"deputybot"
	"deputybot/texts"
)

// Charts are drawn on the server as SVG inside the page: they need no
// script, print as they show, and read the same figures as the tables.

// Bar is one bar of a chart: a label, a value from 0 to the chart's
// maximum, and the text shown at its end ("87.50%", "3").
type Bar struct {
	Label string
	Value float64
	Text  string
}

// Chart is a titled horizontal bar chart.
type Chart struct {
	Title string
	Max   float64
	Bars  []Bar
}

// Chart geometry, shared by the SVG and the PNG renderings.
const (
	chartWidth  = 640
	chartLabelW = 200
	chartBarW   = 340
	chartRowH   = 24
	chartTop    = 30
)

// Height is the chart's height in pixels.
func (c Chart) Height() int { return chartTop + chartRowH*max(1, len(c.Bars)) + 10 }

func (c Chart) barWidth(v float64) int {
	if c.Max <= 0 || v <= 0 {
		return 0
	}
	return int(float64(chartBarW)*min(v, c.Max)/c.Max + 0.5)
}

// SVG draws the chart as a figure; every label is escaped.
func (c Chart) SVG() string { return c.Figure("") }

// Figure draws the chart and puts extra (HTML: its data as a table) under
// it in the figure. A label with Chinese characters says so (lang), for
// the English pages.
func (c Chart) Figure(extra string) string {
	var b strings.Builder
	h := c.Height()
	fmt.Fprintf(&b, `<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		chartWidth, h, chartWidth, h, html.EscapeString(c.Title))
	fmt.Fprintf(&b, `<text x="0" y="18" class="t">%s</text>`, html.EscapeString(c.Title))
	for i, bar := range c.Bars {
		y := chartTop + i*chartRowH
		lang := ""
		if strings.IndexFunc(bar.Label, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0 {
			lang = ` lang="zh-CN"`
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end"%s>%s</text>`, chartLabelW-8, y+16, lang, texts.Esc(clip(bar.Label, 14)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" class="bg"/>`, chartLabelW, y+4, chartBarW, chartRowH-8)
		if w := c.barWidth(bar.Value); w > 0 {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" class="bar"/>`, chartLabelW, y+4, w, chartRowH-8)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`, chartLabelW+chartBarW+8, y+16, html.EscapeString(bar.Text))
	}
	b.WriteString(`</svg>` + extra + `</figure>`)
	return b.String()
}

// clip shortens a label to n characters.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// percentValue reads a rate ("87.50") as a number; no rate is 0.
func percentValue(r string) float64 {
	f, err := strconv.ParseFloat(r, 64)
	if err != nil {
		return 0
	}
	return f
}

// DeptCharts are the charts of departments' figures of a year: on-time
// rate, satisfaction rate, overdue.
func DeptCharts(tx *texts.Texts, l deputybot.Language, stats []*DeptStats) []Chart {
	ontime := Chart{Title: Label(tx, l, FigOnTimeRate), Max: 100}
	sat := Chart{Title: Label(tx, l, FigSatisfactionRate), Max: 100}
	overdue := Chart{Title: Label(tx, l, FigOverdue)}
	text := func(r string) string { return FormatRate(tx, l, r) }
	for _, d := range stats {
		y := &d.Year
		ontime.Bars = append(ontime.Bars, Bar{Label: d.Dept.Name, Value: percentValue(y.OnTimeRate()), Text: text(y.OnTimeRate())})
		sat.Bars = append(sat.Bars, Bar{Label: d.Dept.Name, Value: percentValue(y.Outcomes.SatisfactionRate()), Text: text(y.Outcomes.SatisfactionRate())})
		overdue.Bars = append(overdue.Bars, Bar{Label: d.Dept.Name, Value: float64(y.Overdue), Text: strconv.Itoa(y.Overdue)})
		overdue.Max = max(overdue.Max, float64(y.Overdue))
	}
	return []Chart{ontime, sat, overdue}
}
