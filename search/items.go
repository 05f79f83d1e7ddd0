package search

import (
	"context"
	"sync"

	"deputybot"
)

// Source is what the item index is read from: the record.
type Source interface {
	// ItemsWithStatus are the items (without their long parts).
	ItemsWithStatus(ctx context.Context, statuses ...deputybot.Status) ([]*deputybot.Item, error)
	// ItemBodies reads every item's version and body in one pass.
	ItemBodies(ctx context.Context, fn func(id string, version int, body string)) error
	// ItemsTexts reads the texts of the items named.
	ItemsTexts(ctx context.Context, ids []string) (map[string]*deputybot.ItemDetails, error)
}

// Items is the index of every item's title and text: a cache built from
// the record at its first use (or at start, Refresh) and brought up to
// date before each use — the items changed since, by this process or
// another replica, are read again by their version. The record is never
// read from it. One serves the chat's search and the public site's.
type Items struct {
	mu       sync.Mutex
	x        *Index
	versions map[string]int
}

// bulkRead: more changed items than this are read in one pass over the
// record rather than by their ids.
const bulkRead = 200

// Refresh brings the index up to date with src and returns it, with the
// items by id as read now.
func (c *Items) Refresh(ctx context.Context, src Source) (*Index, map[string]*deputybot.Item, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.x == nil {
		c.x, c.versions = New(), map[string]int{}
	}
	items, err := src.ItemsWithStatus(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]*deputybot.Item, len(items))
	var changed []string
	for _, it := range items {
		byID[it.ID] = it
		if v, ok := c.versions[it.ID]; !ok || v != it.Version {
			changed = append(changed, it.ID)
		}
	}
	for id := range c.versions {
		if byID[id] == nil {
			c.x.Remove(id)
			delete(c.versions, id)
		}
	}
	put := func(it *deputybot.Item, version int, body string) {
		c.x.Put(Doc{ID: it.ID, Title: it.Title, Text: body, Category: it.Category})
		c.versions[it.ID] = version
	}
	if len(changed) > bulkRead {
		// Built (or rebuilt) from the record: one pass over it. An item
		// changed since its version was read is read again next time.
		err := src.ItemBodies(ctx, func(id string, version int, body string) {
			if it := byID[id]; it != nil {
				put(it, version, body)
			}
		})
		return c.x, byID, err
	}
	if len(changed) > 0 {
		texts, err := src.ItemsTexts(ctx, changed)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range changed {
			body := ""
			if det := texts[id]; det != nil {
				body = det.Body
			}
			put(byID[id], byID[id].Version, body)
		}
	}
	return c.x, byID, nil
}
