package storage

import (
	"context"
	"time"

	"deputybot"
)

// rowClaim records that a roster row was imported, by which update.
type rowClaim struct {
	ID    string    `bson:"_id"`
	At    time.Time `bson:"at"`
	Cause int64     `bson:"cause,omitempty"`
}

// ClaimRows claims roster rows by their keys for the update cause. It
// returns, for each key claimed before, the update that claimed it (0:
// none recorded): a row is imported once, even by two imports at once.
func (s *Store) ClaimRows(ctx context.Context, keys []string, cause int64, now time.Time) (map[string]int64, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	docs := make([]any, len(keys))
	for i, k := range keys {
		docs[i] = rowClaim{ID: k, At: now, Cause: cause}
	}
	var dup []string
	if err := insertUnordered(ctx, s.claims, docs, func(i int) { dup = append(dup, keys[i]) }); err != nil {
		return nil, err
	}
	earlier := map[string]int64{}
	for _, k := range dup {
		var c rowClaim
		if err := s.claims.FindOne(ctx, byID(k)).Decode(&c); err != nil {
			return nil, err
		}
		earlier[k] = c.Cause
	}
	return earlier, nil
}

// InsertPeople stores new people.
func (s *Store) InsertPeople(ctx context.Context, ps []*deputybot.Person) error {
	return s.insertPeople(ctx, ps)
}
