// Package public is the public disclosure site (SPEC §9, 网上公开回复):
// the record's public part as web pages, served by the service on
// PUBLIC_ADDR and written as static files by `deputybot publish`.
//
// What is public is decided in the domain (Item.Public, PublicEvents);
// this package shows only the fields it names, so that a private field
// (a contact's note, a phone number, a Telegram id, a request's reason, a
// quality flag's note, a rating's comment) can never reach a page: it is
// never read here.
package public

import (
	"context"
	"deputybot/search"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"deputybot"
	"deputybot/report"
	"deputybot/texts"
)

// Snapshotter reads the record as of a time (the service).
type Snapshotter interface {
	Snapshot(ctx context.Context, now time.Time, viewer *deputybot.Person) (deputybot.Snapshot, error)
}

// Store reads what a snapshot does not hold (the storage).
type Store interface {
	ItemsByNumber(ctx context.Context, q deputybot.NumberQuery) ([]*deputybot.Item, error)
	ItemDetails(ctx context.Context, id string) (*deputybot.ItemDetails, error)
	// ItemsTexts reads items' texts, replies and progress reports.
	ItemsTexts(ctx context.Context, ids []string) (map[string]*deputybot.ItemDetails, error)
	PublicTexts(ctx context.Context, fn func(id string, det *deputybot.ItemDetails) error) error
	People(ctx context.Context, f deputybot.PeopleFilter) ([]*deputybot.Person, int, error)
	// Item, ItemVersions and ItemBodies read what the search index is
	// made of (search.Source).
	Item(ctx context.Context, id string) (*deputybot.Item, error)
	ItemVersions(ctx context.Context, fn func(id string, version int)) error
	ItemBodies(ctx context.Context, fn func(id string, version int, title, category, body string)) error
	// Generation counts the record's changes where this process is its
	// only writer (ok false elsewhere).
	Generation() (gen uint64, ok bool)
}

// Options configure the site.
type Options struct {
	Snapshots Snapshotter
	Store     Store
	Texts     *texts.Texts
	Rules     *deputybot.Rules
	Clock     func() time.Time
	Logger    *slog.Logger
	// MaxAge is how long the lists read stay in use where the store
	// cannot tell whether the record changed (several replicas on
	// MongoDB): 10 s by default. An item's own page is always of the
	// item as it is.
	MaxAge time.Duration
	// Search is the item index (a cache of the record), shared with the
	// chat; one is made if none is given.
	Search *search.Items
}

// Site renders the public pages.
type Site struct {
	o   Options
	mu  sync.Mutex
	cur *model
	// searched: when a search last brought the item index up to date
	// (by the injected clock); a replica does so at most every MaxAge.
	searched time.Time
}

// New returns the site.
func New(o Options) *Site {
	if o.MaxAge == 0 {
		o.MaxAge = 10 * time.Second
	}
	if o.Search == nil {
		o.Search = &search.Items{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Site{o: o}
}

// Languages of the site, Chinese first.
var Languages = []deputybot.Language{deputybot.LangZH, deputybot.LangEN}

// feedSize is how many replies the feed carries.
const feedSize = 30

// model is what the pages are made of, read once from the record and
// kept while the record is unchanged. It is never handed out of this
// package, and nothing changes it once built.
type model struct {
	gen   uint64
	genOK bool
	day   deputybot.Date
	built time.Time // by the injected clock, as everything here
	now   time.Time

	snap     deputybot.Snapshot // every item, for the figures
	pubSnap  deputybot.Snapshot // the same, a withheld item's title and targets masked
	items    []*deputybot.Item  // disclosed items: motions then suggestions, by year and number
	years    []int              // newest first
	names    map[string]string
	depts    map[string]*deputybot.Department
	deptList []*deputybot.Department // by name
	stats    map[int][]*report.DeptStats
	listed   map[int][]*deputybot.Item     // by year: what the index lists, the public items and, by number, the withheld
	byNumber map[int]*deputybot.Department // departments by their number, which their pages' addresses use

	// What is made from the model on first need, then kept with it.
	feedMu  sync.Mutex
	feed    []feedEntry // nil until read
	pagesMu sync.Mutex
	pages   map[string][]byte // rendered pages without a query, by path
	// The report page's snapshot of a year: pubSnap with the public
	// texts of that year's motions, read when the page is first asked
	// for (not on every change of the record).
	reportMu sync.Mutex
	reports  map[int]deputybot.Snapshot
	// What a search looks in, by language and item (writer.hay).
	haysMu sync.Mutex
	hays   map[deputybot.Language]map[*deputybot.Item]string
}

type feedEntry struct {
	item  *deputybot.Item
	round int
	at    time.Time
	class deputybot.ReplyClass
	text  string
}

// current returns the model for now, building it again when the record
// changed, the local day turned (overdue counts change with it), or, where
// changes cannot be seen, when it is older than MaxAge.
func (s *Site) current(ctx context.Context) (*model, error) {
	now := s.o.Clock()
	gen, genOK := s.o.Store.Generation()
	day := deputybot.DateOf(now, s.o.Rules.Location)
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.cur; m != nil && m.day == day && m.genOK == genOK {
		if genOK && m.gen == gen {
			return m, nil
		}
		if !genOK && now.Sub(m.built) < s.o.MaxAge && !now.Before(m.built) {
			return m, nil
		}
	}
	m, err := s.build(ctx, now)
	if err != nil {
		return nil, err
	}
	m.gen, m.genOK, m.day = gen, genOK, day
	s.cur = m
	return m, nil
}

func (s *Site) build(ctx context.Context, now time.Time) (*model, error) {
	snap, err := s.o.Snapshots.Snapshot(ctx, now, nil)
	if err != nil {
		return nil, err
	}
	m := &model{built: now, now: now, snap: snap, names: map[string]string{},
		depts: map[string]*deputybot.Department{}, stats: map[int][]*report.DeptStats{}, listed: map[int][]*deputybot.Item{},
		pages: map[string][]byte{}}
	if !s.o.Rules.Disclosure.HideDeputies {
		people, _, err := s.o.Store.People(ctx, deputybot.PeopleFilter{Role: deputybot.RoleDeputy})
		if err != nil {
			return nil, err
		}
		for _, p := range people {
			m.names[p.ID] = p.Name
		}
	}
	m.byNumber = map[int]*deputybot.Department{}
	for _, d := range snap.Departments {
		m.depts[d.ID] = d
		m.byNumber[d.Number] = d
		m.deptList = append(m.deptList, d)
	}
	sort.Slice(m.deptList, func(i, j int) bool { return m.deptList[i].Name < m.deptList[j].Name })
	years := map[int]bool{}
	masked := make([]*deputybot.Item, len(snap.Items))
	for i, it := range snap.Items {
		masked[i] = it
		if it.Withheld != nil {
			c := *it
			c.Title, c.Targets = "", nil
			masked[i] = &c
		}
		if !it.Disclosed() || it.Seq == 0 {
			continue
		}
		m.items = append(m.items, it)
		years[it.Year] = true
	}
	m.pubSnap = snap
	m.pubSnap.Items = masked
	m.pubSnap.Unreachable = nil
	m.reports = map[int]deputybot.Snapshot{}
	for y := range years {
		m.years = append(m.years, y)
		m.stats[y] = report.Departments(snap, y)
	}
	if len(m.years) == 0 {
		y := now.In(s.o.Rules.Location).Year()
		m.years = []int{y}
		m.stats[y] = report.Departments(snap, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(m.years)))
	slices.SortFunc(m.items, func(a, b *deputybot.Item) int {
		if a.Year != b.Year {
			return b.Year - a.Year
		}
		if a.Kind != b.Kind {
			return strings.Compare(string(a.Kind), string(b.Kind)) // motion before suggestion
		}
		return a.Seq - b.Seq
	})
	// A withheld item is listed too, by its number only, so that the
	// lists add up to the counts.
	for _, it := range m.items {
		m.listed[it.Year] = append(m.listed[it.Year], it)
	}
	return m, nil
}

// reportOf is the snapshot the report page of year y writes from: the
// public record with what is public of the year's handled motions (their
// text, public replies and progress reports) and no names but the
// deputies'. It is read once per model, when first asked for; a read
// that failed is not kept.
func (s *Site) reportOf(ctx context.Context, m *model, y int) (deputybot.Snapshot, error) {
	m.reportMu.Lock()
	defer m.reportMu.Unlock()
	if snap, ok := m.reports[y]; ok {
		return snap, nil
	}
	var ids []string
	for _, it := range m.snap.Items {
		if it.Kind == deputybot.KindMotion && it.Handled() && it.Public() && report.InYear(it, y) {
			ids = append(ids, it.ID)
		}
	}
	texts, err := s.o.Store.ItemsTexts(ctx, ids)
	if err != nil {
		return deputybot.Snapshot{}, err
	}
	snap := m.pubSnap
	snap.Names = nil
	snap.Details = make(map[string]*deputybot.ItemDetails, len(texts))
	for _, it := range m.snap.Items {
		det := texts[it.ID]
		if det == nil {
			continue
		}
		pub := &deputybot.ItemDetails{Body: det.Body, Progress: det.Progress}
		for _, r := range det.Replies {
			if it.ReplyPublic(r.Round) {
				pub.Replies = append(pub.Replies, r)
			}
		}
		snap.Details[it.ID] = pub
	}
	m.reports[y] = snap
	return snap, nil
}

// feedOf returns the newest published replies with their texts, read
// for the model when the feed is first asked for. A read that failed (a
// reader who went away) is not kept: the next asks again.
func (s *Site) feedOf(ctx context.Context, m *model) ([]feedEntry, error) {
	m.feedMu.Lock()
	defer m.feedMu.Unlock()
	if m.feed == nil {
		feed, err := s.buildFeed(ctx, m)
		if err != nil {
			return nil, err
		}
		m.feed = append([]feedEntry{}, feed...) // not nil, even when empty
	}
	return m.feed, nil
}

func (s *Site) buildFeed(ctx context.Context, m *model) ([]feedEntry, error) {
	var all []feedEntry
	for _, it := range m.items {
		for _, r := range it.Replies {
			if it.ReplyPublic(r.Round) {
				all = append(all, feedEntry{item: it, round: r.Round, at: r.At, class: r.Class})
			}
		}
	}
	slices.SortFunc(all, func(a, b feedEntry) int { return b.at.Compare(a.at) })
	if len(all) > feedSize {
		all = all[:feedSize]
	}
	dets := map[string]*deputybot.ItemDetails{}
	for i := range all {
		e := &all[i]
		det, ok := dets[e.item.ID]
		if !ok {
			var err error
			if det, err = s.o.Store.ItemDetails(ctx, e.item.ID); err != nil {
				return nil, err
			}
			dets[e.item.ID] = det
		}
		e.text = replyText(det, e.round)
	}
	return all, nil
}

// replyText is the text of a round's reply as last sent (a correction
// replaces it).
func replyText(det *deputybot.ItemDetails, round int) string {
	text := ""
	for _, r := range det.Replies {
		if r.Round == round {
			text = r.Text
		}
	}
	return text
}

// slug is an item's stable name in URLs: suggestion-2026-001.
func slug(it *deputybot.Item) string {
	return string(it.Kind) + "-" + it.Number()
}

// ranked are the public items of m whose title or text has the words of
// query, by their place in the ranking (best first), as the chat's
// /search ranks them. Nothing when the index cannot be read: the words
// then match as the static site's script matches them.
func (s *Site) ranked(ctx context.Context, m *model, query string) map[string]int {
	if len(search.Terms(query)) == 0 {
		return nil
	}
	x, err := s.searchIndex(ctx)
	if err != nil {
		s.o.Logger.Warn("public search", "err", err)
		return nil
	}
	public := make(map[string]bool, len(m.items))
	for _, it := range m.items {
		if it.Public() {
			public[it.ID] = true
		}
	}
	hits := x.Search(query, func(id string) bool { return public[id] }, 0)
	out := make(map[string]int, len(hits))
	for i, h := range hits {
		out[h.ID] = i
	}
	return out
}

// searchIndex is the item index for a search. The only writer brings it
// up to date each time (it reads the items changed only); a replica,
// which compares every item's version to do so, at most every MaxAge,
// as it reads its lists: a visitor's searches cost no read of the whole
// record each.
func (s *Site) searchIndex(ctx context.Context) (*search.Index, error) {
	now := s.o.Clock()
	if _, single := s.o.Store.Generation(); !single {
		s.mu.Lock()
		fresh := !s.searched.IsZero() && now.Sub(s.searched) < s.o.MaxAge
		s.mu.Unlock()
		if x := s.o.Search.Current(); fresh && x != nil {
			return x, nil
		}
	}
	x, err := s.o.Search.Refresh(ctx, s.o.Store)
	if err == nil {
		s.mu.Lock()
		s.searched = now
		s.mu.Unlock()
	}
	return x, err
}
