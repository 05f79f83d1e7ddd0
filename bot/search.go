package bot

import (
	"context"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/search"
	"deputybot/texts"
)

// searchItems brings the item index up to date and returns it
// (search.Items: a cache of the record, shared with the public site).
func (b *Bot) searchItems(ctx context.Context) (*search.Index, error) {
	return b.opts.Search.Refresh(ctx, b.store)
}

// itemReader reads items by id as a search keeps them, each once.
func (b *Bot) itemReader(ctx context.Context) func(id string) *deputybot.Item {
	read := map[string]*deputybot.Item{}
	return func(id string) *deputybot.Item {
		if it, ok := read[id]; ok {
			return it
		}
		it, err := b.store.Item(ctx, id)
		if err != nil {
			it = nil // gone since it was indexed
		}
		read[id] = it
		return it
	}
}

// searchFilter is what /search narrows to besides its words: a year, a
// department, a status.
type searchFilter struct {
	year   int
	dept   string
	status deputybot.Status
}

// parseSearch reads "/search 电梯 2026 区住建局 已办结": a four-digit year,
// a department's name and a status's name are filters; the rest the
// words.
func (b *Bot) parseSearch(ctx context.Context, l deputybot.Language, args string) (string, searchFilter) {
	var f searchFilter
	depts, _ := b.departmentNames(ctx)
	var words []string
	for _, w := range strings.Fields(args) {
		if y, err := strconv.Atoi(w); err == nil && len(w) == 4 && y >= 2000 && y <= 2100 {
			f.year = y
			continue
		}
		found := false
		for id, name := range depts {
			if texts.Plain(name) == w {
				f.dept, found = id, true
			}
		}
		for _, st := range statusOrder {
			if texts.Plain(b.tx.T(l, "status."+string(st))) == w {
				f.status, found = st, true
			}
		}
		if !found {
			words = append(words, w)
		}
	}
	return strings.Join(words, " "), f
}

// bulkItemRead: a search on a shared store that finds more items than
// this reads every item in one pass rather than those found one by one.
const bulkItemRead = 200

// maxSearchShown bounds the items a search lists.
const maxSearchShown = 10

// cmdSearch is /search: the items the person may see whose title or text
// has the words, best first, with their year, department and status.
func (b *Bot) cmdSearch(ctx context.Context, r *request) {
	l := r.lang
	query, f := b.parseSearch(ctx, l, r.args)
	if len(search.Terms(query)) == 0 {
		if strings.TrimSpace(query) != "" {
			// Only what every suggestion says (建议、问题…).
			b.reply(ctx, r, b.tx.T(l, "search.too_common", "Query", query), nil)
			return
		}
		b.reply(ctx, r, b.tx.T(l, "search.usage"), nil)
		return
	}
	x, err := b.searchItems(ctx)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	found := x.Search(query, nil, 0)
	item := b.itemReader(ctx)
	if _, single := b.store.Generation(); !single && len(found) > bulkItemRead {
		// Many found on a shared store: every item read in one pass, not
		// one query each (the only writer reads them from memory).
		all, err := b.store.ItemsWithStatus(ctx)
		if err != nil {
			b.fail(ctx, r, err)
			return
		}
		byID := make(map[string]*deputybot.Item, len(all))
		for _, it := range all {
			byID[it.ID] = it
		}
		item = func(id string) *deputybot.Item { return byID[id] }
	}
	var hits []search.Hit
	for _, h := range found {
		it := item(h.ID)
		if it != nil && deputybot.CanView(r.person, it) && (f.year == 0 || it.Year == f.year) &&
			(f.dept == "" || it.LeadDept == f.dept) && (f.status == "" || it.Status == f.status) {
			hits = append(hits, h)
		}
	}
	if len(hits) == 0 {
		b.reply(ctx, r, b.tx.T(l, "search.none", "Query", query), nil)
		return
	}
	depts, _ := b.departmentNames(ctx)
	shown := hits[:min(len(hits), maxSearchShown)]
	text, kb := numberedPage(b.tx.T(l, "search.title", "Query", query, "Count", len(hits), "Shown", len(shown)), len(shown), 0, len(shown), "",
		func(i int) (string, string) {
			it := item(shown[i].ID)
			line := b.tx.Line(l, it)
			if it.LeadDept != "" {
				line += " · " + texts.Esc(depts[it.LeadDept])
			}
			return line, it.ID
		})
	b.reply(ctx, r, text, kb)
}
