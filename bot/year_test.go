package bot_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"deputybot"
	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
	"deputybot/report"
	"deputybot/texts"
)

// year plays a district's year through the chat, in Chinese.
type year struct {
	t *testing.T
	c *cast
	h *apptest.Harness
	// numbers by short name ("S1"), as shown ("建议 2026-001")
	n map[string]string
}

func (y *year) at(day string) { y.h.Clock.Set(at(day, "10:00")) }

// file files a suggestion (or a motion) as the deputy.
func (y *year) file(name, kind, title string) {
	y.t.Helper()
	h := y.h
	m := one(y.t, h.Press(y.c.deputy, file(y.t, h, y.c.deputy, kind, title, title+"的正文。", "城市建设"), "提交"), "已提交")
	y.n[name] = kind + " " + codeRE.FindStringSubmatch(m.Text)[1]
	y.quietAll()
}

// quietAll reads every chat's unread messages (what they say is checked
// elsewhere).
func (y *year) quietAll() {
	for _, ch := range []*telegramtest.Chat{y.c.admin, y.c.deputy, y.c.lead, y.c.lead2, y.c.co, y.c.other, y.c.leader, y.c.supervisor} {
		ch.Unread()
	}
}

// assign assigns an item as the office: lead, co-departments, leader,
// deadline ("" the default).
func (y *year) assign(name, lead string, co []string, leader, deadline string) {
	y.t.Helper()
	h, admin := y.h, y.c.admin
	q := last(y.t, h.Do(admin, "/assign "+y.n[name]))
	q = last(y.t, h.Press(admin, q, lead))
	for _, d := range co {
		q = inPlace(y.t, h, admin, q, d)
	}
	q = last(y.t, h.Press(admin, q, "完成"))
	if leader == "" {
		leader = "不设领办领导"
	}
	q = last(y.t, h.Press(admin, q, leader))
	q = last(y.t, h.Press(admin, q, "否"))
	if deadline == "" {
		q = last(y.t, h.Press(admin, q, "使用"))
	} else {
		q = last(y.t, h.Do(admin, deadline))
	}
	if strings.HasPrefix(y.n[name], "议案") {
		q = last(y.t, h.Press(admin, q, "不设目标"))
	}
	one(y.t, h.Press(admin, q, "确认交办"), "已交办"+y.n[name])
	y.quietAll()
}

// contact logs a contact as the department's contact (by phone unless
// a form is given), and the deputy confirms it. After the reply the stage
// is not asked: a follow-up (办后回访).
func (y *year) contact(name string, who *telegramtest.Chat, form ...string) {
	y.t.Helper()
	h := y.h
	method := "电话"
	if len(form) > 0 {
		method = form[0]
	}
	q := one(y.t, h.Press(who, card(y.t, h, who, y.n[name]), "记录沟通"), "哪天与代表沟通")
	q = last(y.t, h.Press(who, q, "今天"))
	if strings.Contains(q.Text, "这次沟通在办理的哪个阶段") {
		q = one(y.t, h.Press(who, q, "办前"), "以什么方式")
	} else if !strings.Contains(q.Text, "以什么方式") {
		y.t.Fatalf("after the date: %q", q.Text)
	}
	q = one(y.t, h.Press(who, q, method), "简要记录")
	one(y.t, h.Press(who, q, "跳过"), "沟通记录已保存")
	ask := one(y.t, y.c.deputy.Unread(), "是否已就"+y.n[name])
	one(y.t, h.Press(y.c.deputy, ask, "是的"), "已确认沟通")
	y.quietAll()
}

// reply sends a reply (or, corrected, a corrected one) as who, and
// returns the deputy's message asking him to rate it.
func (y *year) reply(name string, who *telegramtest.Chat, class string, corrected bool) *telegramtest.Message {
	y.t.Helper()
	h := y.h
	button := "答复"
	if corrected {
		button = "提交整改答复"
	}
	q := one(y.t, h.Press(who, card(y.t, h, who, y.n[name]), button), "分类")
	q = one(y.t, h.Press(who, q, class+" 类"), "答复正文")
	if class == "B" {
		q = one(y.t, h.Do(who, y.n[name]+"的答复。"), "B类答复须列明承诺")
		q = one(y.t, h.Do(who, "2026-12-31 完成"), "正式答复文件")
	} else {
		q = one(y.t, h.Do(who, y.n[name]+"的答复。"), "正式答复文件")
	}
	q = one(y.t, h.Press(who, q, "跳过"), "请确认")
	one(y.t, h.Press(who, q, "发送答复"), "答复已送代表")
	m := one(y.t, y.c.deputy.Unread(), y.n[name])
	y.quietAll()
	return m
}

// rate rates a reply as the deputy (a reason for unsatisfied).
func (y *year) rate(m *telegramtest.Message, value, attitude string) {
	y.t.Helper()
	h := y.h
	if value == "不满意" || attitude == "不满意" {
		one(y.t, rate(y.t, h, y.c.deputy, m, "态度"+attitude, "结果"+value), "理由")
		last(y.t, h.Do(y.c.deputy, "没有说明时间表。"))
	} else {
		last(y.t, rate(y.t, h, y.c.deputy, m, "态度"+attitude, "结果"+value))
	}
	y.quietAll()
}

// TestAYearReadsTheSameEverywhere plays a year on an injected clock
// through the chat — two periods, a late first reply, a late second-round
// reply, a late corrected reply, a late opinion, an extension, unrated,
// withdrawn, returned and withheld items, motions and suggestions — and
// reads every output: /stats, /overdue, the three digests, /report (its
// text, Markdown and Word document), the register, the public site. Each
// figure must be the one the ledger and the figures module give.
func TestAYearReadsTheSameEverywhere(t *testing.T) {
	c := newCast(t, "zh", apptest.WithRules(func(r *deputybot.Rules) {
		r.Sessions = []deputybot.DateRange{{From: deputybot.Date{Year: 2026, Month: 3, Day: 2}, To: deputybot.Date{Year: 2026, Month: 3, Day: 3}}}
		r.MotionSigners = 1
		r.ReportingBody = "武昌区人民政府"
		r.Disclosure.Enabled = true
	}))
	h := c.h
	y := &year{t: t, c: c, h: h, n: map[string]string{}}

	// The session: four suggestions.
	y.at("2026-03-02")
	for _, s := range []string{"S1", "S2", "S3", "S4"} {
		y.file(s, "建议", "会议期间建议"+s)
	}
	y.at("2026-03-03")
	y.assign("S1", "区住建局", []string{"区民政局"}, "", "")
	y.assign("S2", "区住建局", nil, "", "2026-03-31")
	y.assign("S3", "区住建局", nil, "", "")
	y.assign("S4", "区民政局", nil, "", "")
	// Between sessions: six suggestions and a motion.
	y.at("2026-03-10")
	for _, s := range []string{"S5", "S6", "S7", "S8", "S9", "S10"} {
		y.file(s, "建议", "闭会期间建议"+s)
	}
	y.file("M1", "议案", "关于推进老旧小区改造的议案")
	y.assign("S5", "区住建局", nil, "", "2026-04-15")
	y.assign("S6", "区民政局", nil, "", "")
	y.assign("S7", "区住建局", nil, "王区长", "2026-04-30")
	y.assign("S10", "区住建局", nil, "", "")
	y.assign("M1", "区住建局", nil, "王区长", "")
	// S8 withdrawn, S9 returned, before assignment.
	wd := one(t, h.Press(c.deputy, card(t, h, c.deputy, y.n["S8"]), "撤回"), "撤回")
	one(t, h.Press(c.deputy, wd, "确认撤回"), "已撤回")
	one(t, h.Press(c.admin, card(t, h, c.admin, y.n["S9"]), "退回代表"), "理由")
	one(t, h.Do(c.admin, "不属于政府职权范围。"), "已将"+y.n["S9"]+"退回代表")
	// S10 withheld from publication.
	one(t, h.Press(c.lead, card(t, h, c.lead, y.n["S10"]), "申请不公开此件"), "理由")
	one(t, h.Do(c.lead, "涉及居民个人信息。"), "已提交办公室")
	dec := one(t, c.admin.Unread(), "申请不公开")
	q := one(t, h.Press(c.admin, dec, "处理申请"), "不在网上公开")
	one(t, h.Press(c.admin, q, "同意不公开"), "不在网上公开")
	y.quietAll()

	y.at("2026-03-12")
	y.contact("S1", c.lead, "面商")
	y.contact("S5", c.lead, "实地察看")
	for _, s := range []string{"S2", "S3", "S7", "S10"} {
		y.contact(s, c.lead)
	}
	for _, s := range []string{"S4", "S6"} {
		y.contact(s, c.co)
	}
	y.at("2026-03-20")
	r3 := y.reply("S3", c.lead, "A", false)
	r4 := y.reply("S4", c.co, "B", false)
	r10 := y.reply("S10", c.lead, "A", false)
	y.reply("S6", c.co, "D", false) // never rated
	y.at("2026-03-21")
	y.rate(r3, "不满意", "基本满意") // rehandling, due 30 days on: 2026-04-20
	y.rate(r10, "满意", "满意")
	y.contact("S10", c.lead) // a follow-up on a closed item
	y.at("2026-03-22")
	y.rate(r4, "满意", "基本满意")
	// The supervisor flags S4's reply (closed): corrected late.
	y.at("2026-03-25")
	q = one(t, h.Press(c.supervisor, card(t, h, c.supervisor, y.n["S4"]), "质量评审"), "这份答复有什么问题")
	q = one(t, h.Press(c.supervisor, q, "避重就轻"), "整改期限默认为2026-04-09")
	q = one(t, h.Press(c.supervisor, q, "使用2026-04-09"), "补充说明")
	one(t, h.Press(c.supervisor, q, "跳过"), "2026-04-09")
	y.quietAll()
	y.at("2026-04-05")
	y.rate(y.reply("S2", c.lead, "A", false), "基本满意", "满意") // late: due 31 March
	y.at("2026-04-08")
	// The co-department's opinion on S1, due 3 April: late.
	one(t, h.Press(c.co, card(t, h, c.co, y.n["S1"]), "提交协办意见"), "协办意见")
	one(t, h.Do(c.co, "民政局的意见。"), "协办意见已送主办单位")
	y.quietAll()
	y.at("2026-04-12")
	y.rate(y.reply("S1", c.lead, "A", false), "满意", "不满意")
	// S5: an extension, then a reply within it.
	y.at("2026-04-14")
	one(t, h.Press(c.lead, card(t, h, c.lead, y.n["S5"]), "申请延期"), "理由")
	one(t, h.Do(c.lead, "需要协调多个部门。"), "已提交办公室")
	dec = one(t, c.admin.Unread(), "申请延期")
	q = one(t, h.Press(c.admin, dec, "处理申请"), "申请延期")
	q = one(t, h.Press(c.admin, q, "同意延期"), "新的答复期限")
	one(t, h.Do(c.admin, "2026-05-20"), "2026-05-20")
	y.quietAll()
	// S6 not rated: asked again after 15 working days, closed 30 days on.
	h.RunScheduler(at("2026-04-13", "09:00"))
	h.Settle()
	y.quietAll()
	y.at("2026-04-25")
	y.rate(y.reply("S3", c.lead, "A", false), "满意", "满意") // round 2, due 20 April: late
	y.at("2026-04-29")
	y.reply("S4", c.co, "A", true) // corrected, due 9 April: late
	y.at("2026-05-10")
	y.rate(y.reply("S5", c.lead, "B", false), "满意", "满意") // within the extension
	h.RunScheduler(at("2026-05-14", "09:00"))
	h.Settle()
	y.quietAll()
	// 20 July 2026, a Monday: the weekly digest goes out.
	h.Clock.Set(at("2026-07-20", "09:00"))
	h.RunScheduler(at("2026-07-20", "09:00"))
	h.Settle()
	weekly := containing(c.supervisor.Unread(), "议案建议办理周报")

	// What the record says, by the ledger and the figures module.
	ctx := context.Background()
	snap, err := h.App.Service.Snapshot(ctx, h.Clock.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := snap.Env
	byName := map[string]*deputybot.Item{}
	for name, label := range y.n {
		q, _ := deputybot.ParseNumber(label)
		items, _ := h.App.Store.ItemsByNumber(ctx, q)
		byName[name] = items[0]
	}
	// The scenario did what it says.
	tl := func(name string) deputybot.Timeliness { return e.Timeliness(byName[name]) }
	if !tl("S2").Late || !tl("S3").Late || !tl("S4").Late || tl("S1").Late || tl("S5").Late || tl("S10").Late {
		t.Fatalf("lateness: S1 %v S2 %v S3 %v S4 %v S5 %v S10 %v", tl("S1"), tl("S2"), tl("S3"), tl("S4"), tl("S5"), tl("S10"))
	}
	if !e.ReplyLate(byName["S3"], 2) || e.ReplyLate(byName["S3"], 1) {
		t.Fatal("S3: the second round is the late one")
	}
	if s7 := tl("S7"); !s7.Overdue || s7.DaysOverdue != 81 {
		t.Fatalf("S7: %+v", s7)
	}
	if byName["S6"].Outcome != deputybot.Unrated || byName["S8"].Status != deputybot.StatusWithdrawn ||
		byName["S9"].Status != deputybot.StatusReturned || byName["S10"].Withheld == nil {
		t.Fatal("S6 unrated, S8 withdrawn, S9 returned, S10 withheld")
	}
	annual := report.ComputeAnnual(snap, 2026)
	digest := report.ComputeDigest(snap)
	depts := map[string]*report.DeptStats{}
	for _, d := range report.Departments(snap, 2026) {
		depts[d.Dept.Name] = d
	}
	housing, civil := depts["区住建局"], depts["区民政局"]
	if civil.OpinionsLate != 1 || housing.Year.Late != 2 || civil.Year.Late != 1 || housing.Year.Overdue != 1 || housing.OverdueNow != 1 {
		t.Fatalf("departments: housing %+v %+v, civil %+v", housing, housing.Year, civil)
	}
	if annual.All.Handled != 9 || annual.Withdrawn != 1 || annual.Returned != 1 || annual.MotionsTally.Handled != 1 ||
		annual.Periods[0].Handled != 4 || annual.Periods[1].Handled != 4 || annual.All.Extensions != 1 {
		t.Fatalf("annual %+v", annual)
	}
	tx := h.App.Bot.Texts()
	l := deputybot.LangZH
	// The quality figures: the year's, the same in the digest's tally and
	// the report's, and what the scenario made of them.
	for _, f := range report.QualityFigures {
		if annual.All.RateOf(f) != digest.All.RateOf(f) {
			t.Errorf("%s: the report's %s, the digest's %s", f, annual.All.RateOf(f), digest.All.RateOf(f))
		}
	}
	if a := annual.All; a.Replied != 7 || a.Met != 2 || a.FollowedUp != 1 || a.Attitude.Rated() != 6 || a.Attitude.Unsatisfied != 1 || a.Done != 5 {
		t.Fatalf("quality figures of the year: replied %d, met %d, followed up %d, attitude %+v, done %d",
			a.Replied, a.Met, a.FollowedUp, a.Attitude, a.Done)
	}
	quality := report.QualityLine(tx, l, &annual.All)
	cell := func(ds *report.DeptStats, f report.Figure) string { return report.DeptCell(tx, l, ds, f) }
	label := func(f report.Figure) string { return report.Label(tx, l, f) }

	// /stats, /overdue and the supervisors' digest: the figures of now.
	stats := one(t, h.Do(c.supervisor, "/stats"), "2026年统计").Text
	overdue := last(t, h.Do(c.supervisor, "/overdue")).Text
	dig := h.Do(c.supervisor, "/digest")[0].Text
	if len(weekly) != 1 {
		t.Fatalf("%d weekly digests", len(weekly))
	}
	periodLine := func(p deputybot.Period) string {
		s := digest.Periods[p]
		o := s.Outcomes
		pc := o.Shares()
		line := fmt.Sprintf("办结%d件，已评价%d件：满意%d件，占%s%%", s.Closed, o.Rated(), o.Satisfied, pc[0])
		if o.Basic > 0 {
			line += fmt.Sprintf("；基本满意%d件，占%s%%", o.Basic, pc[1])
		}
		return line
	}
	for name, text := range map[string]string{"/stats": stats, "/digest": dig, "the weekly digest": weekly[0]} {
		for _, w := range []string{
			fmt.Sprintf("%s%d件", label(report.FigOverdueNow), digest.OverdueCount),
			"会议期间建议：" + periodLine(deputybot.PeriodSession),
			"闭会期间建议：" + periodLine(deputybot.PeriodRecess),
		} {
			if name != "/stats" {
				w = strings.Replace(w, fmt.Sprintf("%s%d件", label(report.FigOverdueNow), digest.OverdueCount),
					fmt.Sprintf("%s（%d件）", label(report.FigOverdueNow), digest.OverdueCount), 1)
			}
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, text)
			}
		}
	}
	for _, text := range []string{dig, weekly[0]} {
		if !strings.Contains(text, "本年度"+quality) {
			t.Errorf("the digest lacks %q:\n%s", quality, text)
		}
		for _, ds := range []*report.DeptStats{housing, civil} {
			var cells []string
			for _, f := range []report.Figure{report.FigOpenNow, report.FigOverdueNow, report.FigOnTimeRate, report.FigSatisfactionRate} {
				cells = append(cells, label(f)+cell(ds, f))
			}
			if w := ds.Dept.Name + "：" + strings.Join(cells, " · "); !strings.Contains(text, w) {
				t.Errorf("the digest lacks %q:\n%s", w, text)
			}
		}
		if !strings.Contains(text, "超期"+strconv.Itoa(tl("S7").DaysOverdue)+"天") {
			t.Errorf("the digest does not say S7 is %d days overdue", tl("S7").DaysOverdue)
		}
	}
	if w := fmt.Sprintf("%s（%d件）", label(report.FigOverdueNow), digest.OverdueCount); !strings.Contains(overdue, w) ||
		!strings.Contains(overdue, y.n["S7"]) || !strings.Contains(overdue, "超期81天") {
		t.Errorf("/overdue lacks %q and S7:\n%s", w, overdue)
	}
	// The leader's and the department's digests say S7 is overdue, by as
	// many days.
	for _, ch := range []*telegramtest.Chat{c.leader, c.lead} {
		got := containing(ch.Messages(), y.n["S7"])
		if len(got) == 0 || !strings.Contains(got[len(got)-1], "已超期81天") {
			t.Errorf("chat %d's digest: %q", ch.ID, got)
		}
	}

	// The annual report, in chat, as Markdown and as a Word document.
	msgs := h.Do(c.supervisor, "/report 2026")
	var html, md, docx string
	for _, m := range msgs {
		switch {
		case m.Document != nil && strings.HasSuffix(m.Document.Name, ".md"):
			md = string(m.Document.Data)
		case m.Document != nil && strings.HasSuffix(m.Document.Name, ".docx"):
			docx = docxText(t, m.Document.Data)
		case m.Document == nil:
			html += m.Text + "\n"
		}
	}
	deptFigures := []report.Figure{report.FigHandled, report.FigReplied, report.FigOnTime, report.FigLate, report.FigOverdue,
		report.FigExtensions, report.FigSatisfactionRate}
	var annexHTML, annexDocx string
	for _, m := range h.Do(c.supervisor, "/report 2026 附件") {
		if m.Document != nil {
			annexDocx = docxText(t, m.Document.Data)
		} else {
			annexHTML += m.Text + "\n"
		}
	}
	// The annex's two tables: timeliness, and what handling achieved.
	for _, ds := range []*report.DeptStats{housing, civil} {
		for _, figs := range [][]report.Figure{deptFigures, report.QualityFigures} {
			var parts, cells []string
			for _, f := range figs {
				parts = append(parts, label(f)+cell(ds, f))
				cells = append(cells, cell(ds, f))
			}
			if w := ds.Dept.Name + "：" + strings.Join(parts, "；"); !strings.Contains(annexHTML, w) {
				t.Errorf("/report's annex lacks %q:\n%s", w, annexHTML)
			}
			if w := ds.Dept.Name + "\t" + strings.Join(cells, "\t"); !strings.Contains(annexDocx, w) {
				t.Errorf("the Word annex lacks %q:\n%s", w, annexDocx)
			}
		}
	}
	deadlines := fmt.Sprintf("目前超期未答复%d件；超期答复%d件；批准延期%d次，涉及%d件。", annual.All.Overdue, annual.All.Late, annual.All.Extensions, annual.All.Extended)
	if !strings.Contains(annexHTML, deadlines) || !strings.Contains(annexDocx, deadlines) {
		t.Errorf("the annex lacks %q", deadlines)
	}
	problems := fmt.Sprintf("答复不够及时，%d件答复超过期限，%d件超过期限尚未答复", annual.All.Late, annual.All.Overdue)
	for name, text := range map[string]string{"/report": html, "Markdown": md, "Word": docx} {
		for _, w := range []string{problems, "承办会议期间代表建议4件", "另有1件代表逾期未评价", label(report.FigSatisfactionRate) + "＝",
			"已答复的7件中：" + quality, label(report.FigDoneRate) + "＝"} {
			if !strings.Contains(text, w) {
				t.Errorf("%s report lacks %q", name, w)
			}
		}
	}

	// The register: each item's flags, each department's figures.
	var file []byte
	for _, m := range h.Do(c.supervisor, "/export 2026") {
		if m.Document != nil {
			file = m.Document.Data
		}
	}
	wb, err := excelize.OpenReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := wb.GetRows("台账")
	col := map[string]int{}
	for i, hd := range rows[0] {
		col[hd] = i
	}
	seen := 0
	for _, r := range rows[1:] {
		for len(r) < len(rows[0]) {
			r = append(r, "")
		}
		for name, n := range y.n {
			if r[0] != n {
				continue
			}
			seen++
			it := byName[name]
			tli := e.Timeliness(it)
			flag := map[bool]string{true: "1", false: "0"}
			if r[col[label(report.FigLate)]] != flag[tli.Late] || r[col[label(report.FigOverdue)]] != flag[tli.Overdue] ||
				r[col["超期天数"]] != strconv.Itoa(tli.DaysOverdue) {
				t.Errorf("register row of %s: late %q overdue %q days %q; the ledger: %+v", n, r[col[label(report.FigLate)]],
					r[col[label(report.FigOverdue)]], r[col["超期天数"]], tli)
			}
		}
	}
	if seen != len(y.n) {
		t.Errorf("the register numbers %d of the %d items as the chat does", seen, len(y.n))
	}
	drows, _ := wb.GetRows("承办单位汇总")
	for _, r := range drows[1:] {
		ds := depts[r[0]]
		if ds == nil || ds.Year.Handled == 0 {
			continue
		}
		want := []string{strconv.Itoa(ds.Year.Handled), strconv.Itoa(ds.Year.Replied), strconv.Itoa(ds.Year.OnTime),
			strconv.Itoa(ds.Year.Late), strconv.Itoa(ds.Year.Overdue), cell(ds, report.FigOnTimeRate)}
		if got := r[1:7]; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("register's %s: %v, want %v", r[0], got, want)
		}
		if r[12] != cell(ds, report.FigSatisfactionRate) || r[17] != strconv.Itoa(ds.OpinionsLate) {
			t.Errorf("register's %s: satisfaction %s opinions late %s", r[0], r[12], r[17])
		}
		for i, f := range report.QualityFigures {
			if drows[0][18+i] != label(f) || r[18+i] != cell(ds, f) {
				t.Errorf("register's %s: %s %s, want %s %s", r[0], drows[0][18+i], r[18+i], label(f), cell(ds, f))
			}
		}
	}

	// The public site.
	s := site(t, h)
	plain := func(p string) string { return texts.Plain(tagRE.ReplaceAllString(render(t, s, p), " ")) }
	table := regexp.MustCompile(` data-label="[^"]*"`).ReplaceAllString(render(t, s, "/zh/2026/departments.html"), "")
	for _, ds := range []*report.DeptStats{housing, civil} {
		var cells []string
		for _, f := range []report.Figure{report.FigHandled, report.FigReplied, report.FigOnTime, report.FigOnTimeRate,
			report.FigLate, report.FigOverdue, report.FigSatisfactionRate, report.FigAttitudeRate, report.FigDoneRate,
			report.FigFaceRate, report.FigFollowUpRate} {
			cells = append(cells, `<td class="num">`+cell(ds, f)+`</td>`)
		}
		if w := strings.Join(cells, ""); !strings.Contains(table, w) {
			t.Errorf("the site's departments table lacks %s's %s", ds.Dept.Name, w)
		}
	}
	if page := plain("/zh/2026/report.html"); !strings.Contains(page, "承办会议期间代表建议4件") || strings.Contains(page, "得分") ||
		!strings.Contains(page, label(report.FigFaceRate)+"＝") ||
		strings.Contains(page, "草稿") {
		t.Errorf("the site's report: %s", page)
	}
	slug := func(name string) string {
		it := byName[name]
		return "/zh/items/" + string(it.Kind) + "-" + it.Number() + ".html"
	}
	if page := plain(slug("S7")); !strings.Contains(page, "超期81天") {
		t.Errorf("S7's page does not say it is overdue:\n%s", page)
	}
	for _, name := range []string{"S2", "S3"} {
		if page := plain(slug(name)); strings.Count(page, "逾期答复") != 1 {
			t.Errorf("%s's page marks %d late replies, want 1", name, strings.Count(page, "逾期答复"))
		}
	}
	if page := plain(slug("S4")); !strings.Contains(page, "整改后的答复") || strings.Count(page, "逾期答复") != 1 {
		t.Errorf("S4's page: the corrected reply is the late one:\n%s", page)
	}
	if index := plain("/zh/2026/index.html"); !strings.Contains(index, "超期81天") {
		t.Error("the index does not say S7 is overdue")
	}
}

var tagRE = regexp.MustCompile(`<[^>]+>`)

// docxText is a Word document's text: a paragraph a line, a table's
// cells separated by tabs.
func docxText(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		x := string(b)
		x = strings.ReplaceAll(x, "</w:p></w:tc>", "\t")
		x = strings.ReplaceAll(x, "</w:tr>", "\n")
		x = strings.ReplaceAll(x, "</w:p>", "\n")
		x = tagRE.ReplaceAllString(x, "")
		return strings.ReplaceAll(x, "&amp;", "&")
	}
	t.Fatal("no word/document.xml")
	return ""
}
