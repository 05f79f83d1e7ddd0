package bot_test

import (
	"strings"
	"testing"
	"time"

	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
)

// cast is everyone in a handling story.
type cast struct {
	h                         *apptest.Harness
	admin, deputy, lead, co   *telegramtest.Chat
	leader, supervisor, lead2 *telegramtest.Chat
	other                     *telegramtest.Chat // a contact of a department not involved
}

func newCast(t *testing.T, lang string, opts ...apptest.Option) *cast {
	h := apptest.Start(t, append([]apptest.Option{apptest.Admins(adminID)}, opts...)...)
	c := &cast{h: h, admin: h.User(adminID, "Admin", lang)}
	zh := lang == "zh"
	pick := func(zhName, enName string) string {
		if zh {
			return zhName
		}
		return enName
	}
	for _, d := range []string{pick("区住建局", "Housing Bureau"), pick("区民政局", "Civil Affairs Bureau"), pick("区教育局", "Education Bureau")} {
		h.Do(c.admin, "/departments add "+d)
	}
	c.deputy = join(t, h, c.admin, pick("deputy 张三", "deputy Zhang San"), 2001, lang)
	c.lead = join(t, h, c.admin, pick("contact 李四 区住建局", "contact Li Si Housing Bureau"), 3001, lang)
	c.lead2 = join(t, h, c.admin, pick("contact 李五 区住建局", "contact Li Wu Housing Bureau"), 3003, lang)
	c.co = join(t, h, c.admin, pick("contact 赵六 区民政局", "contact Zhao Liu Civil Affairs Bureau"), 3002, lang)
	c.other = join(t, h, c.admin, pick("contact 孙七 区教育局", "contact Sun Qi Education Bureau"), 3004, lang)
	c.leader = join(t, h, c.admin, pick("leader 王区长", "leader Mayor Wang"), 4001, lang)
	c.supervisor = join(t, h, c.admin, pick("supervisor 周督查", "supervisor Zhou"), 5001, lang)
	c.readAll()
	return c
}

// readAll marks every message of the cast read.
func (c *cast) readAll() {
	for _, ch := range []*telegramtest.Chat{c.admin, c.deputy, c.lead, c.lead2, c.co, c.other, c.leader, c.supervisor} {
		ch.Unread()
	}
}

// quiet asserts that these chats got nothing new.
func quiet(t *testing.T, chats ...*telegramtest.Chat) {
	t.Helper()
	for _, c := range chats {
		if msgs := c.Unread(); len(msgs) != 0 {
			t.Fatalf("chat %d got unexpected %q", c.ID, msgs[0].Text)
		}
	}
}

// card opens an item's card for a chat by /view.
func card(t *testing.T, h *apptest.Harness, c *telegramtest.Chat, number string) *telegramtest.Message {
	t.Helper()
	msgs := h.Do(c, "/view "+number)
	return msgs[len(msgs)-1]
}

func TestOneSuggestionThroughEverything(t *testing.T) {
	c := newCast(t, "zh")
	h := c.h
	day := func() { h.Clock.Advance(24 * time.Hour) }

	// Filed.
	one(t, h.Press(c.deputy, file(t, h, c.deputy, "建议", "关于加装电梯的建议", "老旧小区需要加装电梯。", "城市建设"), "提交"), "已提交：建议 2026-001")
	one(t, c.admin.Unread(), "新建议 2026-001")
	quiet(t, c.lead, c.co, c.leader, c.supervisor)

	// Assigned to a lead and a co-department, with a leader.
	day()
	q := one(t, h.Do(c.admin, "/assign 2026-001"), "请选择主办单位")
	q = one(t, h.Press(c.admin, q, "区住建局"), "协办单位")
	q = inPlace(t, h, c.admin, q, "区民政局", "协办单位")
	q = one(t, h.Press(c.admin, q, "完成"), "领办领导")
	q = one(t, h.Press(c.admin, q, "王区长"), "重点督办")
	q = one(t, h.Press(c.admin, q, "否"), "答复期限默认为2026-06-03")
	q = one(t, h.Press(c.admin, q, "使用2026-06-03"), "主办：区住建局", "协办：区民政局", "领办领导：王区长", "答复期限：2026-06-03")
	one(t, h.Press(c.admin, q, "确认交办"), "已交办建议 2026-001，答复期限2026-06-03")
	one(t, c.deputy.Unread(), "已交区住建局办理，答复期限2026-06-03")
	one(t, c.lead.Unread(), "新交办件：建议 2026-001", "本单位主办")
	one(t, c.lead2.Unread(), "新交办件：建议 2026-001")
	one(t, c.co.Unread(), "协办件：建议 2026-001", "主办单位区住建局", "2026-04-03前提交协办意见")
	one(t, c.leader.Unread(), "您领办的建议 2026-001", "已提交，待交办 → 已交办")
	quiet(t, c.other, c.supervisor)

	// The co-department's opinion.
	day()
	list := one(t, h.Do(c.co, "/pending"), "本单位待办", "建议 2026-001", "协办", "剩30天（2026-04-03）")
	cd := one(t, h.Press(c.co, list, "1"), "建议 2026-001")
	one(t, h.Press(c.co, cd, "提交协办意见"), "协办意见")
	one(t, h.Do(c.co, "民政局可协调加装电梯补贴。"), "协办意见已送主办单位")
	one(t, c.lead.Unread(), "区民政局已提交建议 2026-001")
	one(t, c.lead2.Unread(), "区民政局已提交")
	quiet(t, c.deputy, c.leader)

	// A reply before any contact is refused, with the reason.
	cd = card(t, h, c.lead, "2026-001")
	h.WaitHandled(c.lead.PressButton(cd, "答复"))
	if ans := c.lead.Answer(); !strings.Contains(ans, "请先记录与代表的沟通") {
		t.Fatalf("reply before contact: %q", ans)
	}
	quiet(t, c.lead)

	// Contact logged and confirmed.
	day()
	cd = card(t, h, c.lead, "2026-001")
	q = one(t, h.Press(c.lead, cd, "记录沟通"), "哪天与代表沟通")
	q = one(t, h.Press(c.lead, q, "今天"), "这次沟通在办理的哪个阶段")
	q = one(t, h.Press(c.lead, q, "办前"), "以什么方式与代表沟通的")
	q = one(t, h.Press(c.lead, q, "电话"), "简要记录")
	one(t, h.Do(c.lead, "电话了解了楼栋情况"), "沟通记录已保存")
	ask := one(t, c.deputy.Unread(), "区住建局是否已就建议 2026-001", "2026-03-05通过电话与您沟通", "电话了解了楼栋情况")
	one(t, c.leader.Unread(), "已交办 → 办理中")
	one(t, h.Press(c.deputy, ask, "是的"), "已确认沟通")
	one(t, c.lead.Unread(), "代表张三确认了建议 2026-001《关于加装电梯的建议》的第1次沟通")
	quiet(t, c.lead, c.admin)

	// Reply B.
	day()
	cd = card(t, h, c.lead, "2026-001")
	q = one(t, h.Press(c.lead, cd, "答复"), "答复分类")
	q = one(t, h.Press(c.lead, q, "B 类"), "答复正文")
	q = one(t, h.Do(c.lead, "已列入今年加装计划，预计年底完工。"), "B类答复须列明承诺")
	q = one(t, h.Do(c.lead, "完成加装，2026年12月31日"), "正式答复文件")
	q = one(t, h.Press(c.lead, q, "跳过"), "请确认答复（B 类：正在解决或列入计划）", "已列入今年加装计划",
		"1. 2026-12-31前：完成加装")
	one(t, h.Press(c.lead, q, "发送答复"), "答复已送代表")
	reply := one(t, c.deputy.Unread(), "区住建局答复了您的建议 2026-001", "B 类", "协办单位：区民政局", "已列入今年加装计划", "请分两项评价", "不经过承办单位")
	one(t, c.leader.Unread(), "办理中 → 已答复，待评价")
	quiet(t, c.admin, c.co)

	// Rated unsatisfied, with a reason: rehandling.
	day()
	one(t, rate(t, h, c.deputy, reply, "态度满意", "结果不满意"), "请说明不满意的理由")
	done := one(t, h.Do(c.deputy, "没有说明资金来源。"), "不满意", "将重新办理，新的答复期限2026-04-06",
		"协办单位的意见也可以评价")
	// The co-department's opinion, rated with one tap: the row leaves the
	// message, nothing more is sent, nobody is told.
	done = inPlace(t, h, c.deputy, done, "区民政局：基本满意")
	if len(done.Buttons()) != 0 || !strings.Contains(c.deputy.Answer(), "已记录您对区民政局的评价：基本满意") {
		t.Fatalf("after the co-department's rating: %v %q", done.Buttons(), c.deputy.Answer())
	}
	quiet(t, c.co)
	lm := c.lead.Unread()
	if len(lm) != 2 || !strings.Contains(lm[0].Text, "评价：办理结果不满意，沟通办理态度满意") || !strings.Contains(lm[0].Text, "没有说明资金来源") ||
		!strings.Contains(lm[1].Text, "需重新办理，新的答复期限2026-04-06") {
		t.Fatalf("lead contact after the unsatisfied rating: %d messages", len(lm))
	}
	c.lead2.Unread()
	one(t, c.admin.Unread(), "不满意", "区住建局", "没有说明资金来源")
	one(t, c.leader.Unread(), "已答复，待评价 → 重新办理中")

	// Second reply A.
	day()
	cd = card(t, h, c.lead, "2026-001")
	q = one(t, h.Press(c.lead, cd, "答复"), "答复分类")
	q = one(t, h.Press(c.lead, q, "A 类"), "答复正文")
	q = one(t, h.Do(c.lead, "资金由市区两级财政承担，已开工。"), "正式答复文件")
	h.WaitHandled(c.lead.SendFile("答复函.pdf", "application/pdf", []byte("%PDF reply"), ""))
	q = one(t, c.lead.Unread(), "附件：答复函.pdf")
	one(t, h.Press(c.lead, q, "发送答复"), "答复已送代表")
	reply = one(t, c.deputy.Unread(), "A 类", "资金由市区两级财政承担", "这是第2轮、也是最后一轮答复")
	one(t, c.leader.Unread(), "重新办理中 → 已答复，待评价")

	// Rated basically satisfied: closed.
	day()
	one(t, rate(t, h, c.deputy, reply, "态度满意", "结果基本满意"), "办理结果基本满意，沟通办理态度满意", "此件已办结")
	one(t, c.lead.Unread(), "评价：办理结果基本满意，沟通办理态度满意")
	one(t, c.leader.Unread(), "已答复，待评价 → 已办结")
	quiet(t, c.admin, c.co, c.supervisor, c.other)

	// The final record.
	final := card(t, h, c.deputy, "2026-001")
	want := []string{
		"张三起草", "张三提交（闭会期间）",
		"Admin交办：主办区住建局，期限2026-06-03",
		"赵六提交协办意见（区民政局）",
		"李四记录沟通（2026-03-05，办前，电话）", "张三确认沟通",
		"李四第1轮答复（B 类：正在解决或列入计划）",
		"张三评价第1轮答复：办理结果不满意，沟通办理态度满意", "系统启动重新办理，期限2026-04-06", "张三评价协办单位区民政局的意见：基本满意",
		"李四第2轮答复（A 类：已解决或基本解决）",
		"张三评价第2轮答复：办理结果基本满意，沟通办理态度满意", "系统办结：基本满意",
	}
	text := final.Text
	pos := 0
	for _, w := range want {
		i := strings.Index(text[pos:], w)
		if i < 0 {
			t.Fatalf("timeline lacks %q (in order) in:\n%s", w, text)
		}
		pos += i + len(w)
	}
	for _, w := range []string{"建议 2026-001 · 已办结", "办理结果：基本满意", "沟通1：2026-03-05 办前 · 电话 · 代表已确认 ✓",
		"协办意见（区民政局）", "第1轮答复 · B 类", "代表评价：办理结果不满意，沟通办理态度满意 — 没有说明资金来源。", "第2轮答复 · A 类",
		"代表评价：办理结果基本满意，沟通办理态度满意", "沟通尚缺：面对面沟通、办后回访"} {
		if !strings.Contains(text, w) {
			t.Fatalf("card lacks %q:\n%s", w, text)
		}
	}
	// The co-department's rating is on the office's card, not the
	// deputy's nor the departments'.
	if office := card(t, h, c.admin, "2026-001").Text; !strings.Contains(office, "协办单位区民政局：基本满意") {
		t.Fatalf("the office's card lacks the co-department's rating:\n%s", office)
	}
	for _, ch := range []*telegramtest.Chat{c.co, c.lead} {
		if strings.Contains(card(t, h, ch, "2026-001").Text, "协办单位区民政局：") {
			t.Fatalf("chat %d sees the co-department's rating", ch.ID)
		}
	}
	// The card's document button resends the second reply's file.
	h.Press(c.deputy, reply, "答复附件")
	if docs := h.TG.Calls("sendDocument"); len(docs) != 1 || docs[0].ChatID() != 2001 {
		t.Fatalf("reply document resent %d times", len(docs))
	}
}

// assigned files a suggestion as the deputy and assigns it (lead: the
// first department) as the admin; returns its number.
func (c *cast) assigned(t *testing.T, title string) string {
	t.Helper()
	h := c.h
	m := one(t, h.Press(c.deputy, file(t, h, c.deputy, "Suggestion", title, "Text.", "Transport"), "Submit"), "Submitted")
	number := codeRE.FindStringSubmatch(m.Text)[1]
	q := last(t, h.Do(c.admin, "/assign "+number))
	q = last(t, h.Press(c.admin, q, "Housing Bureau"))
	q = inPlace(t, h, c.admin, q, "Civil Affairs Bureau")
	q = last(t, h.Press(c.admin, q, "Done"))
	q = last(t, h.Press(c.admin, q, "No leader"))
	q = last(t, h.Press(c.admin, q, "No"))
	q = last(t, h.Press(c.admin, q, "Use "))
	one(t, h.Press(c.admin, q, "Assign"), "assigned")
	c.readAll()
	return number
}

func (c *cast) logContact(t *testing.T, number string) {
	t.Helper()
	h := c.h
	q := one(t, h.Press(c.lead, card(t, h, c.lead, number), "Log contact"), "When did you talk")
	q = one(t, h.Press(c.lead, q, "Today"), "When in the handling")
	q = one(t, h.Press(c.lead, q, "Before the work"), "How did you contact the deputy?")
	q = one(t, h.Press(c.lead, q, "Face to face"), "short note")
	one(t, h.Press(c.lead, q, "Skip"), "Contact logged")
	c.deputy.Unread()
}

func (c *cast) replyAs(t *testing.T, who *telegramtest.Chat, number, class, text string) *telegramtest.Message {
	t.Helper()
	h := c.h
	q := one(t, h.Press(who, card(t, h, who, number), "Reply"), "Classify")
	q = one(t, h.Press(who, q, class+":"), "text of the reply")
	switch class {
	case "B":
		q = one(t, h.Do(who, text), "states its promises")
		q = one(t, h.Do(who, "2026-12-31 works finished"), "formal reply document")
	case "C":
		q = one(t, h.Do(who, text), "If this class C reply plans something")
		q = one(t, h.Press(who, q, "No promises"), "formal reply document")
	default:
		q = one(t, h.Do(who, text), "formal reply document")
	}
	return one(t, h.Press(who, q, "Skip"), "Please confirm the reply")
}

func TestExtensionRequestAndDecision(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Bus lane")
	q := one(t, h.Press(c.lead, card(t, h, c.lead, n), "Ask for extension"), "Why is an extension needed")
	one(t, h.Do(c.lead, "Needs a traffic study."), "Extension request sent")
	dec := one(t, c.admin.Unread(), "Housing Bureau asks for an extension", "Needs a traffic study.")
	// While one request is pending there is no second.
	cd := card(t, h, c.lead, n)
	if cd.Button("Ask for extension") != nil || !strings.Contains(cd.Text, "Extension request awaiting the office: Needs a traffic study.") {
		t.Fatalf("card during a pending request: %q %v", cd.Text, cd.Buttons())
	}
	h.WaitHandled(c.lead.Press(cd, "ha:"+itemID(t, cd)+":ex"))
	if ans := c.lead.Answer(); !strings.Contains(ans, "already awaiting") {
		t.Fatalf("second request: %q", ans)
	}
	q = one(t, h.Press(c.admin, dec, "Decide request"), "asks for an extension", "now due 2026-06-02")
	q = one(t, h.Press(c.admin, q, "Approve extension"), "default (at the latest 2026-09-02)")
	msgs := h.Do(c.admin, "2026-09-30")
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "2026-09-02 at the latest") {
		t.Fatalf("extension beyond six months: %q", msgs[0].Text)
	}
	one(t, h.Do(c.admin, "2026-08-01"), "Extension of Suggestion 2026-001 approved: the reply is now due 2026-08-01 (lead: Housing Bureau).")
	one(t, c.deputy.Unread(), "extended; new deadline 2026-08-01")
	one(t, c.lead.Unread(), "extended Suggestion 2026-001 to 2026-08-01")
	_ = q
	one(t, h.Do(c.lead, "/view "+n), "Reply due: 152 days left (2026-08-01)", "Extended once", "approved an extension: 2026-06-02 → 2026-08-01")
}

// itemID reads the item id from a card's view or action buttons.
func itemID(t *testing.T, m *telegramtest.Message) string {
	t.Helper()
	for _, b := range m.Buttons() {
		parts := strings.Split(b.CallbackData, ":")
		if len(parts) >= 2 && len(parts[1]) == 24 {
			return parts[1]
		}
	}
	t.Fatalf("no item id in %v", m.Buttons())
	return ""
}

// TestTypingWhereButtonsAreAskedFitsTheStep: text typed at a step that
// takes a button gets a prompt about that step (there is no preview
// here), and the step goes on.
func TestTypingWhereButtonsAreAskedFitsTheStep(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Typed instead of pressed")
	q := one(t, h.Press(c.lead, card(t, h, c.lead, n), "Log contact"), "When did you talk")
	q = one(t, h.Press(c.lead, q, "Today"), "When in the handling")
	one(t, h.Press(c.lead, q, "Before the work"), "How did you contact the deputy?")
	msgs := h.Do(c.lead, "by phone")
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "please choose with the buttons of the message above") ||
		strings.Contains(msgs[0].Text, "preview") || !strings.Contains(msgs[1].Text, "How did you contact the deputy?") {
		for _, m := range msgs {
			t.Logf("got %q", m.Text)
		}
		t.Fatal("typed at the method step: no prompt that fits it")
	}
	one(t, h.Press(c.lead, msgs[1], "Phone call"), "short note")
}

// TestCardGivesAnOpinionDeadlineOnlyWhileItIsDue: a co-department's
// deadline shows while its opinion is due; once the lead has replied
// without it, the card says no opinion was given, not a stale date.
func TestCardGivesAnOpinionDeadlineOnlyWhileItIsDue(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Quiet co-department")
	one(t, h.Do(c.deputy, "/view "+n), "Civil Affairs Bureau (opinion: 31 days left")
	c.logContact(t, n)
	one(t, h.Press(c.lead, c.replyAs(t, c.lead, n, "B", "We will look into it."), "Send reply"), "Reply sent")
	c.deputy.Unread() // the reply to rate
	got := one(t, h.Do(c.deputy, "/view "+n), "Civil Affairs Bureau (no opinion given)")
	if strings.Contains(got.Text, "opinion: ") {
		t.Fatalf("a stale opinion deadline: %s", got.Text)
	}
}
