package storage

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Counts returns the number of documents of each collection.
func (s *Store) Counts(ctx context.Context) (map[string]int64, error) {
	return countsOf(ctx, s.db)
}

func countsOf(ctx context.Context, db *mongo.Database) (map[string]int64, error) {
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	for _, n := range names {
		if counts[n], err = db.Collection(n).CountDocuments(ctx, bson.D{}); err != nil {
			return nil, err
		}
	}
	return counts, nil
}

// NotEmptyError is a copy's target that holds documents already.
type NotEmptyError struct {
	Database, Collection string
	Documents            int64
}

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("the target database %s is not empty (%s holds %d documents): copy into a new database, or drop that one first",
		e.Database, e.Collection, e.Documents)
}

// CopyTo copies every document of every collection of s into database
// at uri, which must hold none (*NotEmptyError), and verifies that each
// collection then holds as many documents as s's. progress, if set, is
// told of each collection copied. It returns the counts copied. The
// target's indexes are made when a store is opened on it.
func (s *Store) CopyTo(ctx context.Context, uri, database string, progress func(collection string, n int64)) (map[string]int64, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetAppName("deputybot copy"))
	if err != nil {
		return nil, err
	}
	defer client.Disconnect(context.WithoutCancel(ctx))
	dst := client.Database(database)
	have, err := countsOf(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("read the target: %w", err)
	}
	for name, n := range have {
		if n > 0 {
			return nil, &NotEmptyError{Database: database, Collection: name, Documents: n}
		}
	}
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	copied := map[string]int64{}
	for _, name := range names {
		cur, err := s.db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			return nil, err
		}
		var batch []any
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			_, err := dst.Collection(name).InsertMany(ctx, batch)
			copied[name] += int64(len(batch))
			batch = batch[:0]
			return err
		}
		for cur.Next(ctx) {
			batch = append(batch, bson.Raw(slices.Clone(cur.Current)))
			if len(batch) == 500 {
				if err := flush(); err != nil {
					cur.Close(ctx)
					return nil, fmt.Errorf("copy %s: %w", name, err)
				}
			}
		}
		if err := cur.Err(); err != nil {
			cur.Close(ctx)
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		cur.Close(ctx)
		if err := flush(); err != nil {
			return nil, fmt.Errorf("copy %s: %w", name, err)
		}
		if _, ok := copied[name]; !ok {
			// An empty collection is made all the same.
			if err := dst.CreateCollection(ctx, name); err != nil {
				return nil, fmt.Errorf("create %s: %w", name, err)
			}
			copied[name] = 0
		}
		if progress != nil {
			progress(name, copied[name])
		}
	}
	got, err := countsOf(ctx, dst)
	if err != nil {
		return nil, fmt.Errorf("verify the copy: %w", err)
	}
	for name, n := range copied {
		if got[name] != n {
			return nil, fmt.Errorf("verify the copy: %s holds %d documents, %d were copied", name, got[name], n)
		}
	}
	return copied, nil
}
