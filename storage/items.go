package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
	"deputybot/internal/crash"
)

// An item is one document in items: its state (deputybot.Item, inline),
// its long parts (details), the updates whose changes it holds (applied)
// and the notices of its latest change until they are in the outbox
// (notices). A change replaces the whole document at once, made by the
// embedded store's only writer under the item's lock, or on a shared
// store in the item's turn (turns.go) and conditioned on its version.
//
// itemkeys holds the unique keys that lead to an item: its number
// ("suggestion:2026:17", claimed by inserting it, so two items never
// share a number) and its co-sponsor share token ("share:<token>").

type itemDoc struct {
	deputybot.Item `bson:",inline"`
	Details        deputybot.ItemDetails     `bson:"details"`
	Applied        []int64                   `bson:"applied,omitempty"`
	Pending        []deputybot.PendingNotice `bson:"pending,omitempty"`
}

// slimItems reads items without their details (what lists need).
func slimItems() *options.FindOptionsBuilder {
	return options.Find().SetProjection(slimProjection)
}

var slimProjection = bson.D{{Key: "details", Value: 0}, {Key: "applied", Value: 0}, {Key: "pending", Value: 0}}

type itemKey struct {
	ID     string    `bson:"_id"`
	ItemID string    `bson:"itemId"`
	At     time.Time `bson:"at"`
}

type counter struct {
	ID string `bson:"_id"`
	N  int    `bson:"n"`
}

func numberKey(kind deputybot.Kind, year, seq int) string {
	return fmt.Sprintf("%s:%d:%d", kind, year, seq)
}

// itemLocks serialises changes to one item inside this process. On the
// embedded store (one process, one connection) that makes UpdateItem's
// read-change-write atomic; on MongoDB the version in the filter does.
type itemLocks struct {
	mu    sync.Mutex
	locks map[string]*itemLock
}

type itemLock struct {
	sync.Mutex
	users int
}

func (l *itemLocks) lock(id string) func() {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*itemLock{}
	}
	il := l.locks[id]
	if il == nil {
		il = &itemLock{}
		l.locks[id] = il
	}
	il.users++
	l.mu.Unlock()
	il.Lock()
	return func() {
		il.Unlock()
		l.mu.Lock()
		il.users--
		if il.users == 0 {
			delete(l.locks, id)
		}
		l.mu.Unlock()
	}
}

// InsertItem stores a new item (a draft) with its details, and claims its
// share token. An item whose id is stored already is ECONFLICT
// ("err.exists").
func (s *Store) InsertItem(ctx context.Context, it *deputybot.Item, det *deputybot.ItemDetails) error {
	if it.ShareToken != "" {
		if _, err := s.itemKeys.InsertOne(ctx, itemKey{ID: "share:" + it.ShareToken, ItemID: it.ID, At: it.CreatedAt}); err != nil {
			return err
		}
	}
	if _, err := s.items.InsertOne(ctx, itemDoc{Item: *it, Details: *det}); err != nil {
		if it.ShareToken != "" {
			_, _ = s.itemKeys.DeleteOne(ctx, byID("share:"+it.ShareToken))
		}
		if mongo.IsDuplicateKeyError(err) {
			return deputybot.Errorf(deputybot.ECONFLICT, "err.exists")
		}
		return err
	}
	if s.model != nil {
		s.model.putItem(it, det.Body)
		s.docs.put(&itemDoc{Item: *it, Details: *det})
	}
	return nil
}

// DeleteItem removes an item if check, called with it under its lock,
// allows (a draft its author deletes).
func (s *Store) DeleteItem(ctx context.Context, itemID string, check func(*deputybot.Item) error) error {
	unlock := s.itemLocks.lock(itemID)
	defer unlock()
	return s.inTurn(ctx, "item:"+itemID, func(t *turn) error {
		it, err := s.Item(ctx, itemID)
		if err != nil {
			return err
		}
		if err := check(it); err != nil {
			return err
		}
		if !s.fresh(t) {
			return errTurnLost
		}
		res, err := s.items.DeleteOne(ctx, s.versioned(itemID, it.Version))
		if err != nil {
			return err
		}
		if res.DeletedCount == 0 {
			return deputybot.Errorf(deputybot.ECONFLICT, "err.busy") // changed meanwhile by another replica
		}
		if s.model != nil {
			s.model.deleteItem(itemID)
			s.docs.drop(itemID)
		}
		_, _ = s.itemKeys.DeleteOne(ctx, byID("share:"+it.ShareToken))
		return nil
	})
}

// Item returns an item (without its details) by id, or ENOTFOUND.
func (s *Store) Item(ctx context.Context, id string) (*deputybot.Item, error) {
	if s.model != nil {
		if it := s.model.item(id); it != nil {
			return it, nil
		}
		return nil, deputybot.Errorf(deputybot.ENOTFOUND, "err.item_not_found")
	}
	var it deputybot.Item
	if err := s.items.FindOne(ctx, byID(id), options.FindOne().SetProjection(slimProjection)).Decode(&it); err != nil {
		return nil, notFound(err, "err.item_not_found")
	}
	return &it, nil
}

// Generation counts the changes to items, people and departments this
// process has made, where it is the store's only writer (the embedded
// store's read model): what is built from the record is current while the
// count stands. ok is false where other processes may write too: the
// count then says nothing.
func (s *Store) Generation() (gen uint64, ok bool) {
	if s.model == nil {
		return 0, false
	}
	return s.model.generation(), true
}

// PublicTexts calls fn with each item's details (body, replies, timeline)
// in one pass over the items, for writing every item's public page.
func (s *Store) PublicTexts(ctx context.Context, fn func(id string, det *deputybot.ItemDetails) error) error {
	return s.eachItem(ctx, bson.D{{Key: "details.body", Value: 1}, {Key: "details.replies", Value: 1}, {Key: "details.timeline", Value: 1}},
		func(cur *mongo.Cursor) error {
			var doc struct {
				ID      string                `bson:"_id"`
				Details deputybot.ItemDetails `bson:"details"`
			}
			if err := cur.Decode(&doc); err != nil {
				return err
			}
			return fn(doc.ID, &doc.Details)
		})
}

// eachItem decodes every item's fields of projection, in one pass.
func (s *Store) eachItem(ctx context.Context, projection bson.D, decode func(cur *mongo.Cursor) error) error {
	cur, err := s.items.Find(ctx, bson.D{}, options.Find().SetProjection(projection))
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		if err := decode(cur); err != nil {
			return err
		}
	}
	return cur.Err()
}

// ItemBodies calls fn with every item's version, title, category and
// text (its body), in one pass over the items: what a search index is
// built from.
func (s *Store) ItemBodies(ctx context.Context, fn func(id string, version int, title, category, body string)) error {
	if s.model != nil {
		// The only writer holds them.
		for _, b := range s.model.itemBodies() {
			fn(b.id, b.version, b.title, b.category, b.body)
		}
		return nil
	}
	return s.eachItem(ctx, bson.D{{Key: "version", Value: 1}, {Key: "title", Value: 1}, {Key: "category", Value: 1}, {Key: "details.body", Value: 1}},
		func(cur *mongo.Cursor) error {
			var doc struct {
				ID       string `bson:"_id"`
				Version  int    `bson:"version"`
				Title    string `bson:"title"`
				Category string `bson:"category"`
				Details  struct {
					Body string `bson:"body"`
				} `bson:"details"`
			}
			if err := cur.Decode(&doc); err != nil {
				return err
			}
			fn(doc.ID, doc.Version, doc.Title, doc.Category, doc.Details.Body)
			return nil
		})
}

// GroupItems are the items of a group handled together (their GroupID),
// oldest first.
func (s *Store) GroupItems(ctx context.Context, group string) ([]*deputybot.Item, error) {
	return s.itemsWith(ctx, "groupId", group, func(it *deputybot.Item) string { return it.GroupID })
}

// ThreadItems are the items of a thread across years (their ThreadID),
// oldest first.
func (s *Store) ThreadItems(ctx context.Context, thread string) ([]*deputybot.Item, error) {
	return s.itemsWith(ctx, "threadId", thread, func(it *deputybot.Item) string { return it.ThreadID })
}

// itemsWith are the items whose field (of) is id.
func (s *Store) itemsWith(ctx context.Context, field, id string, of func(*deputybot.Item) string) ([]*deputybot.Item, error) {
	if id == "" {
		return nil, nil
	}
	var items []*deputybot.Item
	if s.model != nil {
		items = s.model.allItems(func(it *deputybot.Item) bool { return of(it) == id })
	} else {
		var err error
		if items, err = s.findItems(ctx, bson.D{{Key: field, Value: id}}); err != nil {
			return nil, err
		}
	}
	oldestFirst(items)
	return items, nil
}

// ItemsChangedSince are the items changed (stored or deleted) after the
// record's generation gen (Generation), and the generation now: where
// this process is the record's only writer and remembers that far back
// (ok false elsewhere: read every item's version).
func (s *Store) ItemsChangedSince(gen uint64) (ids []string, now uint64, ok bool) {
	if s.model == nil {
		return nil, 0, false
	}
	return s.model.changedSince(gen)
}

// ItemVersions calls fn with every item's id and version: how a cache of
// the items (the search index) finds what changed since it read them.
func (s *Store) ItemVersions(ctx context.Context, fn func(id string, version int)) error {
	if s.model != nil {
		for _, v := range s.model.itemVersions() {
			fn(v.id, v.version)
		}
		return nil
	}
	return s.eachItem(ctx, bson.D{{Key: "version", Value: 1}}, func(cur *mongo.Cursor) error {
		var doc struct {
			ID      string `bson:"_id"`
			Version int    `bson:"version"`
		}
		if err := cur.Decode(&doc); err != nil {
			return err
		}
		fn(doc.ID, doc.Version)
		return nil
	})
}

// ItemDetails returns an item's long parts: body, attachments, texts,
// timeline.
func (s *Store) ItemDetails(ctx context.Context, id string) (*deputybot.ItemDetails, error) {
	if s.model != nil {
		doc, err := s.itemDoc(ctx, id)
		if err != nil {
			return nil, err
		}
		return &doc.Details, nil
	}
	var doc struct {
		Details deputybot.ItemDetails `bson:"details"`
	}
	err := s.items.FindOne(ctx, byID(id), options.FindOne().SetProjection(bson.D{{Key: "details", Value: 1}})).Decode(&doc)
	if err != nil {
		return nil, notFound(err, "err.item_not_found")
	}
	return &doc.Details, nil
}

// ItemsTexts reads what the report writes each item from — its text,
// its replies and its progress reports, not its timeline — for the items
// of ids, by id; an id with no item is left out. MongoDB answers one
// query. The embedded store scans a collection for anything but one _id
// (FerretDB pushes no other filter down to SQLite), so it reads the items
// one by one, and its only writer keeps what it read by item version:
// an item read again at the same version is not read at all.
func (s *Store) ItemsTexts(ctx context.Context, ids []string) (map[string]*deputybot.ItemDetails, error) {
	out := make(map[string]*deputybot.ItemDetails, len(ids))
	fields := bson.D{{Key: "version", Value: 1}, {Key: "details.body", Value: 1},
		{Key: "details.replies", Value: 1}, {Key: "details.progress", Value: 1}}
	type textsDoc struct {
		ID      string                `bson:"_id"`
		Version int                   `bson:"version"`
		Details deputybot.ItemDetails `bson:"details"`
	}
	if s.opts.SQLiteDir == "" {
		if len(ids) == 0 {
			return out, nil
		}
		cur, err := s.items.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find().SetProjection(fields))
		if err != nil {
			return nil, err
		}
		defer cur.Close(ctx)
		for cur.Next(ctx) {
			var doc textsDoc
			if err := cur.Decode(&doc); err != nil {
				return nil, err
			}
			out[doc.ID] = &doc.Details
		}
		return out, cur.Err()
	}
	for _, id := range ids {
		if s.model != nil {
			if it := s.model.item(id); it != nil {
				if det, ok := s.texts.get(id, it.Version); ok {
					out[id] = det
					continue
				}
			}
		}
		var doc textsDoc
		err := s.items.FindOne(ctx, byID(id), options.FindOne().SetProjection(fields)).Decode(&doc)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = &doc.Details
		if s.model != nil {
			s.texts.put(id, doc.Version, &doc.Details)
		}
	}
	return out, nil
}

// textsCache keeps items' texts by item version, for the embedded
// store's only writer; it hands out copies.
type textsCache struct {
	mu sync.Mutex
	m  map[string]cachedTexts
}

type cachedTexts struct {
	version int
	det     *deputybot.ItemDetails
}

func (c *textsCache) get(id string, version int) (*deputybot.ItemDetails, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[id]
	if !ok || t.version != version {
		return nil, false
	}
	return copyTexts(t.det), true
}

func (c *textsCache) put(id string, version int, det *deputybot.ItemDetails) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedTexts{}
	}
	c.m[id] = cachedTexts{version, copyTexts(det)}
}

// copyTexts copies what ItemsTexts reads (its parts hold no pointers).
func copyTexts(d *deputybot.ItemDetails) *deputybot.ItemDetails {
	return &deputybot.ItemDetails{Body: d.Body, Replies: slices.Clone(d.Replies), Progress: slices.Clone(d.Progress)}
}

// itemDoc reads an item's whole document (the only writer: as it last
// wrote or read it, when it still keeps it).
func (s *Store) itemDoc(ctx context.Context, id string) (*itemDoc, error) {
	if s.model != nil {
		if doc, ok := s.docs.get(id); ok {
			return doc, nil
		}
	}
	doc, err := s.readItemDoc(ctx, id)
	if err == nil && s.model != nil {
		s.docs.put(doc)
	}
	return doc, err
}

// readItemDoc reads an item's whole document from the store.
func (s *Store) readItemDoc(ctx context.Context, id string) (*itemDoc, error) {
	var doc itemDoc
	if err := s.items.FindOne(ctx, byID(id)).Decode(&doc); err != nil {
		return nil, notFound(err, "err.item_not_found")
	}
	return &doc, nil
}

func (s *Store) itemByKey(ctx context.Context, key string) (*deputybot.Item, error) {
	if s.model != nil {
		if it := s.model.itemByKey(key); it != nil {
			return it, nil
		}
		return nil, deputybot.Errorf(deputybot.ENOTFOUND, "err.item_not_found")
	}
	var k itemKey
	if err := s.itemKeys.FindOne(ctx, byID(key)).Decode(&k); err != nil {
		return nil, notFound(err, "err.item_not_found")
	}
	return s.Item(ctx, k.ItemID)
}

// ItemsByNumber returns the items with that number (of either kind when
// q.Kind is empty).
func (s *Store) ItemsByNumber(ctx context.Context, q deputybot.NumberQuery) ([]*deputybot.Item, error) {
	kinds := []deputybot.Kind{deputybot.KindSuggestion, deputybot.KindMotion}
	if q.Kind != "" {
		kinds = []deputybot.Kind{q.Kind}
	}
	var out []*deputybot.Item
	for _, k := range kinds {
		it, err := s.itemByKey(ctx, numberKey(k, q.Year, q.Seq))
		if deputybot.ErrorCode(err) == deputybot.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// ItemByShareToken returns the item of a co-sponsor share link.
func (s *Store) ItemByShareToken(ctx context.Context, token string) (*deputybot.Item, error) {
	if !deputybot.LooksLikeToken(token) {
		return nil, deputybot.Errorf(deputybot.ENOTFOUND, "err.item_not_found")
	}
	return s.itemByKey(ctx, "share:"+token)
}

// UpdateItem applies a change to an item (deputybot.ItemChange says how).
//
// The change, the update that caused it and the notices it causes (as
// data: who is told of what) are written together: one replace of the
// item's document, made holding the item's lock (and, on a shared store,
// its turn: turns.go) and conditioned on the version the change was made
// from. Once it is written and the item's lock and turn released, the change's Deliver
// puts the notices in the outbox — their messages are rendered there,
// outside the lock — and has them removed from the document
// (ClearNotices). If the process dies in between, the next change of the
// item, or the start-up (FlushNotices), delivers them (again: the outbox
// takes an id once).
func (s *Store) UpdateItem(ctx context.Context, id string, c deputybot.ItemChange) (*deputybot.Item, error) {
	unlock := s.itemLocks.lock(id)
	var out *deputybot.Item
	var written *itemDoc // to deliver, after the item's lock and turn are let go
	err := s.inTurn(ctx, "item:"+id, func(t *turn) error {
		var err error
		out, written, err = s.updateItem(ctx, id, c, t)
		return err
	})
	unlock()
	if err != nil {
		return nil, err
	}
	if written != nil && len(written.Pending) > 0 && c.Deliver != nil {
		c.Deliver(ctx, written.Item.Clone(), written.Details.Clone(), written.Pending)
	}
	return out, nil
}

// updateItem makes the change holding the item's lock and turn; it
// returns the item and the document written (or found done) whose notices
// are to be delivered.
func (s *Store) updateItem(ctx context.Context, id string, c deputybot.ItemChange, t *turn) (*deputybot.Item, *itemDoc, error) {
	for attempt := 0; attempt < 8; attempt++ {
		doc, err := s.itemDoc(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if c.Cause != 0 && slices.Contains(doc.Applied, c.Cause) {
			return doc.Item.Clone(), doc, nil // handled before a crash: already done; deliver what it left
		}
		from := doc.Version
		before := doc.Item.Clone()
		it, det := doc.Item.Clone(), doc.Details.Clone()
		evs, err := c.Apply(it, det)
		if err != nil {
			return nil, nil, err
		}
		if len(evs) == 0 {
			return it, nil, nil
		}
		it.Version = from + 1
		it.UpdatedAt = evs[len(evs)-1].At
		var claimed string
		if it.Status != deputybot.StatusDraft && it.Seq == 0 && it.Year != 0 {
			if it.Seq, claimed, err = s.claimNumber(ctx, it); err != nil {
				return nil, nil, err
			}
		}
		det.Timeline = append(det.Timeline, evs...)
		// Notices an earlier change left stay until they are delivered.
		next := itemDoc{Item: *it, Details: *det, Applied: doc.Applied, Pending: slices.Clone(doc.Pending)}
		if c.Cause != 0 {
			next.Applied = append(slices.Clone(doc.Applied), c.Cause)
			if len(next.Applied) > maxApplied {
				next.Applied = next.Applied[len(next.Applied)-maxApplied:]
			}
		}
		if c.Notices != nil {
			for i, n := range c.Notices(before, it, evs) {
				// Fixed ids: delivering them again adds nothing.
				next.Pending = append(next.Pending, deputybot.PendingNotice{ID: fmt.Sprintf("n:%s:%d:%d", id, it.Version, i), Notice: n})
			}
		}
		err = errTurnLost
		var res *mongo.UpdateResult
		if s.fresh(t) {
			res, err = s.items.ReplaceOne(ctx, s.versioned(id, from), next)
			if err == nil && res.MatchedCount == 0 {
				err = errChanged
			}
		}
		if err != nil {
			s.docs.drop(id) // written or not: read it again
			if claimed != "" {
				_, _ = s.itemKeys.DeleteOne(ctx, byID(claimed))
			}
			if errors.Is(err, errChanged) {
				continue // another replica changed it first: start again
			}
			return nil, nil, err
		}
		crash.Point("item-written")
		if s.model != nil {
			s.model.putItem(it, next.Details.Body)
			s.model.setNoticed(id, len(next.Pending) > 0)
			s.docs.put(&next)
		}
		return it.Clone(), &next, nil
	}
	return nil, nil, deputybot.Errorf(deputybot.ECONFLICT, "err.busy")
}

// errTurnLost: the turn was held too long to write safely (the process
// was paused): the change is not made, and the user is told to try again.
var errTurnLost = deputybot.Errorf(deputybot.ECONFLICT, "err.busy")

var errChanged = errors.New("changed by another writer")

// versioned is the filter of a write over the item's version v: on a
// shared store the version is in the filter; the only writer of an
// embedded store holds the item's lock, and filters by _id alone (the
// only filter the embedded store answers from an index).
func (s *Store) versioned(id string, v int) bson.D {
	if s.single {
		return byID(id)
	}
	return bson.D{{Key: "_id", Value: id}, {Key: "version", Value: v}}
}

// maxApplied is how many causes an item remembers: an update is handled
// again only after a crash, before any later update of its chat.
const maxApplied = 16

// ClearNotices removes delivered notices (by their ids) from the item's
// document; a later change's notices stay.
func (s *Store) ClearNotices(ctx context.Context, id string, ids []string) error {
	unlock := s.itemLocks.lock(id)
	defer unlock()
	return s.inTurn(ctx, "item:"+id, func(t *turn) error {
		for attempt := 0; attempt < 8; attempt++ {
			var doc struct {
				Version int                       `bson:"version"`
				Pending []deputybot.PendingNotice `bson:"pending"`
			}
			var whole *itemDoc // the only writer's: the document it keeps
			if s.model != nil {
				var err error
				if whole, err = s.itemDoc(ctx, id); err != nil {
					return err
				}
				doc.Version, doc.Pending = whole.Version, whole.Pending
			} else if err := s.items.FindOne(ctx, byID(id), options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}, {Key: "pending", Value: 1}})).Decode(&doc); err != nil {
				return notFound(err, "err.item_not_found")
			}
			keep := slices.DeleteFunc(slices.Clone(doc.Pending), func(n deputybot.PendingNotice) bool { return slices.Contains(ids, n.ID) })
			if len(keep) == len(doc.Pending) {
				return nil
			}
			update := bson.D{{Key: "$set", Value: bson.D{{Key: "pending", Value: keep}}}}
			if len(keep) == 0 {
				update = bson.D{{Key: "$unset", Value: bson.D{{Key: "pending", Value: ""}}}}
			}
			if !s.fresh(t) {
				return errTurnLost
			}
			res, err := s.items.UpdateOne(ctx, s.versioned(id, doc.Version), update)
			if err != nil {
				s.docs.drop(id)
				return err
			}
			if res.MatchedCount == 0 {
				continue // changed meanwhile by another replica: read again
			}
			if s.model != nil {
				s.model.setNoticed(id, len(keep) > 0)
				whole.Pending = keep
				if len(keep) == 0 {
					whole.Pending = nil
				}
				s.docs.put(whole)
			}
			return nil
		}
		return deputybot.Errorf(deputybot.ECONFLICT, "err.busy")
	})
}

// FlushNotices delivers the notices a crash left stored with item
// changes (called at start, before anything else changes items): deliver
// is called, without the item's lock, for each item that holds some. It
// returns how many notices it found.
func (s *Store) FlushNotices(ctx context.Context, deliver func(ctx context.Context, it *deputybot.Item, det *deputybot.ItemDetails, pending []deputybot.PendingNotice)) (int, error) {
	var ids []string
	if s.model != nil {
		ids = s.model.noticedItems()
	} else {
		cur, err := s.items.Find(ctx, bson.D{{Key: "pending.0", Value: bson.D{{Key: "$exists", Value: true}}}},
			options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return 0, err
		}
		var docs []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &docs); err != nil {
			return 0, err
		}
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
	}
	n := 0
	for _, id := range ids {
		doc, err := s.itemDoc(ctx, id)
		if deputybot.ErrorCode(err) == deputybot.ENOTFOUND {
			continue
		}
		if err != nil {
			return n, err
		}
		if len(doc.Pending) > 0 {
			n += len(doc.Pending)
			deliver(ctx, doc.Item.Clone(), doc.Details.Clone(), doc.Pending)
		}
	}
	return n, nil
}

// DepartmentItems lists the items ever assigned to the department (as
// lead or co-department), oldest first.
func (s *Store) DepartmentItems(ctx context.Context, deptID string) ([]*deputybot.Item, error) {
	var items []*deputybot.Item
	if s.model != nil {
		items = s.model.deptItems(deptID)
	} else {
		var err error
		items, err = s.findItems(ctx, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "leadDept", Value: deptID}}, bson.D{{Key: "coDepts.dept", Value: deptID}},
		}}})
		if err != nil {
			return nil, err
		}
	}
	oldestFirst(items)
	return items, nil
}

// findItems reads the items matching filter, without their details.
func (s *Store) findItems(ctx context.Context, filter bson.D) ([]*deputybot.Item, error) {
	cur, err := s.items.Find(ctx, filter, slimItems())
	if err != nil {
		return nil, err
	}
	var out []*deputybot.Item
	err = cur.All(ctx, &out)
	return out, err
}

// claimNumber gives a submitted item the next free number of its kind and
// year. The number is claimed by inserting its key: two items can never
// get the same one, whatever runs concurrently. The counter document is
// only a hint of where to start looking.
func (s *Store) claimNumber(ctx context.Context, it *deputybot.Item) (int, string, error) {
	hintID := fmt.Sprintf("next:%s:%d", it.Kind, it.Year)
	readHint := func() int {
		var c counter
		_ = s.itemKeys.FindOne(ctx, byID(hintID)).Decode(&c)
		return c.N
	}
	var n int
	if h, ok := s.numberHint(hintID); ok {
		n = h + 1 // the only writer wrote the hint last
	} else {
		n = readHint() + 1
	}
	for tries := 0; tries < 10000; tries++ {
		key := numberKey(it.Kind, it.Year, n)
		_, err := s.itemKeys.InsertOne(ctx, itemKey{ID: key, ItemID: it.ID, At: it.UpdatedAt})
		if mongo.IsDuplicateKeyError(err) {
			n = max(n+1, readHint()+1)
			continue
		}
		if err != nil {
			return 0, "", err
		}
		_, err = s.itemKeys.UpdateOne(ctx, byID(hintID), bson.D{{Key: "$max", Value: bson.D{{Key: "n", Value: n}}}},
			options.UpdateOne().SetUpsert(true))
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return 0, "", err
		}
		s.noteNumberHint(hintID, n)
		return n, key, nil
	}
	return 0, "", errors.New("no free item number found")
}

// PersonItems lists the items a person authored, was asked to
// co-sponsor or leads, newest first, and their total.
func (s *Store) PersonItems(ctx context.Context, personID string, offset, limit int) ([]*deputybot.Item, int, error) {
	var items []*deputybot.Item
	if s.model != nil {
		items = s.model.personItems(personID)
	} else {
		var err error
		items, err = s.findItems(ctx, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "authorId", Value: personID}},
			bson.D{{Key: "coSponsors.personId", Value: personID}},
			bson.D{{Key: "leaderId", Value: personID}},
		}}})
		if err != nil {
			return nil, 0, err
		}
	}
	newestFirst(items)
	total := len(items)
	items = items[min(offset, len(items)):]
	if limit > 0 && len(items) > limit {
		items = items[:limit]
	}
	return items, total, nil
}

// ItemsWithStatus lists the items in any of the statuses (all items if
// none is given), oldest first.
func (s *Store) ItemsWithStatus(ctx context.Context, statuses ...deputybot.Status) ([]*deputybot.Item, error) {
	var items []*deputybot.Item
	if s.model != nil {
		items = s.model.allItems(func(it *deputybot.Item) bool {
			return len(statuses) == 0 || slices.Contains(statuses, it.Status)
		})
	} else {
		filter := bson.D{}
		if len(statuses) > 0 {
			in := make(bson.A, len(statuses))
			for i, st := range statuses {
				in[i] = st
			}
			filter = bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: in}}}}
		}
		var err error
		if items, err = s.findItems(ctx, filter); err != nil {
			return nil, err
		}
	}
	oldestFirst(items)
	return items, nil
}

// numberHint is where the only writer last found a free number (of a
// kind and year: the counter document's id), if it claimed one of them
// since start.
func (s *Store) numberHint(id string) (int, bool) {
	if !s.single {
		return 0, false
	}
	s.hintsMu.Lock()
	defer s.hintsMu.Unlock()
	n, ok := s.hints[id]
	return n, ok
}

func (s *Store) noteNumberHint(id string, n int) {
	if !s.single {
		return
	}
	s.hintsMu.Lock()
	defer s.hintsMu.Unlock()
	if s.hints == nil {
		s.hints = map[string]int{}
	}
	s.hints[id] = max(s.hints[id], n)
}
