package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"deputybot"
	"deputybot/internal/apptest"
)

// TestSearchFindsWhatOneMaySee: /search finds items by a Chinese word
// inside their title or text, best first, narrowed by year and status; a
// draft is found by its author only; another deputy finds nothing he may
// not see.
func TestSearchFindsWhatOneMaySee(t *testing.T) {
	c := newCast(t, "zh")
	h := c.h
	for _, s := range [][2]string{
		{"关于老旧小区加装电梯的建议", "老旧小区居民上下楼困难，建议加快加装电梯。"},
		{"关于公交站台增设候车亭的建议", "站台旁边的居民楼没有电梯，老人候车不便。"},
		{"关于学校门口交通拥堵的建议", "上下学时段拥堵严重。"},
	} {
		one(t, h.Press(c.deputy, file(t, h, c.deputy, "建议", s[0], s[1], "城市建设"), "提交"), "已提交")
	}
	c.readAll()
	got := one(t, h.Do(c.admin, "/search 电梯"), "找到2件", "1. 建议 2026-001", "2. 建议 2026-002")
	if strings.Contains(got.Text, "2026-003") || len(got.Buttons()) != 2 {
		t.Fatalf("search: %s %v", got.Text, got.Buttons())
	}
	one(t, h.Do(c.admin, "/search 拥堵 2026"), "找到1件", "学校门口")
	one(t, h.Do(c.admin, "/search 电梯 2025"), "没有找到")
	one(t, h.Do(c.admin, "/search 电梯 已办结"), "没有找到")
	one(t, h.Do(c.admin, "/search"), "用法")
	one(t, h.Do(c.admin, "/search 关于 建议"), "每件建议都会说的话")
	// A draft is its author's only.
	file(t, h, c.deputy, "建议", "关于电梯维保的建议", "电梯经常故障。", "城市建设")
	c.readAll()
	if got := last(t, h.Do(c.admin, "/search 维保")); !strings.Contains(got.Text, "没有找到") {
		t.Fatalf("a draft found by another: %s", got.Text)
	}
	one(t, h.Do(c.deputy, "/search 维保"), "找到1件", "电梯维保")
	// Another deputy sees no one's items before they are assigned.
	other := join(t, h, c.admin, "deputy 王五", 2002, "zh")
	if got := last(t, h.Do(other, "/search 电梯")); !strings.Contains(got.Text, "没有找到") {
		t.Fatalf("another deputy's search: %s", got.Text)
	}
}

// TestAWarnedDeputyJoinsTheOpenItem: a second deputy filing the same
// issue in other words is shown the open item (its year, status,
// department, no reply yet) after the category, joins it as co-sponsor
// instead of filing; the author is told, the item's card lists him, and
// when the department replies he hears of it. A deputy filing something
// else is not stopped; one who goes on files as before.
func TestAWarnedDeputyJoinsTheOpenItem(t *testing.T) {
	c := newCast(t, "zh")
	h := c.h
	w := dailyWords["zh"]
	m := one(t, h.Press(c.deputy, file(t, h, c.deputy, "建议", "关于老旧小区加装电梯的建议",
		"我区许多老旧小区的多层住宅没有电梯，老年人上下楼困难，建议加大加装电梯补贴，简化审批。", "城市建设"), "提交"), "已提交")
	n := codeRE.FindStringSubmatch(m.Text)[1]
	q := last(t, h.Do(c.admin, "/assign "+n))
	q = last(t, h.Press(c.admin, q, w["lead"]))
	q = last(t, h.Press(c.admin, q, w["done"]))
	q = last(t, h.Press(c.admin, q, w["no leader"]))
	q = last(t, h.Press(c.admin, q, w["no"]))
	q = last(t, h.Press(c.admin, q, w["use"]))
	one(t, h.Press(c.admin, q, w["assign"]), w["assigned"])
	c.readAll()

	other := join(t, h, c.admin, "deputy 王五", 2002, "zh")
	other.Unread()
	q = last(t, h.Do(other, "/new"))
	q = last(t, h.Press(other, q, "建议"))
	q = last(t, h.Do(other, "老楼没有电梯，老人下不了楼"))
	q = last(t, h.Do(other, "我们小区都是六层的老楼，没有电梯，老年人上下楼很难，请政府补贴加装电梯。"))
	warn := one(t, h.Press(other, q, "城市建设"), "提出之前请看看", "1. 建议 "+n, "关于老旧小区加装电梯的建议", "2026年 · 区住建局", "尚未答复")
	for _, b := range []string{"继续提出", "附议第1件", "取消"} {
		if warn.Button(b) == nil {
			t.Fatalf("the warning lacks %q: %v", b, warn.Buttons())
		}
	}
	one(t, h.Press(other, warn, "附议第1件"), "您已作为附议代表加入建议 "+n, "老楼没有电梯，老人下不了楼")
	one(t, c.deputy.Unread(), "王五")
	cd := card(t, h, other, n)
	if !strings.Contains(cd.Text, "王五") {
		t.Fatalf("the co-sponsor is not on the card: %s", cd.Text)
	}
	if got := one(t, h.Do(other, "/my"), "建议 "+n); got == nil {
		t.Fatal("no list")
	}
	// Nothing was filed in his name.
	if got := last(t, h.Do(c.admin, "/search 老楼")); !strings.Contains(got.Text, "没有找到") {
		t.Fatalf("the joined deputy's text was filed: %s", got.Text)
	}
	// The reply reaches him too.
	c.logContactIn(t, w, n)
	q = one(t, h.Press(c.lead, card(t, h, c.lead, n), "答复"), "答复分类")
	q = one(t, h.Press(c.lead, q, "A 类"), "答复正文")
	q = one(t, h.Do(c.lead, "已纳入今年加装电梯计划，补贴已到位。"), "正式答复文件")
	q = one(t, h.Press(c.lead, q, "跳过"), "请确认答复")
	one(t, h.Press(c.lead, q, "发送答复"), "答复已送代表")
	one(t, other.Unread(), "您附议的建议 "+n, "已经答复")

	// Something else: no warning; going on files as before.
	q = last(t, h.Do(other, "/new"))
	q = last(t, h.Press(other, q, "建议"))
	q = last(t, h.Do(other, "关于开通青少年心理援助热线的建议"))
	q = last(t, h.Do(other, "建议开通二十四小时青少年心理援助热线。"))
	one(t, h.Press(other, q, "教育"), "如有材料")
	q = last(t, h.Do(other, "/new"))
	q = last(t, h.Press(other, q, "建议"))
	q = last(t, h.Do(other, "给老旧小区加装电梯"))
	q = last(t, h.Do(other, "老旧小区加装电梯进展慢。"))
	q = one(t, h.Press(other, q, "城市建设"), "提出之前请看看")
	one(t, h.Press(other, q, "继续提出"), "如有材料")
}

// TestSearchManyFoundOnASharedStore: a search that finds more items than
// it reads one by one, on a replica of a shared store (every item read in
// one pass), counts and filters them as any search does.
func TestSearchManyFoundOnASharedStore(t *testing.T) {
	c := newCast(t, "zh", apptest.Shared())
	h := c.h
	now := h.Clock.Now()
	var items []*deputybot.Item
	var dets []*deputybot.ItemDetails
	for i := range 250 {
		year := 2026
		if i%5 == 0 {
			year = 2025
		}
		items = append(items, &deputybot.Item{ID: fmt.Sprintf("many%04d", i), Kind: deputybot.KindSuggestion, Year: year, Seq: 100 + i,
			Title: fmt.Sprintf("关于第%d片区路灯照明的建议", i), Category: "urban", AuthorID: "nobody", Status: deputybot.StatusSubmitted,
			CreatedAt: now, SubmittedAt: now, UpdatedAt: now, Version: 2})
		dets = append(dets, &deputybot.ItemDetails{Body: "晚上太黑，建议安装路灯。"})
	}
	if err := h.App.Store.BulkInsertItems(context.Background(), items, dets); err != nil {
		t.Fatal(err)
	}
	one(t, h.Do(c.admin, "/search 路灯"), "找到250件", "列出前10件")
	one(t, h.Do(c.admin, "/search 路灯 2025"), "找到50件")
	// A deputy may see none of them (submitted, not his).
	one(t, h.Do(c.deputy, "/search 路灯"), "没有找到")
}
