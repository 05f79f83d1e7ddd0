package bot_test

import (
	"context"
	"strings"
	"testing"

	"deputybot"
)

// TestPromisesFollowedToTheEnd, in both languages: a B reply with two
// dated promises; on the first one's date its department is asked, and
// reports (the second it reports early); the deputy is asked about the
// first — one message, three buttons — answers kept and adds a photo;
// about the second not before a week has passed, and answers not kept:
// that promise is in the supervisors' digest and in /followup, and the
// department is not asked again on its date.
func TestPromisesFollowedToTheEnd(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := map[string]words{
				"en": {"reply": "Reply", "b": "B:", "promises?": "states its promises", "file": "formal reply document",
					"skip": "Skip", "confirm": "Promises:", "send": "Send reply", "sent": "Reply sent",
					"p1": "1. by 2026-04-30: lights repaired", "p2": "2. by 2026-05-31: crossing repainted",
					"attitude": "🤝 satisfied", "result": "🎯 satisfied", "closed": "closed",
					"due": "A promise is due", "report": "Report on a promise", "which": "Which promise", "state?": "How far has it got",
					"done": "Done", "text?": "what was done", "reported": "Reported", "ask": "Was this promise kept?",
					"dept report": "Housing Bureau reports: ✅ Done — Lights repaired on 28 April.", "kept": "Kept", "unkept": "Not kept",
					"recorded": "Recorded: Kept", "thanks": "Thank you", "digest": "Promises the deputy says were not kept (1 item)",
					"digest line": "crossing repainted by 2026-05-31: Not kept", "followup": "2 promises: kept 1, partly kept 0, not kept 1",
					"fu kept":   "lights repaired; the department reports: ✅ Done; the deputy: Kept",
					"fu unkept": "crossing repainted; the department reports: ◐ Partly done; the deputy: Not kept",
					"partly":    "Partly done", "bad date": "does not exist", "what1": "lights repaired, by 2026-04-30"},
				"zh": {"reply": "答复", "b": "B 类", "promises?": "B类答复须列明承诺", "file": "正式答复文件",
					"skip": "跳过", "confirm": "承诺：", "send": "发送答复", "sent": "答复已送代表",
					"p1": "1. 2026-04-30前：修好路灯", "p2": "2. 2026-05-31前：重画斑马线",
					"attitude": "态度满意", "result": "结果满意", "closed": "已办结",
					"due": "承诺到期", "report": "报告承诺办理情况", "which": "报告哪一项承诺", "state?": "办得怎么样了",
					"done": "已完成", "text?": "做了什么", "reported": "已报告承诺办理情况", "ask": "这项承诺兑现了吗？",
					"dept report": "区住建局报告：✅ 已完成 — 4月28日已修好路灯。", "kept": "兑现", "unkept": "未兑现",
					"recorded": "已记录：兑现", "thanks": "谢谢", "digest": "代表说承诺未兑现的（1件）",
					"digest line": "2026-05-31前重画斑马线：未兑现", "followup": "承诺2项：代表确认兑现1项，部分兑现0项，未兑现1项",
					"fu kept":   "修好路灯；承办单位报告：✅ 已完成；代表：兑现",
					"fu unkept": "重画斑马线；承办单位报告：◐ 部分完成；代表：未兑现",
					"partly":    "部分完成", "bad date": "日期不存在", "what1": "2026-04-30前修好路灯"},
			}[lang]
			promises := map[string]string{"en": "2026-04-30 lights repaired\ncrossing repainted by 2026-05-31",
				"zh": "2026-04-30 修好路灯\n重画斑马线，2026年5月31日前"}[lang]
			reportText := map[string]string{"en": "Lights repaired on 28 April.", "zh": "4月28日已修好路灯。"}[lang]
			dw := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			n := c.assignedIn(t, dw, "Dark crossing")
			c.logContactIn(t, dw, n)
			c.readAll()
			// The B reply with its two promises, and the deputy's rating.
			q := one(t, h.Press(c.lead, card(t, h, c.lead, n), w["reply"]), "")
			q = one(t, h.Press(c.lead, q, w["b"]), "")
			q = one(t, h.Do(c.lead, "Planned."), w["promises?"])
			// No such date: said, and asked again.
			if msgs := h.Do(c.lead, "2026-02-30 nothing"); len(msgs) != 2 || !strings.Contains(msgs[0].Text, w["bad date"]) ||
				!strings.Contains(msgs[1].Text, w["promises?"]) {
				t.Fatalf("a date that does not exist: %d messages", len(msgs))
			}
			q = one(t, h.Do(c.lead, promises), w["file"])
			q = one(t, h.Press(c.lead, q, w["skip"]), w["confirm"], w["p1"], w["p2"])
			one(t, h.Press(c.lead, q, w["send"]), w["sent"])
			reply := one(t, c.deputy.Unread(), w["p1"], w["p2"])
			one(t, rate(t, h, c.deputy, reply, w["attitude"], w["result"]), w["closed"])
			c.readAll()

			// The first promise's date: its department is asked.
			c.run(at("2026-04-30", "09:00"))
			due := one(t, c.lead.Unread(), w["due"])
			c.lead2.Unread()
			quiet(t, c.deputy)
			q = one(t, h.Press(c.lead, due, w["report"]), w["which"])
			q = one(t, h.Press(c.lead, q, w["p1"]), w["state?"])
			q = one(t, h.Press(c.lead, q, w["done"]), w["text?"])
			one(t, h.Do(c.lead, reportText), w["reported"])
			// The second, early: partly done.
			q = one(t, h.Press(c.lead, card(t, h, c.lead, n), w["report"]), w["state?"])
			q = one(t, h.Press(c.lead, q, w["partly"]), w["text?"])
			one(t, h.Do(c.lead, "Half the crossing."), w["reported"])

			// The deputy is asked about one promise: the first.
			c.run(at("2026-05-01", "09:00"))
			ask := one(t, c.deputy.Unread(), w["ask"], w["what1"], w["dept report"])
			if len(ask.Keyboard) == 0 || len(ask.Keyboard[0]) != 3 {
				t.Fatalf("the question's buttons: %v", ask.Keyboard)
			}
			one(t, h.Press(c.deputy, ask, w["kept"]), w["recorded"])
			h.WaitHandled(c.deputy.SendPhoto(""))
			one(t, c.deputy.Unread(), w["thanks"])
			// Not again within a week; then the second.
			for _, d := range []string{"2026-05-02", "2026-05-05", "2026-05-07"} {
				c.run(at(d, "09:00"))
				quiet(t, c.deputy)
			}
			c.run(at("2026-05-08", "09:00"))
			ask = one(t, c.deputy.Unread(), w["ask"], "2026-05-31")
			one(t, h.Press(c.deputy, ask, w["unkept"]), "")
			one(t, h.Press(c.deputy, last(t, c.deputy.Messages()), w["skip"]), w["thanks"])
			// Its date: reported already, its department is not asked.
			c.run(at("2026-05-31", "09:00"))
			quiet(t, c.lead, c.deputy)

			// The digest and /followup.
			dig := h.Do(c.supervisor, "/digest")[0].Text
			if !strings.Contains(dig, w["digest"]) || !strings.Contains(dig, w["digest line"]) {
				t.Errorf("the digest lacks the unkept promise:\n%s", dig)
			}
			one(t, h.Do(c.admin, "/followup 2026"), w["followup"], w["fu kept"], w["fu unkept"])
			// The record: the photo kept; a problem not solved (a
			// promise unkept): not 办成.
			items, _ := h.App.Store.ItemsByNumber(context.Background(), deputybot.NumberQuery{Year: 2026, Seq: 1})
			it := items[0]
			if p := it.Promise(1); p.PhotoID == "" || p.Answer != deputybot.PromiseKept || it.Promise(2).Answer != deputybot.PromiseUnkept {
				t.Fatalf("the promises: %+v", it.Promises)
			}
		})
	}
}
