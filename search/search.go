// Package search ranks items by their words, in Chinese and in English:
// Chinese text has no spaces between words, so it is indexed by
// overlapping pairs of characters (bigrams: "加装电梯" → 加装, 装电, 电梯),
// which match a Chinese word wherever it stands; other scripts by words.
// Scores are BM25 over the title (weighted) and the text.
//
// Similar items — the same issue raised again, in other words — are found
// by the same index with more of the text: single Chinese characters
// besides the pairs (a reworded text keeps its characters more than its
// words: 公厕/厕所, 供水/饮水), the words every suggestion says (关于、建
// 议、问题、加强…) left out, and a match filed under another category
// counted for less. The test corpus (testdata/corpus.txt: 300
// suggestions on 30 issues) holds it to finding an item of the same issue
// among the first three for nine in ten, and to proposing an item of
// another issue first for fewer than one in ten.
//
// An Index is a cache: it is built from the record and kept in step
// with it; the record is never read from it.
package search

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// BM25's parameters, and the title's weight against the text.
const (
	k1          = 1.2
	b           = 0.75
	titleWeight = 2
	// maxQueryTerms bounds a long query (an item's whole text, when
	// similar items are looked for): its most specific terms count.
	maxQueryTerms = 96
	// Alike is the least score (against the text's own) of an item
	// proposed as similar; otherCategory weighs a match filed under
	// another category. Both measured on the test corpus.
	Alike         = 0.15
	otherCategory = 0.6
	// unigram marks a single character's term.
	unigram = "\x01"
)

// stopPhrases are what every suggestion says: they tell no issue from
// another. stopChars break a run of characters as punctuation does (的、
// 和…): a pair across them is no word.
var (
	stopPhrases = strings.NewReplacer(func() []string {
		var r []string
		for _, w := range strings.Fields("关于 建议 问题 加强 推进 进一步 加快 完善 尽快 希望 请求 相关 有关 部门 政府 我们 亟待 解决 提高 增加 存在 不足 困难 影响 群众 严重 情况 工作 方面 目前 一些 部分 很多 许多 没有 不能 需要") {
			r = append(r, w, " ")
		}
		return r
	}()...)
	stopChars = "的了和与及或是把被将也都就还很并等之其在对为有让要但却又而"
)

// Terms are the terms of a text: Chinese character bigrams (a lone
// character as itself), and words of other scripts, lower-cased, of two
// characters or more (digits as words). Full-width forms count as their
// ASCII ones; the words of every suggestion are left out.
func Terms(s string) []string { return terms(s, false) }

// terms are Terms, with every Chinese character besides when unigrams
// (a lone character is then only that). A query's lone character
// (Terms) is looked up as the character of the index.
func terms(s string, unigrams bool) []string {
	s = stopPhrases.Replace(strings.ToLower(width.Fold.String(s)))
	var out []string
	var han []rune
	var word []rune
	flushHan := func() {
		switch {
		case len(han) == 1 && unigrams:
			out = append(out, unigram+string(han))
		case len(han) == 1:
			out = append(out, string(han))
		case len(han) > 1:
			for i := 0; i+1 < len(han); i++ {
				out = append(out, string(han[i:i+2]))
			}
			if unigrams {
				for _, r := range han {
					out = append(out, unigram+string(r))
				}
			}
		}
		han = han[:0]
	}
	flushWord := func() {
		if utf8.RuneCountInString(string(word)) >= 2 {
			out = append(out, stem(string(word)))
		}
		word = word[:0]
	}
	for _, r := range s {
		switch {
		case strings.ContainsRune(stopChars, r):
			flushHan()
			flushWord()
		case unicode.Is(unicode.Han, r):
			flushWord()
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushHan()
			word = append(word, r)
		default:
			flushHan()
			flushWord()
		}
	}
	flushHan()
	flushWord()
	return out
}

// stem takes an English word's plural ending off: "lifts" → "lift",
// "buses" → "bus", "stories" → "story".
func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 4 && (strings.HasSuffix(w, "ses") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes")):
		return w[:len(w)-2]
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us"):
		return w[:len(w)-1]
	}
	return w
}

// posting is a term's count in one document (title counted titleWeight
// times).
type posting struct {
	doc int32
	tf  float32
}

type doc struct {
	id       string
	category string
	length   float32 // weighted terms
	terms    []string
	live     bool
}

// Doc is what is indexed of an item.
type Doc struct {
	ID, Title, Text string
	// Category is the one the item was filed under ("" for none).
	Category string
}

// Index is an inverted index of documents by id. Safe for concurrent use.
type Index struct {
	mu       sync.RWMutex
	docs     []doc
	byID     map[string]int32
	postings map[string][]posting
	total    float64 // weighted length of the live documents
	live     int
}

// New returns an empty index.
func New() *Index {
	return &Index{byID: map[string]int32{}, postings: map[string][]posting{}}
}

// Len is the number of documents.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.live
}

// Put adds a document, or replaces the one of that id.
func (x *Index) Put(d Doc) {
	id := d.ID
	tf := map[string]float32{}
	for _, t := range terms(d.Title, true) {
		tf[t] += titleWeight
	}
	for _, t := range terms(d.Text, true) {
		tf[t]++
	}
	var length float32
	ts := make([]string, 0, len(tf))
	for t, n := range tf {
		length += n
		ts = append(ts, t)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(id)
	n := int32(len(x.docs))
	x.docs = append(x.docs, doc{id: id, category: d.Category, length: length, terms: ts, live: true})
	x.byID[id] = n
	for t, c := range tf {
		x.postings[t] = append(x.postings[t], posting{doc: n, tf: c})
	}
	x.total += float64(length)
	x.live++
}

// Remove takes a document out.
func (x *Index) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(id)
}

func (x *Index) remove(id string) {
	n, ok := x.byID[id]
	if !ok {
		return
	}
	d := &x.docs[n]
	for _, t := range d.terms {
		ps := x.postings[t]
		ps = slices.DeleteFunc(ps, func(p posting) bool { return p.doc == n })
		if len(ps) == 0 {
			delete(x.postings, t)
		} else {
			x.postings[t] = ps
		}
	}
	x.total -= float64(d.length)
	x.live--
	d.live, d.terms = false, nil
	delete(x.byID, id)
}

// Hit is a document found, with its score.
type Hit struct {
	ID    string
	Score float64
}

// Search ranks the documents keep accepts by the query's terms, best
// first, at most limit.
func (x *Index) Search(query string, keep func(id string) bool, limit int) []Hit {
	q := map[string]float64{}
	for _, t := range Terms(query) {
		if utf8.RuneCountInString(t) == 1 {
			t = unigram + t // a lone character
		}
		q[t] = 1
	}
	return kept(x.rank(q, "", ""), keep, limit, 0)
}

// Similar ranks the documents keep accepts by how much of d's text they
// share (the title weighted; those of another category counting for
// less), best first, at most limit, and only those Alike; d itself (its
// ID) is left out. Scores are relative to d's own: 1 is d itself.
func (x *Index) Similar(d Doc, keep func(id string) bool, limit int) []Hit {
	q := map[string]float64{}
	for _, t := range terms(d.Title, true) {
		q[t] += titleWeight
	}
	for _, t := range terms(d.Text, true) {
		q[t]++
	}
	for t, w := range q {
		q[t] = math.Min(w, titleWeight+2) // a word said often counts, to a point
	}
	return kept(x.rank(q, d.ID, d.Category), keep, limit, Alike)
}

// kept are the hits keep accepts, best first, at most limit (0: all),
// those scoring least or more. keep is asked from the best down, only
// until limit are kept: it may read what it needs.
func kept(hits []Hit, keep func(id string) bool, limit int, least float64) []Hit {
	out := hits[:0]
	for _, h := range hits {
		if h.Score < least || (limit > 0 && len(out) == limit) {
			break
		}
		if keep == nil || keep(h.ID) {
			out = append(out, h)
		}
	}
	return out
}

// rank scores with BM25 the documents sharing a term with q (but
// except), best first. With a category, documents of another category
// count otherCategory.
func (x *Index) rank(q map[string]float64, except, category string) []Hit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.live == 0 || len(q) == 0 {
		return nil
	}
	n := float64(x.live)
	avg := x.total / n
	type qt struct {
		term string
		w    float64
		idf  float64
	}
	var terms []qt
	for t, w := range q {
		// A term no document has matches none, and counts in what the
		// query's own text scores (a text sharing one word with a small
		// index is not therefore "the same").
		df := float64(len(x.postings[t]))
		terms = append(terms, qt{t, w, math.Log(1 + (n-df+0.5)/(df+0.5))})
	}
	// The most specific terms of a long query.
	sort.Slice(terms, func(i, j int) bool {
		if terms[i].idf*terms[i].w != terms[j].idf*terms[j].w {
			return terms[i].idf*terms[i].w > terms[j].idf*terms[j].w
		}
		return terms[i].term < terms[j].term
	})
	if len(terms) > maxQueryTerms {
		terms = terms[:maxQueryTerms]
	}
	scores := map[int32]float64{}
	self := 0.0
	for _, t := range terms {
		for _, p := range x.postings[t.term] {
			d := &x.docs[p.doc]
			tf := float64(p.tf)
			scores[p.doc] += t.w * t.idf * tf * (k1 + 1) / (tf + k1*(1-b+b*float64(d.length)/avg))
		}
		// The query's score against itself, as a document of average
		// length: what "the same text" scores.
		self += t.w * t.idf * t.w * (k1 + 1) / (t.w + k1)
	}
	var hits []Hit
	for n, s := range scores {
		d := &x.docs[n]
		if d.id == except {
			continue
		}
		if self > 0 {
			s /= self
		}
		if category != "" && d.category != category {
			s *= otherCategory
		}
		hits = append(hits, Hit{ID: d.id, Score: s})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].ID < hits[j].ID
	})
	return hits
}
