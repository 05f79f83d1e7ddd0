package report_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/officetest"
	"deputybot/report"
)

// printed converts a document with LibreOffice to PDF, as its reader
// prints it, and returns each page's text and the PDF; the pages'
// pictures go to DEPUTYBOT_SCREENSHOTS if it is set.
func printed(t *testing.T, name string, data []byte) (pages []string, pdf string) {
	t.Helper()
	pdf = officetest.Convert(t, name, data, "pdf", "")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages = strings.Split(strings.TrimRight(string(out), "\f\n"), "\f")
	if shots := os.Getenv("DEPUTYBOT_SCREENSHOTS"); shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
		base := filepath.Join(shots, strings.TrimSuffix(name, filepath.Ext(name)))
		if out, err := exec.CommandContext(ctx, "pdftoppm", "-png", "-r", "90", pdf, base).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
	}
	return pages, pdf
}

// lines are a page's lines, trimmed, the empty ones and the page number
// ("— 1 —") left out.
func lines(page string) []string {
	var out []string
	for _, l := range strings.Split(page, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !pageNumber.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

var pageNumber = regexp.MustCompile(`^—\s*\d+\s*—$`)

// TestReportPrintsAsTheSeed prints the report to the congress, filled
// from the seed's own content, with LibreOffice: its parts come in the
// seed's order, no heading ends a page, no percentage is broken; its
// annex's table keeps "100.00%" on one line.
func TestReportPrintsAsTheSeed(t *testing.T) {
	tx, in := seedYear(t)
	var doc bytes.Buffer
	if err := report.AnnualDocx(tx, in, 2021, deputybot.LangZH, &doc); err != nil {
		t.Fatal(err)
	}
	pages, _ := printed(t, "report-zh.docx", doc.Bytes())
	all := strings.Join(pages, "\n")
	flat := strings.Join(strings.Fields(all), "")
	order := []string{"武昌区人民政府关于", "议案建议办理情况的报告", "——2021年12月14日在武汉市武昌区", "第一次会议上",
		"武昌区人民政府办公室主任", "各位代表：", "受区人民政府委托", "一、议案办理情况", "（一）一号议案办理情况",
		"（二）二号议案办理情况", "二、代表建议办理情况", "三、办理工作主要做法", "（一）夯实责任链条", "（二）优化办理机制",
		"（三）强化督查督办", "人大代表对政府工作提出建议", "在今后的工作中"}
	at := 0
	for _, w := range order {
		i := strings.Index(flat[at:], w)
		if i < 0 {
			t.Fatalf("the printed report lacks %q after %q:\n%s", w, flat[max(0, at-40):at], all)
		}
		at += i + len(w)
	}
	headings := regexp.MustCompile(`^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)`)
	for i, p := range pages {
		ls := lines(p)
		if len(ls) == 0 {
			t.Errorf("page %d is empty", i+1)
			continue
		}
		if last := ls[len(ls)-1]; headings.MatchString(last) && i < len(pages)-1 {
			t.Errorf("page %d ends with the heading %q", i+1, last)
		}
		for _, l := range ls {
			if strings.HasPrefix(l, "%") {
				t.Errorf("page %d: a percentage broken before its %%: %q", i+1, l)
			}
		}
	}
	// The seed's figures, whole.
	for _, w := range []string{"满意的155件，占92.81%", "基本满意12件，占7.19%", "占17.88%（目标302个）"} {
		if !strings.Contains(flat, w) {
			t.Errorf("the printed report lacks %q", w)
		}
	}

	var annex bytes.Buffer
	if err := report.AnnexDocx(tx, in, 2021, deputybot.LangZH, &annex); err != nil {
		t.Fatal(err)
	}
	annexPages, _ := printed(t, "annex-zh.docx", annex.Bytes())
	for i, p := range annexPages {
		for _, l := range lines(p) {
			if l == "%" || strings.Contains(l, " % ") || strings.HasPrefix(l, "%") {
				t.Errorf("annex page %d: %q, a percentage broken in the table", i+1, l)
			}
		}
		if i == 0 && !strings.Contains(p, "100.00%") {
			t.Errorf("annex page 1 has no whole percentage:\n%s", p)
		}
	}

	// English prints too, the annex as well.
	annex.Reset()
	if err := report.AnnexDocx(tx, in, 2021, deputybot.LangEN, &annex); err != nil {
		t.Fatal(err)
	}
	enAnnex, _ := printed(t, "annex-en.docx", annex.Bytes())
	// Whole figures, and header words not broken across lines.
	for _, w := range []string{"100.00%", "Extensions", "Satisfaction", "department", "problems", "Figures as of 2021-12-01. Notes:"} {
		if !strings.Contains(strings.Join(strings.Fields(enAnnex[0]), " "), w) {
			t.Errorf("English annex page 1 lacks %q whole:\n%s", w, enAnnex[0])
		}
	}
	doc.Reset()
	if err := report.AnnualDocx(tx, in, 2021, deputybot.LangEN, &doc); err != nil {
		t.Fatal(err)
	}
	enPages, _ := printed(t, "report-en.docx", doc.Bytes())
	en := strings.Join(enPages, "\n")
	for _, w := range []string{"Fellow deputies,", "1. Motions", "2. Suggestions", "3. How the work was done", "92.81%"} {
		if !strings.Contains(en, w) {
			t.Errorf("the printed English report lacks %q", w)
		}
	}
}

// TestRegisterPrintsOnA4 prints the register of the seed's year (252
// items, some with long titles) with LibreOffice: its first sheet's pages
// are A4 landscape, titled, numbered "第 N 页 共 M 页", the header on each,
// every item on them once, in type a reader can read.
func TestRegisterPrintsOnA4(t *testing.T) {
	tx, in := seedYear(t)
	for i, it := range in.Items {
		if i%7 == 0 {
			it.Title = "关于进一步加强老旧小区加装电梯、停车泊位和无障碍设施建设管理的建议（" + it.Title + "）"
		}
	}
	in.Items[3].Status, in.Items[3].Outcome, in.Items[3].Replies = deputybot.StatusInProgress, "", nil // overdue since April
	var xlsx bytes.Buffer
	n, err := report.Register(tx, in, 2021, deputybot.LangZH, func(string) string { return "张三" }, &xlsx)
	if err != nil || n != 252 {
		t.Fatalf("register: %d items, %v", n, err)
	}
	pages, pdf := printed(t, "register-zh.xlsx", xlsx.Bytes())
	// The print sheet's pages come first; the data sheet's start with its
	// own header.
	var paper []string
	for _, p := range pages {
		if strings.Contains(p, "附议代表") {
			break
		}
		paper = append(paper, p)
	}
	if len(paper) < 3 || len(paper) > 12 {
		t.Fatalf("the print sheet took %d pages", len(paper))
	}
	flat := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if !strings.Contains(flat(paper[0]), "武昌区人民政府2021年人大代表议案建议办理台账") || !strings.Contains(flat(paper[0]), "截至2021年12月1日，共252件") {
		t.Errorf("page 1 has no title or date:\n%s", paper[0])
	}
	seen := map[string]int{}
	label := regexp.MustCompile(`(建议|议案)\s*2021-\d{3}`)
	for i, p := range paper {
		f := flat(p)
		if !strings.Contains(f, "编号标题领衔代表主办单位答复期限状态答复日期超期答复代表评价超期天数") {
			t.Errorf("page %d has no header row:\n%s", i+1, p)
		}
		if !regexp.MustCompile(`第` + strconv.Itoa(i+1) + `页共\d+页`).MatchString(f) {
			t.Errorf("page %d has no page number", i+1)
		}
		for _, m := range label.FindAllString(p, -1) {
			seen[flat(m)]++
		}
	}
	if len(seen) != 252 {
		t.Errorf("%d items on paper, want 252", len(seen))
	}
	for l, k := range seen {
		if k != 1 {
			t.Errorf("%s printed %d times", l, k)
		}
	}
	if !strings.Contains(flat(strings.Join(paper, "")), "（会议期间建议1）") {
		t.Error("a long title is cut")
	}
	info, err := exec.Command("pdfinfo", "-f", "1", "-l", strconv.Itoa(len(paper)), pdf).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(info), "\n") {
		if strings.HasPrefix(l, "Page") && strings.Contains(l, "size:") && !regexp.MustCompile(`size:\s+84[12][.\d]* x 59[56][.\d]* pts \(A4\)`).MatchString(l) {
			t.Errorf("not A4 landscape: %s", l)
		}
	}
	// Type a reader can read: the median height of the words on paper.
	if h := medianWordHeight(t, pdf, len(paper)); h < 9 {
		t.Errorf("the register prints at %.1f pt", h)
	}

	// In English too.
	xlsx.Reset()
	if _, err := report.Register(tx, in, 2021, deputybot.LangEN, func(string) string { return "Zhang San" }, &xlsx); err != nil {
		t.Fatal(err)
	}
	en, _ := printed(t, "register-en.xlsx", xlsx.Bytes())
	if !strings.Contains(en[0], "register of deputies' motions and suggestions, 2021") || !strings.Contains(en[0], "Page 1 of") ||
		!strings.Contains(en[0], "Lead department") {
		t.Errorf("English page 1:\n%s", en[0])
	}
}

// medianWordHeight is the median height, in points, of the words on a
// PDF's first pages.
func medianWordHeight(t *testing.T, pdf string, pages int) float64 {
	t.Helper()
	out, err := exec.Command("pdftotext", "-bbox", "-f", "1", "-l", strconv.Itoa(pages), pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	box := regexp.MustCompile(`<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">`)
	var hs []float64
	for _, m := range box.FindAllStringSubmatch(string(out), -1) {
		y0, _ := strconv.ParseFloat(m[1], 64)
		y1, _ := strconv.ParseFloat(m[2], 64)
		hs = append(hs, y1-y0)
	}
	if len(hs) == 0 {
		t.Fatal("no words")
	}
	slices.Sort(hs)
	return hs[len(hs)/2]
}
