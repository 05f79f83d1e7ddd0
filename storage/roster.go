package storage

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

// ImportRoster creates people with invitations from roster rows (a batch:
// call it for each few hundred rows of a file). Departments that do not
// exist are created. A row imported before — same name, role, department
// and phone — is skipped: each row is claimed by its key, so importing a
// file twice creates nothing new, even concurrently. A row with a problem
// is refused with its error; the others go ahead.
func (s *Store) ImportRoster(ctx context.Context, rows []deputybot.RosterRow, createdBy string, now time.Time) ([]deputybot.RosterResult, error) {
	results := make([]deputybot.RosterResult, len(rows))
	reqs := make([]deputybot.InviteRequest, len(rows))
	keys := make([]string, len(rows))
	depts, err := s.Departments(ctx)
	if err != nil {
		return nil, err
	}
	byKey := map[string]string{}
	for _, d := range depts {
		byKey[d.Key] = d.ID
	}
	for i, row := range rows {
		results[i].Row = row
		req, key, err := row.Check()
		if err != nil {
			results[i].Err = err
			continue
		}
		if dk := deputybot.DepartmentKey(row.Department); dk != "" {
			id, ok := byKey[dk]
			if !ok {
				d, err := s.CreateDepartment(ctx, row.Department, now)
				if deputybot.ErrorCode(err) == deputybot.ECONFLICT {
					s.deptCache.forget()
					all, err2 := s.Departments(ctx)
					if err2 != nil {
						return nil, err2
					}
					for _, x := range all {
						if x.Key == dk {
							d, err = x, nil
						}
					}
				}
				if err != nil {
					results[i].Err = err
					continue
				}
				id = d.ID
				byKey[dk] = id
			}
			req.DepartmentID = id
		}
		reqs[i], keys[i] = req, key
	}
	// Claim the rows: a key that exists was imported before.
	var claims []any
	var claimed []int
	for i := range rows {
		if results[i].Err == nil {
			claims = append(claims, struct {
				ID string    `bson:"_id"`
				At time.Time `bson:"at"`
			}{keys[i], now})
			claimed = append(claimed, i)
		}
	}
	dup := map[int]bool{}
	if len(claims) > 0 {
		_, err := s.claims.InsertMany(ctx, claims, options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		if errors.As(err, &bwe) {
			for _, we := range bwe.WriteErrors {
				if !mongo.IsDuplicateKeyError(we) {
					return nil, err
				}
				dup[claimed[we.Index]] = true
			}
		} else if err != nil {
			return nil, err
		}
	}
	var people []*deputybot.Person
	var invs []deputybot.Invitation
	for _, i := range claimed {
		if dup[i] {
			results[i].Skipped = true
			continue
		}
		req := reqs[i]
		p := &deputybot.Person{ID: newID(), Name: req.Name, Roles: []deputybot.Role{req.Role}, DepartmentID: req.DepartmentID,
			Phone: req.Phone, Language: deputybot.DefaultLanguage, State: deputybot.PersonInvited, CreatedAt: now}
		token, err := deputybot.NewInvitationToken()
		if err != nil {
			return nil, err
		}
		invs = append(invs, deputybot.Invitation{TokenHash: deputybot.HashToken(token), PersonID: p.ID, Role: req.Role,
			CreatedBy: createdBy, CreatedAt: now, ExpiresAt: now.Add(deputybot.InvitationValidity)})
		people = append(people, p)
		results[i].Person, results[i].Token = p, token
	}
	if err := s.insertPeople(ctx, people); err != nil {
		return nil, err
	}
	if err := insertMany(ctx, s.invitations, invs); err != nil {
		return nil, err
	}
	return results, nil
}
