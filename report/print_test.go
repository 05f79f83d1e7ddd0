package report_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/report"
)

// tools finds LibreOffice and Poppler. CI installs them (.ci/run); a
// developer without them is told so, and CI without them fails.
func tools(t *testing.T) (soffice string) {
	t.Helper()
	var missing []string
	for _, name := range []string{"soffice", "pdftotext", "pdftoppm"} {
		p, err := exec.LookPath(name)
		if err != nil {
			missing = append(missing, name)
		}
		if name == "soffice" {
			soffice = p
		}
	}
	if len(missing) == 0 {
		return soffice
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("no %v: .ci/run installs Debian's libreoffice-writer, libreoffice-calc and poppler-utils", missing)
	}
	t.Skipf("no %v on this machine (apt-get install libreoffice-writer libreoffice-calc poppler-utils): documents are printed by CI", missing)
	return ""
}

// printed converts a document with LibreOffice to PDF, as its reader
// prints it, and returns each page's text; the pages' pictures go to
// DEPUTYBOT_SCREENSHOTS if it is set.
func printed(t *testing.T, name string, data []byte) []string {
	t.Helper()
	soffice := tools(t)
	dir := t.TempDir()
	src := filepath.Join(dir, name)
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// A profile of its own: two conversions at once must not share one.
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "pdf", "--outdir", dir, src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("LibreOffice: %v\n%s", err, out)
	}
	pdf := strings.TrimSuffix(src, filepath.Ext(src)) + ".pdf"
	out, err := exec.CommandContext(ctx, "pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(strings.TrimRight(string(out), "\f\n"), "\f")
	if shots := os.Getenv("DEPUTYBOT_SCREENSHOTS"); shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
		base := filepath.Join(shots, strings.TrimSuffix(name, filepath.Ext(name)))
		if out, err := exec.CommandContext(ctx, "pdftoppm", "-png", "-r", "60", pdf, base).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
	}
	return pages
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
	pages := printed(t, "report-zh.docx", doc.Bytes())
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
	for i, p := range printed(t, "annex-zh.docx", annex.Bytes()) {
		for _, l := range lines(p) {
			if l == "%" || strings.Contains(l, " % ") || strings.HasPrefix(l, "%") {
				t.Errorf("annex page %d: %q, a percentage broken in the table", i+1, l)
			}
		}
		if i == 0 && !strings.Contains(p, "100.00%") {
			t.Errorf("annex page 1 has no whole percentage:\n%s", p)
		}
	}

	// English prints too.
	doc.Reset()
	if err := report.AnnualDocx(tx, in, 2021, deputybot.LangEN, &doc); err != nil {
		t.Fatal(err)
	}
	en := strings.Join(printed(t, "report-en.docx", doc.Bytes()), "\n")
	for _, w := range []string{"Fellow deputies,", "1. Motions", "2. Suggestions", "3. How the work was done", "92.81%"} {
		if !strings.Contains(en, w) {
			t.Errorf("the printed English report lacks %q", w)
		}
	}
}
