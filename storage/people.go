package storage

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"deputybot"
)

// binding links a Telegram user to a person. Its _id is "tg:<telegram
// id>": the lookup on every update goes by _id, and inserting it is the
// atomic claim that one Telegram user is one person.
type binding struct {
	ID       string    `bson:"_id"`
	PersonID string    `bson:"personId"`
	At       time.Time `bson:"at"`
}

func bindingID(telegramID int64) string { return "tg:" + strconv.FormatInt(telegramID, 10) }

func telegramIDOf(bindingID string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(bindingID, "tg:"), 10, 64)
	return n, err == nil && strings.HasPrefix(bindingID, "tg:")
}

// PersonByTelegramID returns the person bound to a Telegram user, or
// ENOTFOUND ("err.not_registered").
func (s *Store) PersonByTelegramID(ctx context.Context, telegramID int64) (*deputybot.Person, error) {
	if s.model != nil {
		if p := s.model.personByTelegram(telegramID); p != nil {
			return p, nil
		}
		return nil, deputybot.Errorf(deputybot.ENOTFOUND, "err.not_registered")
	}
	var b binding
	if err := s.bindings.FindOne(ctx, byID(bindingID(telegramID))).Decode(&b); err != nil {
		return nil, notFound(err, "err.not_registered")
	}
	return s.Person(ctx, b.PersonID)
}

// Person returns a person by id, or ENOTFOUND.
func (s *Store) Person(ctx context.Context, id string) (*deputybot.Person, error) {
	if s.model != nil {
		if p := s.model.person(id); p != nil {
			return p, nil
		}
		return nil, deputybot.Errorf(deputybot.ENOTFOUND, "err.person_not_found")
	}
	var p deputybot.Person
	if err := s.people.FindOne(ctx, byID(id)).Decode(&p); err != nil {
		return nil, notFound(err, "err.person_not_found")
	}
	return &p, nil
}

// InsertPerson stores a new person; one whose id is stored already is
// ECONFLICT ("err.exists").
func (s *Store) InsertPerson(ctx context.Context, p *deputybot.Person) error {
	if _, err := s.people.InsertOne(ctx, p); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return deputybot.Errorf(deputybot.ECONFLICT, "err.exists")
		}
		return fmt.Errorf("store person: %w", err)
	}
	if s.model != nil {
		s.model.putPerson(p)
	}
	return nil
}

// DeletePerson removes a person who was never bound (a record made in a
// race another update won).
func (s *Store) DeletePerson(ctx context.Context, id string) error {
	if _, err := s.people.DeleteOne(ctx, byID(id)); err != nil {
		return err
	}
	if s.model != nil {
		s.model.deletePerson(id)
	}
	return nil
}

// Bind binds a Telegram user to a person. Inserting the binding is the
// claim that one Telegram user is one person: a user bound already is
// ECONFLICT ("err.already_bound"), whatever runs concurrently.
func (s *Store) Bind(ctx context.Context, telegramID int64, personID string, now time.Time) error {
	_, err := s.bindings.InsertOne(ctx, binding{ID: bindingID(telegramID), PersonID: personID, At: now})
	if mongo.IsDuplicateKeyError(err) {
		return deputybot.Errorf(deputybot.ECONFLICT, "err.already_bound")
	}
	if err == nil && s.model != nil {
		s.model.bind(telegramID, personID)
	}
	return err
}

// Unbind cuts a Telegram user's binding to his person (the office
// removed him): that user is a stranger again.
func (s *Store) Unbind(ctx context.Context, telegramID int64) error {
	if _, err := s.bindings.DeleteOne(ctx, byID(bindingID(telegramID))); err != nil {
		return err
	}
	if s.model != nil {
		s.model.unbind(telegramID)
	}
	return nil
}

// ReplacePerson stores p over the person's document.
func (s *Store) ReplacePerson(ctx context.Context, p *deputybot.Person) error {
	if _, err := s.people.ReplaceOne(ctx, byID(p.ID), p); err != nil {
		return err
	}
	if s.model != nil {
		s.model.putPerson(p)
	}
	return nil
}

// updatePerson applies update to the person's document; ENOTFOUND if
// there is none.
func (s *Store) updatePerson(ctx context.Context, personID string, update bson.D) error {
	if s.model == nil {
		res, err := s.people.UpdateOne(ctx, byID(personID), update)
		if err != nil {
			return err
		}
		if res.MatchedCount == 0 {
			return deputybot.Errorf(deputybot.ENOTFOUND, "err.person_not_found")
		}
		return nil
	}
	var p deputybot.Person
	err := s.people.FindOneAndUpdate(ctx, byID(personID), update, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&p)
	if err != nil {
		return notFound(err, "err.person_not_found")
	}
	s.model.putPerson(&p)
	return nil
}

// People lists people matching f, ordered by name, and the total count
// of matches (for paging). Merged records are never listed.
func (s *Store) People(ctx context.Context, f deputybot.PeopleFilter) ([]*deputybot.Person, int, error) {
	filter := bson.D{{Key: "state", Value: bson.D{{Key: "$ne", Value: string(deputybot.PersonMerged)}}}}
	if f.Role != "" {
		filter = append(filter, bson.E{Key: "roles", Value: string(f.Role)})
	}
	all, err := s.peopleWhere(ctx, filter, func(p *deputybot.Person) bool {
		return p.State != deputybot.PersonMerged && (f.Role == "" || p.HasRole(f.Role))
	})
	if err != nil {
		return nil, 0, err
	}
	total := len(all)
	if f.Offset > 0 {
		all = all[min(f.Offset, len(all)):]
	}
	if f.Limit > 0 && len(all) > f.Limit {
		all = all[:f.Limit]
	}
	return all, total, nil
}

// sortByName orders by name as a Chinese reader expects (pinyin order for
// Han characters, then Latin); namesakes keep their stored order.
func sortByName[T any](xs []T, name func(T) string) {
	c := collate.New(language.Chinese)
	type keyed struct {
		key []byte
		x   T
	}
	ks := make([]keyed, len(xs))
	var buf collate.Buffer
	for i, x := range xs {
		ks[i] = keyed{append([]byte(nil), c.KeyFromString(&buf, name(x))...), x}
		buf.Reset()
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return bytes.Compare(a.key, b.key) })
	for i := range ks {
		xs[i] = ks[i].x
	}
}

// SetLanguage stores the language a person is addressed in.
func (s *Store) SetLanguage(ctx context.Context, personID string, lang deputybot.Language) error {
	return s.setPersonField(ctx, personID, "language", string(lang))
}

// SetName stores the name a person is shown by.
func (s *Store) SetName(ctx context.Context, personID, name string) error {
	return s.setPersonField(ctx, personID, "name", name)
}

// SetCommandsKey records which command menu Telegram shows the person.
func (s *Store) SetCommandsKey(ctx context.Context, personID, key string) error {
	return s.setPersonField(ctx, personID, "commandsKey", key)
}

func (s *Store) setPersonField(ctx context.Context, personID, field string, value any) error {
	return s.updatePerson(ctx, personID, bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: value}}}})
}
