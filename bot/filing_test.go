package bot_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"deputybot"
	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
)

// join invites a person as the admin and has him open the link.
func join(t testing.TB, h *apptest.Harness, admin *telegramtest.Chat, args string, id int64, lang string) *telegramtest.Chat {
	t.Helper()
	msgs := h.Do(admin, "/invite "+args)
	m := linkRE.FindStringSubmatch(msgs[len(msgs)-1].Text)
	if m == nil {
		t.Fatalf("no link for %s: %q", args, msgs[len(msgs)-1].Text)
	}
	c := h.User(id, fmt.Sprint("U", id), lang)
	h.Do(c, "/start "+m[1])
	return c
}

// file runs /new to the preview: kind, title, body, category (button
// label), no files, co-sponsors chosen by name.
func file(t testing.TB, h *apptest.Harness, c *telegramtest.Chat, kind, title, body, category string, cosponsors ...string) *telegramtest.Message {
	t.Helper()
	q := last(t, h.Do(c, "/new"))
	q = last(t, h.Press(c, q, kind))
	q = last(t, h.Do(c, title))
	q = last(t, h.Do(c, body))
	q = last(t, h.Press(c, q, category))
	q = goOnFiling(t, h, c, q)
	q = last(t, h.Press(c, q, "")) // Done, no files: the first button
	for _, name := range cosponsors {
		q = inPlace(t, h, c, q, name)
	}
	return last(t, h.Press(c, q, doneLabel(q)))
}

// goOnFiling passes the items like the one filed, if the bot shows any.
func goOnFiling(t testing.TB, h *apptest.Harness, c *telegramtest.Chat, q *telegramtest.Message) *telegramtest.Message {
	t.Helper()
	for _, b := range q.Buttons() {
		if b.Text == "继续提出" || b.Text == "Go on filing" {
			return last(t, h.Press(c, q, b.Text))
		}
	}
	return q
}

func doneLabel(m *telegramtest.Message) string {
	for _, b := range m.Buttons() {
		if strings.Contains(b.Text, "完成") || strings.Contains(b.Text, "Done") {
			return b.Text
		}
	}
	return "?"
}

func last(t testing.TB, msgs []*telegramtest.Message) *telegramtest.Message {
	t.Helper()
	if len(msgs) == 0 {
		t.Fatal("no message")
	}
	return msgs[len(msgs)-1]
}

var codeRE = regexp.MustCompile(`/view (?:建议|议案|Suggestion|Motion) (\d{4}-\d{3,})`)

func TestSuggestionFiledStartToFinish(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "zh")
	author := join(t, h, admin, "deputy 张三", 2001, "zh")
	cos := join(t, h, admin, "deputy 李四", 2002, "zh")
	admin.Unread()

	kindQ := one(t, h.Do(author, "/new"), "要提交什么", "10名以上代表联名")
	titleQ := one(t, h.Press(author, kindQ, "建议"), "建议的标题")
	_ = titleQ
	one(t, h.Do(author, "关于增设社区老年食堂的建议"), "建议的正文")
	catQ := one(t, h.Do(author, "武昌区老年人口多，\n建议在每个社区增设老年食堂。"), "请选择类别")
	attQ := one(t, h.Press(author, catQ, "养老服务"), "发送文件或照片")
	h.WaitHandled(author.SendFile("调研报告.pdf", "application/pdf", []byte("%PDF-1.4 report"), ""))
	one(t, author.Unread(), "已收到调研报告.pdf（1/10）")
	h.WaitHandled(author.SendPhoto(""))
	got := one(t, author.Unread(), "已收到照片（2/10）")
	_ = attQ
	cosQ := one(t, h.Press(author, got, "完成"), "需要其他代表附议吗")
	if cosQ.Button("张三") != nil {
		t.Fatal("the author is offered as his own co-sponsor")
	}
	cosQ = inPlace(t, h, author, cosQ, "李四", "需要其他代表附议吗")
	if cosQ.Button("✅ 李四") == nil {
		t.Fatalf("selection not shown: %v", cosQ.Buttons())
	}
	preview := one(t, h.Press(author, cosQ, "完成（已选1位）"), "请核对", "建议（草稿）", "关于增设社区老年食堂的建议",
		"类别：养老服务", "领衔代表：张三", "李四（待确认）", "附件：2个", "武昌区老年人口多，\n建议在每个社区增设老年食堂。")
	one(t, h.Press(author, preview, "提交"), "已提交：建议 2026-001", "/view 建议 2026-001")
	// /view takes the number as the bot shows it, with or without the
	// space, as a Chinese input method types it, and in English.
	for _, shown := range []string{"建议 2026-001", "建议2026-001", "建议２０２６－００１", "suggestion 2026-1", "2026-001"} {
		one(t, h.Do(author, "/view "+shown), "建议 2026-001 · 已提交，待交办", "关于增设社区老年食堂的建议")
	}

	// The office hears of it; the co-sponsor is asked.
	one(t, admin.Unread(), "新建议 2026-001", "闭会期间", "关于增设社区老年食堂的建议", "张三")
	req := one(t, cos.Unread(), "张三邀请您附议这件建议", "关于增设社区老年食堂的建议")
	one(t, h.Press(cos, req, "同意附议"), "您已同意附议建议 2026-001")
	one(t, author.Unread(), "李四同意附议建议 2026-001", "已确认1位")
	// Pressing it again is refused and changes nothing.
	h.WaitHandled(cos.Press(req, req.Button("同意附议").CallbackData))
	if ans := cos.Answer(); !strings.Contains(ans, "已经答复过") {
		t.Fatalf("second press: %q", ans)
	}

	card := one(t, h.Do(author, "/view 2026-001"), "建议 2026-001 · 已提交，待交办 · 闭会期间", "李四 ✓", "办理记录",
		"张三起草", "张三提交（闭会期间）", "李四同意附议", "2026-03-02 09:00")
	msgs := h.Press(author, card, "附件（2）")
	_ = msgs
	docs, photos := h.TG.Calls("sendDocument"), h.TG.Calls("sendPhoto")
	if len(docs) != 1 || len(photos) != 1 || docs[0].Params["document"] != "userfile-1" {
		t.Fatalf("attachments resent: %d documents, %d photos", len(docs), len(photos))
	}
	one(t, h.Do(author, "/my"), "我的议案建议", "共1件", "建议 2026-001 · 关于增设社区老年食堂的建议 · 已提交，待交办")
	one(t, h.Do(cos, "/my"), "建议 2026-001")
	one(t, h.Do(admin, "/inbox"), "待交办", "共1件", "建议 2026-001")
}

func TestMotionWaitsForCoSponsorsThenSubmits(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID), apptest.WithRules(func(r *deputybot.Rules) { r.MotionSigners = 4 }))
	admin := h.User(adminID, "Admin", "en")
	author := join(t, h, admin, "deputy Alice", 2001, "en")
	b := join(t, h, admin, "deputy Bob", 2002, "en")
	c := join(t, h, admin, "deputy Carol", 2003, "en")
	d := join(t, h, admin, "deputy Dan", 2004, "en")
	e := join(t, h, admin, "deputy Eve", 2005, "en")
	admin.Unread()

	preview := file(t, h, author, "Motion", "Renovate old compounds", "302 compounds by 2025.", "Urban construction", "Bob", "Carol")
	link := regexp.MustCompile(`start=(cs_[A-Za-z0-9_-]+)`).FindStringSubmatch(preview.Text)
	if link == nil || !strings.Contains(preview.Text, "A motion needs 4 deputies' signatures: the lead deputy and 3 co-sponsors; 0 have confirmed") {
		t.Fatalf("preview: %q", preview.Text)
	}
	one(t, h.Press(author, preview, "Submit"), "needs 4 signatures, yours and 3 co-sponsors'; 0 have confirmed", "submitted as soon as enough do")
	if got := admin.Unread(); len(got) != 0 {
		t.Fatalf("office told of an unsubmitted motion: %q", got[0].Text)
	}
	one(t, h.Do(author, "/my"), "Motion (draft) · Renovate old compounds · draft, waiting for co-sponsors")

	one(t, h.Press(b, one(t, b.Unread(), "Alice asks you to co-sponsor this motion"), "Co-sponsor"), "You co-sponsor this motion “Renovate old compounds”.")
	reqC := one(t, c.Unread(), "Alice asks you")
	one(t, h.Press(c, reqC, "Decline"), "You declined")
	msgs := author.Unread()
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "Bob co-sponsors") || !strings.Contains(msgs[1].Text, "Carol declined") {
		t.Fatalf("author's news: %d", len(msgs))
	}
	// Dan opens the share link and joins; so does Eve: the third
	// confirmation submits the motion.
	card := last(t, h.Do(d, "/start "+link[1]))
	if !strings.Contains(card.Text, "Renovate old compounds") || card.Button("Co-sponsor") == nil {
		t.Fatalf("share link card: %q", card.Text)
	}
	one(t, h.Press(d, card, "Co-sponsor"), "You co-sponsor")
	one(t, author.Unread(), "Dan co-sponsors", "2 confirmed")
	card = last(t, h.Do(e, "/start "+link[1]))
	// Eve's confirmation submits it: her answer gives its number.
	one(t, h.Press(e, card, "Co-sponsor"), "You co-sponsor Motion 2026-001 “Renovate old compounds”.")
	one(t, author.Unread(), "Eve co-sponsors", "3 confirmed", "has been submitted. To follow it, send /view Motion 2026-001")
	one(t, admin.Unread(), "New Motion 2026-001", "Renovate old compounds", "Alice")
	// Those who co-sponsor it learn its number; the one who declined
	// hears nothing more.
	for _, co := range []*telegramtest.Chat{b, d} {
		one(t, co.Unread(), "Motion 2026-001 “Renovate old compounds” (by Alice), which you co-sponsor, has been submitted")
	}
	if got := c.Unread(); len(got) != 0 {
		t.Fatalf("the co-sponsor who declined was told: %q", got[0].Text)
	}
	one(t, h.Do(author, "/view M2026-001"), "Motion 2026-001 · submitted", "Bob ✓", "Carol (declined)", "Dan ✓", "Eve ✓",
		"Alice submitted it, waiting for co-sponsors", "Dan co-sponsored it by link", "system submitted it")
	// A co-sponsor who declined cannot change his answer by the old button.
	h.WaitHandled(c.Press(reqC, reqC.Button("Co-sponsor").CallbackData))
	if ans := c.Answer(); !strings.Contains(ans, "already answered") {
		t.Fatalf("declined co-sponsor re-answered: %q", ans)
	}
}

func TestFilingValidationMessages(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	dep := join(t, h, admin, "deputy Alice", 2001, "en")
	kindQ := one(t, h.Do(dep, "/new"), "What do you want to file")
	reask := func(text, want, question string) {
		t.Helper()
		msgs := h.Do(dep, text)
		if len(msgs) != 2 || !strings.Contains(msgs[0].Text, want) || !strings.Contains(msgs[1].Text, question) {
			var got []string
			for _, m := range msgs {
				got = append(got, m.Text)
			}
			t.Fatalf("%.30q: got %q, want %q then %q", text, got, want, question)
		}
	}
	reask("petition", "choose “suggestion” or “motion”", "What do you want to file")
	one(t, h.Press(dep, kindQ, "Suggestion"), "Title of your Suggestion")
	reask("   ", "must not be empty", "Title of")
	reask(strings.Repeat("t", 101), "at most 100 characters, you sent 101", "Title of")
	reask("two\nlines", "single line", "Title of")
	h.WaitHandled(dep.SendSticker())
	if msgs := dep.Unread(); len(msgs) != 2 || !strings.Contains(msgs[0].Text, "Please send text") {
		t.Fatal("sticker as title")
	}
	one(t, h.Do(dep, strings.Repeat("t", 100)), "Text of your Suggestion")
	reask(strings.Repeat("b", 4000), "at most 3000 characters, you sent 4000", "Text of")
	one(t, h.Do(dep, strings.Repeat("b", 3000)), "Choose a category")
	reask("Astrology", "choose a category from the buttons", "Choose a category")
	one(t, h.Do(dep, "Education"), "Send documents or photos")
	reask("here is my file", "send a file or a photo", "Send documents")
	for i := 0; i < 10; i++ {
		h.WaitHandled(dep.SendFile(fmt.Sprintf("f%d.pdf", i), "application/pdf", []byte("x"), ""))
	}
	dep.Unread()
	h.WaitHandled(dep.SendFile("f10.pdf", "application/pdf", []byte("x"), ""))
	if msgs := dep.Unread(); len(msgs) != 2 || !strings.Contains(msgs[0].Text, "At most 10 files") {
		t.Fatal("eleventh file accepted")
	}
	// Nothing typed was lost on the way.
	q := last(t, h.Do(dep, "/help"))
	_ = q
	msgs := h.Do(dep, "/cancel")
	one(t, msgs, "Cancelled")
}
