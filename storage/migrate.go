package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// SchemaVersion is the version of the stored data this code reads and
// writes. Each step of migrations moves a database one version up.
const SchemaVersion = 3

// migrations[i] brings a database from version i to i+1. A step must be
// safe to run again if the process dies before the version is recorded.
var migrations = []func(ctx context.Context, s *Store) error{
	func(ctx context.Context, s *Store) error { return nil },                   // 0 → 1: the first schema; indexes below
	func(ctx context.Context, s *Store) error { return s.rebuildMembers(ctx) }, // 1 → 2: member lists of roles and departments
	func(ctx context.Context, s *Store) error { return s.rebuildScan(ctx) },    // 2 → 3: the scan index of items
}

// migrate runs the missing migration steps and (re)creates the indexes.
// Creating an index that exists with the same keys and options is a no-op
// on MongoDB and FerretDB alike, so this is idempotent.
func (s *Store) migrate(ctx context.Context) error {
	var meta struct {
		Version int `bson:"version"`
	}
	err := s.meta.FindOne(ctx, byID("schema")).Decode(&meta)
	if err != nil && err != mongo.ErrNoDocuments {
		return fmt.Errorf("read schema version: %w", err)
	}
	if meta.Version > SchemaVersion {
		return fmt.Errorf("the database has schema version %d, newer than this program's %d: upgrade deputybot", meta.Version, SchemaVersion)
	}
	for v := meta.Version; v < SchemaVersion; v++ {
		if err := migrations[v](ctx, s); err != nil {
			return fmt.Errorf("migrate schema %d → %d: %w", v, v+1, err)
		}
		_, err := s.meta.UpdateOne(ctx, byID("schema"),
			bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: v + 1}}}},
			options.UpdateOne().SetUpsert(true))
		if err != nil {
			return fmt.Errorf("record schema version %d: %w", v+1, err)
		}
		s.log.Info("schema migrated", "version", v+1)
	}
	return s.ensureIndexes(ctx)
}

// indexes lists every secondary index. The embedded store accepts them
// but only enforces uniqueness; MongoDB uses them for the queries they
// name.
func indexes() map[string][]mongo.IndexModel {
	return map[string][]mongo.IndexModel{
		"departments": {
			{Keys: bson.D{{Key: "key", Value: 1}}, Options: options.Index().SetUnique(true).SetName("key_unique")},
		},
		"people": {
			{Keys: bson.D{{Key: "roles", Value: 1}}, Options: options.Index().SetName("roles")},
			{Keys: bson.D{{Key: "state", Value: 1}}, Options: options.Index().SetName("state")},
		},
		"invitations": {
			{Keys: bson.D{{Key: "personId", Value: 1}}, Options: options.Index().SetName("person")},
		},
		"items": {
			{Keys: bson.D{{Key: "status", Value: 1}, {Key: "submittedAt", Value: 1}}, Options: options.Index().SetName("status_submitted")},
		},
		"outbox": {
			{Keys: bson.D{{Key: "state", Value: 1}, {Key: "seq", Value: 1}}, Options: options.Index().SetName("state_seq")},
		},
		"updates": {
			{Keys: bson.D{{Key: "state", Value: 1}, {Key: "updateId", Value: 1}}, Options: options.Index().SetName("state_update")},
		},
	}
}

// ensureIndexes creates the indexes one by one: FerretDB v1.24 panics (and
// drops the connection) on a createIndexes command that names two or more
// indexes which all exist already, which is every start after the first.
func (s *Store) ensureIndexes(ctx context.Context) error {
	// Every collection exists from the start, so that the embedded
	// store's SQLite tables can be indexed (indexIDExpressions).
	existing, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return err
	}
	for _, name := range collections {
		if !slices.Contains(existing, name) {
			if err := s.db.CreateCollection(ctx, name); err != nil && !isNamespaceExists(err) {
				return fmt.Errorf("create collection %s: %w", name, err)
			}
		}
	}
	for coll, models := range indexes() {
		for _, m := range models {
			if _, err := s.db.Collection(coll).Indexes().CreateOne(ctx, m); err != nil {
				return fmt.Errorf("create indexes on %s: %w", coll, err)
			}
		}
	}
	return nil
}

// collections are all of deputybot's collections.
var collections = []string{
	"meta", "people", "bindings", "departments", "invitations", "claims", "updates",
	"conversations", "items", "itemdetails", "itemkeys", "personitems", "deptitems", "outbox", "slots", "members", "itemscan",
}

func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists")
}
