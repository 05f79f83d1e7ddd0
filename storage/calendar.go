package storage

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

type calendarDoc struct {
	ID                 string `bson:"_id"`
	deputybot.Calendar `bson:",inline"`
	By                 string    `bson:"by"`
	At                 time.Time `bson:"at"`
}

// Calendar returns the loaded holiday calendar (an empty one if none was
// loaded: Monday to Friday are working days). Every rule of time reads
// it, so it is kept: by the store's only writer until it changes it, on a
// shared store for a few seconds (sharedCacheTTL). Each caller gets his
// own copy.
func (s *Store) Calendar(ctx context.Context) (*deputybot.Calendar, error) {
	if c, ok := s.calCache.get(); ok {
		return c, nil
	}
	var d calendarDoc
	err := s.meta.FindOne(ctx, byID("calendar")).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		d.Calendar = deputybot.Calendar{}
	} else if err != nil {
		return nil, err
	}
	s.calCache.put(&d.Calendar)
	return &d.Calendar, nil
}

// SaveCalendar replaces the holiday calendar.
func (s *Store) SaveCalendar(ctx context.Context, c *deputybot.Calendar, by string, now time.Time) error {
	_, err := s.meta.ReplaceOne(ctx, byID("calendar"), calendarDoc{ID: "calendar", Calendar: *c, By: by, At: now},
		options.Replace().SetUpsert(true))
	s.calCache.forget()
	return err
}
