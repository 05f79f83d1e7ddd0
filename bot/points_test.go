package bot_test

import (
	"strings"
	"testing"
)

// TestAReplyAnswersWhatWasAsked, in both languages: the deputy's text
// asks three things; replying, the department is offered that split,
// answers the first and third each with a class and leaves the second,
// and is asked to confirm that; the deputy's rating message and the card
// show each request with its answer, the second as not answered.
func TestAReplyAnswersWhatWasAsked(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			w := map[string]words{
				"en": {"body": "About the bus stop: 1. Add a shelter. 2. Run the last bus later. 3. Light the stop at night.",
					"reply": "Reply", "a": "A:", "text?": "text of the reply", "split?": "asks 3 things",
					"p2": "2. Run the last bus later.", "answer": "Answer point by point", "class?": "Which class is your answer",
					"answer?": "Your answer to request", "skip point": "No answer of its own", "file": "formal reply document",
					"skip": "Skip", "left": "1 request is left without its own answer", "send": "Send it anyway", "sent": "Reply sent",
					"a1": "→ class A: A shelter goes up in May.", "a2": "2. Run the last bus later.\n    → not answered on its own",
					"a3": "→ class B: Lights by June.", "edit": "Correct the split"},
				"zh": {"body": "关于公交站的建议：1. 增设候车亭；2. 延长末班车时间；3. 增加夜间照明。",
					"reply": "答复", "a": "A 类", "text?": "答复正文", "split?": "可分为3项诉求",
					"p2": "2. 延长末班车时间；", "answer": "逐项答复", "class?": "这一项的答复属于哪一类",
					"answer?": "请写对第", "skip point": "不单独答复这一项", "file": "正式答复文件",
					"skip": "跳过", "left": "有1项诉求没有单独答复", "send": "仍然发送", "sent": "答复已送代表",
					"a1": "→ A类：五月建成候车亭。", "a2": "2. 延长末班车时间；\n    → 未单独答复",
					"a3": "→ B类：六月前装好路灯。", "edit": "修改拆分"},
			}[lang]
			answers := map[string][2]string{"en": {"A shelter goes up in May.", "Lights by June."}, "zh": {"五月建成候车亭。", "六月前装好路灯。"}}[lang]
			dw := dailyWords[lang]
			c := newCast(t, lang)
			h := c.h
			m := one(t, h.Press(c.deputy, file(t, h, c.deputy, dw["kind"], "Bus stop", w["body"], dw["category"]), dw["submit"]), dw["submitted"])
			n := codeRE.FindStringSubmatch(m.Text)[1]
			q := last(t, h.Do(c.admin, "/assign "+n))
			q = last(t, h.Press(c.admin, q, dw["lead"]))
			q = last(t, h.Press(c.admin, q, dw["done"]))
			q = last(t, h.Press(c.admin, q, dw["no leader"]))
			q = last(t, h.Press(c.admin, q, dw["no"]))
			q = last(t, h.Press(c.admin, q, dw["use"]))
			one(t, h.Press(c.admin, q, dw["assign"]), dw["assigned"])
			c.logContactIn(t, dw, n)
			c.readAll()

			q = one(t, h.Press(c.lead, card(t, h, c.lead, n), w["reply"]), "")
			q = one(t, h.Press(c.lead, q, w["a"]), w["text?"])
			q = one(t, h.Do(c.lead, "Overall."), w["split?"], w["p2"])
			if q.Button(w["edit"]) == nil {
				t.Fatalf("the split cannot be corrected: %v", q.Buttons())
			}
			q = one(t, h.Press(c.lead, q, w["answer"]), w["class?"])
			q = one(t, h.Press(c.lead, q, "A"), w["answer?"])
			q = one(t, h.Do(c.lead, answers[0]), w["class?"], w["p2"])
			q = one(t, h.Press(c.lead, q, w["skip point"]), w["class?"])
			q = one(t, h.Press(c.lead, q, "B"), w["answer?"])
			q = one(t, h.Do(c.lead, answers[1]), w["file"])
			q = one(t, h.Press(c.lead, q, w["skip"]), w["a1"], w["a2"], w["a3"], w["left"])
			one(t, h.Press(c.lead, q, w["send"]), w["sent"])
			one(t, c.deputy.Unread(), w["a1"], w["a2"], w["a3"])
			cd := card(t, h, c.admin, n).Text
			for _, s := range []string{w["a1"], w["a2"], w["a3"]} {
				if !strings.Contains(cd, s) {
					t.Fatalf("the card lacks %q:\n%s", s, cd)
				}
			}
		})
	}
}
