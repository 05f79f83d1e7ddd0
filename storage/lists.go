package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"deputybot"
)

// Who holds a role, who answers for a department, who cannot be reached:
// from the read model, or by a query over the people's indexes.

// peopleWhere returns the people keep says to keep (from the read model),
// or those filter finds (a shared store), ordered by name.
func (s *Store) peopleWhere(ctx context.Context, filter bson.D, keep func(*deputybot.Person) bool) ([]*deputybot.Person, error) {
	var out []*deputybot.Person
	if s.model != nil {
		out = s.model.peopleWhere(keep)
	} else {
		cur, err := s.people.Find(ctx, filter)
		if err != nil {
			return nil, err
		}
		if err := cur.All(ctx, &out); err != nil {
			return nil, err
		}
	}
	sortByName(out, func(p *deputybot.Person) string { return p.Name })
	return out, nil
}

var active = bson.E{Key: "state", Value: string(deputybot.PersonActive)}

// PeopleWithRole lists the active people holding a role.
func (s *Store) PeopleWithRole(ctx context.Context, r deputybot.Role) ([]*deputybot.Person, error) {
	return s.peopleWhere(ctx, bson.D{{Key: "roles", Value: string(r)}, active}, func(p *deputybot.Person) bool {
		return p.State == deputybot.PersonActive && p.HasRole(r)
	})
}

// DepartmentContacts lists a department's active contacts.
func (s *Store) DepartmentContacts(ctx context.Context, deptID string) ([]*deputybot.Person, error) {
	return s.peopleWhere(ctx, bson.D{{Key: "departmentId", Value: deptID}, {Key: "roles", Value: string(deputybot.RoleContact)}, active},
		func(p *deputybot.Person) bool {
			return p.State == deputybot.PersonActive && p.HasRole(deputybot.RoleContact) && p.DepartmentID == deptID
		})
}

// UnreachablePeople lists the people messages cannot reach.
func (s *Store) UnreachablePeople(ctx context.Context) ([]*deputybot.Person, error) {
	return s.peopleWhere(ctx, bson.D{{Key: "unreachable", Value: bson.D{{Key: "$exists", Value: true}}}, active},
		func(p *deputybot.Person) bool { return p.Unreachable != "" && p.State == deputybot.PersonActive })
}

// SetUnreachable records that messages to the person cannot be delivered
// (blocked the bot, chat gone); the digest lists such people.
func (s *Store) SetUnreachable(ctx context.Context, personID, reason string, at time.Time) error {
	return s.updatePerson(ctx, personID, bson.D{{Key: "$set", Value: bson.D{
		{Key: "unreachable", Value: reason}, {Key: "unreachableSince", Value: at},
	}}})
}

// ClearUnreachable records that the person can be reached again (he wrote
// to the bot).
func (s *Store) ClearUnreachable(ctx context.Context, personID string) error {
	return s.updatePerson(ctx, personID, bson.D{{Key: "$unset", Value: bson.D{
		{Key: "unreachable", Value: ""}, {Key: "unreachableSince", Value: ""},
	}}})
}
