package storage

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

// The members collection lists, by _id, who holds a role ("role:office")
// and who answers for a department ("dept:<id>"), so that a notification
// finds its recipients without scanning every person.

type members struct {
	ID  string   `bson:"_id"`
	IDs []string `bson:"ids"`
}

func roleKey(r deputybot.Role) string { return "role:" + string(r) }
func deptKey(id string) string        { return "dept:" + id }

// indexPerson adds p to the member lists of its roles and department.
func (s *Store) indexPerson(ctx context.Context, p *deputybot.Person) error {
	keys := make([]string, 0, len(p.Roles)+1)
	for _, r := range p.Roles {
		keys = append(keys, roleKey(r))
	}
	if p.DepartmentID != "" {
		keys = append(keys, deptKey(p.DepartmentID))
	}
	for _, k := range keys {
		_, err := s.members.UpdateOne(ctx, byID(k),
			bson.D{{Key: "$addToSet", Value: bson.D{{Key: "ids", Value: p.ID}}}}, options.UpdateOne().SetUpsert(true))
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) membersOf(ctx context.Context, key string) ([]*deputybot.Person, error) {
	var m members
	err := s.members.FindOne(ctx, byID(key)).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]*deputybot.Person, 0, len(m.IDs))
	for _, id := range m.IDs {
		p, err := s.Person(ctx, id)
		if deputybot.ErrorCode(err) == deputybot.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// PeopleWithRole implements deputybot.PeopleService.
func (s *Store) PeopleWithRole(ctx context.Context, r deputybot.Role) ([]*deputybot.Person, error) {
	ps, err := s.membersOf(ctx, roleKey(r))
	if err != nil {
		return nil, err
	}
	out := ps[:0]
	for _, p := range ps {
		if p.State == deputybot.PersonActive && p.HasRole(r) {
			out = append(out, p)
		}
	}
	return out, nil
}

// DepartmentContacts implements deputybot.PeopleService.
func (s *Store) DepartmentContacts(ctx context.Context, deptID string) ([]*deputybot.Person, error) {
	ps, err := s.membersOf(ctx, deptKey(deptID))
	if err != nil {
		return nil, err
	}
	out := ps[:0]
	for _, p := range ps {
		if p.State == deputybot.PersonActive && p.HasRole(deputybot.RoleContact) && p.DepartmentID == deptID {
			out = append(out, p)
		}
	}
	return out, nil
}

// rebuildMembers recreates the member lists from the people (migration).
func (s *Store) rebuildMembers(ctx context.Context) error {
	if _, err := s.members.DeleteMany(ctx, bson.D{}); err != nil {
		return err
	}
	cur, err := s.people.Find(ctx, bson.D{})
	if err != nil {
		return err
	}
	var people []*deputybot.Person
	if err := cur.All(ctx, &people); err != nil {
		return err
	}
	for _, p := range people {
		if err := s.indexPerson(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// SetUnreachable records that messages to the person cannot be delivered
// (blocked the bot, chat gone); the digest lists such people.
func (s *Store) SetUnreachable(ctx context.Context, personID, reason string, at time.Time) error {
	_, err := s.people.UpdateOne(ctx, byID(personID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "unreachable", Value: reason}, {Key: "unreachableSince", Value: at},
	}}})
	if err != nil {
		return err
	}
	_, err = s.members.UpdateOne(ctx, byID(unreachableKey),
		bson.D{{Key: "$addToSet", Value: bson.D{{Key: "ids", Value: personID}}}}, options.UpdateOne().SetUpsert(true))
	return err
}

const unreachableKey = "unreachable"

// UnreachablePeople implements deputybot.PeopleService.
func (s *Store) UnreachablePeople(ctx context.Context) ([]*deputybot.Person, error) {
	ps, err := s.membersOf(ctx, unreachableKey)
	if err != nil {
		return nil, err
	}
	out := ps[:0]
	for _, p := range ps {
		if p.Unreachable != "" && p.State == deputybot.PersonActive {
			out = append(out, p)
		}
	}
	return out, nil
}

// ClearUnreachable records that the person can be reached again (he wrote
// to the bot).
func (s *Store) ClearUnreachable(ctx context.Context, personID string) error {
	_, err := s.people.UpdateOne(ctx, byID(personID), bson.D{{Key: "$unset", Value: bson.D{
		{Key: "unreachable", Value: ""}, {Key: "unreachableSince", Value: ""},
	}}})
	if err != nil {
		return err
	}
	_, err = s.members.UpdateOne(ctx, byID(unreachableKey), bson.D{{Key: "$pull", Value: bson.D{{Key: "ids", Value: personID}}}})
	return err
}
