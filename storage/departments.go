package storage

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

// InsertDepartment stores a new department with the next department
// number. A name whose key is taken is ECONFLICT
// ("err.department_exists"), whatever runs concurrently: the key has a
// unique index (a name found taken before a number is claimed leaves no
// gap in the numbers; one taken at the same moment by another process
// leaves its number unused).
func (s *Store) InsertDepartment(ctx context.Context, d *deputybot.Department) error {
	taken, err := s.departments.CountDocuments(ctx, bson.D{{Key: "key", Value: d.Key}})
	if err != nil {
		return err
	}
	if taken > 0 {
		return deputybot.Errorf(deputybot.ECONFLICT, "err.department_exists", "Name", d.Name)
	}
	n, err := s.claimDepartmentNumbers(ctx, 1)
	if err != nil {
		return err
	}
	d.Number = n
	if _, err := s.departments.InsertOne(ctx, d); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return deputybot.Errorf(deputybot.ECONFLICT, "err.department_exists", "Name", d.Name)
		}
		return fmt.Errorf("create department: %w", err)
	}
	return s.departmentsChanged(ctx)
}

// UpdateDepartment stores a renamed or retired department. A name whose
// key another department has is ECONFLICT ("err.department_exists").
func (s *Store) UpdateDepartment(ctx context.Context, d *deputybot.Department) error {
	taken, err := s.departments.CountDocuments(ctx, bson.D{{Key: "key", Value: d.Key}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: d.ID}}}})
	if err != nil {
		return err
	}
	if taken > 0 {
		return deputybot.Errorf(deputybot.ECONFLICT, "err.department_exists", "Name", d.Name)
	}
	res, err := s.departments.ReplaceOne(ctx, byID(d.ID), d)
	if err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return deputybot.Errorf(deputybot.ECONFLICT, "err.department_exists", "Name", d.Name)
		}
		return fmt.Errorf("update department: %w", err)
	}
	if res.MatchedCount == 0 {
		return deputybot.Errorf(deputybot.ENOTFOUND, "err.department_not_found")
	}
	return s.departmentsChanged(ctx)
}

// claimDepartmentNumbers claims k department numbers at once and
// returns the first: one atomic increment of a counter, so that two
// processes creating departments never get the same number.
func (s *Store) claimDepartmentNumbers(ctx context.Context, k int) (int, error) {
	var c counter
	err := s.meta.FindOneAndUpdate(ctx, byID("department-number"), bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: k}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
	if err != nil {
		return 0, fmt.Errorf("claim a department number: %w", err)
	}
	return c.N - k + 1, nil
}

// departmentsChanged brings the read model (or the cache) up to date
// after a change of the departments.
func (s *Store) departmentsChanged(ctx context.Context) error {
	s.deptCache.forget()
	if s.model == nil {
		return nil
	}
	ds, err := s.loadDepartments(ctx)
	if err != nil {
		return err
	}
	s.model.setDepartments(ds)
	return nil
}

// Department returns a department by id, or ENOTFOUND.
func (s *Store) Department(ctx context.Context, id string) (*deputybot.Department, error) {
	if s.model != nil {
		if d := s.model.department(id); d != nil {
			return d, nil
		}
		return nil, deputybot.Errorf(deputybot.ENOTFOUND, "err.department_not_found")
	}
	var d deputybot.Department
	if err := s.departments.FindOne(ctx, byID(id)).Decode(&d); err != nil {
		return nil, notFound(err, "err.department_not_found")
	}
	return &d, nil
}

// Departments lists the departments by name. On a shared store
// the list is kept for a few seconds: cards and notifications name
// departments all the time, and they change rarely (another replica's new
// department shows up within sharedCacheTTL). Every caller gets its own
// copy, which it may change as it likes.
func (s *Store) Departments(ctx context.Context) ([]*deputybot.Department, error) {
	if s.model != nil {
		return s.model.departments(), nil
	}
	if ds, ok := s.deptCache.get(); ok {
		return ds, nil
	}
	ds, err := s.loadDepartments(ctx)
	if err != nil {
		return nil, err
	}
	s.deptCache.put(ds)
	return ds, nil
}

// sharedCacheTTL is how long a replica on a shared store keeps what
// changes rarely (departments, the calendar): another replica's change
// shows up within it.
const sharedCacheTTL = 10 * time.Second

// copyCache keeps one value, for ttl (0: until it is forgotten), and
// never hands out what it stores: every get and put copies.
type copyCache[T any] struct {
	mu   sync.Mutex
	v    T
	ok   bool
	at   time.Time
	ttl  time.Duration
	copy func(T) T
}

func (c *copyCache[T]) get() (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero T
	if !c.ok || c.ttl > 0 && time.Since(c.at) > c.ttl {
		return zero, false
	}
	return c.copy(c.v), true
}

func (c *copyCache[T]) put(v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.v, c.ok, c.at = c.copy(v), true, time.Now()
}

func (c *copyCache[T]) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero T
	c.v, c.ok = zero, false
}

func copyDepartments(ds []*deputybot.Department) []*deputybot.Department {
	out := make([]*deputybot.Department, len(ds))
	for i, d := range ds {
		cp := *d
		out[i] = &cp
	}
	return out
}

func (s *Store) loadDepartments(ctx context.Context) ([]*deputybot.Department, error) {
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
