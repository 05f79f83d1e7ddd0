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
// loaded: Monday to Friday are working days).
func (s *Store) Calendar(ctx context.Context) (*deputybot.Calendar, error) {
	var d calendarDoc
	err := s.meta.FindOne(ctx, byID("calendar")).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &deputybot.Calendar{}, nil
	}
	if err != nil {
		return nil, err
	}
	return &d.Calendar, nil
}

// SaveCalendar replaces the holiday calendar.
func (s *Store) SaveCalendar(ctx context.Context, c *deputybot.Calendar, by string, now time.Time) error {
	_, err := s.meta.ReplaceOne(ctx, byID("calendar"), calendarDoc{ID: "calendar", Calendar: *c, By: by, At: now},
		options.Replace().SetUpsert(true))
	return err
}
