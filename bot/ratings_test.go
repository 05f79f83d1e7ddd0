package bot_test

import (
	"context"
	"strings"
	"testing"

	"deputybot"
	"deputybot/internal/apptest"
	"deputybot/report"
)

// TestTwoRatingsACoDepartmentAndContactStages, in both languages: the
// deputy rates a reply's handling and its result in one message (a tap on
// each row), then the co-department's opinion with one tap; the lead
// department's face-to-face contact before the work and its follow-up
// after the reply (whose stage is not asked) give 见面率 and 回访率 in the
// report, as the figures module counts them.
func TestTwoRatingsACoDepartmentAndContactStages(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := map[string]words{
				"en": {"opinion": "Send opinion", "opinion?": "opinion", "opinion sent": "sent", "reply": "Reply", "a": "A:",
					"skip": "Skip", "send": "Send reply", "sent": "Reply sent", "asks": "Please rate this reply twice",
					"not through": "not through the department", "attitude": "🤝 basic", "result": "🎯 satisfied",
					"closed": "The item is closed", "both": "result satisfied, handling basically satisfied",
					"co?": "You may also rate the co-departments' opinions", "co": "Civil Affairs Bureau: unsatisfied",
					"co done": "Recorded: Civil Affairs Bureau, unsatisfied", "phone": "Phone call",
					"follow-up": "follow-up · phone", "face": "before the work · face to face", "report": "/report 2026"},
				"zh": {"opinion": "提交协办意见", "opinion?": "协办意见", "opinion sent": "协办意见已送主办单位", "reply": "答复", "a": "A 类",
					"skip": "跳过", "send": "发送答复", "sent": "答复已送代表", "asks": "请分两项评价这份答复",
					"not through": "不经过承办单位", "attitude": "态度基本满意", "result": "结果满意",
					"closed": "此件已办结", "both": "办理结果满意，沟通办理态度基本满意",
					"co?": "协办单位的意见也可以评价", "co": "区民政局：不满意",
					"co done": "已记录您对区民政局的评价：不满意", "phone": "电话",
					"follow-up": "办后回访 · 电话", "face": "办前 · 面商", "report": "/report 2026"},
			}[lang]
			dw := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			n := c.assignedIn(t, dw, "Two ratings")
			one(t, h.Press(c.co, card(t, h, c.co, n), w["opinion"]), w["opinion?"])
			one(t, h.Do(c.co, "Our part."), w["opinion sent"])
			c.logContactIn(t, dw, n)
			c.readAll()
			q := one(t, h.Press(c.lead, card(t, h, c.lead, n), w["reply"]), "")
			q = one(t, h.Press(c.lead, q, w["a"]), "")
			q = one(t, h.Do(c.lead, "Done."), "")
			q = one(t, h.Press(c.lead, q, w["skip"]), "")
			one(t, h.Press(c.lead, q, w["send"]), w["sent"])
			reply := one(t, c.deputy.Unread(), w["asks"], w["not through"])
			if len(reply.Keyboard) != 2 || len(reply.Keyboard[0]) != 3 || len(reply.Keyboard[1]) != 3 {
				t.Fatalf("the rating's rows: %v", reply.Keyboard)
			}
			c.readAll()
			// The two rows, then the co-department with one tap.
			done := one(t, rate(t, h, c.deputy, reply, w["attitude"], w["result"]), w["closed"], w["both"], w["co?"])
			done = inPlace(t, h, c.deputy, done, w["co"])
			if len(done.Buttons()) != 0 || !strings.Contains(c.deputy.Answer(), w["co done"]) {
				t.Fatalf("after the co-department's rating: %v %q", done.Buttons(), c.deputy.Answer())
			}
			quiet(t, c.co, c.deputy)
			one(t, c.lead.Unread(), w["both"])
			// A follow-up on the closed item: its stage is not asked.
			q = one(t, h.Press(c.lead, card(t, h, c.lead, n), dw["log"]), dw["when"])
			q = one(t, h.Press(c.lead, q, dw["today"]), dw["how"])
			q = one(t, h.Press(c.lead, q, w["phone"]), dw["note"])
			one(t, h.Press(c.lead, q, dw["skip"]), dw["logged"])
			cd := card(t, h, c.admin, n).Text
			for _, s := range []string{w["face"], w["follow-up"]} {
				if !strings.Contains(cd, s) {
					t.Fatalf("the card lacks %q:\n%s", s, cd)
				}
			}
			// The report's 见面率 and 回访率: 1 of 1 replied.
			snap, err := h.App.Service.Snapshot(context.Background(), h.Clock.Now(), nil)
			if err != nil {
				t.Fatal(err)
			}
			all := report.ComputeAnnual(snap, 2026).All
			if all.Met != 1 || all.FollowedUp != 1 || all.Replied != 1 || all.Done != 1 || all.Attitude.Basic != 1 {
				t.Fatalf("the year's figures: %+v", all)
			}
			l := deputybot.Language(lang)
			var text string
			for _, m := range h.Do(c.supervisor, w["report"]) {
				text += m.Text
			}
			if want := report.QualityLine(h.App.Bot.Texts(), l, &all); !strings.Contains(text, want) || !strings.Contains(want, "100.00%") {
				t.Fatalf("the report lacks %q:\n%s", want, text)
			}
		})
	}
}

// TestRequiredContactsBlockTheReply: with CONTACTS_BEFORE_REPLY=face a
// call is not enough: the reply is refused with the reason, the card and
// the supervisors' digest say what is missing, and a meeting lets the
// reply through.
func TestRequiredContactsBlockTheReply(t *testing.T) {
	c := newCast(t, "en", apptest.WithRules(func(r *deputybot.Rules) { r.ContactsBeforeReply = []deputybot.ContactNeed{deputybot.NeedFace} }))
	h := c.h
	n := c.assigned(t, "Met in person")
	dw := dailyWords["en"]
	logAs := func(form string) {
		q := one(t, h.Press(c.lead, card(t, h, c.lead, n), dw["log"]), dw["when"])
		q = one(t, h.Press(c.lead, q, dw["today"]), dw["stageq"])
		q = one(t, h.Press(c.lead, q, dw["stage"]), dw["how"])
		q = one(t, h.Press(c.lead, q, form), dw["note"])
		one(t, h.Press(c.lead, q, dw["skip"]), dw["logged"])
		c.readAll()
	}
	logAs("Phone call")
	cd := card(t, h, c.lead, n)
	if !strings.Contains(cd.Text, "Contacts missing: one face to face") {
		t.Fatalf("the card does not say what is missing:\n%s", cd.Text)
	}
	h.WaitHandled(c.lead.PressButton(cd, "Reply"))
	if ans := c.lead.Answer(); !strings.Contains(ans, "A face-to-face contact") {
		t.Fatalf("a reply after a call only: %q", ans)
	}
	quiet(t, c.lead)
	if dig := h.Do(c.supervisor, "/digest")[0].Text; !strings.Contains(dig, "Waiting for the contacts required before the reply (1 item)") {
		t.Fatalf("the digest does not list it:\n%s", dig)
	}
	logAs("Site visit")
	one(t, h.Press(c.lead, card(t, h, c.lead, n), "Reply"), "Classify")
}

// TestAContactDialogueOfTheVersionBeforeStagesGoesOn: a contact dialogue
// stored by the version before stages, at its note: the note typed is
// kept, the stage asked, and the contact logged with both.
func TestAContactDialogueOfTheVersionBeforeStagesGoesOn(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Upgraded mid-dialogue")
	id := itemID(t, card(t, h, c.lead, n))
	// As the version before stored it: the date and the form chosen.
	lead, err := h.App.Store.PersonByTelegramID(context.Background(), c.lead.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.App.Store.SaveConversation(context.Background(), c.lead.ID, map[string]any{
		"chatId": c.lead.ID, "personId": lead.ID, "flow": "contact", "step": "note", "nonce": "old",
		"data": map[string]string{"item": id, "date": "2026-03-02", "method": "phone"}}); err != nil {
		t.Fatal(err)
	}
	q := one(t, h.Do(c.lead, "Talked about the shelter."), "When in the handling")
	one(t, h.Press(c.lead, q, "During the work"), "Contact logged")
	if cd := card(t, h, c.admin, n).Text; !strings.Contains(cd, "during the work · phone") || !strings.Contains(cd, "Talked about the shelter.") {
		t.Fatalf("the contact:\n%s", cd)
	}
}

// TestARatingButtonOfTheVersionBeforeTwoRatings: a reply message sent
// before the two ratings had one row, "rt:<id>:<round>:<s|b|u>"; pressed
// now, its value is the result, and the handling is asked in the same
// message.
func TestARatingButtonOfTheVersionBeforeTwoRatings(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Old buttons")
	c.logContact(t, n)
	one(t, h.Press(c.lead, c.replyAs(t, c.lead, n, "A", "Done."), "Send reply"), "Reply sent")
	reply := one(t, c.deputy.Unread(), "Please rate")
	id := itemID(t, reply)
	h.WaitHandled(c.deputy.Press(reply, "rt:"+id+":1:b"))
	if msgs := c.deputy.Unread(); len(msgs) != 0 || !strings.Contains(c.deputy.Answer(), "now rate the handling") {
		t.Fatalf("the old button: %d messages, %q", len(msgs), c.deputy.Answer())
	}
	m := c.deputy.Message(reply.ID)
	if m.Button("✓ 🎯 basic") == nil {
		t.Fatalf("the result is not marked: %v", m.Keyboard)
	}
	one(t, h.Press(c.deputy, m, "🤝 satisfied"), "result basically satisfied, handling satisfied", "closed")
}
