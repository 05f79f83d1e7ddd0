package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"deputybot"
	"deputybot/internal/apptest"
	"deputybot/report"
)

// year2026 builds a year of items through the domain operations and
// counts, independently, what the report must say.
type year2026 struct {
	sd                   *seeder
	office, author, lead *deputybot.Person
	sup                  *deputybot.Person
	housing              string
	ids                  map[string]string
}

func (y *year2026) assign(id string, at time.Time, deadline time.Time) {
	y.sd.do(id, at, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.Assign(it, y.office, deputybot.AssignInput{Lead: y.housing, Deadline: deadline}, e))
	})
	y.sd.do(id, at, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.LogContact(it, y.lead, deputybot.ContactInput{Date: deputybot.DateOf(at, e.Rules.Location), Method: deputybot.MethodFace, Stage: deputybot.StageBefore}, e))
	})
	y.sd.do(id, at, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.ConfirmContact(it, y.author, 1, true, "", e))
	})
}

func (y *year2026) reply(id string, at time.Time, class deputybot.ReplyClass) {
	y.sd.do(id, at, func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		in := deputybot.ReplyInput{Class: class, Text: "reply"}
		if class == deputybot.ClassB {
			in.Promises = []deputybot.PromiseInput{{What: "works", Due: deputybot.DateOf(e.Now.AddDate(0, 6, 0), e.Rules.Location)}}
		}
		return ev1(deputybot.SendReply(it, det, y.lead, in, e))
	})
}

func (y *year2026) rate(id string, at time.Time, round int, v deputybot.RatingValue) {
	y.sd.do(id, at, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return deputybot.Rate(it, y.author, round, deputybot.RatingInput{Attitude: v, Result: v, Comment: "because"}, e)
	})
}

func TestAnnualReportFigures(t *testing.T) {
	c := newCast(t, "zh", apptest.WithRules(func(r *deputybot.Rules) {
		r.Sessions = []deputybot.DateRange{{From: deputybot.Date{Year: 2026, Month: 1, Day: 10}, To: deputybot.Date{Year: 2026, Month: 1, Day: 14}}}
		r.MotionSigners = 1
		r.ReportingBody = "武昌区人民政府"
	}))
	h := c.h
	sd := newSeeder(t, h)
	y := &year2026{sd: sd, office: sd.person(adminID), author: sd.person(2001), lead: sd.person(3001), sup: sd.person(5001),
		housing: sd.dept("区住建局"), ids: map[string]string{}}
	y.office.AddRole(deputybot.RoleOffice)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, apptest.Shanghai) }
	far := deputybot.EndOfDay(deputybot.Date{Year: 2026, Month: 6, Day: 30}, apptest.Shanghai)

	// Session: 4 satisfied, 1 basically satisfied, 1 unsatisfied (after a
	// second round).
	var session []string
	for i := 0; i < 6; i++ {
		id := sd.filed(y.author, fmt.Sprintf("会议建议%d", i), day(1, 12))
		session = append(session, id)
		y.assign(id, day(1, 20), far)
		y.reply(id, day(2, 1), deputybot.ClassA)
	}
	for _, id := range session[:4] {
		y.rate(id, day(2, 2), 1, deputybot.Satisfied)
	}
	y.rate(session[4], day(2, 2), 1, deputybot.Basic)
	y.rate(session[5], day(2, 2), 1, deputybot.Unsatisfied)
	y.reply(session[5], day(2, 20), deputybot.ClassC)
	y.rate(session[5], day(2, 21), 2, deputybot.Unsatisfied)

	// Recess: satisfied, basically satisfied, not rated; one still open
	// and overdue; one replied late, after an approved extension.
	var recess []string
	for i := 0; i < 4; i++ {
		id := sd.filed(y.author, fmt.Sprintf("闭会建议%d", i), day(3, 2))
		recess = append(recess, id)
		y.assign(id, day(3, 3), deputybot.EndOfDay(deputybot.Date{Year: 2026, Month: 4, Day: 30}, apptest.Shanghai))
	}
	sd.do(recess[0], day(4, 20), func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.RequestExtension(it, y.lead, "complex", e))
	})
	sd.do(recess[0], day(4, 21), func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.DecideRequest(it, y.office, deputybot.Decision{Approve: true, Deadline: deputybot.EndOfDay(deputybot.Date{Year: 2026, Month: 5, Day: 20}, apptest.Shanghai)}, e))
	})
	y.reply(recess[0], day(5, 10), deputybot.ClassA)
	y.rate(recess[0], day(5, 11), 1, deputybot.Satisfied)
	y.reply(recess[1], day(5, 12), deputybot.ClassB) // late: due 30 April
	y.rate(recess[1], day(5, 13), 1, deputybot.Basic)
	y.reply(recess[2], day(4, 1), deputybot.ClassD)
	sd.do(recess[2], day(6, 1), func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.CloseUnrated(it, e))
	})
	// recess[3] stays open, overdue.

	// Quality review: one evasive reply corrected, one off-topic open.
	sd.do(session[0], day(3, 1), func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.FlagReply(it, y.sup, deputybot.FlagInput{Category: deputybot.FlagEvasive}, e))
	})
	sd.do(session[0], day(3, 5), func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.CorrectReply(it, det, y.lead, deputybot.ReplyInput{Class: deputybot.ClassA, Text: "better"}, e))
	})
	sd.do(session[1], day(3, 1), func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.FlagReply(it, y.sup, deputybot.FlagInput{Category: deputybot.FlagOffTopic}, e))
	})

	// A motion with targets; a returned, a withdrawn and an unassigned
	// suggestion.
	motion, err := sd.svc.SaveDraft(sd.ctx, y.author, 0, deputybot.DraftInput{Kind: deputybot.KindMotion, Title: "老旧小区改造", Body: "b", Category: "urban"}, day(1, 12))
	if err != nil {
		t.Fatal(err)
	}
	sd.do(motion.ID, day(1, 12), func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		ev, _, err := deputybot.Submit(it, y.author, e.Rules, e.Now)
		return []deputybot.Event{ev}, err
	})
	y.assign(motion.ID, day(1, 20), deputybot.EndOfDay(deputybot.Date{Year: 2026, Month: 7, Day: 20}, apptest.Shanghai))
	sd.do(motion.ID, day(1, 20), func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.SetTargets(it, y.office, []deputybot.Target{{Name: "完成改造老旧小区", Unit: "个", Goal: 302, Done: 0}}, e))
	})
	sd.do(motion.ID, day(3, 1), func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.UpdateTarget(it, y.lead, 1, 54, e))
	})
	returned := sd.filed(y.author, "退回的建议", day(3, 2))
	sd.do(returned, day(3, 3), func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.ReturnToDeputy(it, y.office, "不属于政府职权", e))
	})
	withdrawn := sd.filed(y.author, "撤回的建议", day(3, 2))
	sd.do(withdrawn, day(3, 3), func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.Withdraw(it, y.author, e.Now))
	})
	sd.filed(y.author, "待交办的建议", day(6, 1))

	h.Clock.Set(day(6, 10))
	text, err := h.App.Bot.AnnualReport(context.Background(), deputybot.LangZH, 2026, "text", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"关于2026年度人大代表议案建议办理情况的报告",
		"2026年，区人民政府承办议案1件，即：一号“老旧小区改造”。办理情况如下：",
		"（一）一号议案办理情况", "主办单位：区住建局。", "目标完成情况：完成改造老旧小区已完成54个，占17.88%（目标302个）。",
		// 4/6 = 66.666…, 1/6 = 16.666… twice: rounded half up 66.67 + 16.67 + 16.67 = 100.01;
		// the hundredth too many comes from the later of the two equal remainders.
		"2026年，区政府承办会议期间代表建议6件，全部办复完毕。其中：代表对办理工作满意的4件，占66.67%；基本满意1件，占16.67%；不满意1件，占16.66%。",
		// Shares of the rated items; the one not rated in time apart.
		"承办闭会期间代表建议4件，已答复3件，尚未办结1件。已评价的2件中：代表对办理工作满意的1件，占50.00%；基本满意1件，占50.00%。另有1件代表逾期未评价。",
		// The draft of the closing says what went wrong, from the record.
		"一是答复不够及时，1件答复超过期限，2件超过期限尚未答复；二是办理质量仍需提升，质量评审发现2个问题，1件代表不满意",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	// The departments' figures and scores are the office's annex.
	annex := report.RenderAnnualVersion(h.App.Bot.Texts(), mustSnapshot(t, h), 2026, deputybot.LangZH, report.FormatText, report.Annex)
	for _, w := range []string{
		// 11 handled (10 suggestions, 1 motion); 9 replied, one late
		// (recess[1]); overdue now: recess[3]'s reply and session[1]'s
		// corrected reply (due 16 March); a reply was due on 10 items, 7 on
		// time; satisfied+basic 7 of 8 rated = 87.50%; score 100
		// − 2×(1 late + 2 overdue) − 3×1 unsatisfied − 1×2 flags = 89.
		"区住建局：承办件数11；已答复9；按期答复7；超期答复1；超期未答复2；延期1；满意率（含基本满意）87.50%；协办意见超期0；沟通记录/代表确认11/11；质量问题2；得分89",
		"质量评审发现2类、2个问题：答非所问1个、避重就轻、避实就虚1个；已整改1个。",
		"目前超期未答复2件；超期答复1件；批准延期1次，涉及1件。",
		"另有退回1件、代表撤回1件、尚待交办1件",
	} {
		if !strings.Contains(annex, w) {
			t.Errorf("the annex lacks %q:\n%s", w, annex)
		}
	}
	for _, w := range []string{"得分", "沟通记录", "▓"} {
		if strings.Contains(text, w) {
			t.Errorf("the report to the congress says %q", w)
		}
	}
	// The year is said once; a rating no item got is not listed.
	if !strings.Contains(text, "武昌区人民政府关于2026年度人大代表议案建议办理情况的报告") {
		t.Errorf("the heading does not name the reporting body")
	}
	if strings.Count(text, "2026年，区政府承办会议期间") != 1 || strings.Contains(text, "2026年，区政府承办闭会期间") {
		t.Errorf("the year begins each period's sentence")
	}
	if strings.Contains(text, "满意0件") || strings.Contains(text, "未评价0件") {
		t.Errorf("a rating with no item is listed")
	}
	if t.Failed() {
		t.Logf("report:\n%s", text)
	}
	md, _ := h.App.Bot.AnnualReport(context.Background(), deputybot.LangEN, 2026, "markdown", nil)
	for _, w := range []string{"# 武昌区人民政府: report on the handling", "## 2. Suggestions", "## 3. How the work was done",
		"the deputies were satisfied with 4, 66.67%"} {
		if !strings.Contains(md, w) {
			t.Errorf("markdown report lacks %q", w)
		}
	}

	// In chat: the message and the file.
	msgs := h.Do(c.supervisor, "/report 2026")
	if len(msgs) != 3 || !strings.Contains(msgs[0].Text, "全部办复完毕") || msgs[1].Document == nil || msgs[2].Document == nil {
		t.Fatalf("/report: %d messages", len(msgs))
	}
	docs := h.TG.Calls("sendDocument")
	if len(docs) < 2 || !strings.HasSuffix(docs[len(docs)-2].Files["document"].Name, ".md") ||
		!strings.Contains(string(docs[len(docs)-2].Files["document"].Data), "# 武昌区人民政府关于2026年度") {
		t.Fatal("no report file")
	}
	// The Word document says what the chat message says.
	word := docs[len(docs)-1].Files["document"]
	if word.Name != "report-2026-zh.docx" || !strings.Contains(docs[len(docs)-1].Params["caption"], "Word") {
		t.Fatalf("Word document %q, caption %q", word.Name, docs[len(docs)-1].Params["caption"])
	}
	body := docxText(t, word.Data)
	for _, w := range []string{"武昌区人民政府关于2026年度人大代表议案建议办理情况的报告", "代表对办理工作满意的4件，占66.67%"} {
		if !strings.Contains(body, w) {
			t.Errorf("the Word document lacks %q", w)
		}
	}
	one(t, h.Do(c.supervisor, "/report soon"), "用法")
	// The annex in chat: the office's and the supervisors' only.
	msgs = h.Do(c.supervisor, "/report 2026 附件")
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "得分89") || msgs[1].Document == nil || msgs[1].Document.Name != "report-2026-annex-zh.docx" {
		t.Fatalf("/report 2026 附件: %d messages", len(msgs))
	}

	// The register holds every item, and reads back as the store has it.
	var buf bytes.Buffer
	n, err := h.App.Bot.Register(context.Background(), deputybot.LangZH, 2026, &buf, nil)
	if err != nil || n != 14 {
		t.Fatalf("register: %d rows, %v", n, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("台账")
	if err != nil || len(rows) != 15 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if rows[0][0] != "编号" || rows[0][3] != "标题" || rows[0][11] != "状态" {
		t.Fatalf("headers %v", rows[0])
	}
	if panes, _ := f.GetPanes("台账"); !panes.Freeze || panes.YSplit != 1 {
		t.Fatalf("header not frozen: %+v", panes)
	}
	if tables, _ := f.GetTables("台账"); len(tables) != 1 {
		t.Fatal("no filter table")
	}
	items, _ := sd.s.ItemsWithStatus(sd.ctx)
	// A row is identified by its kind and number, as the first column
	// shows them.
	kindZH := map[deputybot.Kind]string{deputybot.KindSuggestion: "建议", deputybot.KindMotion: "议案"}
	byCode := map[string]*deputybot.Item{}
	for _, it := range items {
		byCode[kindZH[it.Kind]+" "+it.Number()] = it
	}
	statusZH := map[deputybot.Status]string{deputybot.StatusClosed: "已办结", deputybot.StatusInProgress: "办理中",
		deputybot.StatusReturned: "已退回", deputybot.StatusWithdrawn: "已撤回", deputybot.StatusSubmitted: "已提交，待交办"}
	for _, r := range rows[1:] {
		for len(r) < 27 {
			r = append(r, "")
		}
		key := r[0]
		it := byCode[key]
		if it == nil {
			t.Fatalf("row for unknown item %q", key)
		}
		delete(byCode, key)
		lead := ""
		if it.LeadDept != "" {
			lead = "区住建局"
		}
		if r[3] != it.Title || r[11] != statusZH[it.Status] || r[7] != lead || r[5] != "张三" ||
			r[12] != it.SubmittedAt.In(apptest.Shanghai).Format("2006-01-02") || r[21] != fmt.Sprint(len(it.Contacts)) {
			t.Errorf("row %v does not match the item %+v", r, it)
		}
		if it.Status == deputybot.StatusClosed {
			want := map[deputybot.RatingValue]string{deputybot.Satisfied: "满意", deputybot.Basic: "基本满意", deputybot.Unsatisfied: "不满意", deputybot.Unrated: "未评价"}[it.Outcome]
			if r[20] != want {
				t.Errorf("%s: outcome %q, want %q", r[0], r[20], want)
			}
		}
	}
	for code, it := range byCode {
		if it.Status != deputybot.StatusDraft && it.Year == 2026 {
			t.Errorf("item %s missing from the register", code)
		}
	}
	drows, _ := f.GetRows("承办单位汇总")
	found := false
	for _, r := range drows[1:] {
		if r[0] == "区住建局" {
			// The figures of the report's table: 7 of 10 on time.
			found = r[1] == "11" && r[2] == "9" && r[3] == "7" && r[4] == "1" && r[5] == "2" && r[6] == "70.00%" && r[12] == "87.50%" && r[22] == "89"
		}
	}
	if len(drows) != 5 || !found {
		t.Fatalf("department sheet %v", drows)
	}
	// A totals row: the counts summed, the rates over the sums, no score.
	totals := drows[4]
	sum := func(col int) int {
		n := 0
		for _, r := range drows[1:4] {
			v, _ := strconv.Atoi(r[col])
			n += v
		}
		return n
	}
	if totals[0] != "合计" || totals[1] != fmt.Sprint(sum(1)) || totals[4] != fmt.Sprint(sum(4)) || len(totals) > 22 && totals[22] != "" {
		t.Errorf("totals row %v", totals)
	}
	// Cells of their types: a date is a date serial shown as a date, a
	// rate a fraction shown as a percentage, a missing value no cell.
	if raw, _ := f.GetCellValue("台账", "M2", excelize.Options{RawCellValue: true}); strings.Contains(raw, "-") || raw == "" {
		t.Errorf("submission date stored as %q, not as a date", raw)
	}
	if raw, _ := f.GetCellValue("承办单位汇总", "G2", excelize.Options{RawCellValue: true}); raw != "" && strings.Contains(raw, "%") {
		t.Errorf("rate stored as %q, not as a number", raw)
	}
	for r := 2; r <= len(rows); r++ {
		cell := fmt.Sprintf("J%d", r) // the leader in charge: mostly none
		if v, _ := f.GetCellValue("台账", cell); v == "" {
			if typ, _ := f.GetCellType("台账", cell); typ != excelize.CellTypeUnset {
				t.Errorf("%s is an empty %v cell, not an empty one", cell, typ)
			}
		}
	}
	// Printed on A4 landscape, one page wide, the header row on every
	// page, page numbers under each; the reporting body as author.
	for _, sheet := range []string{"打印", "台账", "承办单位汇总"} {
		pl, err := f.GetPageLayout(sheet)
		if err != nil || pl.Orientation == nil || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 ||
			pl.Size == nil || *pl.Size != 9 {
			t.Errorf("%s page layout %+v %v", sheet, pl, err)
		}
		if props, err := f.GetSheetProps(sheet); err != nil || props.FitToPage == nil || !*props.FitToPage {
			t.Errorf("%s is not fitted to the page: %+v %v", sheet, props, err)
		}
		if hf, err := f.GetHeaderFooter(sheet); err != nil || hf.OddFooter != "&C第 &P 页 共 &N 页" {
			t.Errorf("%s footer %+v %v", sheet, hf, err)
		}
	}
	names := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		names[dn.Scope+" "+dn.Name] = dn.RefersTo
	}
	if names["打印 _xlnm.Print_Titles"] != "'打印'!$3:$3" || names["台账 _xlnm.Print_Titles"] != "'台账'!$1:$1" ||
		names["承办单位汇总 _xlnm.Print_Titles"] != "'承办单位汇总'!$1:$1" {
		t.Errorf("print titles: %v", names)
	}
	// The sheet for paper: its title, the date and the count, the ten
	// columns, a row per item as the data sheet has it, and a total; its
	// print area is exactly that.
	prows, _ := f.GetRows("打印")
	if len(prows) != 3+14+1 || names["打印 _xlnm.Print_Area"] != "'打印'!$A$1:$J$18" {
		t.Fatalf("%d rows on the print sheet, print area %q", len(prows), names["打印 _xlnm.Print_Area"])
	}
	if prows[0][0] != "武昌区人民政府2026年人大代表议案建议办理台账" || !strings.HasPrefix(prows[1][0], "截至2026年") ||
		!strings.Contains(prows[1][0], "共14件") || strings.Join(prows[2], "|") != "编号|标题|领衔代表|主办单位|答复期限|状态|答复日期|超期答复|代表评价|超期天数" {
		t.Fatalf("print sheet heading %q", prows[:3])
	}
	late := 0
	for i, p := range prows[3 : 3+14] {
		r := rows[1+i]
		for len(r) < 28 {
			r = append(r, "")
		}
		for len(p) < 10 {
			p = append(p, "")
		}
		// number, title, author, lead, deadline, status, first reply,
		// replied late, days overdue: the data sheet's columns.
		for pc, dc := range map[int]int{0: 0, 1: 3, 2: 5, 3: 7, 4: 14, 5: 11, 6: 15, 7: 27, 9: 26} {
			if p[pc] != r[dc] {
				t.Errorf("%s: print column %d %q, data column %d %q", p[0], pc, p[pc], dc, r[dc])
			}
		}
		if r[20] != "" && p[8] != r[20] {
			t.Errorf("%s: rating %q, outcome %q", p[0], p[8], r[20])
		}
		n, _ := strconv.Atoi(p[7])
		late += n
	}
	if total := prows[17]; total[0] != "合计" || total[1] != "14件" || total[7] != strconv.Itoa(late) || late == 0 {
		t.Errorf("print totals %v (late replies %d)", total, late)
	}
	if props, err := f.GetDocProps(); err != nil || props.Creator != "武昌区人民政府" || !strings.HasPrefix(props.Created, "2026-") {
		t.Errorf("document properties %+v %v", props, err)
	}
}

func mustSnapshot(t *testing.T, h *apptest.Harness) deputybot.Snapshot {
	t.Helper()
	snap, err := h.App.Service.ReportSnapshot(context.Background(), h.Clock.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}
