package storage

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

// Bulk loading, for migrating an existing register and for benchmarks at
// scale: documents are inserted in batches, with the indexes the normal
// paths maintain (bindings, member lists, person and department items).

const bulkBatch = 500

func insertMany[T any](ctx context.Context, coll *mongo.Collection, docs []T) error {
	for i := 0; i < len(docs); i += bulkBatch {
		batch := docs[i:min(i+bulkBatch, len(docs))]
		any := make([]any, len(batch))
		for k := range batch {
			any[k] = batch[k]
		}
		if _, err := coll.InsertMany(ctx, any, options.InsertMany().SetOrdered(false)); err != nil {
			return fmt.Errorf("bulk insert into %s: %w", coll.Name(), err)
		}
	}
	return nil
}

// BulkInsertDepartments inserts departments (Key is filled in).
func (s *Store) BulkInsertDepartments(ctx context.Context, ds []*deputybot.Department) error {
	for _, d := range ds {
		d.Key = deputybot.DepartmentKey(d.Name)
	}
	s.deptCache.forget()
	return insertMany(ctx, s.departments, ds)
}

// BulkInsertPeople inserts people; those with a Telegram id are bound to
// it.
func (s *Store) BulkInsertPeople(ctx context.Context, ps []*deputybot.Person) error {
	if err := insertMany(ctx, s.people, ps); err != nil {
		return err
	}
	var bs []binding
	lists := map[string][]string{}
	for _, p := range ps {
		if p.TelegramID != 0 {
			bs = append(bs, binding{ID: bindingID(p.TelegramID), PersonID: p.ID, At: p.CreatedAt})
		}
		for _, r := range p.Roles {
			lists[roleKey(r)] = append(lists[roleKey(r)], p.ID)
		}
		if p.DepartmentID != "" {
			lists[deptKey(p.DepartmentID)] = append(lists[deptKey(p.DepartmentID)], p.ID)
		}
	}
	if err := insertMany(ctx, s.bindings, bs); err != nil {
		return err
	}
	return s.addToLists(ctx, s.members, "ids", lists)
}

// BulkInsertItems inserts items with their details.
func (s *Store) BulkInsertItems(ctx context.Context, items []*deputybot.Item, dets []*deputybot.ItemDetails) error {
	if err := insertMany(ctx, s.items, items); err != nil {
		return err
	}
	if err := insertMany(ctx, s.itemDetails, dets); err != nil {
		return err
	}
	if err := s.scanPutMany(ctx, items); err != nil {
		return err
	}
	persons, depts := map[string][]string{}, map[string][]string{}
	var keys []itemKey
	for _, it := range items {
		persons[it.AuthorID] = append(persons[it.AuthorID], it.ID)
		for _, c := range it.CoSponsors {
			persons[c.PersonID] = append(persons[c.PersonID], it.ID)
		}
		if it.LeaderID != "" {
			persons[it.LeaderID] = append(persons[it.LeaderID], it.ID)
		}
		if it.LeadDept != "" {
			depts[it.LeadDept] = append(depts[it.LeadDept], it.ID)
		}
		for _, c := range it.CoDepts {
			depts[c.Dept] = append(depts[c.Dept], it.ID)
		}
		if it.Seq != 0 {
			keys = append(keys, itemKey{ID: numberKey(it.Kind, it.Year, it.Seq), ItemID: it.ID, At: it.SubmittedAt})
		}
		if it.ShareToken != "" {
			keys = append(keys, itemKey{ID: "share:" + it.ShareToken, ItemID: it.ID, At: it.CreatedAt})
		}
	}
	if err := insertMany(ctx, s.itemKeys, keys); err != nil {
		return err
	}
	if err := s.addToLists(ctx, s.personItems, "items", persons); err != nil {
		return err
	}
	return s.addToLists(ctx, s.deptItems, "items", depts)
}

func (s *Store) addToLists(ctx context.Context, coll *mongo.Collection, field string, lists map[string][]string) error {
	for id, vals := range lists {
		a := make(bson.A, len(vals))
		for i, v := range vals {
			a[i] = v
		}
		_, err := coll.UpdateOne(ctx, byID(id),
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: field, Value: bson.D{{Key: "$each", Value: a}}}}}},
			options.UpdateOne().SetUpsert(true))
		if err != nil {
			return err
		}
	}
	return nil
}
