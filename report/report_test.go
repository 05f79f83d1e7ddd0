package report

import (
	"deputybot"
	"deputybot/texts"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestPercentagesAsTheSeedReportWritesThem(t *testing.T) {
	for _, tc := range []struct {
		counts []int
		want   string
	}{
		{[]int{155, 12}, "92.81 7.19"}, // 区十五届人大六次会议期间建议
		{[]int{73, 10}, "87.95 12.05"}, // 闭会期间建议
		{[]int{1, 1, 1}, "33.34 33.33 33.33"},
		{[]int{2, 1}, "66.67 33.33"},
		{[]int{1, 0, 0, 0}, "100.00 0.00 0.00 0.00"},
		{[]int{0, 0}, "0.00 0.00"},
		{[]int{1, 1, 1, 1, 1, 1, 1}, "14.29 14.29 14.29 14.29 14.28 14.28 14.28"},
	} {
		if got := strings.Join(Percentages(tc.counts), " "); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.counts, got, tc.want)
		}
	}
	if Rate(0, 0) != "—" || Rate(3, 4) != "75.00" {
		t.Fatal("Rate")
	}
}

// TestPercentagesAlwaysAddUp: for any counts, the shares add up to
// 100.00 and each is within a hundredth of the exact share.
func TestPercentagesAlwaysAddUp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		counts := rapid.SliceOfN(rapid.IntRange(0, 100000), 1, 8).Draw(t, "counts")
		total := 0
		for _, c := range counts {
			total += c
		}
		got := Percentages(counts)
		if total == 0 {
			return
		}
		sum := 0
		for i, g := range got {
			parts := strings.Split(g, ".")
			whole, _ := strconv.Atoi(parts[0])
			frac, _ := strconv.Atoi(parts[1])
			h := whole*100 + frac
			sum += h
			exact := new(big.Rat).SetFrac64(int64(counts[i])*10000, int64(total))
			diff := new(big.Rat).Sub(exact, big.NewRat(int64(h), 1))
			if diff.Abs(diff).Cmp(big.NewRat(1, 1)) >= 0 {
				t.Fatalf("%v: share %d is %s, exact %s", counts, i, g, exact.FloatString(4))
			}
			if counts[i] == 0 && h != 0 {
				t.Fatalf("%v: a zero count got %s", counts, g)
			}
		}
		if sum != 10000 {
			t.Fatalf("%v: %v adds up to %d", counts, got, sum)
		}
	})
}

func TestTargetsInWordsLikeTheSeed(t *testing.T) {
	tx, err := texts.Load(shanghai)
	if err != nil {
		t.Fatal(err)
	}
	ts := []deputybot.Target{
		{N: 1, Name: "新增停车泊位", Unit: "个", Done: 54, Goal: 302},
		{N: 2, Name: "改造<小区>", Unit: "个", Done: 400, Goal: 302},
		{N: 3, Name: "开工", Unit: "个", Done: 0, Goal: 10},
	}
	want := "1. 新增停车泊位已完成54个，占17.88%（目标302个）\n" +
		"2. 改造&lt;小区&gt;已完成400个，占100.00%（目标302个）\n" +
		"3. 开工已完成0个，占0.00%（目标10个）"
	if got := Targets(tx, deputybot.LangZH, ts); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if got := TargetDone(tx, deputybot.LangEN, ts[0]); got != "新增停车泊位: 54 个 done, 17.88% (target 302 个)" {
		t.Fatalf("English: %s", got)
	}
}
