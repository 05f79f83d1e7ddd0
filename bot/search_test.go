package bot_test

import (
	"strings"
	"testing"
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
