package public

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"deputybot"
	"deputybot/report"
	"deputybot/texts"
)

// Page is one rendered resource.
type Page struct {
	Body        []byte
	ContentType string
	Status      int    // 200, or 404
	Redirect    string // a path to go to instead (the site's root)
}

// pageSize is how many items an index page lists; filtered results
// stop at maxResults.
const (
	pageSize   = 25
	maxResults = 500
)

// errNotFound: no page at that path.
var errNotFound = errors.New("not found")

// Render renders the page at p (a path of the site, "/zh/2026/index.html"),
// filtered by query where the page is an index. A directory's path is
// its index.html.
func (s *Site) Render(ctx context.Context, p string, query url.Values) (Page, error) {
	if strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	p = path.Clean("/" + p)
	switch p {
	case "/index.html":
		return Page{Redirect: "/zh/"}, nil
	case "/zh", "/en":
		return Page{Redirect: p + "/"}, nil
	case "/assets/site.css":
		return Page{Body: []byte(siteCSS), ContentType: "text/css; charset=utf-8", Status: 200}, nil
	case "/assets/site.js":
		return Page{Body: []byte(siteJS), ContentType: "text/javascript; charset=utf-8", Status: 200}, nil
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	l, ok := deputybot.ParseLanguage(parts[0])
	if !ok || len(parts) < 2 || parts[0] != string(l) {
		return s.notFound(ctx, deputybot.LangZH)
	}
	m, err := s.current(ctx)
	if err != nil {
		return Page{}, err
	}
	// A page is made once for the state of the record it shows; a
	// filtered index, each time. Item pages (one read each) are not
	// kept: a crawler through every item would keep them all.
	cacheable := filterOf(query).empty() && !strings.Contains(p, "/items/")
	if cacheable {
		m.pagesMu.Lock()
		b, ok := m.pages[p]
		m.pagesMu.Unlock()
		if ok {
			return Page{Body: bytes.Clone(b), ContentType: contentType(p), Status: 200}, nil
		}
	}
	page, err := s.render(ctx, m, l, p, parts, query)
	if err == nil && cacheable && page.Status == 200 {
		m.pagesMu.Lock()
		m.pages[p] = bytes.Clone(page.Body)
		m.pagesMu.Unlock()
	}
	return page, err
}

// contentType is a page's type, by its name.
func contentType(p string) string {
	switch {
	case strings.HasSuffix(p, ".json"):
		return "application/json; charset=utf-8"
	case strings.HasSuffix(p, ".atom"):
		return "application/atom+xml; charset=utf-8"
	}
	return "text/html; charset=utf-8"
}

func (s *Site) render(ctx context.Context, m *model, l deputybot.Language, p string, parts []string, query url.Values) (Page, error) {
	w := s.writer(m, l, p)
	var body string
	var err error
	switch {
	case len(parts) == 2 && parts[1] == "index.html":
		body = w.home()
	case len(parts) == 2 && parts[1] == "feed.atom":
		feed, err := s.feedOf(ctx, m)
		if err != nil {
			return Page{}, err
		}
		return Page{Body: []byte(w.feed(feed)), ContentType: contentType(p), Status: 200}, nil
	case len(parts) == 3 && parts[1] == "items" && strings.HasSuffix(parts[2], ".html"):
		// The item as it is now, found by its number: withheld a moment
		// ago is withheld, assigned a moment ago is there (a replica's
		// lists may be MaxAge old; its item pages are not).
		var it *deputybot.Item
		if it, err = s.itemBySlug(ctx, strings.TrimSuffix(parts[2], ".html")); err != nil {
			return Page{}, err
		}
		if it == nil || !it.Disclosed() {
			return s.notFound(ctx, l)
		}
		var det *deputybot.ItemDetails
		if it.Public() {
			if det, err = s.o.Store.ItemDetails(ctx, it.ID); err != nil {
				return Page{}, err
			}
		}
		body = w.item(it, det)
	case len(parts) >= 3:
		year, err := strconv.Atoi(parts[1])
		if err != nil || m.stats[year] == nil {
			return s.notFound(ctx, l)
		}
		// A department's page was once addressed by its id: the served
		// site sends a reader of an old link on to its number.
		if len(parts) == 4 && parts[2] == "dept" {
			name := strings.TrimSuffix(parts[3], ".html")
			if _, err := strconv.Atoi(name); err != nil && m.depts[name] != nil {
				return Page{Redirect: w.deptPath(year, name)}, nil
			}
		}
		body, err = w.yearPage(ctx, year, parts[2:], query)
		if errors.Is(err, errNotFound) {
			return s.notFound(ctx, l)
		}
		if err != nil {
			return Page{}, err
		}
	default:
		return s.notFound(ctx, l)
	}
	return Page{Body: []byte(body), ContentType: contentType(p), Status: 200}, nil
}

// itemBySlug finds the item whose page name is name (suggestion-2026-001),
// or nil; only the canonical name finds it.
func (s *Site) itemBySlug(ctx context.Context, name string) (*deputybot.Item, error) {
	q, ok := deputybot.ParseNumber(strings.Replace(name, "-", " ", 1))
	if !ok || q.Kind == "" {
		return nil, nil
	}
	items, err := s.o.Store.ItemsByNumber(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if slug(it) == name {
			return it, nil
		}
	}
	return nil, nil
}

func (s *Site) notFound(ctx context.Context, l deputybot.Language) (Page, error) {
	m, err := s.current(ctx)
	if err != nil {
		return Page{}, err
	}
	w := s.writer(m, l, "/"+string(l)+"/404.html")
	return Page{Body: []byte(w.page(w.t("pub.not_found"), "<p>"+w.t("pub.not_found")+"</p>")), ContentType: "text/html; charset=utf-8", Status: 404}, nil
}

// writer writes the pages of one language from one model.
type writer struct {
	s    *Site
	m    *model
	l    deputybot.Language
	path string // of the page written: links are relative to it
	tx   *texts.Texts
}

func (s *Site) writer(m *model, l deputybot.Language, p string) *writer {
	return &writer{s: s, m: m, l: l, path: p, tx: s.o.Texts}
}

func (w *writer) t(id string, args ...any) string { return w.tx.T(w.l, id, args...) }

// link is a site path relative to the page's, so that the static site
// works wherever a portal puts it.
func (w *writer) link(to string) string {
	depth := strings.Count(w.path, "/") - 1
	return strings.Repeat("../", depth) + strings.TrimPrefix(to, "/")
}

func (w *writer) base() string { return "/" + string(w.l) + "/" }

func (w *writer) itemPath(it *deputybot.Item) string {
	return w.base() + "items/" + slug(it) + ".html"
}

func (w *writer) yearPath(y int, page string) string {
	return w.base() + strconv.Itoa(y) + "/" + page
}

// deptPath is a department's page of a year, by its number: the address
// stays when the department is renamed.
func (w *writer) deptPath(y int, id string) string {
	n := 0
	if d := w.m.depts[id]; d != nil {
		n = d.Number
	}
	return w.yearPath(y, "dept/"+strconv.Itoa(n)+".html")
}

// user is a person's text (a title, a name) for the page: escaped, and
// marked as Chinese on an English page.
func (w *writer) user(s string) texts.HTML { return texts.HTML(texts.EscIn(w.l, s)) }

// langOf is the lang attribute for an element holding s on this page:
// Chinese text on an English page says so.
func (w *writer) langOf(s string) string {
	if strings.HasPrefix(texts.EscIn(w.l, s), "<span") {
		return ` lang="zh-CN"`
	}
	return ""
}

func (w *writer) label(it *deputybot.Item) string { return w.tx.Label(w.l, it) }

// status is where an item stands, and by how many days it is overdue
// (the ledger's word, as every output has it).
func (w *writer) status(it *deputybot.Item) string {
	s := w.tx.Status(w.l, it)
	if tl := w.m.snap.Env.Timeliness(it); tl.Overdue {
		s += ` <strong class="late">` + w.t("pub.overdue_days", "Days", tl.DaysOverdue) + `</strong>`
	}
	return s
}

func (w *writer) deptName(id string) string {
	if d := w.m.depts[id]; d != nil {
		return d.Name
	}
	return ""
}

func (w *writer) siteName() string {
	if body := w.s.o.Rules.ReportingBody; body != "" {
		return w.t("pub.site_by", "Body", body)
	}
	return w.t("pub.site")
}

// page wraps a body in the site's frame. title is HTML.
func (w *writer) page(title, body string) string {
	var b strings.Builder
	lang := "zh-CN"
	otherPath := "/en/" + strings.TrimPrefix(w.path, "/zh/")
	if w.l == deputybot.LangEN {
		lang, otherPath = "en", "/zh/"+strings.TrimPrefix(w.path, "/en/")
	}
	y := w.m.years[0]
	b.WriteString(`<!doctype html><html lang="` + lang + `"><head><meta charset="utf-8">` +
		`<meta name="viewport" content="width=device-width, initial-scale=1">` +
		`<title>` + texts.Esc(texts.Plain(title)) + ` · ` + w.siteName() + `</title>` +
		`<link rel="stylesheet" href="` + w.link("/assets/site.css") + `">` +
		`<link rel="alternate" type="application/atom+xml" title="` + w.t("pub.feed") + `" href="` + w.link(w.base()+"feed.atom") + `">` +
		`<link rel="alternate" hreflang="` + map[bool]string{true: "en", false: "zh-CN"}[w.l == deputybot.LangZH] + `" href="` + w.link(otherPath) + `">` +
		`</head><body><header><a class="site" href="` + w.link(w.base()) + `">` + w.siteName() + `</a><nav>` +
		`<a href="` + w.link(w.yearPath(y, "index.html")) + `">` + w.t("pub.items") + `</a>` +
		`<a href="` + w.link(w.yearPath(y, "departments.html")) + `">` + w.t("pub.departments") + `</a>` +
		`<a href="` + w.link(w.yearPath(y, "report.html")) + `">` + w.t("pub.report") + `</a>` +
		`<a href="` + w.link(otherPath) + `" lang="` + map[bool]string{true: "en", false: "zh-CN"}[w.l == deputybot.LangZH] + `">` + w.t("pub.other_lang") + `</a>` +
		`</nav></header><main><h1>` + title + `</h1>` + body + `</main><footer>` +
		w.t("pub.as_of", "Time", w.tx.Time(w.m.now)) + ` · <a href="` + w.link(w.base()+"feed.atom") + `">` + w.t("pub.feed") + `</a>` +
		`</footer><script src="` + w.link("/assets/site.js") + `" defer></script></body></html>`)
	return b.String()
}

// home: the years, with their counts and pages.
func (w *writer) home() string {
	var b strings.Builder
	b.WriteString("<p>" + w.t("pub.intro") + "</p><h2>" + w.t("pub.years") + "</h2><ul class=\"years\">")
	for _, y := range w.m.years {
		b.WriteString(`<li><a href="` + w.link(w.yearPath(y, "index.html")) + `">` + w.t("pub.year_items", "Year", y, "Count", len(w.listed(y))) + `</a> · ` +
			`<a href="` + w.link(w.yearPath(y, "departments.html")) + `">` + w.t("pub.departments") + `</a> · ` +
			`<a href="` + w.link(w.yearPath(y, "report.html")) + `">` + w.t("pub.report") + `</a></li>`)
	}
	b.WriteString("</ul>")
	return w.page(w.siteName(), b.String())
}

// yearPage renders the pages under /{lang}/{year}/.
func (w *writer) yearPage(ctx context.Context, y int, rest []string, q url.Values) (string, error) {
	name := strings.Join(rest, "/")
	switch {
	case name == "index.html":
		return w.index(ctx, y, 1, q), nil
	case strings.HasPrefix(name, "page-") && strings.HasSuffix(name, ".html"):
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "page-"), ".html"))
		if err != nil || n < 2 || n > w.pages(y) {
			return "", errNotFound
		}
		return w.index(ctx, y, n, q), nil
	case name == "departments.html":
		return w.departments(y), nil
	case name == "report.html":
		snap, err := w.s.reportOf(ctx, w.m, y)
		if err != nil {
			return "", err
		}
		body := report.RenderAnnualVersion(w.tx, snap, y, w.l, report.FormatWeb, report.Public)
		// The report's own heading is the page's.
		if i := strings.Index(body, "</h1>"); i >= 0 {
			body = body[i+len("</h1>"):]
		}
		return w.page(w.t("pub.report_title", "Year", y), `<div class="report">`+body+`</div>`), nil
	case name == "search.json":
		return w.searchIndex(y)
	case len(rest) == 2 && rest[0] == "dept" && strings.HasSuffix(rest[1], ".html"):
		n, err := strconv.Atoi(strings.TrimSuffix(rest[1], ".html"))
		d := w.m.byNumber[n]
		if err != nil || d == nil || n <= 0 {
			return "", errNotFound
		}
		return w.department(y, d.ID), nil
	}
	return "", errNotFound
}

// listed are the year's items the index lists: the public ones.
func (w *writer) listed(y int) []*deputybot.Item { return w.m.listed[y] }

func (w *writer) pages(y int) int { return max(1, (len(w.listed(y))+pageSize-1)/pageSize) }

// filter is an index's filter, from the query (what the form sends).
type filter struct {
	kind, period, category, dept, status, q string
}

// MaxQuery bounds a search's words, in characters: the rest of a longer
// query is not read (a title is shorter), so a search costs the same
// whatever was sent.
const MaxQuery = 64

func filterOf(q url.Values) filter {
	get := func(k string) string { return strings.TrimSpace(cutRunes(q.Get(k), MaxQuery)) }
	return filter{kind: get("kind"), period: get("period"), category: get("category"), dept: get("dept"), status: get("status"), q: get("q")}
}

// cutRunes is s cut to its first n characters.
func cutRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func (f filter) empty() bool { return f == filter{} }

func (w *writer) matches(f filter, words []string, it *deputybot.Item) bool {
	if f.kind != "" && string(it.Kind) != f.kind || f.period != "" && string(it.Period) != f.period ||
		f.category != "" && it.Category != f.category || f.status != "" && string(it.Status) != f.status {
		return false
	}
	if !it.Public() && (f.period != "" || f.category != "" || f.status != "") {
		// What is withheld is not told by a filter either.
		return false
	}
	if f.dept != "" && it.LeadDept != f.dept && it.CoDept(f.dept) == nil {
		return false
	}
	if len(words) == 0 {
		return true
	}
	hay := w.hay(it)
	for _, word := range words {
		if !strings.Contains(hay, word) {
			return false
		}
	}
	return true
}

// hay is what a search looks in for an item, lower-cased: its label,
// number, title and department (a withheld one: its number only). It is
// made once per model and language, at the first search.
func (w *writer) hay(it *deputybot.Item) string {
	m := w.m
	m.haysMu.Lock()
	defer m.haysMu.Unlock()
	hays := m.hays[w.l]
	if hays == nil {
		hays = make(map[*deputybot.Item]string, len(m.items))
		for _, it := range m.items {
			if it.Public() {
				hays[it] = strings.ToLower(w.label(it) + " " + it.Number() + " " + it.Title + " " + w.deptName(it.LeadDept))
			} else {
				hays[it] = strings.ToLower(texts.Plain(w.label(it)) + " " + it.Number())
			}
		}
		if m.hays == nil {
			m.hays = map[deputybot.Language]map[*deputybot.Item]string{}
		}
		m.hays[w.l] = hays
	}
	return hays[it]
}

// index lists the year's items, a page at a time, or those the filter
// keeps (the service filters; the static site's script does the same
// from search.json).
func (w *writer) index(ctx context.Context, y, n int, q url.Values) string {
	f := filterOf(q)
	all := w.listed(y)
	var shown []*deputybot.Item
	var b strings.Builder
	b.WriteString(w.filterForm(y, f))
	if f.empty() {
		shown = all[min((n-1)*pageSize, len(all)):min(n*pageSize, len(all))]
		b.WriteString(`<p class="count" id="count">` + w.t("pub.results", "Count", len(all)) + `</p>`)
	} else {
		words := strings.Fields(strings.ToLower(f.q))
		// The words ranked as the chat's /search ranks them, over the
		// public items' titles and texts; an item found by its number,
		// label or department only comes after.
		rank := w.s.ranked(ctx, w.m, f.q)
		for _, it := range all {
			_, found := rank[it.ID]
			if w.matches(f, words, it) || (found && w.matches(f, nil, it)) {
				shown = append(shown, it)
			}
		}
		sort.SliceStable(shown, func(i, j int) bool {
			ri, oki := rank[shown[i].ID]
			rj, okj := rank[shown[j].ID]
			return oki && (!okj || ri < rj)
		})
		if len(shown) > maxResults {
			b.WriteString(`<p class="count" id="count">` + w.t("pub.results_cut", "Count", len(shown), "Shown", maxResults) + `</p>`)
			shown = shown[:maxResults]
		} else {
			b.WriteString(`<p class="count" id="count">` + w.t("pub.results", "Count", len(shown)) + `</p>`)
		}
	}
	// On a phone each row is a card, each cell under its header.
	heads := []string{w.t("pub.col_number"), w.t("pub.col_title"), w.t("pub.col_dept"), w.t("pub.col_deadline"), w.t("pub.col_status")}
	b.WriteString(`<table class="items cards" id="items"`)
	if len(shown) == 0 {
		b.WriteString(` hidden`)
	}
	b.WriteString(`><thead><tr>`)
	for _, h := range heads {
		b.WriteString(`<th>` + h + `</th>`)
	}
	b.WriteString(`</tr></thead><tbody id="rows">`)
	cell := func(k int, class, v string) {
		b.WriteString(`<td` + class + ` data-label="` + heads[k] + `">` + v + `</td>`)
	}
	for _, it := range shown {
		b.WriteString(`<tr>`)
		cell(0, ` class="nowrap"`, `<a href="`+w.link(w.itemPath(it))+`">`+w.label(it)+`</a>`)
		if !it.Public() {
			cell(1, ` class="withheld"`, w.t("pub.withheld_short"))
			b.WriteString(`</tr>`)
			continue
		}
		cell(1, w.langOf(it.Title), texts.Esc(it.Title))
		cell(2, w.langOf(w.deptName(it.LeadDept)), texts.Esc(w.deptName(it.LeadDept)))
		cell(3, ` class="nowrap"`, w.tx.Date(it.Deadline))
		cell(4, "", w.status(it))
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	// A search that finds nothing says so (the script shows or hides
	// this as it filters).
	none := `<p class="none" id="none"`
	if len(shown) > 0 {
		none += ` hidden`
	}
	b.WriteString(none + `>` + w.t("pub.none") + ` <a href="` + w.link(w.yearPath(y, "index.html")) + `">` + w.t("pub.none_all") + `</a></p>`)
	if f.empty() && w.pages(y) > 1 {
		b.WriteString(`<nav class="pages" id="pages">`)
		for i := 1; i <= w.pages(y); i++ {
			name := "index.html"
			if i > 1 {
				name = fmt.Sprintf("page-%d.html", i)
			}
			if i == n {
				b.WriteString(`<span aria-current="page">` + strconv.Itoa(i) + `</span>`)
			} else {
				b.WriteString(`<a href="` + w.link(w.yearPath(y, name)) + `">` + strconv.Itoa(i) + `</a>`)
			}
		}
		b.WriteString(`</nav>`)
	}
	title := w.t("pub.year", "Year", y) + " · " + w.t("pub.items")
	if n > 1 {
		title += " · " + w.t("pub.page", "N", n)
	}
	return w.page(title, b.String())
}

func (w *writer) filterForm(y int, f filter) string {
	var b strings.Builder
	b.WriteString(`<form class="filter" id="filter" method="get" action="` + w.link(w.yearPath(y, "index.html")) + `" data-index="` +
		w.link(w.yearPath(y, "search.json")) + `" data-count="` + w.t("pub.results", "Count", "{n}") + `" data-cut="` +
		w.t("pub.results_cut", "Count", "{n}", "Shown", "{shown}") + `">`)
	sel := func(name, label string, cur string, opts [][2]string) {
		b.WriteString(`<label>` + label + ` <select name="` + name + `"><option value="">` + w.t("pub.filter_all") + `</option>`)
		for _, o := range opts {
			s := ""
			if o[0] == cur {
				s = " selected"
			}
			b.WriteString(`<option value="` + texts.Esc(o[0]) + `"` + s + w.langOf(texts.Plain(o[1])) + `>` + o[1] + `</option>`)
		}
		b.WriteString(`</select></label> `)
	}
	sel("kind", w.t("pub.filter_kind"), f.kind, [][2]string{{"motion", w.t("kind.motion")}, {"suggestion", w.t("kind.suggestion")}})
	sel("period", w.t("pub.filter_period"), f.period, [][2]string{{"session", w.t("period.session")}, {"recess", w.t("period.recess")}})
	var cats [][2]string
	for _, c := range w.s.o.Rules.Categories {
		cats = append(cats, [2]string{c.Key, texts.Esc(w.s.o.Rules.CategoryName(c.Key, w.l))})
	}
	sel("category", w.t("pub.filter_category"), f.category, cats)
	var depts [][2]string
	for _, d := range w.m.deptList {
		depts = append(depts, [2]string{d.ID, texts.Esc(d.Name)})
	}
	sel("dept", w.t("pub.filter_dept"), f.dept, depts)
	var sts [][2]string
	for _, st := range []deputybot.Status{deputybot.StatusAssigned, deputybot.StatusInProgress, deputybot.StatusReplied,
		deputybot.StatusRehandling, deputybot.StatusClosed} {
		sts = append(sts, [2]string{string(st), w.t("status." + string(st))})
	}
	sel("status", w.t("pub.filter_status"), f.status, sts)
	b.WriteString(`<input type="search" name="q" maxlength="` + strconv.Itoa(MaxQuery) + `" value="` + texts.Esc(f.q) + `" placeholder="` + w.t("pub.search") +
		`" aria-label="` + w.t("pub.search") + `"> <button type="submit">` + w.t("pub.search_button") + `</button></form>`)
	return b.String()
}

// searchEntry is one item in a year's search index (search.json).
type searchEntry struct {
	URL      string   `json:"u"` // relative to the year's index
	Label    string   `json:"n"`
	Title    string   `json:"t"`
	Kind     string   `json:"k"`
	Period   string   `json:"p"`
	Category string   `json:"c"`
	Lead     string   `json:"d"`
	CoDepts  []string `json:"cd,omitempty"`
	Status   string   `json:"s"`
	StatusL  string   `json:"sl"`
	Deadline string   `json:"dl"`
	Withheld bool     `json:"w,omitempty"` // listed by number only
}

// searchIndex is the year's public items for the script's search, with
// the department names.
func (w *writer) searchIndex(y int) (string, error) {
	idx := struct {
		Depts map[string]string `json:"depts"`
		Items []searchEntry     `json:"items"`
	}{Depts: map[string]string{}, Items: []searchEntry{}}
	for _, d := range w.m.deptList {
		idx.Depts[d.ID] = d.Name
	}
	for _, it := range w.listed(y) {
		if !it.Public() {
			idx.Items = append(idx.Items, searchEntry{URL: "../items/" + slug(it) + ".html", Label: texts.Plain(w.label(it)),
				Title: texts.Plain(w.t("pub.withheld_short")), Kind: string(it.Kind), Lead: it.LeadDept, Withheld: true})
			continue
		}
		e := searchEntry{URL: "../items/" + slug(it) + ".html", Label: texts.Plain(w.label(it)), Title: it.Title, Kind: string(it.Kind),
			Period: string(it.Period), Category: it.Category, Lead: it.LeadDept, Status: string(it.Status),
			StatusL: texts.Plain(w.status(it)), Deadline: w.tx.Date(it.Deadline)}
		for _, c := range it.CoDepts {
			e.CoDepts = append(e.CoDepts, c.Dept)
		}
		idx.Items = append(idx.Items, e)
	}
	b, err := json.Marshal(idx)
	return string(b), err
}

// item is an item's page: a withheld one gives only its number.
func (w *writer) item(it *deputybot.Item, det *deputybot.ItemDetails) string {
	label := w.label(it)
	if !it.Public() {
		return w.page(w.t("pub.withheld_title", "Label", texts.HTML(label)), `<p class="withheld">`+w.t("pub.withheld")+`</p>`)
	}
	var b strings.Builder
	row := func(k, v string) {
		if v != "" {
			b.WriteString("<dt>" + k + "</dt><dd>" + v + "</dd>")
		}
	}
	b.WriteString(`<dl class="facts">`)
	row(w.t("pub.kind"), w.t("kind."+string(it.Kind)))
	row(w.t("pub.period"), w.t("period."+string(it.Period)))
	row(w.t("pub.category"), texts.Esc(w.s.o.Rules.CategoryName(it.Category, w.l)))
	if !w.s.o.Rules.Disclosure.HideDeputies {
		var cos []string
		for _, c := range it.CoSponsors {
			if c.State == deputybot.CoSponsorConfirmed && w.m.names[c.PersonID] != "" {
				cos = append(cos, w.m.names[c.PersonID])
			}
		}
		if len(cos) > 0 {
			names := make([]string, len(cos))
			for i, c := range cos {
				names[i] = string(w.user(c))
			}
			row(w.t("pub.deputies"), w.t("pub.author_cosponsors", "Author", w.user(w.m.names[it.AuthorID]),
				"CoSponsors", texts.HTML(strings.Join(names, w.t("list.sep")))))
		} else {
			row(w.t("pub.deputies"), string(w.user(w.m.names[it.AuthorID])))
		}
	}
	row(w.t("pub.lead"), `<a href="`+w.link(w.deptPath(it.Year, it.LeadDept))+`">`+string(w.user(w.deptName(it.LeadDept)))+`</a>`)
	var co []string
	for _, c := range it.CoDepts {
		co = append(co, string(w.user(w.deptName(c.Dept))))
	}
	if len(co) > 0 {
		row(w.t("pub.codepts"), strings.Join(co, w.t("list.sep")))
	}
	row(w.t("pub.deadline"), w.tx.Date(it.Deadline))
	row(w.t("pub.status"), w.status(it))
	if it.Key {
		row(w.t("pub.key"), "✓")
	}
	b.WriteString(`</dl><h2>` + w.t("pub.text") + `</h2>` + w.paragraphs(det.Body))
	if len(it.Targets) > 0 {
		b.WriteString(`<h2>` + w.t("pub.targets") + `</h2><ul class="targets">`)
		for _, tg := range it.Targets {
			b.WriteString(`<li>` + report.TargetDoneAs(w.tx, w.l, tg, w.user(tg.Name), w.user(tg.Unit)) + ` <progress value="` + strconv.Itoa(min(tg.Done, tg.Goal)) +
				`" max="` + strconv.Itoa(tg.Goal) + `">` + report.Rate(min(tg.Done, tg.Goal), tg.Goal) + `%</progress></li>`)
		}
		b.WriteString(`</ul>`)
	}
	if len(det.Replies) > 0 {
		b.WriteString(`<h2>` + w.t("pub.replies") + `</h2>`)
		for _, r := range det.Replies {
			withheld := !it.ReplyPublic(r.Round)
			head := "pub.reply_head"
			if r.Correction {
				head = "pub.correction_head"
			}
			h := w.t(head, "Round", r.Round, "Class", texts.HTML(w.t("class."+string(r.Class))), "Date", w.tx.Date(r.At))
			if w.m.snap.Env.AnswerLate(it, r) {
				h += ` <strong class="late">` + w.t("pub.answer_late") + `</strong>`
			}
			b.WriteString(`<section class="reply"><h3>` + h + `</h3>`)
			if withheld {
				b.WriteString(`<p class="withheld">` + w.t("pub.reply_withheld") + `</p>`)
			} else {
				b.WriteString(w.paragraphs(r.Text))
			}
			if rt := it.RatingOf(r.Round); rt != nil && !r.Correction {
				b.WriteString(`<p class="rating">` + w.t("pub.rating", "Rating", texts.HTML(w.t("rating."+string(rt.Value)))) + `</p>`)
			}
			b.WriteString(`</section>`)
		}
	}
	if len(det.Progress) > 0 {
		b.WriteString(`<h2>` + w.t("pub.progress") + `</h2>`)
		for _, p := range det.Progress {
			b.WriteString(`<section class="progress"><h3>` + w.tx.Date(p.At) + `</h3>` + w.paragraphs(p.Text) + `</section>`)
		}
	}
	b.WriteString(`<h2>` + w.t("pub.timeline") + `</h2><ol class="timeline">`)
	for _, e := range det.Timeline {
		if line := w.event(e); line != "" {
			b.WriteString(`<li><time datetime="` + e.At.UTC().Format(time.RFC3339) + `">` + w.tx.Date(e.At) + `</time> ` + line + `</li>`)
		}
	}
	b.WriteString(`</ol>`)
	return w.page(w.t("pub.item_title", "Label", texts.HTML(label), "Title", w.user(it.Title)), b.String())
}

// event is a public timeline line, or "" for an event that is not
// public (the domain's PublicEvents say which are). It names
// departments, never people.
func (w *writer) event(e deputybot.Event) string {
	if !slices.Contains(deputybot.PublicEvents, e.Type) {
		return ""
	}
	d := e.Data
	rating := func(k string) texts.HTML { return texts.HTML(w.t("rating." + d[k])) }
	class := texts.HTML(w.t("class." + d["class"]))
	switch e.Type {
	case deputybot.EvSubmitted:
		return w.t("pub.ev_submitted")
	case deputybot.EvAssigned:
		return w.t("pub.ev_assigned", "Dept", w.user(w.deptName(d["lead"])), "Deadline", d["deadline"])
	case deputybot.EvReassigned:
		return w.t("pub.ev_reassigned", "Dept", w.user(w.deptName(d["to"])), "Deadline", d["deadline"])
	case deputybot.EvExtensionApproved:
		return w.t("pub.ev_extension_approved", "To", d["to"])
	case deputybot.EvReplied:
		return w.t("pub.ev_replied", "Round", d["round"], "Class", class)
	case deputybot.EvCorrected:
		return w.t("pub.ev_corrected", "Class", class)
	case deputybot.EvRated:
		if d["attitude"] != "" {
			return w.t("pub.ev_rated_both", "Round", d["round"], "Rating", rating("value"), "Attitude", rating("attitude"))
		}
		return w.t("pub.ev_rated", "Round", d["round"], "Rating", rating("value"))
	case deputybot.EvRehandling:
		return w.t("pub.ev_rehandling", "Deadline", d["deadline"])
	case deputybot.EvProgress:
		return w.t("pub.ev_progress")
	case deputybot.EvClosed:
		return w.t("pub.ev_closed", "Rating", rating("outcome"))
	}
	panic("public: no text for the public event " + e.Type)
}

// paragraphs shows a person's text: escaped, a paragraph for each blank
// line, line breaks kept, each marked Chinese on an English page if it is.
func (w *writer) paragraphs(s string) string {
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p" + w.langOf(p) + ">" + strings.ReplaceAll(texts.Esc(p), "\n", "<br>") + "</p>")
		}
	}
	return b.String()
}

// deptFigures are the figures of the departments' table and page.
var deptFigures = append([]report.Figure{report.FigHandled, report.FigReplied, report.FigOnTime, report.FigOnTimeRate,
	report.FigLate, report.FigOverdue, report.FigSatisfactionRate}, report.QualityFigures...)

// deptNotes are the notes of the rates deptFigures show.
var deptNotes = append([]report.Figure{report.FigOnTimeRate, report.FigSatisfactionRate}, report.QualityFigures...)

// departments: the table of departments with charts.
func (w *writer) departments(y int) string {
	var b strings.Builder
	stats := w.handling(y)
	b.WriteString(`<table class="depts cards"><thead><tr><th>` + w.t("pub.col_dept") + `</th>`)
	for _, f := range deptFigures {
		b.WriteString(`<th>` + report.Label(w.tx, w.l, f) + `</th>`)
	}
	b.WriteString(`</tr></thead><tbody>`)
	for _, d := range stats {
		b.WriteString(`<tr><td data-label="` + w.t("pub.col_dept") + `"><a href="` + w.link(w.deptPath(y, d.Dept.ID)) + `">` + string(w.user(d.Dept.Name)) + `</a></td>`)
		for _, f := range deptFigures {
			b.WriteString(`<td class="num" data-label="` + report.Label(w.tx, w.l, f) + `">` + report.DeptCell(w.tx, w.l, d, f) + `</td>`)
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	b.WriteString(`<p class="note">` + report.Notes(w.tx, w.l, deptNotes...) + `</p>`)
	b.WriteString(w.charts(stats, y, ""))
	return w.page(w.t("pub.table_title", "Year", y), b.String())
}

// handling are the departments that led items in the year or have open
// ones.
func (w *writer) handling(y int) []*report.DeptStats {
	var out []*report.DeptStats
	for _, d := range w.m.stats[y] {
		if d.Year.Handled > 0 || d.OpenNow > 0 {
			out = append(out, d)
		}
	}
	return out
}

func (w *writer) rate(r string) string { return report.FormatRate(w.tx, w.l, r) }

// department: one department's figures, its months and its items.
func (w *writer) department(y int, id string) string {
	var d *report.DeptStats
	for _, x := range w.m.stats[y] {
		if x.Dept.ID == id {
			d = x
		}
	}
	var b strings.Builder
	b.WriteString(`<dl class="facts">`)
	for _, f := range deptFigures {
		b.WriteString(`<dt>` + report.Label(w.tx, w.l, f) + `</dt><dd>` + report.DeptCell(w.tx, w.l, d, f) + `</dd>`)
	}
	b.WriteString(`</dl><p class="note">` + report.Notes(w.tx, w.l, deptNotes...) + `</p>`)
	b.WriteString(w.charts(nil, y, id))
	b.WriteString(`<h2>` + w.t("pub.dept_items") + `</h2><ul class="list">`)
	for _, it := range w.listed(y) {
		switch {
		case it.LeadDept != id:
		case !it.Public():
			b.WriteString(`<li><a href="` + w.link(w.itemPath(it)) + `">` + w.label(it) + `</a> <span class="withheld">` + w.t("pub.withheld_short") + `</span></li>`)
		default:
			b.WriteString(`<li><a href="` + w.link(w.itemPath(it)) + `">` + w.label(it) + `</a> ` + string(w.user(it.Title)) +
				` · ` + w.status(it) + `</li>`)
		}
	}
	b.WriteString(`</ul>`)
	return w.page(w.t("pub.dept_title", "Dept", w.user(d.Dept.Name), "Year", y), b.String())
}
