package deputybot

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// InvitationValidity is how long an invitation link can be used.
const InvitationValidity = 14 * 24 * time.Hour

// Invitation lets one Telegram user, once, take over a person record and
// its role. The token itself is shown once, in the link; only its hash is
// stored, so a copy of the database cannot be used to join.
type Invitation struct {
	TokenHash string    `bson:"_id"`
	PersonID  string    `bson:"personId"`
	Role      Role      `bson:"role"`
	CreatedBy string    `bson:"createdBy"` // person id of the office member, or "import"
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
	UsedAt    time.Time `bson:"usedAt,omitempty"`
	UsedBy    int64     `bson:"usedBy,omitempty"`  // Telegram id
	Revoked   bool      `bson:"revoked,omitempty"` // replaced by a newer link
}

// NewInvitationToken returns a random token for a deep link: 32 random
// bytes in URL-safe base64 (43 characters of [A-Za-z0-9_-]), inside
// Telegram's 64-character limit for start parameters.
func NewInvitationToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken returns the stored form of an invitation token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// LooksLikeToken reports whether s could be a deep-link payload: 1 to 64
// characters of [A-Za-z0-9_-]. Anything else is refused before a lookup.
func LooksLikeToken(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// CheckRedeemable says whether the invitation can still be used at now.
func (inv *Invitation) CheckRedeemable(now time.Time) error {
	switch {
	case !inv.UsedAt.IsZero():
		return Errorf(ECONFLICT, "err.invite_used")
	case inv.Revoked:
		return Errorf(ECONFLICT, "err.invite_revoked")
	case !now.Before(inv.ExpiresAt):
		return Errorf(ECONFLICT, "err.invite_expired")
	}
	return nil
}

// InviteRequest is what the office asks for when inviting someone.
type InviteRequest struct {
	Role         Role
	Name         string
	DepartmentID string
	Phone        string
}

// Validate checks the request. Departments are checked for existence by
// the storage that knows them.
func (r *InviteRequest) Validate() error {
	r.Name = CleanName(r.Name)
	if _, ok := ParseRole(string(r.Role)); !ok {
		return Errorf(EINVALID, "err.role_unknown", "Role", string(r.Role))
	}
	if err := ValidateName(r.Name, MaxNameLen); err != nil {
		return err
	}
	if r.Role.NeedsDepartment() && r.DepartmentID == "" {
		return Errorf(EINVALID, "err.department_required")
	}
	return ValidatePhone(r.Phone)
}
