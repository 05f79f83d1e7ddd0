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
// scale: documents are inserted in batches, with the keys the normal
// paths claim (bindings, item numbers and share tokens).

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

// BulkInsertDepartments inserts departments (Key and Number are filled
// in, numbers in the order given).
func (s *Store) BulkInsertDepartments(ctx context.Context, ds []*deputybot.Department) error {
	if len(ds) == 0 {
		return nil
	}
	first, err := s.claimDepartmentNumbers(ctx, len(ds))
	if err != nil {
		return err
	}
	for i, d := range ds {
		d.Key = deputybot.DepartmentKey(d.Name)
		d.Number = first + i
	}
	if err := insertMany(ctx, s.departments, ds); err != nil {
		return err
	}
	return s.departmentsChanged(ctx)
}

// BulkInsertPeople inserts people; those with a Telegram id are bound to
// it.
func (s *Store) BulkInsertPeople(ctx context.Context, ps []*deputybot.Person) error {
	if err := s.insertPeople(ctx, ps); err != nil {
		return err
	}
	var bs []binding
	for _, p := range ps {
		if p.TelegramID != 0 {
			bs = append(bs, binding{ID: bindingID(p.TelegramID), PersonID: p.ID, At: p.CreatedAt})
		}
	}
	if err := insertMany(ctx, s.bindings, bs); err != nil {
		return err
	}
	if s.model != nil {
		for _, b := range bs {
			s.model.bind(mustTelegramID(b.ID), b.PersonID)
		}
	}
	return nil
}

func mustTelegramID(bindingID string) int64 {
	n, _ := telegramIDOf(bindingID)
	return n
}

// insertPeople inserts new people in batches.
func (s *Store) insertPeople(ctx context.Context, ps []*deputybot.Person) error {
	if err := insertMany(ctx, s.people, ps); err != nil {
		return err
	}
	if s.model != nil {
		for _, p := range ps {
			s.model.putPerson(p)
		}
	}
	return nil
}

// BulkInsertItems inserts items with their details (dets[i] are those of
// items[i]; nil or missing: none).
func (s *Store) BulkInsertItems(ctx context.Context, items []*deputybot.Item, dets []*deputybot.ItemDetails) error {
	docs := make([]itemDoc, len(items))
	var keys []itemKey
	for i, it := range items {
		docs[i].Item = *it
		if i < len(dets) && dets[i] != nil {
			docs[i].Details = *dets[i]
		}
		if it.Seq != 0 {
			keys = append(keys, itemKey{ID: numberKey(it.Kind, it.Year, it.Seq), ItemID: it.ID, At: it.SubmittedAt})
		}
		if it.ShareToken != "" {
			keys = append(keys, itemKey{ID: "share:" + it.ShareToken, ItemID: it.ID, At: it.CreatedAt})
		}
	}
	if err := insertMany(ctx, s.items, docs); err != nil {
		return err
	}
	if err := insertMany(ctx, s.itemKeys, keys); err != nil {
		return err
	}
	// Where the next number of each kind and year is looked for.
	top := map[string]int{}
	for _, it := range items {
		if it.Seq != 0 {
			k := fmt.Sprintf("next:%s:%d", it.Kind, it.Year)
			top[k] = max(top[k], it.Seq)
		}
	}
	for k, n := range top {
		if _, err := s.itemKeys.UpdateOne(ctx, byID(k), bson.D{{Key: "$max", Value: bson.D{{Key: "n", Value: n}}}},
			options.UpdateOne().SetUpsert(true)); err != nil {
			return err
		}
	}
	if s.model != nil {
		for i, it := range items {
			body := ""
			if i < len(dets) && dets[i] != nil {
				body = dets[i].Body
			}
			s.model.putItem(it, body)
		}
	}
	return nil
}
