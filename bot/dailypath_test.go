package bot_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
)

// words are a test's button labels and answers in one language.
type words map[string]string

var dailyWords = map[string]words{
	"en": {"submit": "Submit", "submitted": "Submitted", "kind": "Suggestion", "category": "Transport",
		"lead": "Housing Bureau", "co": "Civil Affairs Bureau", "done": "Done", "no leader": "No leader", "no": "No",
		"use": "Use ", "assign": "Assign", "assigned": "assigned", "log": "Log contact", "when": "When did you talk",
		"today": "Today", "yesterday": "Yesterday", "how": "How did you contact the deputy?", "visit": "Face to face",
		"stageq": "When in the handling", "stage": "Before the work",
		"note": "short note", "skip": "Skip", "logged": "Contact logged", "before": "before the assignment (2026-03-02)",
		"cancel": "Cancel"},
	"zh": {"submit": "提交", "submitted": "已提交", "kind": "建议", "category": "城市建设",
		"lead": "区住建局", "co": "区民政局", "done": "完成", "no leader": "不设领办领导", "no": "否",
		"use": "使用", "assign": "确认交办", "assigned": "已交办", "log": "记录沟通", "when": "哪天与代表沟通",
		"today": "今天", "yesterday": "昨天", "how": "以什么方式与代表沟通的", "visit": "面商",
		"stageq": "这次沟通在办理的哪个阶段", "stage": "办前",
		"note": "简要记录", "skip": "跳过", "logged": "沟通记录已保存", "before": "早于交办日期（2026-03-02）",
		"cancel": "取消"},
}

// assignedIn files a suggestion as the deputy and assigns it to the
// first department (the second as co-department), in the cast's
// language; returns its number.
func (c *cast) assignedIn(t *testing.T, w words, title string) string {
	t.Helper()
	number, q := c.toConfirm(t, w, title, w["co"], w["no leader"])
	one(t, c.h.Press(c.admin, q, w["assign"]), w["assigned"])
	c.readAll()
	return number
}

// logContactIn logs a contact (today, a visit, no note) as the lead's
// contact, in the cast's language; the deputy's question is read.
func (c *cast) logContactIn(t *testing.T, w words, number string) {
	t.Helper()
	h := c.h
	q := one(t, h.Press(c.lead, card(t, h, c.lead, number), w["log"]), w["when"])
	q = one(t, h.Press(c.lead, q, w["today"]), w["stageq"])
	q = one(t, h.Press(c.lead, q, w["stage"]), w["how"])
	q = one(t, h.Press(c.lead, q, w["visit"]), w["note"])
	one(t, h.Press(c.lead, q, w["skip"]), w["logged"])
	c.deputy.Unread()
}

// toConfirm files a suggestion as the deputy and takes the office's
// assignment to its confirmation: lead the first department, co (a
// button's label; "": none), leader (a button's label), not key, the
// default deadline. It returns the item's number and the confirmation.
func (c *cast) toConfirm(t *testing.T, w words, title, co, leader string) (string, *telegramtest.Message) {
	t.Helper()
	h := c.h
	m := one(t, h.Press(c.deputy, file(t, h, c.deputy, w["kind"], title, "Text.", w["category"]), w["submit"]), w["submitted"])
	n := codeRE.FindStringSubmatch(m.Text)[1]
	q := last(t, h.Do(c.admin, "/assign "+n))
	q = last(t, h.Press(c.admin, q, w["lead"]))
	if co != "" {
		q = inPlace(t, h, c.admin, q, co)
	}
	q = last(t, h.Press(c.admin, q, w["done"]))
	q = last(t, h.Press(c.admin, q, leader))
	q = last(t, h.Press(c.admin, q, w["no"]))
	return n, last(t, h.Press(c.admin, q, w["use"]))
}

// TestContactDateAskedAtItsStep: an item assigned today offers no
// "yesterday"; a date before the assignment, typed, is refused at the
// date's step with the assignment's date and the date is asked again (not
// the note); the contact is then logged with one pass through the steps.
func TestContactDateAskedAtItsStep(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			n := c.assignedIn(t, w, "Contact on the day")
			q := one(t, h.Press(c.lead, card(t, h, c.lead, n), w["log"]), w["when"])
			if q.Button(w["yesterday"]) != nil || q.Button(w["today"]) == nil {
				t.Fatalf("date step of an item assigned today offers %v", q.Buttons())
			}
			msgs := h.Do(c.lead, "2026-03-01")
			if len(msgs) != 2 || !strings.Contains(msgs[0].Text, w["before"]) || !strings.Contains(msgs[1].Text, w["when"]) {
				for _, m := range msgs {
					t.Logf("got %q", m.Text)
				}
				t.Fatal("a date before the assignment was not refused at the date's step")
			}
			q = one(t, h.Do(c.lead, "2026-03-02"), w["stageq"])
			q = one(t, h.Press(c.lead, q, w["stage"]), w["how"])
			// The method typed, not pressed: taken as its button.
			q = one(t, h.Do(c.lead, w["visit"]), w["note"])
			one(t, h.Press(c.lead, q, w["skip"]), w["logged"])
		})
	}
}

// TestFortyItemsOneMessagePerRun: a department contact with forty items
// gets one message per minute of assignments (not one per item), the
// office one per minute of filings, and through a week and a half of
// reminders at most one message per scheduled run; each list opens its
// items by number.
func TestFortyItemsOneMessagePerRun(t *testing.T) {
	h := apptest.Start(t, apptest.Admins(adminID), apptest.BatchWindow(time.Minute))
	admin := h.User(adminID, "Admin", "en")
	h.Do(admin, "/departments add Housing Bureau")
	deputy := join(t, h, admin, "deputy Zhang San", 2001, "en")
	lead := join(t, h, admin, "contact Li Si Housing Bureau", 3001, "en")
	supervisor := join(t, h, admin, "supervisor Zhou", 5001, "en")
	everyone := []*telegramtest.Chat{admin, deputy, lead, supervisor}
	for _, c := range everyone {
		c.Unread()
	}
	// Forty items, filed and assigned eight a day over five days; each
	// day's work done within one batch window.
	for day := 0; day < 5; day++ {
		h.Clock.Set(at("2026-03-02", "09:00").AddDate(0, 0, day))
		var numbers []string
		for i := 0; i < 8; i++ {
			m := one(t, h.Press(deputy, file(t, h, deputy, "Suggestion", fmt.Sprintf("Item %d", day*8+i+1), "Text.", "Transport"), "Submit"), "Submitted")
			numbers = append(numbers, codeRE.FindStringSubmatch(m.Text)[1])
		}
		for _, n := range numbers {
			q := last(t, h.Do(admin, "/assign "+n))
			q = last(t, h.Press(admin, q, "Housing Bureau"))
			q = last(t, h.Press(admin, q, "Done"))
			q = last(t, h.Press(admin, q, "No leader"))
			q = last(t, h.Press(admin, q, "No"))
			q = last(t, h.Press(admin, q, "Use "))
			one(t, h.Press(admin, q, "Assign"), "assigned")
		}
		if msgs := lead.Unread(); len(msgs) != 0 {
			t.Fatalf("day %d: the contact got %q before the batch window closed", day, msgs[0].Text)
		}
		h.SkipOutbox(time.Minute)
		h.Settle()
		got := lead.Unread()
		if len(got) != 1 || !strings.HasPrefix(got[0].Text, "📥 8 new assignments") || len(got[0].Buttons()) != 8 {
			for _, m := range got {
				t.Logf("got %q", m.Text)
			}
			t.Fatalf("day %d: the contact got %d messages for 8 assignments", day, len(got))
		}
		if day == 4 {
			// Each number opens its item.
			one(t, h.Press(lead, got[0], "8"), "Item 40")
		}
		if got := admin.Unread(); len(got) != 1 || !strings.HasPrefix(got[0].Text, "📥 8 new items to assign") {
			t.Fatalf("day %d: the office got %d messages for 8 new items", day, len(got))
		}
		if got := deputy.Unread(); len(containing(got, "Item ")) > 1 {
			t.Fatalf("day %d: the deputy got %d messages about his items", day, len(got))
		}
		supervisor.Unread()
	}
	// Reply due 2026-06-02 … 06-06: reminders before, on and after.
	most, sent, listed := 0, 0, 0
	for d := at("2026-05-29", "09:00"); d.Before(at("2026-06-13", "09:00")); d = d.AddDate(0, 0, 1) {
		h.Clock.Set(d)
		h.RunScheduler(d)
		for _, c := range everyone {
			// (Mondays also bring the weekly digest, a run of its own.)
			got := slices.DeleteFunc(c.Unread(), func(m *telegramtest.Message) bool {
				return !strings.HasPrefix(m.Text, "⏰") && !strings.HasPrefix(m.Text, "🚨")
			})
			if len(got) > 1 {
				t.Fatalf("%s: chat %d got %d reminders in one run: %q", d.Format("01-02"), c.ID, len(got), got[1].Text)
			}
			if c == lead && len(got) == 1 {
				most = max(most, len(got[0].Buttons()))
				sent, listed = sent+1, listed+max(1, len(got[0].Buttons()))
			}
		}
	}
	if most != 40 {
		t.Fatalf("the busiest run listed %d of the contact's 40 overdue items", most)
	}
	t.Logf("the contact's reminders: %d messages for %d reminders", sent, listed)
}

// TestAssignmentsOfAMinuteAsOneMessageZH: the same in Chinese, for both
// contacts of the department, with the co-department's list apart.
func TestAssignmentsOfAMinuteAsOneMessageZH(t *testing.T) {
	c := newCast(t, "zh", apptest.BatchWindow(time.Minute))
	w := dailyWords["zh"]
	for _, title := range []string{"路灯", "停车", "电梯"} {
		c.assignedIn(t, w, title)
	}
	quiet(t, c.lead, c.lead2, c.co)
	c.h.SkipOutbox(time.Minute)
	c.h.Settle()
	for _, ch := range []*telegramtest.Chat{c.lead, c.lead2} {
		got := ch.Unread()
		if len(got) != 1 || !strings.HasPrefix(got[0].Text, "📥 新交办件3件，本单位主办") || len(got[0].Buttons()) != 3 ||
			!strings.Contains(got[0].Text, "3. 建议 2026-003《电梯》，答复期限") {
			for _, m := range got {
				t.Logf("got %q", m.Text)
			}
			t.Fatalf("contact %d: %d messages for three assignments", ch.ID, len(got))
		}
	}
	one(t, c.co.Unread(), "📥 协办件3件", "主办单位区住建局")
	one(t, c.deputy.Unread(), "📬 您的3件议案建议已交办")
}

// TestAcceptAndContactLeadToTheNextStep: accepting an item and logging a
// contact answer with the buttons of what comes next (not a bare line).
func TestAcceptAndContactLeadToTheNextStep(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := words{"accept": "Accept", "accepted": "accepted", "log": "Log contact", "reply": "Reply",
				"when": "When did you talk", "today": "Today", "how": "How did you contact", "visit": "Face to face",
				"stageq": "When in the handling", "stage": "Before the work",
				"note": "short note", "skip": "Skip", "logged": "Contact logged", "b": "B:", "send": "Send reply", "sent": "Reply sent",
				"progress": "Report progress"}
			if lang == "zh" {
				w = words{"accept": "接收", "accepted": "已接收", "log": "记录沟通", "reply": "答复",
					"when": "哪天与代表沟通", "today": "今天", "how": "以什么方式", "visit": "面商",
					"stageq": "这次沟通在办理的哪个阶段", "stage": "办前",
					"note": "简要记录", "skip": "跳过", "logged": "沟通记录已保存", "b": "B 类", "send": "发送答复", "sent": "答复已送代表",
					"progress": "进展"}
			}
			c := newCast(t, lang)
			h := c.h
			n := c.assignedIn(t, dailyWords[lang], "Next step")
			got := one(t, h.Press(c.lead, card(t, h, c.lead, n), w["accept"]), w["accepted"])
			if got.Button(w["log"]) == nil {
				t.Fatalf("accepted without the next step's buttons: %v", got.Buttons())
			}
			q := one(t, h.Press(c.lead, got, w["log"]), w["when"])
			q = one(t, h.Press(c.lead, q, w["today"]), w["stageq"])
			q = one(t, h.Press(c.lead, q, w["stage"]), w["how"])
			q = one(t, h.Press(c.lead, q, w["visit"]), w["note"])
			got = one(t, h.Press(c.lead, q, w["skip"]), w["logged"])
			if got.Button(w["reply"]) == nil {
				t.Fatalf("contact logged without the reply button: %v", got.Buttons())
			}
			// A B reply sent: the answer offers to report progress on it.
			q = last(t, h.Press(c.lead, got, w["reply"]))
			q = last(t, h.Press(c.lead, q, w["b"]))
			q = last(t, h.Do(c.lead, "Next year."))
			q = last(t, h.Do(c.lead, "2026-12-31 works finished"))
			q = last(t, h.Press(c.lead, q, w["skip"]))
			got = one(t, h.Press(c.lead, q, w["send"]), w["sent"])
			if got.Button(w["progress"]) == nil {
				t.Fatalf("reply sent without the next step's buttons: %v", got.Buttons())
			}
		})
	}
}

// TestTheLastRoundSaysSo: the second round's reply tells the deputy it is
// the last; an unsatisfied rating of it is acknowledged as recorded, with
// what follows (closed as unsatisfied, the office told) — not "thank you".
func TestTheLastRoundSaysSo(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	n := c.assigned(t, "Two rounds")
	c.logContact(t, n)
	one(t, h.Press(c.lead, c.replyAs(t, c.lead, n, "B", "We will look into it."), "Send reply"), "Reply sent")
	reply := one(t, c.deputy.Unread(), "Please rate")
	if strings.Contains(reply.Text, "the last") {
		t.Fatalf("the first round said it was the last: %s", reply.Text)
	}
	one(t, rate(t, h, c.deputy, reply, "🤝 basic", "🎯 unsatisfied"), "Why are you unsatisfied?")
	one(t, h.Do(c.deputy, "No date given."), "handled again")
	one(t, h.Press(c.lead, c.replyAs(t, c.lead, n, "B", "Next year."), "Send reply"), "Reply sent")
	reply = one(t, c.deputy.Unread(), "This is round 2, the last: your rating of it is final", "Please rate")
	c.admin.Unread()
	one(t, rate(t, h, c.deputy, reply, "🤝 unsatisfied", "🎯 unsatisfied"), "Why are you unsatisfied?")
	got := one(t, h.Do(c.deputy, "Still no date."), "Your rating is recorded: result unsatisfied", "closed as unsatisfied", "gone to the office")
	if strings.Contains(got.Text, "Thank you") {
		t.Fatalf("an unsatisfied final rating thanked: %s", got.Text)
	}
	one(t, c.admin.Unread(), "Still no date.")
}

// TestReplyLetterAsAPhoto: a scanned letter sent as a photo is taken at
// the reply's file step (text at that step is refused naming the button
// the prompt shows); the deputy opens it from the reply, and a
// supervisor reviewing the item opens it from the card.
func TestReplyLetterAsAPhoto(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := words{"reply": "Reply", "class": "Classify", "b": "B:", "text": "text of the reply", "file": "formal reply", "promises": "states its promises",
				"refused": "or press Skip", "photo": "reply letter (photo)", "send": "Send reply", "sent": "Reply sent",
				"open": "Reply document", "letter": "Round 1 reply letter"}
			if lang == "zh" {
				w = words{"reply": "答复", "class": "答复分类", "b": "B 类", "text": "答复正文", "file": "正式答复文件", "promises": "B类答复须列明承诺",
					"refused": "或按“跳过”", "photo": "答复函（照片）", "send": "发送答复", "sent": "答复已送代表",
					"open": "答复附件", "letter": "第1轮答复函"}
			}
			c := newCast(t, lang)
			h := c.h
			n := c.assignedIn(t, dailyWords[lang], "Scanned letter")
			c.logContactIn(t, dailyWords[lang], n)
			q := one(t, h.Press(c.lead, card(t, h, c.lead, n), w["reply"]), w["class"])
			q = one(t, h.Press(c.lead, q, w["b"]), w["text"])
			q = one(t, h.Do(c.lead, "Planned for next year."), w["promises"])
			q = one(t, h.Do(c.lead, "2026-12-31 works finished"), w["file"])
			if q.Button(dailyWords[lang]["skip"]) == nil {
				t.Fatalf("file step without %q: %v", dailyWords[lang]["skip"], q.Buttons())
			}
			msgs := h.Do(c.lead, "no file")
			if len(msgs) != 2 || !strings.Contains(msgs[0].Text, w["refused"]) {
				t.Fatalf("text at the file step: %d messages", len(msgs))
			}
			h.WaitHandled(c.lead.SendPhoto(""))
			q = one(t, c.lead.Unread(), w["photo"])
			one(t, h.Press(c.lead, q, w["send"]), w["sent"])
			reply := one(t, c.deputy.Unread(), "Planned for next year.")
			h.Press(c.deputy, reply, w["open"])
			h.Press(c.supervisor, card(t, h, c.supervisor, n), w["letter"])
			photos := h.TG.Calls("sendPhoto")
			if len(photos) != 2 || photos[0].ChatID() != 2001 || photos[1].ChatID() != 5001 || len(h.TG.Calls("sendDocument")) != 0 {
				t.Fatalf("the letter was sent as %d photos, %d documents", len(photos), len(h.TG.Calls("sendDocument")))
			}
		})
	}
}

// rosterCast is newCast's cast, joined by a roster import that gives the
// deputy a phone number (as a district's roster does).
func rosterCast(t *testing.T, lang string, opts ...apptest.Option) *cast {
	h := apptest.Start(t, append([]apptest.Option{apptest.Admins(adminID)}, opts...)...)
	c := &cast{h: h, admin: h.User(adminID, "Admin", lang)}
	roster := "name,role,department,phone\nZhang San,deputy,,13800000001\nLi Si,contact,Housing Bureau,\nLi Wu,contact,Housing Bureau,\n" +
		"Zhao Liu,contact,Civil Affairs Bureau,\nSun Qi,contact,Education Bureau,\nMayor Wang,leader,,\nZhou,supervisor,,\n"
	if lang == "zh" {
		roster = "姓名,角色,单位,电话\n张三,代表,,13800000001\n李四,承办联系人,区住建局,\n李五,承办联系人,区住建局,\n" +
			"赵六,承办联系人,区民政局,\n孙七,承办联系人,区教育局,\n王区长,领办领导,,\n周督查,督查室,,\n"
	}
	h.Do(c.admin, "/import")
	h.WaitHandled(c.admin.SendFile("roster.csv", "text/csv", []byte(roster), ""))
	msgs := c.admin.Unread()
	rows := links(t, msgs[len(msgs)-1].Document.Data)
	chats := []**telegramtest.Chat{&c.deputy, &c.lead, &c.lead2, &c.co, &c.other, &c.leader, &c.supervisor}
	ids := []int64{2001, 3001, 3003, 3002, 3004, 4001, 5001}
	if len(rows) != len(chats)+1 {
		t.Fatalf("roster links: %v", rows)
	}
	for i, row := range rows[1:] {
		*chats[i] = h.User(ids[i], fmt.Sprint("U", ids[i]), lang)
		h.Do(*chats[i], "/start "+linkRE.FindStringSubmatch(row[4])[1])
	}
	c.readAll()
	return c
}

// TestHandlersSeeTheDeputysPhone: the contacts told to call the deputy
// see his phone on the card, as do the office and the supervisors; the
// other departments' contacts do not (nor anyone before assignment).
func TestHandlersSeeTheDeputysPhone(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			phone := map[string]string{"en": "Deputy's phone: 13800000001", "zh": "代表电话：13800000001"}[lang]
			c := rosterCast(t, lang)
			h := c.h
			n := c.assignedIn(t, dailyWords[lang], "Call me")
			for _, who := range []*telegramtest.Chat{c.lead, c.lead2, c.co, c.admin, c.supervisor} {
				if cd := card(t, h, who, n); !strings.Contains(cd.Text, phone) {
					t.Fatalf("chat %d's card has no phone:\n%s", who.ID, cd.Text)
				}
			}
			for _, who := range []*telegramtest.Chat{c.other, c.deputy} {
				if msgs := h.Do(who, "/view "+n); len(msgs) > 0 && strings.Contains(msgs[len(msgs)-1].Text, "13800000001") {
					t.Fatalf("chat %d sees the phone", who.ID)
				}
			}
		})
	}
}

// TestAssigningToADepartmentNobodyJoined: the picker marks it, the
// confirmation warns with the command to invite a contact, /departments
// and /people name it, its reminders go to the office, and the
// supervisors' digest lists it.
func TestAssigningToADepartmentNobodyJoined(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := map[string]words{
				"en": {"dept": "Urban Management Bureau", "warn": "No contact of Urban Management Bureau has joined",
					"invite": "/invite contact name Urban Management Bureau", "nobody": "⚠️ nobody to tell",
					"people":  "Departments no contact has joined: Urban Management Bureau",
					"instead": "[No contact of Urban Management Bureau has joined: this reminder comes to the office]",
					"digest":  "Urban Management Bureau: 1 open"},
				"zh": {"dept": "区城管局", "warn": "区城管局尚无联系人加入", "invite": "/invite 承办联系人 姓名 区城管局",
					"nobody": "⚠️ 无人接收通知", "people": "尚无联系人加入的承办单位：区城管局",
					"instead": "［区城管局尚无联系人加入，此提醒改发办公室］", "digest": "区城管局：在办1件"},
			}[lang]
			dw := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			h.Do(c.admin, "/departments add "+w["dept"])
			m := one(t, h.Press(c.deputy, file(t, h, c.deputy, dw["kind"], "Nobody home", "Text.", dw["category"]), dw["submit"]), dw["submitted"])
			n := codeRE.FindStringSubmatch(m.Text)[1]
			c.admin.Unread()
			q := last(t, h.Do(c.admin, "/assign "+n))
			if q.Button(w["dept"]+" ⚠️") == nil || q.Button(dw["lead"]+" ⚠️") != nil {
				t.Fatalf("the picker does not mark the department nobody joined: %v", q.Buttons())
			}
			q = last(t, h.Press(c.admin, q, w["dept"]))
			q = last(t, h.Press(c.admin, q, dw["done"]))
			q = last(t, h.Press(c.admin, q, dw["no leader"]))
			q = last(t, h.Press(c.admin, q, dw["no"]))
			q = one(t, h.Press(c.admin, q, dw["use"]), w["warn"], w["invite"])
			one(t, h.Press(c.admin, q, dw["assign"]), dw["assigned"])
			one(t, h.Do(c.admin, "/departments"), w["dept"]+" — ", w["nobody"])
			one(t, h.Do(c.admin, "/people"), w["people"])
			// Seven days before the deadline: the reminder comes to the office.
			c.admin.Unread()
			c.run(at("2026-05-26", "09:00"))
			got := containing(c.admin.Unread(), w["instead"])
			if len(got) != 1 {
				t.Fatalf("the office got %d reminders for the department nobody joined", len(got))
			}
			c.supervisor.Unread()
			c.run(at("2026-06-01", "09:00")) // Monday: the digest
			digest := containing(c.supervisor.Unread(), w["digest"])
			if len(digest) != 1 {
				t.Fatalf("the digest does not name the department nobody joined")
			}
		})
	}
}

// TestTypedTextIsKept: a suggestion's text sent as two messages keeps
// both; a deputy who types under a reply instead of pressing a rating
// button is asked whether that is his reason for "unsatisfied", and it
// becomes the reason.
func TestTypedTextIsKept(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := map[string]words{
				"en": {"new_kind": "Suggestion", "appended": "Added to the text", "category": "Which category", "preview": "Preview",
					"done": "Done", "submit": "Submit", "ask": "Is this your reason for rating it unsatisfied?",
					"reason": "unsatisfied", "rehandled": "handled again",
					"attitude?": "Now rate how the department talked with you", "attitude": "🤝 basic", "rated": "unsatisfied"},
				"zh": {"new_kind": "建议", "appended": "这段话已接在正文后面", "category": "类别", "preview": "预览",
					"done": "完成", "submit": "提交", "ask": "要把这段话作为“不满意”的理由吗",
					"reason": "不满意理由", "rehandled": "将重新办理",
					"attitude?": "请再评价沟通和办理态度", "attitude": "态度基本满意", "rated": "不满意"},
			}[lang]
			dw := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			last(t, h.Do(c.deputy, "/new"))
			q := last(t, h.Press(c.deputy, last(t, c.deputy.Messages()), w["new_kind"]))
			q = last(t, h.Do(c.deputy, "Two messages"))
			q = last(t, h.Do(c.deputy, "First part."))
			msgs := h.Do(c.deputy, "Second part.")
			if len(msgs) != 2 || !strings.Contains(msgs[0].Text, w["appended"]) {
				t.Fatalf("a second message of the text: %d answers", len(msgs))
			}
			q = last(t, h.Press(c.deputy, msgs[1], dw["category"]))
			q = last(t, h.Press(c.deputy, q, "")) // no files
			q = last(t, h.Press(c.deputy, q, doneLabel(q)))
			if !strings.Contains(q.Text, "First part.\nSecond part.") {
				t.Fatalf("the preview lost a part:\n%s", q.Text)
			}

			n := c.assignedIn(t, dw, "Typed reason")
			c.logContactIn(t, dw, n)
			rw := map[string]words{"en": {"reply": "Reply", "b": "B:", "skip": "Skip", "send": "Send reply"},
				"zh": {"reply": "答复", "b": "B 类", "skip": "跳过", "send": "发送答复"}}[lang]
			q = last(t, h.Press(c.lead, card(t, h, c.lead, n), rw["reply"]))
			q = last(t, h.Press(c.lead, q, rw["b"]))
			q = last(t, h.Do(c.lead, "Later."))
			q = last(t, h.Do(c.lead, "2026-12-31 works finished"))
			q = last(t, h.Press(c.lead, q, rw["skip"]))
			h.Press(c.lead, q, rw["send"])
			c.deputy.Unread()
			c.lead.Unread()
			ask := one(t, h.Do(c.deputy, "No timetable given."), w["ask"], "No timetable given.")
			q = one(t, h.Press(c.deputy, ask, w["reason"]), w["attitude?"])
			one(t, h.Press(c.deputy, q, w["attitude"]), w["rehandled"])
			one(t, c.lead.Unread()[:1], w["rated"], "No timetable given.")
		})
	}
}

// TestTargetsInEnglish: the office's mistakes in targets are told in its
// language, by line; a qualitative target is set and reported done.
func TestTargetsInEnglish(t *testing.T) {
	c := newCast(t, "en", apptest.WithRules(func(r *deputybot.Rules) { r.MotionSigners = 1 }))
	h := c.h
	one(t, h.Press(c.deputy, file(t, h, c.deputy, "Motion", "Old compounds", "Renovate them.", "Transport"), "Submit"), "Submitted")
	c.admin.Unread()
	q := last(t, h.Do(c.admin, "/assign M2026-001"))
	q = last(t, h.Press(c.admin, q, "Housing Bureau"))
	q = last(t, h.Press(c.admin, q, "Done"))
	q = last(t, h.Press(c.admin, q, "No leader"))
	q = last(t, h.Press(c.admin, q, "No"))
	one(t, h.Press(c.admin, q, "Use "), "measurable targets")
	msgs := h.Do(c.admin, "Renovate 302 compounds\nStart 0 this year")
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "The targets are malformed:\nline 2: A target's number must be a whole number above 0.") {
		t.Fatalf("bad targets: %q", msgs[0].Text)
	}
	q = one(t, h.Do(c.admin, "Renovate 302 compounds\nSet up lasting management"), "1. Renovate: 302 compounds", "2. Set up lasting management (done or not)")
	one(t, h.Press(c.admin, q, "Assign"), "assigned")
	c.readAll()
	q = one(t, h.Press(c.lead, card(t, h, c.lead, "M2026-001"), "target"), "Set up lasting management: not done yet")
	q = one(t, h.Press(c.lead, q, "2."), "Is target 2 done?")
	one(t, h.Press(c.lead, q, "Done"), "Set up lasting management: done")
	one(t, c.deputy.Unread(), "Set up lasting management: done")
	one(t, h.Do(c.deputy, "/view M2026-001"), "updated a target: Set up lasting management, done")
}

// TestMotionThresholdCountsTheLead: "代表十人以上联名" counts the lead
// deputy: by default a motion needs him and 9 co-sponsors.
func TestMotionThresholdCountsTheLead(t *testing.T) {
	for lang, want := range map[string]string{"en": "signed by 10 deputies or more, you and 9 co-sponsors", "zh": "须由10名以上代表联名，即您和9位附议代表"} {
		t.Run(lang, func(t *testing.T) {
			c := newCast(t, lang)
			one(t, c.h.Do(c.deputy, "/new"), want)
		})
	}
}

// TestADisputeAsksItsReason: "No, it did not happen" asks the deputy for
// his reason (Cancel records nothing); the reason goes to the department
// and into the supervisors' digest.
func TestADisputeAsksItsReason(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := map[string]words{
				"en": {"no": "No", "ask": "You say this contact did not happen", "cancel": "Cancel", "cancelled": "Cancelled",
					"recorded": "Your objection to this contact is recorded", "says": "The deputy says: No call came.", "digest": "Contacts disputed by deputies (1)"},
				"zh": {"no": "没有", "ask": "您表示这次沟通没有发生", "cancel": "取消", "cancelled": "已取消",
					"recorded": "已记录您对这次沟通的异议", "says": "代表说明：No call came.", "digest": "有异议"},
			}[lang]
			dw := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			n := c.assignedIn(t, dw, "Phantom call")
			q := one(t, h.Press(c.lead, card(t, h, c.lead, n), dw["log"]), dw["when"])
			q = one(t, h.Press(c.lead, q, dw["today"]), dw["stageq"])
			q = one(t, h.Press(c.lead, q, dw["stage"]), dw["how"])
			q = one(t, h.Press(c.lead, q, dw["visit"]), dw["note"])
			one(t, h.Press(c.lead, q, dw["skip"]), dw["logged"])
			confirm := last(t, c.deputy.Unread())
			c.lead.Unread()
			q = one(t, h.Press(c.deputy, confirm, w["no"]), w["ask"])
			one(t, h.Press(c.deputy, q, w["cancel"]), w["cancelled"])
			quiet(t, c.lead)
			one(t, h.Press(c.deputy, confirm, w["no"]), w["ask"])
			one(t, h.Do(c.deputy, "No call came."), w["recorded"])
			one(t, c.lead.Unread(), w["says"])
			if confirm = c.deputy.Message(confirm.ID); len(confirm.Buttons()) != 0 {
				t.Fatalf("the question keeps its buttons once answered: %v", confirm.Buttons())
			}
			digest := h.Do(c.supervisor, "/digest")
			one(t, digest[:1], w["digest"], w["says"])
		})
	}
}

// TestOfficeRenamesAndRetiresDepartments: a mistyped department is
// renamed (its id, items and contacts follow), a department without open
// work is retired and offered nowhere, one with open work is not.
func TestOfficeRenamesAndRetiresDepartments(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := map[string]words{
				"en": {"typo": "<b>Health Commision</b>", "fixed": "Health Commission", "renamed": "is now “Health Commission”",
					"retired": "is retired", "has": "still has 1 open item", "edu": "Education Bureau", "retired_line": "Education Bureau — retired 2026-03-02", "exists": "already exists"},
				"zh": {"typo": "<b>区卫健委</b>", "fixed": "区卫生健康委", "renamed": "改名为“区卫生健康委”",
					"retired": "已撤销“区教育局”", "has": "还有1件在办", "edu": "区教育局", "retired_line": "区教育局 — 已于2026-03-02撤销", "exists": "已存在"},
			}[lang]
			dw := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			h.Do(c.admin, "/departments add "+w["typo"])
			one(t, h.Do(c.admin, "/departments rename "+w["typo"]+" = "+w["fixed"]), w["renamed"])
			list := one(t, h.Do(c.admin, "/departments"), w["fixed"])
			if strings.Contains(list.Text, "<b>") {
				t.Fatalf("the mistyped name is still listed:\n%s", list.Text)
			}
			one(t, h.Do(c.admin, "/departments retire "+w["edu"]), w["retired"])
			one(t, h.Do(c.admin, "/departments"), w["retired_line"])
			c.assignedIn(t, dw, "Retire me")
			one(t, h.Do(c.admin, "/departments retire "+dw["lead"]), w["has"])
			// A name another department has is refused.
			one(t, h.Do(c.admin, "/departments rename "+w["fixed"]+" = "+dw["lead"]), w["exists"])
			// The retired department is offered nowhere.
			m := one(t, h.Press(c.deputy, file(t, h, c.deputy, dw["kind"], "Second", "Text.", dw["category"]), dw["submit"]), dw["submitted"])
			q := last(t, h.Do(c.admin, "/assign "+codeRE.FindStringSubmatch(m.Text)[1]))
			if q.Button(w["edu"]) != nil || q.Button(w["fixed"]) == nil {
				t.Fatalf("the picker offers %v", q.Buttons())
			}
		})
	}
}

// TestOfficeChangesAnAssignment: after confirming, the office moves an
// item to another lead department; the new lead is told it is assigned,
// the former lead that it is no longer theirs, the deputy of the change,
// the kept co-department nothing; the timeline records it, and the new
// deadline follows the reassignment's rule.
func TestOfficeChangesAnAssignment(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := map[string]words{
				"en": {"change": "Change assignment", "so_far": "lead so far: Housing Bureau", "new": "Education Bureau",
					"co": "✅ Civil Affairs Bureau", "confirm": "Please confirm the changed assignment", "lead": "Lead: Education Bureau",
					"changed": "assignment of Suggestion 2026-001 is changed; reply due 2026-06-03", "assigned": "New assignment",
					"dropped": "no longer your department's (lead now: Education Bureau)", "deputy": "changed the assignment",
					"timeline": "changed the assignment: lead Education Bureau, due 2026-06-03", "use": "Use 2026-06-03"},
				"zh": {"change": "调整交办", "so_far": "原主办：区住建局", "new": "区教育局",
					"co": "✅ 区民政局", "confirm": "请确认调整后的交办", "lead": "主办：区教育局",
					"changed": "已调整建议 2026-001的交办，答复期限2026-06-03", "assigned": "新交办件",
					"dropped": "不再由本单位办理（现由区教育局主办）", "deputy": "调整了建议 2026-001",
					"timeline": "调整交办：主办区教育局，期限2026-06-03", "use": "使用2026-06-03"},
			}[lang]
			dw := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			n := c.assignedIn(t, dw, "Wrong department")
			h.Clock.Advance(24 * time.Hour)
			q := one(t, h.Press(c.admin, card(t, h, c.admin, n), w["change"]), w["so_far"])
			q = last(t, h.Press(c.admin, q, w["new"]))
			if q.Button(w["co"]) == nil {
				t.Fatalf("the co-department chosen before is not marked: %v", q.Buttons())
			}
			q = last(t, h.Press(c.admin, q, dw["done"]))
			q = last(t, h.Press(c.admin, q, dw["no leader"]))
			q = last(t, h.Press(c.admin, q, dw["no"]))
			q = one(t, h.Press(c.admin, q, w["use"]), w["confirm"], w["lead"])
			one(t, h.Press(c.admin, q, dw["assign"]), w["changed"])
			one(t, c.other.Unread(), w["assigned"])
			one(t, c.lead.Unread(), w["dropped"])
			one(t, c.lead2.Unread(), w["dropped"])
			one(t, c.deputy.Unread(), w["deputy"])
			quiet(t, c.co)
			one(t, h.Do(c.deputy, "/view "+n), w["timeline"])
		})
	}
}

// TestOfficeRemovesAPerson: a leader in charge of an open item is removed
// only with a successor, who is told and takes the item; the removed
// person's Telegram account is a stranger's again; removing a
// department's only contact warns that nobody there will hear.
func TestOfficeRemovesAPerson(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := map[string]words{
				"en": {"leader": "Mayor Wang", "second": "leader Deputy Mayor Li", "successor": "Deputy Mayor Li",
					"has": "still in charge of 1 open item", "removed": "Mayor Wang is removed", "handed": "1 open item in charge went to the successor",
					"told": "changed the assignment", "stranger": "not registered", "contact": "Sun Qi", "nobody": "No contact of Education Bureau has joined",
					"pick": "Mayor Wang", "timeline": "changed the leader in charge (was Mayor Wang): Deputy Mayor Li"},
				"zh": {"leader": "王区长", "second": "leader 李副区长", "successor": "李副区长",
					"has": "还领办1件在办件", "removed": "已移除王区长", "handed": "1件在办件已交接替人",
					"told": "调整了", "stranger": "尚未在本系统登记", "contact": "孙七", "nobody": "区教育局尚无联系人加入", "pick": "王区长",
					"timeline": "更换领办领导（原王区长）：李副区长"},
			}[lang]
			dw := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			second := join(t, h, c.admin, w["second"], 4002, lang)
			second.Unread()
			n, q := c.toConfirm(t, dw, "Led item", "", w["pick"])
			one(t, h.Press(c.admin, q, dw["assign"]), dw["assigned"])
			c.readAll()
			one(t, h.Do(c.admin, "/people remove "+w["leader"]), w["has"])
			one(t, h.Do(c.admin, "/people remove "+w["leader"]+" = "+w["successor"]), w["removed"], w["handed"])
			one(t, second.Unread(), w["told"])
			one(t, h.Do(c.leader, "/my"), w["stranger"])
			one(t, h.Do(c.admin, "/view "+n), w["timeline"])
			one(t, h.Do(c.admin, "/people remove "+w["contact"]), w["nobody"])
		})
	}
}

// TestReturnedItemRevisedAndResubmitted: the office returns an item; the
// deputy revises it from the notice and submits it again under the same
// number, and the office is told of it as new.
func TestReturnedItemRevisedAndResubmitted(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := map[string]words{
				"en": {"return": "Return to deputy", "why": "Why is it returned", "returned": "returned to the deputy",
					"notice": "You may revise it and submit it again under the same number", "revise": "Revise and resubmit",
					"preview": "Please check", "edit": "Text", "again": "Submitted: Suggestion 2026-001", "office": "Suggestion 2026-001",
					"timeline": "took it back to revise it"},
				"zh": {"return": "退回代表", "why": "退回代表的理由", "returned": "退回代表",
					"notice": "可以修改后重新提交，编号不变", "revise": "修改后重新提交",
					"preview": "请核对", "edit": "正文", "again": "已提交：建议 2026-001", "office": "建议 2026-001",
					"timeline": "取回修改"},
			}[lang]
			dw := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			m := one(t, h.Press(c.deputy, file(t, h, c.deputy, dw["kind"], "Vague", "Too vague.", dw["category"]), dw["submit"]), dw["submitted"])
			n := codeRE.FindStringSubmatch(m.Text)[1]
			c.admin.Unread()
			one(t, h.Press(c.admin, card(t, h, c.admin, n), w["return"]), w["why"])
			one(t, h.Do(c.admin, "Say where and what."), w["returned"])
			notice := one(t, c.deputy.Unread(), w["notice"])
			preview := one(t, h.Press(c.deputy, notice, w["revise"]), w["preview"])
			one(t, h.Press(c.deputy, preview, dw["submit"]), w["again"])
			one(t, c.admin.Unread(), w["office"])
			one(t, h.Do(c.deputy, "/view "+n), w["timeline"])
		})
	}
}

// TestReopeningOwnLinkSaysAlreadyIn: a person who opens his own used
// invitation again is told he is in, with his roles — not that the link
// was used.
func TestReopeningOwnLinkSaysAlreadyIn(t *testing.T) {
	for lang, want := range map[string]string{"en": "you have joined already", "zh": "您已经加入了"} {
		t.Run(lang, func(t *testing.T) {
			h := apptest.Start(t, apptest.Admins(adminID))
			admin := h.User(adminID, "Admin", lang)
			msgs := h.Do(admin, "/invite deputy Zhang")
			link := linkRE.FindStringSubmatch(msgs[len(msgs)-1].Text)[1]
			dep := h.User(2001, "Zhang", lang)
			h.Do(dep, "/start "+link)
			got := one(t, h.Do(dep, "/start "+link), want)
			if strings.Contains(got.Text, "used") || strings.Contains(got.Text, "已使用") {
				t.Fatalf("told the link was used: %s", got.Text)
			}
		})
	}
}

// TestConfirmPressedTwiceSaysDone: pressing a dialogue's confirmation
// again (a double tap, an old message) says the step is done, naming the
// item — not that the button is stale and to start again.
func TestConfirmPressedTwiceSaysDone(t *testing.T) {
	for lang, want := range map[string]string{"en": "This step is done already (Suggestion 2026-001)", "zh": "这一步已经完成（建议 2026-001）"} {
		t.Run(lang, func(t *testing.T) {
			dw := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			_, q := c.toConfirm(t, dw, "Twice", "", dw["no leader"])
			h.WaitHandled(c.admin.PressButton(q, dw["assign"]))
			h.WaitHandled(c.admin.PressButton(q, dw["assign"]))
			if ans := c.admin.Answer(); !strings.Contains(ans, want) {
				t.Fatalf("the second press: %q", ans)
			}
		})
	}
}

// TestLastRoundAndCorrectionInChinese: in Chinese, the supervisor who
// flagged a reply is told of its correction; the second round says it
// is the last; an unsatisfied final rating is acknowledged as recorded.
func TestLastRoundAndCorrectionInChinese(t *testing.T) {
	dw := dailyWords["zh"]
	c := newCast(t, "zh")
	h := c.h
	n := c.assignedIn(t, dw, "两轮")
	c.logContactIn(t, dw, n)
	reply := func(text string) *telegramtest.Message {
		q := last(t, h.Press(c.lead, card(t, h, c.lead, n), "答复"))
		q = last(t, h.Press(c.lead, q, "B 类"))
		q = last(t, h.Do(c.lead, text))
		q = last(t, h.Do(c.lead, "2026-12-31 完成"))
		q = last(t, h.Press(c.lead, q, "跳过"))
		one(t, h.Press(c.lead, q, "发送答复"), "答复已送代表")
		return last(t, c.deputy.Unread())
	}
	reply("研究后答复。")
	q := one(t, h.Press(c.supervisor, card(t, h, c.supervisor, n), "质量评审"), "这份答复有什么问题")
	q = one(t, h.Press(c.supervisor, q, "避重就轻"), "整改期限")
	q = one(t, h.Press(c.supervisor, q, "使用"), "补充说明")
	one(t, h.Press(c.supervisor, q, "跳过"), "整改")
	c.readAll()
	q = last(t, h.Press(c.lead, card(t, h, c.lead, n), "整改答复"))
	q = last(t, h.Press(c.lead, q, "B 类"))
	q = last(t, h.Do(c.lead, "年内完成，资金已落实。"))
	q = last(t, h.Do(c.lead, "2026-12-31 完成"))
	q = last(t, h.Press(c.lead, q, "跳过"))
	one(t, h.Press(c.lead, q, "发送答复"), "答复已送代表")
	one(t, c.supervisor.Unread(), "区住建局已就您标记的问题（避重就轻、避实就虚）更正了建议 2026-001", "年内完成")
	fixed := last(t, c.deputy.Unread())
	one(t, rate(t, h, c.deputy, fixed, "态度满意", "结果不满意"), "请说明不满意的理由")
	one(t, h.Do(c.deputy, "没有时间表。"), "将重新办理")
	c.readAll()
	second := reply("六月开工。")
	if !strings.Contains(second.Text, "这是第2轮、也是最后一轮答复") {
		t.Fatalf("the second round does not say it is the last:\n%s", second.Text)
	}
	one(t, rate(t, h, c.deputy, second, "态度基本满意", "结果不满意"), "请说明不满意的理由")
	got := one(t, h.Do(c.deputy, "仍不满意。"), "已记录您的评价：办理结果不满意，沟通办理态度基本满意", "最后一轮答复", "以“不满意”办结", "已送政府办公室")
	if strings.Contains(got.Text, "谢谢") {
		t.Fatalf("an unsatisfied final rating thanked: %s", got.Text)
	}
}

// TestStrangerRefusedOnceADay: a stranger who writes again and again
// gets one refusal a day, not one per message.
func TestStrangerRefusedOnceADay(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			h := apptest.Start(t, apptest.Admins(adminID))
			s := h.User(9001, "Stranger", lang)
			for i := 0; i < 5; i++ {
				h.Do(s, fmt.Sprintf("hello %d", i))
			}
			h.Do(s, "/help")
			if got := s.Messages(); len(got) != 1 {
				t.Fatalf("%d refusals for 6 messages", len(got))
			}
			h.Clock.Advance(24 * time.Hour)
			h.Do(s, "hello again")
			if got := s.Messages(); len(got) != 2 {
				t.Fatalf("%d refusals after a day", len(got))
			}
		})
	}
}
