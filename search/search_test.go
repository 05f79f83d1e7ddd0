package search

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

func TestTermsInBothScripts(t *testing.T) {
	for in, want := range map[string]string{
		"加装电梯":                    "加装 装电 电梯",
		"关于加装电梯的建议":               "加装 装电 电梯",
		"建议加强学校和医院周边管理":           "学校 医院 院周 周边 边管 管理",
		"Lifts for old buildings": "lift for old building",
		"２０２６年 ＢＵＳ stops":         "2026 年 bus stop",
		"路":                       "路",
	} {
		if got := strings.Join(Terms(in), " "); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// TestSearchRanksByWhatIsShared: a Chinese word found inside a longer
// text, the title weighing more than the text, a removed item gone, a
// replaced one found by its new words only.
func TestSearchRanksByWhatIsShared(t *testing.T) {
	x := New()
	x.Put(Doc{ID: "a", Title: "关于老旧小区加装电梯的建议", Text: "建议加快老旧小区加装电梯进度。"})
	x.Put(Doc{ID: "b", Title: "关于公交站台的建议", Text: "站台附近老旧小区居民较多，电梯口缺少照明。"})
	x.Put(Doc{ID: "c", Title: "Lifts for old housing", Text: "Old compounds need lifts."})
	x.Put(Doc{ID: "d", Title: "关于学校门口交通的建议", Text: "上下学时段拥堵。"})
	hits := x.Search("电梯", nil, 10)
	if len(hits) != 2 || hits[0].ID != "a" || hits[1].ID != "b" {
		t.Fatalf("电梯: %v", hits)
	}
	if hits := x.Search("lift", nil, 10); len(hits) != 1 || hits[0].ID != "c" {
		t.Fatalf("lift: %v", hits)
	}
	if hits := x.Search("电梯", func(id string) bool { return id != "a" }, 10); len(hits) != 1 || hits[0].ID != "b" {
		t.Fatalf("kept: %v", hits)
	}
	x.Remove("a")
	x.Put(Doc{ID: "b", Title: "关于学校食堂的建议", Text: "食堂卫生。"})
	if hits := x.Search("电梯", nil, 10); len(hits) != 0 || x.Len() != 3 {
		t.Fatalf("after a removal and a replacement: %v, %d", hits, x.Len())
	}
	sim := x.Similar(Doc{Title: "学校门口交通拥堵", Text: "上下学时段学校门口拥堵，建议设置接送区。"}, nil, 3)
	if len(sim) == 0 || sim[0].ID != "d" {
		t.Fatalf("similar: %v", sim)
	}
}

// BenchmarkSimilarAmong10000 looks for the items most like a new one
// among 10,000 of 300 characters each.
func BenchmarkSimilarAmong10000(b *testing.B) {
	x := benchIndex()
	b.ResetTimer()
	for i := range b.N {
		x.Similar(Doc{Title: "关于加装电梯的建议", Text: fmt.Sprintf("第%d个小区需要加装电梯，居民上下楼困难，建议统筹资金尽快实施。", i)}, nil, 3)
	}
}

func BenchmarkSearchAmong10000(b *testing.B) {
	x := benchIndex()
	b.ResetTimer()
	for range b.N {
		x.Search("加装电梯", nil, 10)
	}
}

// BenchmarkBuild10000 builds the index of 10,000 items, and reports the
// heap it holds.
func BenchmarkBuild10000(b *testing.B) {
	var x *Index
	for range b.N {
		x = benchIndex()
	}
	b.StopTimer()
	var before, after runtime.MemStats
	x = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	x = benchIndex()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-heap")
	runtime.KeepAlive(x)
}

// benchIndex is 10,000 items of a title and about 300 characters, built
// of the words of 40 topics.
func benchIndex() *Index {
	topics := []string{"加装电梯", "公交站台", "学校门口", "社区食堂", "停车难", "垃圾分类", "老旧管网", "道路积水", "公园绿地", "养老服务",
		"菜市场", "路灯照明", "噪音扰民", "医疗资源", "幼儿托育", "消防通道", "电动车充电", "物业管理", "河道治理", "文化场馆"}
	x := New()
	for i := range 10000 {
		t := topics[i%len(topics)]
		u := topics[(i*7+3)%len(topics)]
		body := strings.Repeat(fmt.Sprintf("关于%s的问题，居民反映强烈，%s也需要统筹考虑，建议第%d号片区尽快解决。", t, u, i%97), 6)
		x.Put(Doc{ID: fmt.Sprint(i), Title: "关于" + t + "的建议", Text: body})
	}
	return x
}
