package storage

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

var _ deputybot.ItemService = (*Store)(nil)

// Items live in three places, each read by _id:
//   - items: the slim documents that lists, digests and reports scan;
//   - itemdetails: body, attachments and timeline, read to show one item;
//   - itemkeys: unique keys that lead to an item — its number
//     ("suggestion:2026:17", claimed by inserting it, so two items never
//     share a number) and its co-sponsor share token ("share:<token>");
//   - personitems: per person, the ids of the items he authored or was
//     asked to co-sponsor, for /my without scanning items.

type itemKey struct {
	ID     string    `bson:"_id"`
	ItemID string    `bson:"itemId"`
	At     time.Time `bson:"at"`
}

type counter struct {
	ID string `bson:"_id"`
	N  int    `bson:"n"`
}

type personItems struct {
	ID    string   `bson:"_id"`
	Items []string `bson:"items"`
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

func newShareToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SaveDraft implements deputybot.ItemService.
func (s *Store) SaveDraft(ctx context.Context, author *deputybot.Person, in deputybot.DraftInput, r *deputybot.Rules, now time.Time) (*deputybot.Item, error) {
	if err := in.Validate(r); err != nil {
		return nil, err
	}
	in.CoSponsors = slices.DeleteFunc(slices.Clone(in.CoSponsors), func(id string) bool { return id == author.ID })
	for _, id := range in.CoSponsors {
		p, err := s.Person(ctx, id)
		if err != nil || p.State != deputybot.PersonActive || !p.HasRole(deputybot.RoleDeputy) {
			return nil, deputybot.Errorf(deputybot.EINVALID, "err.cosponsor_unknown")
		}
	}
	apply := func(it *deputybot.Item) {
		it.Kind, it.Title, it.Category = in.Kind, in.Title, in.Category
		it.Attachments = len(in.Attachments)
		var cos []deputybot.CoSponsor
		for _, id := range in.CoSponsors {
			if c := it.CoSponsor(id); c != nil {
				cos = append(cos, *c)
			} else {
				cos = append(cos, deputybot.CoSponsor{PersonID: id, State: deputybot.CoSponsorInvited, At: now})
			}
		}
		it.CoSponsors = cos
	}
	if in.ItemID == "" && in.NewID != "" {
		// Saved before (the dialogue's step handled again after a crash):
		// it is this draft that is edited.
		if _, err := s.Item(ctx, in.NewID); err == nil {
			in.ItemID = in.NewID
		} else if deputybot.ErrorCode(err) != deputybot.ENOTFOUND {
			return nil, err
		}
	}
	if in.ItemID == "" {
		id := in.NewID
		if id == "" {
			id = newID()
		}
		it := &deputybot.Item{
			ID: id, AuthorID: author.ID, Status: deputybot.StatusDraft,
			ShareToken: newShareToken(), CreatedAt: now, UpdatedAt: now, Version: 1,
		}
		apply(it)
		if _, err := s.itemKeys.InsertOne(ctx, itemKey{ID: "share:" + it.ShareToken, ItemID: it.ID, At: now}); err != nil {
			return nil, err
		}
		// The details first (replacing any a crash left), then the item:
		// the item is the draft's existence.
		det := deputybot.ItemDetails{ID: it.ID, Body: in.Body, Attachments: in.Attachments, Version: it.Version,
			Timeline: []deputybot.Event{{At: now, ActorID: author.ID, Type: deputybot.EvDrafted}}}
		if _, err := s.itemDetails.ReplaceOne(ctx, byID(it.ID), det, options.Replace().SetUpsert(true)); err != nil {
			return nil, err
		}
		if _, err := s.items.InsertOne(ctx, it); err != nil {
			return nil, err
		}
		if err := s.scanPut(ctx, it); err != nil {
			return nil, err
		}
		if err := s.indexPersonItems(ctx, it.ID, append([]string{author.ID}, in.CoSponsors...)); err != nil {
			return nil, err
		}
		return it, nil
	}
	return s.UpdateItem(ctx, in.ItemID, deputybot.ItemChange{Apply: func(it *deputybot.Item, det *deputybot.ItemDetails) ([]deputybot.Event, error) {
		if err := deputybot.Check(author, it, deputybot.ActEditDraft); err != nil {
			return nil, err
		}
		apply(it)
		det.Body, det.Attachments = in.Body, in.Attachments
		return []deputybot.Event{{At: now, ActorID: author.ID, Type: deputybot.EvEdited}}, nil
	}})
}

// DeleteDraft implements deputybot.ItemService.
func (s *Store) DeleteDraft(ctx context.Context, author *deputybot.Person, itemID string) error {
	unlock := s.itemLocks.lock(itemID)
	defer unlock()
	it, err := s.Item(ctx, itemID)
	if err != nil {
		return err
	}
	if err := deputybot.Check(author, it, deputybot.ActDeleteDraft); err != nil {
		return err
	}
	if _, err := s.items.DeleteOne(ctx, byID(itemID)); err != nil {
		return err
	}
	_ = s.scanDelete(ctx, itemID)
	_, _ = s.itemDetails.DeleteOne(ctx, byID(itemID))
	_, _ = s.itemKeys.DeleteOne(ctx, byID("share:"+it.ShareToken))
	for _, id := range append([]string{it.AuthorID}, coSponsorIDs(it)...) {
		_, _ = s.personItems.UpdateOne(ctx, byID(id), bson.D{{Key: "$pull", Value: bson.D{{Key: "items", Value: itemID}}}})
	}
	return nil
}

func coSponsorIDs(it *deputybot.Item) []string {
	ids := make([]string, len(it.CoSponsors))
	for i, c := range it.CoSponsors {
		ids[i] = c.PersonID
	}
	return ids
}

// Item implements deputybot.ItemService.
func (s *Store) Item(ctx context.Context, id string) (*deputybot.Item, error) {
	var it deputybot.Item
	if err := s.items.FindOne(ctx, byID(id)).Decode(&it); err != nil {
		return nil, notFound(err, "err.item_not_found")
	}
	return &it, nil
}

// ItemDetails implements deputybot.ItemService.
func (s *Store) ItemDetails(ctx context.Context, id string) (*deputybot.ItemDetails, error) {
	var d deputybot.ItemDetails
	if err := s.itemDetails.FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return nil, notFound(err, "err.item_not_found")
	}
	return &d, nil
}

func (s *Store) itemByKey(ctx context.Context, key string) (*deputybot.Item, error) {
	var k itemKey
	if err := s.itemKeys.FindOne(ctx, byID(key)).Decode(&k); err != nil {
		return nil, notFound(err, "err.item_not_found")
	}
	return s.Item(ctx, k.ItemID)
}

// ItemsByNumber implements deputybot.ItemService.
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

// ItemByShareToken implements deputybot.ItemService.
func (s *Store) ItemByShareToken(ctx context.Context, token string) (*deputybot.Item, error) {
	if !deputybot.LooksLikeToken(token) {
		return nil, deputybot.Errorf(deputybot.ENOTFOUND, "err.item_not_found")
	}
	return s.itemByKey(ctx, "share:"+token)
}

// UpdateItem implements deputybot.ItemService.
//
// An item and its details are two documents, and neither store has
// transactions here. So the details are written first, carrying Next — the
// item as it is after the change — with the change's cause and its
// messages, and then the item. If the process dies between the two writes,
// the next UpdateItem finds the details ahead of the item and completes
// the change from Next before applying its own; messages still stored
// with a change are delivered by the next change, or at start-up
// (FlushNotices).
func (s *Store) UpdateItem(ctx context.Context, id string, c deputybot.ItemChange) (*deputybot.Item, error) {
	unlock := s.itemLocks.lock(id)
	defer unlock()
	for attempt := 0; attempt < 8; attempt++ {
		it, det, err := s.loadForUpdate(ctx, id)
		if err != nil {
			return nil, err
		}
		if len(det.Notices) > 0 && c.Deliver != nil {
			if err := s.deliverNotices(ctx, det, c.Deliver); err != nil {
				return nil, err
			}
		}
		if c.Cause != 0 && slices.Contains(det.Applied, c.Cause) {
			return it, nil // handled before a crash: already done
		}
		oldVersion, oldDetVersion := it.Version, det.Version
		old := *it
		evs, err := c.Apply(it, det)
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			return it, nil
		}
		it.Version = oldVersion + 1
		it.UpdatedAt = evs[len(evs)-1].At
		var claimed string
		if it.Status != deputybot.StatusDraft && it.Seq == 0 && it.Year != 0 {
			if it.Seq, claimed, err = s.claimNumber(ctx, it); err != nil {
				return nil, err
			}
		}
		det.Timeline = append(det.Timeline, evs...)
		det.Version = it.Version
		next := *it
		det.Next = &next
		if c.Cause != 0 {
			det.Applied = append(det.Applied, c.Cause)
			if len(det.Applied) > maxApplied {
				det.Applied = det.Applied[len(det.Applied)-maxApplied:]
			}
		}
		det.Notices = nil
		if c.Notices != nil {
			det.Notices = c.Notices(it, det, evs)
		}
		for i := range det.Notices {
			// Fixed ids: delivering them again adds nothing.
			det.Notices[i].ID = fmt.Sprintf("n:%s:%d:%d", id, it.Version, i)
		}
		if ok, err := s.replaceVersioned(ctx, s.itemDetails, id, oldDetVersion, det); err != nil || !ok {
			if claimed != "" {
				_, _ = s.itemKeys.DeleteOne(ctx, byID(claimed))
			}
			if err != nil {
				return nil, err
			}
			continue // another replica changed it first: start again
		}
		crashPoint("item-details-written")
		// The change is durable now; storing the item completes it.
		if _, err := s.replaceVersioned(ctx, s.items, id, oldVersion, it); err != nil {
			return nil, fmt.Errorf("item %s: details stored, item not (completed on the next change): %w", id, err)
		}
		crashPoint("item-written")
		if err := s.indexItem(ctx, &old, it); err != nil {
			return nil, err
		}
		if len(det.Notices) > 0 && c.Deliver != nil {
			if err := s.deliverNotices(ctx, det, c.Deliver); err != nil {
				// Stored with the change: the next change or start-up
				// delivers them.
				s.log.Error("notices of a change not queued yet", "item", id, "err", err)
			}
		}
		return it, nil
	}
	return nil, deputybot.Errorf(deputybot.ECONFLICT, "err.busy")
}

// maxApplied is how many causes an item remembers: an update is handled
// again only after a crash, before any later update of its chat.
const maxApplied = 16

// deliverNotices puts the messages stored with the item's latest change in
// the outbox, then removes them from the details (if the details are still
// at that version: a later change has its own).
func (s *Store) deliverNotices(ctx context.Context, det *deputybot.ItemDetails, deliver func(context.Context, []deputybot.OutboxMessage) error) error {
	if err := deliver(ctx, det.Notices); err != nil {
		return err
	}
	crashPoint("notices-queued")
	filter := byID(det.ID)
	if !s.ferret {
		filter = bson.D{{Key: "_id", Value: det.ID}, {Key: "version", Value: det.Version}}
	}
	if _, err := s.itemDetails.UpdateOne(ctx, filter, bson.D{{Key: "$unset", Value: bson.D{{Key: "notices", Value: ""}}}}); err != nil {
		return err
	}
	det.Notices = nil
	return nil
}

// FlushNotices delivers the messages a crash left stored with item
// changes (called at start, before anything else changes items).
func (s *Store) FlushNotices(ctx context.Context, deliver func(context.Context, []deputybot.OutboxMessage) error) (int, error) {
	cur, err := s.itemDetails.Find(ctx, bson.D{{Key: "notices", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, err
	}
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return 0, err
	}
	n := 0
	for _, x := range ids {
		unlock := s.itemLocks.lock(x.ID)
		det, err := s.ItemDetails(ctx, x.ID)
		if err == nil && len(det.Notices) > 0 {
			n += len(det.Notices)
			err = s.deliverNotices(ctx, det, deliver)
		}
		unlock()
		if err != nil && deputybot.ErrorCode(err) != deputybot.ENOTFOUND {
			return n, err
		}
	}
	return n, nil
}

// loadForUpdate reads an item and its details, completing a change that
// was interrupted between its two writes.
func (s *Store) loadForUpdate(ctx context.Context, id string) (*deputybot.Item, *deputybot.ItemDetails, error) {
	it, err := s.Item(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	det, err := s.ItemDetails(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if det.Next != nil && det.Version > it.Version && det.Next.Version == det.Version {
		old := *it
		if _, err := s.replaceVersioned(ctx, s.items, id, it.Version, det.Next); err != nil {
			return nil, nil, err
		}
		s.log.Warn("completed an interrupted change", "item", id, "version", det.Version)
		if err := s.indexItem(ctx, &old, det.Next); err != nil {
			return nil, nil, err
		}
		n := *det.Next
		it = &n
	}
	return it, det, nil
}

// replaceVersioned replaces a document if it still has version v. On the
// embedded store (one process, changes to an item serialised by
// itemLocks) the filter is {_id} alone: that is the only filter it answers
// from an index. It reports whether the document was replaced.
func (s *Store) replaceVersioned(ctx context.Context, coll *mongo.Collection, id string, v int, doc any) (bool, error) {
	filter := byID(id)
	if !s.ferret {
		if v == 0 {
			filter = bson.D{{Key: "_id", Value: id}, {Key: "$or", Value: bson.A{
				bson.D{{Key: "version", Value: 0}}, bson.D{{Key: "version", Value: bson.D{{Key: "$exists", Value: false}}}},
			}}}
		} else {
			filter = bson.D{{Key: "_id", Value: id}, {Key: "version", Value: v}}
		}
	}
	res, err := coll.ReplaceOne(ctx, filter, doc)
	if err != nil {
		return false, err
	}
	return res.MatchedCount == 1, nil
}

// indexItem updates the item's copy in the scan index and records the
// item under the people and departments newly involved in it (author,
// co-sponsors, leader; lead and co-departments). Each step is idempotent,
// so a repeated call does no harm.
func (s *Store) indexItem(ctx context.Context, old, it *deputybot.Item) error {
	if err := s.scanPut(ctx, it); err != nil {
		return err
	}
	var people []string
	for _, c := range coSponsorIDs(it) {
		if !slices.Contains(coSponsorIDs(old), c) {
			people = append(people, c)
		}
	}
	if it.LeaderID != "" && it.LeaderID != old.LeaderID {
		people = append(people, it.LeaderID)
	}
	if err := s.indexPersonItems(ctx, it.ID, people); err != nil {
		return err
	}
	var depts []string
	if it.LeadDept != "" && it.LeadDept != old.LeadDept {
		depts = append(depts, it.LeadDept)
	}
	for _, c := range it.CoDepts {
		if old.CoDept(c.Dept) == nil {
			depts = append(depts, c.Dept)
		}
	}
	for _, d := range depts {
		_, err := s.deptItems.UpdateOne(ctx, byID(d),
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: "items", Value: it.ID}}}},
			options.UpdateOne().SetUpsert(true))
		if err != nil {
			return err
		}
	}
	return nil
}

// DepartmentItems implements deputybot.ItemService.
func (s *Store) DepartmentItems(ctx context.Context, deptID string) ([]*deputybot.Item, error) {
	var di personItems
	err := s.deptItems.FindOne(ctx, byID(deptID)).Decode(&di)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.itemsByID(ctx, di.Items)
}

// itemsByID reads the items with these ids, in this order, leaving out any
// that no longer exist (a draft deleted since its id was listed).
func (s *Store) itemsByID(ctx context.Context, ids []string) ([]*deputybot.Item, error) {
	out := make([]*deputybot.Item, 0, len(ids))
	for _, id := range ids {
		it, err := s.Item(ctx, id)
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
	n := readHint() + 1
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
		return n, key, nil
	}
	return 0, "", errors.New("no free item number found")
}

func (s *Store) indexPersonItems(ctx context.Context, itemID string, personIDs []string) error {
	for _, pid := range personIDs {
		_, err := s.personItems.UpdateOne(ctx, byID(pid),
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: "items", Value: itemID}}}},
			options.UpdateOne().SetUpsert(true))
		if err != nil {
			return err
		}
	}
	return nil
}

// PersonItems implements deputybot.ItemService.
func (s *Store) PersonItems(ctx context.Context, personID string, offset, limit int) ([]*deputybot.Item, int, error) {
	var pi personItems
	err := s.personItems.FindOne(ctx, byID(personID)).Decode(&pi)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	ids := slices.Clone(pi.Items)
	slices.Reverse(ids) // newest first: ids are appended as items come
	total := len(ids)
	ids = ids[min(offset, len(ids)):]
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	out, err := s.itemsByID(ctx, ids)
	return out, total, err
}

// ItemsWithStatus implements deputybot.ItemService. It reads the scan
// index (see scanindex.go).
func (s *Store) ItemsWithStatus(ctx context.Context, statuses ...deputybot.Status) ([]*deputybot.Item, error) {
	all, err := s.scanAll(ctx)
	if err != nil || len(statuses) == 0 {
		return all, err
	}
	out := all[:0]
	for _, it := range all {
		if slices.Contains(statuses, it.Status) {
			out = append(out, it)
		}
	}
	return out, nil
}
