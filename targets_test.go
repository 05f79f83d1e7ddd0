package deputybot

import (
	"testing"
)

func TestParseTargets(t *testing.T) {
	ts, problems := ParseTargets("完成改造老旧小区 302 个\n2021年底新开工54个\nRenovate 1,200 flats\n\n建立长效管理机制\n0 things\n建立24小时值班制度")
	if len(problems) != 1 || problems[0].Line != 6 || problems[0].Err.Key != "err.target_goal" {
		t.Fatalf("problems %+v", problems)
	}
	if len(ts) != 5 || ts[0].Name != "完成改造老旧小区" || ts[0].Unit != "个" || ts[0].Goal != 302 ||
		ts[1].Name != "2021年底新开工" || ts[1].Goal != 54 || ts[2].Name != "Renovate" || ts[2].Unit != "flats" || ts[2].Goal != 1200 {
		t.Fatalf("targets %+v", ts)
	}
	// Without a number, or a number inside the sentence: done or not.
	for _, q := range ts[3:] {
		if !q.Qualitative || q.Goal != 1 || q.Unit != "" || q.Met() {
			t.Fatalf("qualitative target %+v", q)
		}
	}
	if ts[3].Name != "建立长效管理机制" || ts[4].Name != "建立24小时值班制度" {
		t.Fatalf("qualitative names %q %q", ts[3].Name, ts[4].Name)
	}
}

func TestTargetsOfAMotion(t *testing.T) {
	e := env()
	it := fixtures()["motion"]
	if _, err := SetTargets(it, actors["office"], []Target{{Name: "compounds renovated", Goal: 302}, {Name: "started", Goal: 54}}, e); err != nil {
		t.Fatal(err)
	}
	if it.Targets[0].Done != 20 || it.Targets[1].N != 2 {
		t.Fatalf("progress of a kept target lost: %+v", it.Targets)
	}
	if _, err := UpdateTarget(it, actors["lead contact"], 2, 54, e); err != nil || it.Targets[1].Done != 54 {
		t.Fatalf("%v %+v", err, it.Targets)
	}
	if _, err := UpdateTarget(it, actors["lead contact"], 3, 1, e); ErrorCode(err) != ENOTFOUND {
		t.Fatal("no target 3")
	}
	if _, err := UpdateTarget(it, actors["lead contact"], 2, 54, e); ErrorCode(err) != ECONFLICT {
		t.Fatal("same value twice")
	}
	s := fixtures()["in_progress"]
	if _, err := SetTargets(s, actors["office"], []Target{{Name: "x", Goal: 1}}, e); ErrorCode(err) != ECONFLICT {
		t.Fatal("targets on a suggestion")
	}
}
