package report_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/report"
	"deputybot/texts"
)

var shanghai = time.FixedZone("CST", 8*3600)

// sessionYear is a year whose session suggestions were rated satisfied
// (3) and unsatisfied (1), never basically satisfied, with one motion.
func sessionYear(t *testing.T) (*texts.Texts, deputybot.Snapshot) {
	t.Helper()
	tx, err := texts.Load(shanghai)
	if err != nil {
		t.Fatal(err)
	}
	rules := deputybot.DefaultRules(shanghai)
	rules.ReportingBody = "武昌区人民政府"
	rules.CongressSession = "区十五届人大六次会议"
	at := time.Date(2021, 1, 12, 10, 0, 0, 0, shanghai)
	in := deputybot.Snapshot{
		Departments: []*deputybot.Department{{ID: "d1", Name: "区住建局 <&>"}},
		Env:         deputybot.Env{Rules: &rules, Now: time.Date(2021, 12, 1, 10, 0, 0, 0, shanghai)},
	}
	outcomes := []deputybot.RatingValue{deputybot.Satisfied, deputybot.Satisfied, deputybot.Satisfied, deputybot.Unsatisfied}
	for i, o := range outcomes {
		in.Items = append(in.Items, &deputybot.Item{ID: "s" + string(rune('a'+i)), Kind: deputybot.KindSuggestion, Year: 2021, Seq: i + 1,
			Period: deputybot.PeriodSession, Title: "建议", Status: deputybot.StatusClosed, Outcome: o, LeadDept: "d1",
			SubmittedAt: at, AssignedAt: at, Deadline: at.AddDate(0, 3, 0),
			Replies: []deputybot.Reply{{Round: 1, Class: deputybot.ClassA, At: at.AddDate(0, 1, 0)}}})
	}
	in.Items = append(in.Items, &deputybot.Item{ID: "m1", Kind: deputybot.KindMotion, Year: 2021, Seq: 1, Period: deputybot.PeriodSession,
		Title: "关于推进老旧小区改造的议案", Status: deputybot.StatusInProgress, LeadDept: "d1", SubmittedAt: at, AssignedAt: at,
		Deadline: at.AddDate(1, 0, 0)})
	return tx, in
}

// TestAnnualReportNamesTheSessionAndOmitsEmptyRatings: the subject is the
// congress session, as the seed's report has it, and a rating no item got
// (basically satisfied here) is not listed.
func TestAnnualReportNamesTheSessionAndOmitsEmptyRatings(t *testing.T) {
	tx, in := sessionYear(t)
	text := report.RenderAnnual(tx, in, 2021, deputybot.LangZH, report.FormatText)
	for _, w := range []string{
		"武昌区人民政府关于区十五届人大六次会议以来议案建议办理情况的报告",
		"2021年，区人民政府承办区十五届人大六次会议议案1件，即：一号“关于推进老旧小区改造的议案”。办理情况如下：",
		"2021年，区政府承办区十五届人大六次会议期间代表建议4件，全部办复完毕。其中：代表对办理工作满意的3件，占75.00%；不满意1件，占25.00%。",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	if strings.Contains(text, "基本满意") && !strings.Contains(text, "满意率（含基本满意）") {
		t.Errorf("basically satisfied is listed with no item")
	}
	if strings.Contains(text, "基本满意0件") {
		t.Errorf("basically satisfied is listed with no item")
	}
	en := report.RenderAnnual(tx, in, 2021, deputybot.LangEN, report.FormatText)
	if !strings.Contains(en, "武昌区人民政府: report on the handling of the motions and suggestions of 区十五届人大六次会议") ||
		!strings.Contains(en, "handled 1 motion of 区十五届人大六次会议: No. 1, “关于推进老旧小区改造的议案”.") {
		t.Errorf("English report:\n%s", en)
	}
	if t.Failed() {
		t.Logf("report:\n%s", text)
	}
}

// TestAnnualReportAsWordDocument reads the .docx back as Word would: its
// parts, the text in order, the department table, the page set up for
// printing in the official layout, and the properties.
func TestAnnualReportAsWordDocument(t *testing.T) {
	tx, in := sessionYear(t)
	var buf bytes.Buffer
	if err := report.AnnualDocx(tx, in, 2021, deputybot.LangZH, &buf); err != nil {
		t.Fatal(err)
	}
	parts := unzip(t, buf.Bytes())
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/footer1.xml", "docProps/core.xml"} {
		if _, ok := parts[name]; !ok {
			t.Fatalf("no part %s", name)
		}
		// Every part is well-formed XML.
		d := xml.NewDecoder(strings.NewReader(parts[name]))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	doc := parts["word/document.xml"]
	paras := paragraphs(doc)
	if len(paras) < 10 || paras[0] != "武昌区人民政府关于区十五届人大六次会议以来议案建议办理情况的报告" {
		t.Fatalf("first paragraphs %q", paras[:min(3, len(paras))])
	}
	want := []string{"各位代表：", "一、议案办理情况", "2021年，区人民政府承办区十五届人大六次会议议案1件，即：一号“关于推进老旧小区改造的议案”。办理情况如下：",
		"（一）一号议案办理情况", "主办单位：区住建局 <&>。", "二、代表建议办理情况",
		"2021年，区政府承办区十五届人大六次会议期间代表建议4件，全部办复完毕。其中：代表对办理工作满意的3件，占75.00%；不满意1件，占25.00%。没有承办闭会期间代表建议。",
		"三、办理工作主要做法", "（一）夯实责任链条"}
	at := 0
	for _, w := range want {
		for at < len(paras) && paras[at] != w {
			at++
		}
		if at == len(paras) {
			t.Fatalf("paragraph %q missing or out of order in %q", w, paras)
		}
	}
	// Headings stay with what follows; drafts are highlighted; the
	// congress gets no table of departments.
	if strings.Count(doc, "<w:keepNext/>") < 8 || !strings.Contains(doc, `<w:highlight w:val="yellow"/>`) || strings.Contains(doc, "<w:tbl>") {
		t.Error("headings not kept with the text, drafts not highlighted, or a table in the report to the congress")
	}
	// The annex: landscape, its table with a header row repeated on each
	// page, numbers that do not wrap, the scores.
	buf.Reset()
	if err := report.AnnexDocx(tx, in, 2021, deputybot.LangZH, &buf); err != nil {
		t.Fatal(err)
	}
	annex := unzip(t, buf.Bytes())["word/document.xml"]
	for _, w := range []string{`w:orient="landscape"`, "<w:tbl>", "<w:tblHeader/>", "<w:noWrap/>", "得分", "区住建局 &lt;&amp;&gt;"} {
		if !strings.Contains(annex, w) {
			t.Errorf("the annex lacks %s", w)
		}
	}
	// A4 with GB/T 9704's margins; body in 仿宋 三号; the title centred.
	for _, w := range []string{`<w:pgSz w:w="11906" w:h="16838"/>`, `w:top="2098"`, `w:left="1587"`, `w:right="1474"`, `w:bottom="1984"`} {
		if !strings.Contains(doc, w) {
			t.Errorf("page setup lacks %s", w)
		}
	}
	if !strings.Contains(parts["word/styles.xml"], `w:eastAsia="仿宋_GB2312"`) || !strings.Contains(parts["word/styles.xml"], `<w:sz w:val="32"/>`) {
		t.Error("body text is not 仿宋 三号")
	}
	if !strings.Contains(parts["word/footer1.xml"], " PAGE ") {
		t.Error("no page number")
	}
	core := parts["docProps/core.xml"]
	if !strings.Contains(core, "<dc:creator>武昌区人民政府</dc:creator>") || !strings.Contains(core, "2021-12-01T02:00:00Z") {
		t.Errorf("properties %s", core)
	}
}

func unzip(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = string(b)
	}
	return parts
}

var paraRE = regexp.MustCompile(`(?s)<w:p>.*?</w:p>`)
var textRE = regexp.MustCompile(`<w:t[^>]*>([^<]*)</w:t>`)

// paragraphs are the document's paragraphs as text, unescaped.
func paragraphs(doc string) []string {
	var out []string
	for _, p := range paraRE.FindAllString(doc, -1) {
		var sb strings.Builder
		for _, m := range textRE.FindAllStringSubmatch(p, -1) {
			var s string
			_ = xml.Unmarshal([]byte("<x>"+m[1]+"</x>"), &s)
			sb.WriteString(s)
		}
		out = append(out, sb.String())
	}
	return out
}
