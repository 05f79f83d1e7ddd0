package search

import (
	"context"
	"sync"

	"deputybot"
)

// Source is what the item index is read from: the record.
type Source interface {
	// ItemVersions calls fn with every item's id and version.
	ItemVersions(ctx context.Context, fn func(id string, version int)) error
	// ItemBodies reads every item's version, title, category and body in
	// one pass.
	ItemBodies(ctx context.Context, fn func(id string, version int, title, category, body string)) error
	// Item reads one item (without its long parts).
	Item(ctx context.Context, id string) (*deputybot.Item, error)
	// ItemsTexts reads the texts of the items named.
	ItemsTexts(ctx context.Context, ids []string) (map[string]*deputybot.ItemDetails, error)
}

// Items is the index of every item's title and text: a cache built from
// the record at its first use (or at start) and brought up to date
// before each use — the items changed since, by this process or another
// replica, are read again by their version. The record is never read
// from it, and it holds no item: a search names ids, the caller reads
// the items it keeps. One serves the chat's search and the public site's.
type Items struct {
	mu       sync.Mutex
	x        *Index
	versions map[string]int
	// gen: the record's generation the index is of, where the source
	// keeps a log of its changes (known).
	gen   uint64
	known bool
}

// ChangeLog is a source that names the items changed since a generation
// of the record (the only writer's store): the index then reads those
// only, not every item's version.
type ChangeLog interface {
	Generation() (gen uint64, ok bool)
	ItemsChangedSince(gen uint64) (ids []string, now uint64, ok bool)
}

// Current is the index as last brought up to date (nil before the
// first Refresh), for a reader that may be behind the record a moment.
func (c *Items) Current() *Index {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.x
}

// bulkRead: more changed items than this are read in one pass over the
// record rather than by their ids.
const bulkRead = 200

// Refresh brings the index up to date with src and returns it.
func (c *Items) Refresh(ctx context.Context, src Source) (*Index, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.x == nil {
		c.x, c.versions = New(), map[string]int{}
	}
	log, logs := src.(ChangeLog)
	if logs && c.known {
		if ids, gen, ok := log.ItemsChangedSince(c.gen); ok && len(ids) <= bulkRead {
			if err := c.readChanged(ctx, src, ids); err != nil {
				return nil, err
			}
			c.gen = gen
			return c.x, nil
		}
	}
	// Every item's version: the generation first, so that what changes
	// meanwhile is read again next time.
	if logs {
		c.gen, c.known = log.Generation()
	}
	now := make(map[string]int, len(c.versions)+16)
	if err := src.ItemVersions(ctx, func(id string, version int) { now[id] = version }); err != nil {
		return nil, err
	}
	var changed []string
	for id, v := range now {
		if old, ok := c.versions[id]; !ok || old != v {
			changed = append(changed, id)
		}
	}
	for id := range c.versions {
		if _, ok := now[id]; !ok {
			c.x.Remove(id)
			delete(c.versions, id)
		}
	}
	put := func(id string, version int, title, category, body string) {
		c.x.Put(Doc{ID: id, Title: title, Text: body, Category: category})
		c.versions[id] = version
	}
	if len(changed) > bulkRead {
		// Built (or rebuilt) from the record: one pass over it. An item
		// changed since its version was read is read again next time.
		err := src.ItemBodies(ctx, func(id string, version int, title, category, body string) {
			if v, ok := c.versions[id]; !ok || v != version {
				put(id, version, title, category, body)
			}
		})
		return c.x, err
	}
	if err := c.readChanged(ctx, src, changed); err != nil {
		return nil, err
	}
	return c.x, nil
}

// readChanged reads the items of ids again, and forgets those gone.
func (c *Items) readChanged(ctx context.Context, src Source, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	texts, err := src.ItemsTexts(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		it, err := src.Item(ctx, id)
		if deputybot.ErrorCode(err) == deputybot.ENOTFOUND {
			c.x.Remove(id)
			delete(c.versions, id)
			continue
		}
		if err != nil {
			return err
		}
		body := ""
		if det := texts[id]; det != nil {
			body = det.Body
		}
		c.x.Put(Doc{ID: id, Title: it.Title, Text: body, Category: it.Category})
		c.versions[id] = it.Version
	}
	return nil
}
