package report_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/report"
	"deputybot/texts"
)

// seedYear is the seed report's year as the record would hold it: the
// two motions of 区十五届人大六次会议 with their requirements, targets and
// what was done; 167 session suggestions, 155 rated satisfied and 12
// basically satisfied; 83 recess ones, 73 and 10.
func seedYear(t testing.TB) (*texts.Texts, deputybot.Snapshot) {
	t.Helper()
	tx, err := texts.Load(shanghai)
	if err != nil {
		t.Fatal(err)
	}
	rules := deputybot.DefaultRules(shanghai)
	rules.ReportingBody = "武昌区人民政府"
	rules.CongressSession = "区十五届人大六次会议"
	rules.ReportVenue = "武汉市武昌区第十六届人民代表大会第一次会议"
	rules.ReportDate = deputybot.Date{Year: 2021, Month: 12, Day: 14}
	rules.Reporter = "武昌区人民政府办公室主任　李远华"
	at := func(m time.Month, d int) time.Time { return time.Date(2021, m, d, 10, 0, 0, 0, shanghai) }
	in := deputybot.Snapshot{
		Departments: []*deputybot.Department{{ID: "zj", Name: "区住建局"}, {ID: "mz", Name: "区民政局"}, {ID: "fg", Name: "区发改局"}},
		Env:         deputybot.Env{Rules: &rules, Calendar: &deputybot.Calendar{}, Now: at(12, 1)},
		Details:     map[string]*deputybot.ItemDetails{},
		Names:       map[string]string{"leader": "王区长"},
	}
	seq := map[deputybot.Kind]int{}
	add := func(kind deputybot.Kind, period deputybot.Period, title string, outcome deputybot.RatingValue, lead string) *deputybot.Item {
		seq[kind]++
		it := &deputybot.Item{ID: fmt.Sprint(kind, seq[kind]), Kind: kind, Year: 2021, Seq: seq[kind], Period: period, Title: title,
			Status: deputybot.StatusClosed, Outcome: outcome, LeadDept: lead, SubmittedAt: at(1, 10), AssignedAt: at(1, 20),
			Deadline: deputybot.EndOfDay(deputybot.Date{Year: 2021, Month: 4, Day: 20}, shanghai), Round: 1,
			Replies: []deputybot.Reply{{Round: 1, Class: deputybot.ClassA, At: at(3, 1),
				Deadline: deputybot.EndOfDay(deputybot.Date{Year: 2021, Month: 4, Day: 20}, shanghai)}},
			Contacts: []deputybot.ContactLog{{N: 1, Date: "2021-02-01", Method: deputybot.MethodVisit, State: deputybot.ContactConfirmed}},
			// Rated as the seed's year was: one value, the result.
			Ratings: []deputybot.Rating{{Round: 1, Value: outcome, At: at(3, 10)}}}
		in.Items = append(in.Items, it)
		return it
	}
	for i := range 167 {
		o := deputybot.Satisfied
		if i >= 155 {
			o = deputybot.Basic
		}
		add(deputybot.KindSuggestion, deputybot.PeriodSession, fmt.Sprint("会议期间建议", i+1), o, []string{"zj", "mz", "fg"}[i%3])
	}
	for i := range 83 {
		o := deputybot.Satisfied
		if i >= 73 {
			o = deputybot.Basic
		}
		add(deputybot.KindSuggestion, deputybot.PeriodRecess, fmt.Sprint("闭会期间建议", i+1), o, []string{"zj", "mz", "fg"}[i%3])
	}
	m1 := add(deputybot.KindMotion, deputybot.PeriodSession, "关于推进老旧小区改造的议案", "", "zj")
	m1.Status, m1.Outcome, m1.LeaderID, m1.Key = deputybot.StatusReplied, "", "leader", true
	m1.CoDepts = []deputybot.CoDept{{Dept: "mz", Deadline: at(2, 20), OpinionAt: at(2, 10)}}
	m1.Targets = []deputybot.Target{{N: 1, Name: "完成改造老旧小区", Unit: "个", Goal: 302, Done: 54}}
	in.Details[m1.ID] = &deputybot.ItemDetails{
		Body: "按照“政府主导、群众参与，突出重点、补齐短板，积极创新、改管并举”的原则，实现顶层设计科学、统筹协调有力、改造实效凸显、长效机制健全。",
		Replies: []deputybot.ReplyText{{Round: 1, Class: deputybot.ClassB, At: at(3, 1),
			Text: "优化顶层设计，加强统筹协调。成立一号议案办理工作领导小组，建立联席会议制度，组建由13个部门、14条街道办事处参加的工作专班。"}},
		Progress: []deputybot.Progress{{At: at(9, 1), Text: "2021年改造中将群众反映强烈、迫切需要改造的54个老旧小区162个问题优先纳入改造计划。"}},
	}
	m2 := add(deputybot.KindMotion, deputybot.PeriodSession, "关于提升养老服务功能 扩大为老服务覆盖面的议案", deputybot.Satisfied, "mz")
	in.Details[m2.ID] = &deputybot.ItemDetails{
		Body:    "统筹疫情防控和养老服务“两手抓、双促进”，精心实施“阵地建设、提质增效、体系建设、供给能力”四大工程。",
		Replies: []deputybot.ReplyText{{Round: 1, Class: deputybot.ClassA, At: at(3, 1), Text: "强化养老服务阵地建设。启动区级养老中心建设，按照五星级养老机构标准设置床位500张。"}},
	}
	return tx, in
}

// seedSection returns the seed report's text between two headings.
func seedSection(t *testing.T, from, to string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/seed-2021.txt")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, from), strings.Index(s, to)
	if i < 0 || j < i {
		t.Fatalf("the seed has no %q before %q", from, to)
	}
	return strings.TrimSpace(s[i+len(from) : j])
}

// sentences splits a text at its full stops, each sentence kept whole
// (the report writes full-width punctuation, as the seed was published;
// this copy of it has some half-width commas, colons and semicolons).
func sentences(s string) []string {
	s = strings.NewReplacer(":", "：", ",", "，", ";", "；", "\n", "").Replace(s)
	var out []string
	for _, x := range strings.SplitAfter(s, "。") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// TestSuggestionsSectionIsTheSeeds: filled from the seed's own figures,
// section 二 of the report says what the seed says, sentence by sentence.
func TestSuggestionsSectionIsTheSeeds(t *testing.T) {
	tx, in := seedYear(t)
	text := report.RenderAnnual(tx, in, 2021, deputybot.LangZH, report.FormatText)
	got := sentences(between(t, text, "二、代表建议办理情况", "三、办理工作主要做法"))
	want := sentences(seedSection(t, "二、代表建议办理情况", "三、办理工作主要做法"))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("section 二:\n got %q\nwant %q", got, want)
	}
	// The front matter and the motions' introduction, as the seed.
	for _, w := range []string{
		"——2021年12月14日在武汉市武昌区第十六届人民代表大会第一次会议上",
		"武昌区人民政府办公室主任　李远华",
		"\n各位代表：\n",
		"受区人民政府委托，我向大会报告区十五届人大六次会议议案、建议办理工作情况，请予审议。",
		"2021年，区人民政府承办区十五届人大六次会议议案2件，即：一号“关于推进老旧小区改造的议案”，二号“关于提升养老服务功能 扩大为老服务覆盖面的议案”。办理情况如下：",
		"（一）一号议案办理情况", "（二）二号议案办理情况",
		"办理要求：按照“政府主导、群众参与",
		"办理目标：完成改造老旧小区302个。",
		"主办单位：区住建局；协办单位：区民政局；领办领导：王区长；列为重点督办件。",
		"2021年3月1日，区住建局答复（B 类：正在解决或列入计划）：优化顶层设计",
		"2021年9月1日，办理进展：2021年改造中将群众反映强烈",
		"目标完成情况：完成改造老旧小区已完成54个，占17.88%（目标302个）。",
		"三、办理工作主要做法", "（一）夯实责任链条", "（二）优化办理机制", "（三）强化督查督办",
		"1名政府领导领办议案、代表建议1件", "各承办单位与代表沟通252次，其中经代表确认252次",
		"在今后的工作中，我们将坚持问题导向",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("the report lacks %q", w)
		}
	}
	// Not for the congress: scores, contact counts per department, bars.
	for _, w := range []string{"得分", "沟通记录/代表确认", "▓", "░", "按配置扣减"} {
		if strings.Contains(text, w) {
			t.Errorf("the report to the congress says %q", w)
		}
	}
	if t.Failed() {
		t.Logf("report:\n%s", text)
	}
}

// between returns the text between two markers.
func between(t *testing.T, s, from, to string) string {
	t.Helper()
	i, j := strings.Index(s, from), strings.Index(s, to)
	if i < 0 || j < i {
		t.Fatalf("no %q before %q in:\n%s", from, to, s)
	}
	return s[i+len(from) : j]
}

// TestHeadingsAreNumberedAsAGovernmentDocument: 一、 then （一）, never a
// level skipped; the annex numbers its own.
func TestHeadingsAreNumberedAsAGovernmentDocument(t *testing.T) {
	tx, in := seedYear(t)
	text := report.RenderAnnual(tx, in, 2021, deputybot.LangZH, report.FormatMarkdown)
	re := regexp.MustCompile(`(?m)^(#+) (.*)$`)
	var levels []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		levels = append(levels, m[1]+" "+strings.SplitN(m[2], "议案", 2)[0])
	}
	want := []string{"# 武昌区人民政府关于区十五届人大六次会议以来", "## 一、", "### （一）一号", "### （二）二号", "## 二、代表建议办理情况",
		"## 三、办理工作主要做法", "### （一）夯实责任链条", "### （二）优化办理机制", "### （三）强化督查督办"}
	if strings.Join(levels, "|") != strings.Join(want, "|") {
		t.Fatalf("headings:\n got %q\nwant %q", levels, want)
	}
}
