package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
)

func TestReturnRequestAndReassignment(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Wrong desk")
	one(t, h.Press(c.lead, card(t, h, c.lead, n), "Ask to return"), "Why should it be returned")
	one(t, h.Do(c.lead, "Schools are not ours."), "Return request sent")
	dec := one(t, c.admin.Unread(), "Housing Bureau asks to return", "Schools are not ours.")
	if strings.Contains(dec.Text, "exception") {
		t.Fatal("an in-time request marked late")
	}
	q := one(t, h.Press(c.admin, dec, "Decide request"), "asks to return")
	q = one(t, h.Press(c.admin, q, "Reassign"), "Which department leads it now")
	if q.Button("Housing Bureau") != nil {
		t.Fatal("the current lead is offered again")
	}
	q = one(t, h.Press(c.admin, q, "Education Bureau"), "new reply deadline is 2026-06-02")
	one(t, h.Press(c.admin, q, "Use 2026-06-02"), "Return approved: Suggestion 2026-001 now goes to Education Bureau, reply due 2026-06-02.")
	one(t, c.lead.Unread(), "now handled by Education Bureau")
	one(t, c.other.Unread(), "New assignment: Suggestion "+"2026-001")
	one(t, c.deputy.Unread(), "now handled by Education Bureau; reply due 2026-06-02")
	// The old department can no longer act on it, nor see it as its own.
	one(t, h.Do(c.lead, "/pending"), "no open items")
	one(t, h.Do(c.other, "/pending"), "Suggestion 2026-001", "92 days left")
}

func TestLateReturnNeedsTheOfficesException(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Old item")
	h.Clock.Advance(14 * 24 * time.Hour) // ten working days later
	one(t, h.Press(c.lead, card(t, h, c.lead, n), "Ask to return"), "More than 7 working days after assignment")
	one(t, h.Do(c.lead, "Outside the government's remit."), "Return request sent")
	dec := one(t, c.admin.Unread(), "asks to return", "granting it is an exception")
	q := one(t, h.Press(c.admin, dec, "Decide request"), "granting it is an exception")
	// Granting it is the office's explicit exception, and the buttons say so.
	if q.Button("Reassign, as an exception") == nil || q.Button("Return to the deputy, as an exception") == nil {
		t.Fatalf("buttons of a late request: %v", q.Buttons())
	}
	one(t, h.Press(c.admin, q, "Return to the deputy, as an exception"), "Return approved: Suggestion 2026-001 went back to the deputy")
	one(t, c.deputy.Unread(), "was returned. Reason: Outside the government's remit.")
	one(t, c.lead.Unread(), "granted the return")
	one(t, h.Do(c.deputy, "/view "+n), "· returned", "Returned: Outside the government's remit.")
}

func TestQualityFlagAndCorrectedReply(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Evasive answer")
	c.logContact(t, n)
	one(t, h.Press(c.lead, c.replyAs(t, c.lead, n, "B", "We will look into it."), "Send reply"), "Reply sent")
	c.deputy.Unread()
	c.lead2.Unread()

	q := one(t, h.Press(c.supervisor, card(t, h, c.supervisor, n), "Review quality"), "What is wrong")
	q = one(t, h.Press(c.supervisor, q, "evasive"), "due 2026-03-17 by default")
	q = one(t, h.Press(c.supervisor, q, "Use 2026-03-17"), "A note for the department")
	one(t, h.Do(c.supervisor, "Say what, when and with which money."), "Quality problem raised", "due 2026-03-17")
	one(t, c.lead.Unread(), "was found: evasive", "by 2026-03-17", "Say what, when and with which money.")
	one(t, h.Do(c.lead, "/pending"), "Suggestion 2026-001", "15 days left (2026-03-17)")
	// The department's digest says what is due: the corrected reply.
	if _, err := h.App.Service.Digests(context.Background(), h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.Settle()
	one(t, c.lead.Unread(), "Suggestion 2026-001", "corrected reply due · 15 days left (2026-03-17)")
	// Only one open flag at a time.
	if card(t, h, c.supervisor, n).Button("Review quality") != nil {
		t.Fatal("a second flag offered while one is open")
	}
	q = one(t, h.Press(c.lead, card(t, h, c.lead, n), "Corrected reply"), "Corrected reply. Classify")
	q = one(t, h.Press(c.lead, q, "B:"), "text of the reply")
	q = one(t, h.Do(c.lead, "Budget approved; works start in May, finish in October."), "states its promises")
	q = one(t, h.Do(c.lead, "works finished by 2026-10-31"), "formal reply document")
	q = one(t, h.Press(c.lead, q, "Skip"), "Please confirm")
	one(t, h.Press(c.lead, q, "Send reply"), "Reply sent")
	// The corrected promise replaces the one not yet reported on.
	fixed := one(t, c.deputy.Unread(), "corrected its reply", "works start in May", "1. by 2026-10-31: works finished", "Please rate")
	if strings.Contains(fixed.Text, "2026-12-31") {
		t.Fatalf("the first reply's promise is still there:\n%s", fixed.Text)
	}
	// The supervisor who flagged it is told, to review the correction.
	one(t, c.supervisor.Unread(), "Housing Bureau corrected the reply to Suggestion 2026-001", "problem you flagged (evasive)", "works start in May")
	cd := one(t, h.Do(c.deputy, "/view "+n), "Quality problem (round 1 reply): evasive · corrected", "Reply, round 1 · B", "corrected",
		"works start in May", "Zhou flagged the reply: evasive", "Li Si sent a corrected reply")
	if strings.Contains(cd.Text, "We will look into it.") {
		t.Fatal("the card shows the superseded reply text")
	}
	one(t, rate(t, h, c.deputy, fixed, "🤝 satisfied", "🎯 basic"), "closed")
	// The B promise: progress until fulfilled.
	q = one(t, h.Press(c.lead, card(t, h, c.lead, n), "Report progress"), "What progress")
	q = one(t, h.Do(c.lead, "Works started."), "promise been fulfilled")
	one(t, h.Press(c.lead, q, "Not yet"), "Progress sent")
	one(t, c.deputy.Unread(), "reports progress", "Works started.")
	q = one(t, h.Press(c.lead, card(t, h, c.lead, n), "Report progress"), "What progress")
	q = one(t, h.Do(c.lead, "Lift in service."), "promise been fulfilled")
	one(t, h.Press(c.lead, q, "Fulfilled"), "Progress sent")
	one(t, c.deputy.Unread(), "promise on Suggestion 2026-001", "fulfilled", "Lift in service.")
	if card(t, h, c.lead, n).Button("Report progress") != nil {
		t.Fatal("progress still asked after the promise was fulfilled")
	}
}

func TestRatingPressedTwiceAndTwoContactsReplyingAtOnce(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Race")
	c.logContact(t, n)
	// Both contacts of the lead department prepare a reply and send it at
	// the same moment.
	a := c.replyAs(t, c.lead, n, "A", "Reply from Li Si.")
	b := c.replyAs(t, c.lead2, n, "C", "Reply from Li Wu.")
	ida := c.lead.PressButton(a, "Send reply")
	idb := c.lead2.PressButton(b, "Send reply")
	h.WaitHandled(ida, idb)
	la, lb := c.lead.Unread(), c.lead2.Unread()
	sent := 0
	for _, msgs := range [][]*telegramtest.Message{la, lb} {
		for _, m := range msgs {
			if strings.Contains(m.Text, "Reply sent") {
				sent++
			}
		}
	}
	answers := c.lead.Answer() + c.lead2.Answer()
	if sent != 1 || !strings.Contains(answers, "current status") {
		t.Fatalf("%d replies accepted; refusal %q", sent, answers)
	}
	reply := one(t, c.deputy.Unread(), "replied to your Suggestion 2026-001")
	// The deputy presses his rating twice (a double tap).
	reply = inPlace(t, h, c.deputy, reply, "🤝 satisfied")
	id1 := c.deputy.PressButton(reply, "🎯 satisfied")
	id2 := c.deputy.PressButton(reply, "🎯 satisfied")
	h.WaitHandled(id1, id2)
	msgs := c.deputy.Unread()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "closed") {
		t.Fatalf("double tap: %d messages", len(msgs))
	}
	cd := one(t, h.Do(c.deputy, "/view "+n))
	if strings.Count(cd.Text, "replied, round 1") != 1 || strings.Count(cd.Text, "rated the round 1 reply") != 1 ||
		strings.Count(cd.Text, "closed it") != 1 {
		t.Fatalf("timeline after the races:\n%s", cd.Text)
	}
}

func TestHandlingRefusalsChangeNothing(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Guarded")
	c.logContact(t, n)
	leadCard := card(t, h, c.lead, n)
	id := itemID(t, leadCard)
	stranger := join(t, h, c.admin, "deputy Nosy", 2999, "en")
	for _, tc := range []struct {
		who  *telegramtest.Chat
		data string
		want string
	}{
		{c.other, "ha:" + id + ":rp", "no such motion"},              // another department: cannot even see it
		{c.co, "ha:" + id + ":rp", "not your part"},                  // the co-department cannot reply
		{c.deputy, "ha:" + id + ":rp", "not your part"},              // nor the author
		{stranger, "rt:" + id + ":1:s", "no such motion"},            // another deputy rating
		{c.deputy, "rt:" + id + ":1:s", "current status"},            // rating before any reply
		{c.supervisor, "ha:" + id + ":as", "not your part"},          // assignment is the office's
		{c.admin, "ha:" + id + ":as", "current status"},              // and only once
		{c.leader, "ha:" + id + ":fl", "no such motion"},             // not this item's leader
		{c.lead, "cc:" + id + ":1:y", "not your part"},               // confirming one's own contact
		{c.deputy, "cc:" + id + ":9:y", "no such contact"},           // a contact that does not exist
		{c.lead, "ha:" + id + ":zz", "no longer active"},             // no such action
		{c.lead, "ha:000000000000000000000000:rp", "no such motion"}, // no such item
	} {
		h.WaitHandled(tc.who.Press(leadCard, tc.data))
		if ans := tc.who.Answer(); !strings.Contains(ans, tc.want) {
			t.Errorf("%s by %d: answer %q, want %q", tc.data, tc.who.ID, ans, tc.want)
		}
		if msgs := tc.who.Unread(); len(msgs) != 0 {
			t.Errorf("%s by %d: produced %q", tc.data, tc.who.ID, msgs[0].Text)
		}
	}
	after := card(t, h, c.lead, n)
	if !strings.Contains(after.Text, "· in progress") || strings.Count(after.Text, "·") != strings.Count(leadCard.Text, "·") {
		t.Fatalf("refusals changed the item:\n%s\n---\n%s", leadCard.Text, after.Text)
	}
}

func TestHolidayCalendarLoading(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	one(t, h.Do(c.admin, "/holidays"), "No holiday calendar loaded", "2026-10-01..2026-10-07 holiday")
	h.WaitHandled(c.admin.SendFile("bad.txt", "text/plain", []byte("2026-10-01 holiday\n2026-13-01 holiday\n2026-10-02 party\n"), ""))
	msgs := c.admin.Unread()
	if len(msgs) < 2 || !strings.Contains(msgs[0].Text, "2 problems; nothing was changed") ||
		!strings.Contains(msgs[0].Text, "line 2:") || !strings.Contains(msgs[0].Text, "line 3:") {
		t.Fatalf("bad calendar: %q", msgs[0].Text)
	}
	one(t, h.Do(c.admin, "/cancel"), "Cancelled")
	one(t, h.Do(c.admin, "/holidays"), "No holiday calendar loaded")
	h.WaitHandled(c.admin.SendFile("2026.txt", "text/plain", []byte("# China 2026\n2026-10-01..2026-10-07 holiday National Day\n2026-10-10 workday\n"), ""))
	one(t, c.admin.Unread(), "Holiday calendar loaded (8 days)")
	one(t, h.Do(c.admin, "/holidays"), "Holidays: 7; make-up working days: 1.", "2026-10-01 off National Day", "2026-10-10 work")
	one(t, h.Do(c.admin, "/cancel"), "Cancelled")
	one(t, h.Do(c.lead, "/holidays"), "Your roles do not include /holidays")
}

func TestMotionTargetsAndProgress(t *testing.T) {
	c := newCast(t, "zh", apptest.WithRules(func(r *deputybot.Rules) { r.MotionSigners = 1 }))
	h := c.h
	one(t, h.Press(c.deputy, file(t, h, c.deputy, "议案", "关于推进老旧小区改造的议案", "到“十四五”末完成改造。", "城市建设"), "提交"), "已提交：议案 2026-001")
	c.admin.Unread()
	q := one(t, h.Do(c.admin, "/assign M2026-001"), "主办单位")
	q = one(t, h.Press(c.admin, q, "区住建局"))
	q = one(t, h.Press(c.admin, q, "完成"))
	q = one(t, h.Press(c.admin, q, "王区长"))
	q = one(t, h.Press(c.admin, q, "是"))
	q = one(t, h.Press(c.admin, q, "使用"), "可衡量的办理目标")
	msgs := h.Do(c.admin, "改造老旧小区 0 个")
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "目标格式有误：\n第1行：目标数字须为正整数。") || strings.Contains(msgs[0].Text, "line") {
		t.Fatalf("bad targets: %q", msgs[0].Text)
	}
	// A target without a number is done or not.
	q = one(t, h.Do(c.admin, "完成改造老旧小区 302 个\n2021年底新开工 54 个\n建立长效管理机制"), "重点督办：是", "办理目标",
		"1. 完成改造老旧小区302个\n2. 2021年底新开工54个\n3. 建立长效管理机制（完成与否）")
	one(t, h.Press(c.admin, q, "确认交办"), "已交办议案 2026-001")
	for _, ch := range []*telegramtest.Chat{c.deputy, c.lead, c.lead2, c.leader} {
		ch.Unread()
	}
	q = one(t, h.Press(c.lead, card(t, h, c.lead, "M2026-001"), "更新目标进度"), "更新哪一项")
	q = one(t, h.Press(c.lead, q, "2."), "目标2目前完成了多少")
	one(t, h.Do(c.lead, "27"), "已更新", "2. 2021年底新开工已完成27个，占50.00%（目标54个）")
	one(t, c.deputy.Unread(), "区住建局更新了议案 2026-001", "已完成27个，占50.00%（目标54个）")
	one(t, c.leader.Unread(), "已完成27个，占50.00%（目标54个）")
	q = one(t, h.Press(c.lead, card(t, h, c.lead, "M2026-001"), "更新目标进度"), "更新哪一项", "建立长效管理机制：尚未完成")
	q = one(t, h.Press(c.lead, q, "3."), "目标3完成了吗？")
	one(t, h.Press(c.lead, q, "已完成"), "已更新", "3. 建立长效管理机制：已完成")
	c.deputy.Unread()
	c.leader.Unread()
	digest := h.Do(c.supervisor, "/digest")
	if len(digest) != 2 || digest[1].Document == nil {
		t.Fatalf("/digest: %d messages, want the text and its picture", len(digest))
	}
	one(t, digest[:1], "重点督办件和议案（1件）", "议案 2026-001《关于推进老旧小区改造的议案》", "2021年底新开工已完成27个，占50.00%（目标54个）", "完成改造老旧小区已完成0个，占0.00%（目标302个）")
	one(t, h.Do(c.deputy, "/view M2026-001"), "办理目标", "27/54", "李四更新目标进度：2021年底新开工：0 → 27/54")
}

// A clerk with more open items than fit on a page: /pending lists them
// by deadline, overdue first, ten to a page, each with a button that
// opens its card; the deputy's /my pages the same way, newest first.
func TestPendingAndMyPageThroughManyItems(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	// Filed in number order but assigned on days going backwards, so
	// that the deadlines run against the numbers: the last item filed is
	// due first.
	start := h.Clock.Now()
	var numbers []string
	for i := range 12 {
		h.Clock.Set(start.AddDate(0, 0, 11-i))
		numbers = append(numbers, c.assigned(t, "Item "+string(rune('A'+i))))
	}
	h.Clock.Set(start.AddDate(0, 0, 95)) // the ones due first are now overdue

	lineOf := func(text string, n int) string {
		t.Helper()
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, strconv.Itoa(n)+". ") {
				return l
			}
		}
		t.Fatalf("no line %d in %q", n, text)
		return ""
	}
	first := one(t, h.Do(c.lead, "/pending"), "(12,")
	if l := lineOf(first.Text, 1); !strings.Contains(l, "Suggestion "+numbers[11]) || !strings.Contains(l, "days overdue") {
		t.Fatalf("first line is not the most overdue item: %q", l)
	}
	if l := lineOf(first.Text, 10); !strings.Contains(l, "Suggestion "+numbers[2]) {
		t.Fatalf("line 10: %q", l)
	}
	if strings.Contains(first.Text, "\n11. ") || first.Button("11") != nil || first.Button("◀") != nil || first.Button("10") == nil {
		t.Fatalf("page 1 is not items 1–10 with ▶ only: %q", first.Text)
	}
	h.WaitHandled(c.lead.PressButton(first, "▶"))
	page := c.lead.Message(first.ID)
	if l := lineOf(page.Text, 12); !strings.Contains(l, "Suggestion "+numbers[0]) || !strings.Contains(l, "days left") {
		t.Fatalf("line 12: %q", l)
	}
	if strings.Contains(page.Text, "\n10. ") || page.Button("▶") != nil || page.Button("◀") == nil {
		t.Fatalf("page 2 is not items 11–12 with ◀ only: %q", page.Text)
	}
	one(t, h.Press(c.lead, page, "12"), "Item A")

	mine := one(t, h.Do(c.deputy, "/my"), "12")
	if l := lineOf(mine.Text, 1); !strings.Contains(l, numbers[11]) {
		t.Fatalf("/my does not start with the newest: %q", l)
	}
	h.WaitHandled(c.deputy.PressButton(mine, "▶"))
	if l := lineOf(c.deputy.Message(mine.ID).Text, 12); !strings.Contains(l, numbers[0]) || !strings.Contains(l, "Item A") {
		t.Fatalf("/my page 2 does not end with the oldest: %q", l)
	}
}

// TestAcceptingAnAssignment: the lead contact accepts an item from its
// card; the item is in progress, the card offers acceptance no more, and
// a second press changes nothing.
func TestAcceptingAnAssignment(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Street lights")
	cd := card(t, h, c.lead, n)
	one(t, h.Press(c.lead, cd, "✅ Accept"), "Suggestion "+n+" accepted.")
	if cd := c.lead.Message(cd.ID); cd.Button("✅ Accept") != nil {
		t.Fatal("the pressed card still offers acceptance")
	}
	again := card(t, h, c.lead, n)
	if again.Button("✅ Accept") != nil || !strings.Contains(again.Text, "in progress") {
		t.Fatalf("card after acceptance: %q %v", again.Text, again.Buttons())
	}
	h.WaitHandled(c.lead.Press(cd, "ha:"+itemID(t, again)+":ac"))
	if ans := c.lead.Answer(); ans == "" {
		t.Fatal("a second acceptance was not refused")
	}
	one(t, h.Do(c.lead, "/view "+n), "accepted it")
}
