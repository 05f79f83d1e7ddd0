package search

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

type corpusItem struct{ issue, category, title, text string }

// readCorpus reads testdata/corpus.txt: 300 suggestions written for the
// test on 30 issues, "issue|category|title|text" a line.
func readCorpus(t testing.TB) []corpusItem {
	f, err := os.Open("testdata/corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusItem
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "|")
		if len(p) != 4 {
			t.Fatalf("corpus line %q: want issue|category|title|text", line)
		}
		out = append(out, corpusItem{p[0], p[1], p[2], p[3]})
	}
	return out
}

// TestSimilarItemsOfTheCorpus: each of the 300 suggestions, as if it were
// new, against the other 299. An item of the same issue must be among the
// three proposed for at least 90% of them, and the first proposed must be
// of another issue for at most 10%.
func TestSimilarItemsOfTheCorpus(t *testing.T) {
	items := readCorpus(t)
	issues := map[string]int{}
	for _, it := range items {
		issues[it.issue]++
	}
	if len(items) != 300 || len(issues) != 30 {
		t.Fatalf("the corpus has %d items on %d issues, want 300 on 30", len(items), len(issues))
	}
	for issue, n := range issues {
		if n < 3 || n > 20 {
			t.Errorf("issue %s has %d phrasings, want 3 to 20", issue, n)
		}
	}
	x := New()
	for i, it := range items {
		x.Put(Doc{ID: fmt.Sprint(i), Title: it.title, Text: it.text, Category: it.category})
	}
	found, wrongFirst, none := 0, 0, 0
	for i, it := range items {
		hits := x.Similar(Doc{ID: fmt.Sprint(i), Title: it.title, Text: it.text, Category: it.category}, nil, 3)
		if len(hits) == 0 {
			none++
			continue
		}
		issueOf := func(h Hit) string {
			var j int
			fmt.Sscan(h.ID, &j)
			return items[j].issue
		}
		if got := issueOf(hits[0]); got != it.issue {
			wrongFirst++
			t.Logf("first proposed for %s %q is of %s", it.issue, it.title, got)
		}
		for _, h := range hits {
			if issueOf(h) == it.issue {
				found++
				break
			}
		}
	}
	t.Logf("of %d: same issue among the three %d, another issue first %d, none proposed %d", len(items), found, wrongFirst, none)
	if found*10 < len(items)*9 {
		t.Errorf("an item of the same issue among the three proposed for %d of %d, want at least 90%%", found, len(items))
	}
	if wrongFirst*10 > len(items) {
		t.Errorf("an item of another issue proposed first for %d of %d, want at most 10%%", wrongFirst, len(items))
	}
}
