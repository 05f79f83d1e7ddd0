package deputybot

import (
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Department is a government department that handles items (承办单位).
type Department struct {
	ID   string `bson:"_id"`
	Name string `bson:"name"`
	Key  string `bson:"key"` // DepartmentKey(Name), unique
	// Number is the department's own, given in the order departments
	// are created and never reused or changed: its public pages' address
	// (/zh/2026/dept/3.html) stays when it is renamed.
	Number    int       `bson:"number"`
	CreatedAt time.Time `bson:"createdAt"`
	// RetiredAt: the department was retired (merged away, abolished): it
	// takes no new work and is offered nowhere, and its items keep it in
	// their history.
	RetiredAt time.Time `bson:"retiredAt,omitempty"`
}

// Retired reports whether the department was retired.
func (d *Department) Retired() bool { return !d.RetiredAt.IsZero() }

// Renamed is the department under a new name (cleaned and checked); its
// id and number stay, so its items and pages follow it.
func (d *Department) Renamed(name string) (*Department, error) {
	name = CleanName(name)
	if err := ValidateName(name, MaxDepartmentNameLen); err != nil {
		return nil, err
	}
	r := *d
	r.Name, r.Key = name, DepartmentKey(name)
	return &r, nil
}

// Retire retires a department that has no open work (duties of open
// items: a reply, an opinion, a corrected reply due from it); open is
// how many open items it has a duty on.
func (d *Department) Retire(open int, now time.Time) (*Department, error) {
	if d.Retired() {
		return nil, Errorf(ECONFLICT, "err.department_retired", "Name", d.Name)
	}
	if open > 0 {
		return nil, Errorf(ECONFLICT, "err.department_has_work", "Name", d.Name, "Count", open)
	}
	r := *d
	r.RetiredAt = now
	return &r, nil
}

// MaxDepartmentNameLen bounds a department's name.
const MaxDepartmentNameLen = 100

// DepartmentKey is the form of a department's name used to decide whether
// two names are the same department: Unicode-normalised (full-width
// letters become half-width), case-folded, inner spaces collapsed.
func DepartmentKey(name string) string {
	s := norm.NFKC.String(name)
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return s
}

// CleanName trims a name and collapses runs of white space, so that what
// is stored is what a person meant to type.
func CleanName(name string) string {
	return strings.Join(strings.Fields(StripInvisible(name)), " ")
}

// NewDepartment is a department of that name (cleaned and checked).
func NewDepartment(id, name string, now time.Time) (*Department, error) {
	name = CleanName(name)
	if err := ValidateName(name, MaxDepartmentNameLen); err != nil {
		return nil, err
	}
	return &Department{ID: id, Name: name, Key: DepartmentKey(name), CreatedAt: now}, nil
}
