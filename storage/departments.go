package storage

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"deputybot"
)

var _ deputybot.DepartmentService = (*Store)(nil)

// CreateDepartment implements deputybot.DepartmentService.
func (s *Store) CreateDepartment(ctx context.Context, name string, now time.Time) (*deputybot.Department, error) {
	name = deputybot.CleanName(name)
	if err := deputybot.ValidateName(name, deputybot.MaxDepartmentNameLen); err != nil {
		return nil, err
	}
	d := &deputybot.Department{ID: newID(), Name: name, Key: deputybot.DepartmentKey(name), CreatedAt: now}
	if _, err := s.departments.InsertOne(ctx, d); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return nil, deputybot.Errorf(deputybot.ECONFLICT, "err.department_exists", "Name", name)
		}
		return nil, fmt.Errorf("create department: %w", err)
	}
	return d, nil
}

// Department implements deputybot.DepartmentService.
func (s *Store) Department(ctx context.Context, id string) (*deputybot.Department, error) {
	var d deputybot.Department
	if err := s.departments.FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return nil, notFound(err, "err.department_not_found")
	}
	return &d, nil
}

// Departments implements deputybot.DepartmentService.
func (s *Store) Departments(ctx context.Context) ([]*deputybot.Department, error) {
	cur, err := s.departments.Find(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	var ds []*deputybot.Department
	if err := cur.All(ctx, &ds); err != nil {
		return nil, err
	}
	sortByName(ds, func(d *deputybot.Department) string { return d.Name })
	return ds, nil
}
