package bot_test

import (
	"strings"
	"testing"

	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
)

// buttonStarting is the label of m's first button that starts with
// prefix ("" if none).
func buttonStarting(m *telegramtest.Message, prefix string) string {
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b.Text, prefix) {
			return b.Text
		}
	}
	return ""
}

// someSays asserts that one of msgs contains want.
func someSays(t *testing.T, msgs []*telegramtest.Message, want string) {
	t.Helper()
	for _, m := range msgs {
		if strings.Contains(m.Text, want) {
			return
		}
	}
	t.Fatalf("no message says %q: %v", want, msgs)
}

// fileAs files and submits a suggestion as deputy d (going past the
// similar items shown); returns its number.
func fileAs(t *testing.T, h *apptest.Harness, d *telegramtest.Chat, title, body string) string {
	t.Helper()
	m := one(t, h.Press(d, file(t, h, d, "建议", title, body, "城市建设"), "提交"), "已提交")
	return codeRE.FindStringSubmatch(m.Text)[1]
}

// TestThreeItemsMergedAnsweredOnceRatedApart: three deputies file the
// same issue; the office assigns the first and merges the other two into
// its group (the assignment shows the similar items with their
// department); the department writes the reply once and sends it to each
// deputy with a line for one of them; each deputy receives his own reply
// and rates it himself; the items keep their own records (one closes, one
// is handled again); the digest counts the group; the office takes one
// item out, and its department is told (the
// group's first leaving last: TestGroupsAndThreads).
func TestThreeItemsMergedAnsweredOnceRatedApart(t *testing.T) {
	c := newCast(t, "zh")
	h := c.h
	w := dailyWords["zh"]
	d2 := join(t, h, c.admin, "deputy 王五", 2002, "zh")
	d3 := join(t, h, c.admin, "deputy 赵四", 2003, "zh")
	c.readAll()
	n1 := fileAs(t, h, c.deputy, "关于老旧小区加装电梯的建议", "我区许多老旧小区的多层住宅没有电梯，老年人上下楼困难，建议加大加装电梯补贴。")
	n2 := fileAs(t, h, d2, "老楼没有电梯，老人下不了楼", "我们小区都是六层老楼，没有电梯，老年人上下楼很难，请补贴加装电梯。")
	n3 := fileAs(t, h, d3, "加快既有住宅加装电梯", "既有多层住宅加装电梯进展缓慢，老年人盼望早日装上电梯，建议简化审批、加大补贴。")
	q := last(t, h.Do(c.admin, "/assign "+n1))
	q = last(t, h.Press(c.admin, q, w["lead"]))
	q = last(t, h.Press(c.admin, q, w["done"]))
	q = last(t, h.Press(c.admin, q, "王区长"))
	q = last(t, h.Press(c.admin, q, w["no"]))
	q = last(t, h.Press(c.admin, q, w["use"]))
	one(t, h.Press(c.admin, q, w["assign"]), w["assigned"])
	c.readAll()

	merge := func(n string) {
		t.Helper()
		q := one(t, h.Do(c.admin, "/assign "+n), "相似件", "建议 "+n1, "区住建局")
		b := buttonStarting(q, "🔗 并案")
		if b == "" {
			t.Fatalf("no merge offered: %s %v", q.Text, q.Buttons())
		}
		q = one(t, h.Press(c.admin, q, b), "请确认并案办理", "主办：区住建局", "各自评价")
		one(t, h.Press(c.admin, q, "确认并案"), "并案办理", "建议 "+n1)
	}
	merge(n2)
	// The first item's deputy is told once that his is handled with others.
	one(t, c.deputy.Unread(), "建议 "+n1, "并案办理", "单独评价")
	merge(n3)
	quiet(t, c.deputy)
	// The lead department was told of each as of any assignment.
	if got := c.lead.Unread(); len(got) != 2 {
		t.Fatalf("the lead department got %d messages for two merged items", len(got))
	}
	c.readAll()
	cd := card(t, h, c.admin, n3)
	for _, want := range []string{"并案办理，本组3件", "建议 " + n1 + "（张三）", "建议 " + n2 + "（王五）", "王区长"} {
		if !strings.Contains(cd.Text, want) {
			t.Fatalf("the card of a merged item lacks %q: %s", want, cd.Text)
		}
	}

	// Their deputies are told their items are handled together.
	for _, d := range []*telegramtest.Chat{d2, d3} {
		one(t, d.Unread(), "已交区住建局办理", "并案办理", "单独评价")
	}
	// One meeting with the three deputies, logged once for the group.
	q = one(t, h.Press(c.lead, card(t, h, c.lead, n1), w["log"]), w["when"])
	q = one(t, h.Press(c.lead, q, w["today"]), w["stageq"])
	q = one(t, h.Press(c.lead, q, w["stage"]), w["how"])
	q = one(t, h.Press(c.lead, q, "座谈"), w["note"])
	msgs := h.Press(c.lead, q, w["skip"])
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, w["logged"]) || !strings.Contains(msgs[1].Text, "本组其他2件的代表也参加了吗") {
		t.Fatalf("after a contact on a group's item: %v", msgs)
	}
	one(t, h.Press(c.lead, msgs[1], "是，一并记录（2件）"), "也已记入本组其他2件")
	for _, d := range []*telegramtest.Chat{c.deputy, d2, d3} {
		one(t, d.Unread(), "座谈", "是否已就")
	}
	for _, n := range []string{n2, n3} {
		if cd := card(t, h, c.admin, n); !strings.Contains(cd.Text, "办前 · 座谈") {
			t.Fatalf("the group's contact is not on %s: %s", n, cd.Text)
		}
	}
	q = one(t, h.Press(c.lead, card(t, h, c.lead, n1), "答复"), "答复分类")
	q = one(t, h.Press(c.lead, q, "A 类"), "答复正文")
	q = one(t, h.Do(c.lead, "三个小区均已列入今年加装电梯计划，补贴标准提高到每部二十万元。"), "正式答复文件")
	q = one(t, h.Press(c.lead, q, "跳过"), "请确认答复")
	msgs = h.Press(c.lead, q, "发送答复")
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "答复已送代表") || !strings.Contains(msgs[1].Text, "同组还有2件尚未答复") {
		t.Fatalf("after the group's first reply: %v", msgs)
	}
	q = one(t, h.Press(c.lead, msgs[1], "逐件发送"), "（1/2）", "这份答复将送给代表")
	line2 := "王五代表：您提到的3号楼已列入首批。"
	if strings.Contains(q.Text, "赵四") {
		line2 = "赵四代表：您提到的审批问题已简化。"
	}
	msgs = h.Do(c.lead, line2)
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "答复已送") || !strings.Contains(msgs[1].Text, "（2/2）") {
		t.Fatalf("after the first line: %v", msgs)
	}
	last2 := msgs[1]
	msgs = h.Press(c.lead, last2, "不加，直接发送")
	if len(msgs) != 2 || !strings.Contains(msgs[1].Text, "本组已有3件送达这份答复；还有0件") {
		t.Fatalf("after the last: %v", msgs)
	}
	// Each deputy has his own reply, the one with the line first.
	replies := map[*telegramtest.Chat]*telegramtest.Message{}
	for _, d := range []*telegramtest.Chat{c.deputy, d2, d3} {
		m := one(t, d.Unread(), "补贴标准提高到每部二十万元")
		replies[d] = m
	}
	withLine := d2
	if strings.HasPrefix(line2, "赵四") {
		withLine = d3
	}
	for d, m := range replies {
		if has := strings.Contains(m.Text, line2); has != (d == withLine) {
			t.Fatalf("the line for one deputy is in chat %d's reply: %v", d.ID, has)
		}
	}
	// Each rates on his own.
	one(t, rate(t, h, c.deputy, replies[c.deputy], "🤝 态度满意", "🎯 结果满意"), "谢谢")
	one(t, rate(t, h, d2, replies[d2], "🤝 态度基本满意", "🎯 结果基本满意"), "谢谢")
	rate(t, h, d3, replies[d3], "🤝 态度满意", "🎯 结果不满意")
	h.Do(d3, "审批环节还是太多。")
	for n, want := range map[string]string{n1: "已办结", n2: "已办结", n3: "重新办理中"} {
		if cd := card(t, h, c.admin, n); !strings.Contains(cd.Text, want) {
			t.Fatalf("item %s: %s", n, cd.Text)
		}
	}
	someSays(t, h.Do(c.supervisor, "/digest"), "本年度并案办理1组3件。")

	// The office takes the one handled again out of the group.
	c.readAll()
	cd = card(t, h, c.admin, n3)
	one(t, h.Press(c.admin, cd, "✂️ 移出并案"), "已移出并案")
	one(t, c.lead.Unread(), "移出并案", "建议 "+n3)
	if cd := card(t, h, c.admin, n1); !strings.Contains(cd.Text, "本组2件") {
		t.Fatalf("the group after one left: %s", cd.Text)
	}
}

// TestAThreadOfThreeYearsFlagsTheLeader: the same issue filed in 2024,
// 2025 and 2026; the office marks the earlier year's item as the same
// issue — from the 2025 item's card, and while assigning the 2026 one; the third year flags the leader in charge and
// the supervisors; the card shows each year's reply and promise; the
// digest counts the issue raised three years in a row.
func TestAThreadOfThreeYearsFlagsTheLeader(t *testing.T) {
	c := newCast(t, "zh")
	h := c.h
	w := dailyWords["zh"]
	assign := func(n string, thread bool) *telegramtest.Message {
		t.Helper()
		q := last(t, h.Do(c.admin, "/assign "+n))
		if thread {
			b := buttonStarting(q, "🧵 同一问题")
			if b == "" {
				t.Fatalf("no earlier item offered: %s %v", q.Text, q.Buttons())
			}
			q = inPlace(t, h, c.admin, q, b)
			if buttonStarting(q, "✅ 🧵") == "" {
				t.Fatalf("the chosen thread is not marked: %v", q.Buttons())
			}
		}
		q = last(t, h.Press(c.admin, q, w["lead"]))
		q = last(t, h.Press(c.admin, q, w["done"]))
		q = last(t, h.Press(c.admin, q, "王区长"))
		q = last(t, h.Press(c.admin, q, w["no"]))
		q = last(t, h.Press(c.admin, q, w["use"]))
		return one(t, h.Press(c.admin, q, w["assign"]), w["assigned"])
	}
	h.Clock.Set(at("2024-03-11", "10:00"))
	n24 := fileAs(t, h, c.deputy, "关于背街小巷安装路灯的建议", "老城区背街小巷没有路灯，居民夜间出行不安全，建议安装路灯。")
	assign(n24, false)
	c.logContactIn(t, w, n24)
	q := one(t, h.Press(c.lead, card(t, h, c.lead, n24), "答复"), "答复分类")
	q = one(t, h.Press(c.lead, q, "B 类"), "答复正文")
	q = one(t, h.Do(c.lead, "已列入明年路灯建设计划。"), "承诺")
	q = one(t, h.Do(c.lead, "2025-06-30 完成幸福路背街小巷路灯安装"), "正式答复文件")
	q = one(t, h.Press(c.lead, q, "跳过"), "请确认答复")
	one(t, h.Press(c.lead, q, "发送答复"), "答复已送代表")
	c.readAll()

	h.Clock.Set(at("2025-03-10", "10:00"))
	n25 := fileAs(t, h, c.deputy, "背街小巷路灯还是没装", "幸福路一带的背街小巷晚上依然漆黑，路灯迟迟没有安装，请督促落实。")
	// Assigned without a thread; the office links it from its card.
	assign(n25, false)
	q = one(t, h.Press(c.admin, card(t, h, c.admin, n25), "🧵 往年同一问题"), "往年与建议 "+n25+"相似的件", "建议 "+n24)
	one(t, h.Press(c.admin, q, buttonStarting(q, "🧵 同一问题")), "已接续往年同一问题，本线索共2件")
	if cd := card(t, h, c.admin, n25); cd.Button("🧵 往年同一问题") != nil || !strings.Contains(cd.Text, "同一问题的各年件（共2件）") {
		t.Fatalf("the card after the link: %s %v", cd.Text, cd.Buttons())
	}
	c.readAll()

	h.Clock.Set(at("2026-03-10", "10:00"))
	n26 := fileAs(t, h, c.deputy, "再次建议在背街小巷安装路灯", "连续两年反映背街小巷没有路灯的问题，至今仍未解决，夜间出行不安全。")
	assign(n26, true)
	for _, ch := range []*telegramtest.Chat{c.leader, c.supervisor} {
		flagged := 0
		for _, m := range ch.Unread() {
			if strings.Contains(m.Text, "同一问题连续三年提出") {
				flagged++
				if !strings.Contains(m.Text, "（2024、2025、2026）") || !strings.Contains(m.Text, "建议 "+n26) || !strings.Contains(m.Text, "重点督办候选") {
					t.Fatalf("the flag: %s", m.Text)
				}
			}
		}
		if flagged != 1 {
			t.Fatalf("chat %d was flagged %d times; card %s", ch.ID, flagged, card(t, h, c.admin, n26).Text)
		}
	}
	cd := card(t, h, c.admin, n26)
	for _, want := range []string{"同一问题的各年件（共3件）", "2024年：建议 " + n24, "2025年：建议 " + n25, "已列入明年路灯建设计划", "2025-06-30", "完成幸福路背街小巷路灯安装"} {
		if !strings.Contains(cd.Text, want) {
			t.Fatalf("the card of the third year lacks %q: %s", want, cd.Text)
		}
	}
	someSays(t, h.Do(c.supervisor, "/digest"), "本年度连续三年提出的问题1个。")
}
