// Package search ranks items by their words, in Chinese and in English:
// Chinese text has no spaces between words, so it is indexed by
// overlapping pairs of characters (bigrams: "加装电梯" → 加装, 装电, 电梯),
// which match a Chinese word wherever it stands; other scripts by words.
// Scores are BM25 over the title (weighted) and the text.
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
	titleWeight = 3
	// maxQueryTerms bounds a long query (an item's whole text, when
	// similar items are looked for): its most specific terms count.
	maxQueryTerms = 96
)

// Terms are the terms of a text: Chinese character bigrams (a lone
// character as itself), and words of other scripts, lower-cased, of two
// characters or more (digits as words). Full-width forms count as their
// ASCII ones.
func Terms(s string) []string {
	s = strings.ToLower(width.Fold.String(s))
	var out []string
	var han []rune
	var word []rune
	flushHan := func() {
		switch {
		case len(han) == 1:
			out = append(out, string(han))
		case len(han) > 1:
			for i := 0; i+1 < len(han); i++ {
				out = append(out, string(han[i:i+2]))
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
	id     string
	length float32 // weighted terms
	terms  []string
	live   bool
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
func (x *Index) Put(id, title, text string) {
	tf := map[string]float32{}
	for _, t := range Terms(title) {
		tf[t] += titleWeight
	}
	for _, t := range Terms(text) {
		tf[t]++
	}
	var length float32
	terms := make([]string, 0, len(tf))
	for t, n := range tf {
		length += n
		terms = append(terms, t)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(id)
	n := int32(len(x.docs))
	x.docs = append(x.docs, doc{id: id, length: length, terms: terms, live: true})
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
		q[t] = 1
	}
	return x.rank(q, keep, limit, "")
}

// Similar ranks the documents keep accepts by how much of a text they
// share (an item's title and text, the title weighted), best first, at
// most limit; except is left out (the item itself). Scores are relative
// to the text's own: 1 is the text itself.
func (x *Index) Similar(title, text string, keep func(id string) bool, limit int, except string) []Hit {
	q := map[string]float64{}
	for _, t := range Terms(title) {
		q[t] += titleWeight
	}
	for _, t := range Terms(text) {
		q[t]++
	}
	for t, w := range q {
		q[t] = math.Min(w, titleWeight+2) // a word said often counts, to a point
	}
	return x.rank(q, keep, limit, except)
}

// rank scores with BM25 the documents sharing a term with q.
func (x *Index) rank(q map[string]float64, keep func(id string) bool, limit int, except string) []Hit {
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
		ps := x.postings[t]
		if len(ps) == 0 {
			continue
		}
		df := float64(len(ps))
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
		if d.id == except || (keep != nil && !keep(d.id)) {
			continue
		}
		if self > 0 {
			s /= self
		}
		hits = append(hits, Hit{ID: d.id, Score: s})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].ID < hits[j].ID
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}
