package deputybot

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// RosterRow is one line of a roster file: a person to invite.
type RosterRow struct {
	Line       int // in the file, for error messages
	Name       string
	Role       string
	Department string
	Phone      string
}

// Check validates the row and returns the invitation it asks for (the
// department by name, found or created by the importer) and the key that
// makes importing the same row twice a no-op.
func (r RosterRow) Check() (InviteRequest, string, error) {
	role, ok := ParseRole(r.Role)
	if !ok {
		return InviteRequest{}, "", Errorf(EINVALID, "err.role_unknown", "Role", Echo(r.Role))
	}
	req := InviteRequest{Role: role, Name: CleanName(r.Name), Phone: strings.TrimSpace(r.Phone)}
	if err := ValidateName(req.Name, MaxNameLen); err != nil {
		return InviteRequest{}, "", err
	}
	dept := CleanName(r.Department)
	if role.NeedsDepartment() && dept == "" {
		return InviteRequest{}, "", Errorf(EINVALID, "err.department_required")
	}
	if dept != "" {
		if err := ValidateName(dept, MaxDepartmentNameLen); err != nil {
			return InviteRequest{}, "", err
		}
	}
	if err := ValidatePhone(req.Phone); err != nil {
		return InviteRequest{}, "", err
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{DepartmentKey(req.Name), string(role), DepartmentKey(dept), req.Phone}, "\x1f")))
	return req, "roster:" + hex.EncodeToString(sum[:16]), nil
}

// RosterResult is what importing a row did.
type RosterResult struct {
	Row     RosterRow
	Person  *Person // created (nil if skipped or refused)
	Token   string  // of the new invitation
	Skipped bool    // imported before
	Err     error   // refused: why
}
