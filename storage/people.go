package storage

import (
	"bytes"
	"context"
	"errors"
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

var _ deputybot.PeopleService = (*Store)(nil)

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

// PersonByTelegramID implements deputybot.PeopleService.
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

// Person implements deputybot.PeopleService.
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

// EnsureBootstrapAdmin implements deputybot.PeopleService.
func (s *Store) EnsureBootstrapAdmin(ctx context.Context, u deputybot.TelegramUser, now time.Time) (*deputybot.Person, error) {
	p, err := s.PersonByTelegramID(ctx, u.ID)
	if err == nil || deputybot.ErrorCode(err) != deputybot.ENOTFOUND {
		return p, err
	}
	p = &deputybot.Person{
		ID:          newID(),
		Name:        u.DisplayName(),
		Roles:       []deputybot.Role{},
		TelegramID:  u.ID,
		Username:    u.Username,
		Language:    deputybot.LanguageFromTelegram(u.LanguageCode),
		State:       deputybot.PersonActive,
		CreatedAt:   now,
		ActivatedAt: now,
	}
	if err := s.insertPerson(ctx, p); err != nil {
		return nil, fmt.Errorf("create admin: %w", err)
	}
	if err := s.bind(ctx, u.ID, p.ID, now); err != nil {
		// Someone else bound this user first (two updates at once): keep
		// theirs and drop ours.
		_, _ = s.people.DeleteOne(ctx, byID(p.ID))
		if s.model != nil {
			s.model.deletePerson(p.ID)
		}
		if errors.Is(err, errAlreadyBound) {
			return s.PersonByTelegramID(ctx, u.ID)
		}
		return nil, err
	}
	return p, nil
}

var errAlreadyBound = errors.New("telegram user already bound")

func (s *Store) bind(ctx context.Context, telegramID int64, personID string, now time.Time) error {
	_, err := s.bindings.InsertOne(ctx, binding{ID: bindingID(telegramID), PersonID: personID, At: now})
	if mongo.IsDuplicateKeyError(err) {
		return errAlreadyBound
	}
	if err == nil && s.model != nil {
		s.model.bind(telegramID, personID)
	}
	return err
}

// insertPerson stores a new person.
func (s *Store) insertPerson(ctx context.Context, p *deputybot.Person) error {
	if _, err := s.people.InsertOne(ctx, p); err != nil {
		return err
	}
	if s.model != nil {
		s.model.putPerson(p)
	}
	return nil
}

// replacePerson stores p over the person's document.
func (s *Store) replacePerson(ctx context.Context, p *deputybot.Person) error {
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

// People implements deputybot.PeopleService.
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

// SetLanguage implements deputybot.PeopleService.
func (s *Store) SetLanguage(ctx context.Context, personID string, lang deputybot.Language) error {
	return s.setPersonField(ctx, personID, "language", string(lang))
}

// SetName implements deputybot.PeopleService.
func (s *Store) SetName(ctx context.Context, personID, name string) error {
	return s.setPersonField(ctx, personID, "name", name)
}

// SetCommandsKey implements deputybot.PeopleService.
func (s *Store) SetCommandsKey(ctx context.Context, personID, key string) error {
	return s.setPersonField(ctx, personID, "commandsKey", key)
}

func (s *Store) setPersonField(ctx context.Context, personID, field string, value any) error {
	return s.updatePerson(ctx, personID, bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: value}}}})
}
