package deputybot

import (
	"crypto/hmac"
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
	UsedBy    int64     `bson:"usedBy,omitempty"` // Telegram id
	// UsedCause is the Telegram update that used it: the same update
	// handled again after a crash is answered as the first time.
	UsedCause int64 `bson:"usedCause,omitempty"`
	Revoked   bool  `bson:"revoked,omitempty"` // replaced by a newer link
	// Imported: made by a roster import (one action, however many rows:
	// not held to the cap on invitations a minute).
	Imported bool `bson:"imported,omitempty"`
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

// InvitationToken is the token of the invitation made for purpose (an
// update, a roster row): made again for the same purpose — the update
// handled again after a crash — it is the same link, and without the
// store's secret nobody can make it.
func InvitationToken(secret []byte, purpose string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("invitation:" + purpose))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// NewInvitation is the invitation of a token for a person and role.
func NewInvitation(token, personID string, role Role, createdBy string, now time.Time) Invitation {
	return Invitation{TokenHash: HashToken(token), PersonID: personID, Role: role, CreatedBy: createdBy,
		CreatedAt: now, ExpiresAt: now.Add(InvitationValidity)}
}

// Invited is the record of a person invited for a request (validated).
func (r InviteRequest) Invited(id string, now time.Time) *Person {
	return &Person{ID: id, Name: r.Name, Roles: []Role{r.Role}, DepartmentID: r.DepartmentID, Phone: r.Phone,
		Language: DefaultLanguage, State: PersonInvited, CreatedAt: now}
}

// JoinOutcome says what opening an invitation link did.
type JoinOutcome string

const (
	Joined        JoinOutcome = "joined"         // a stranger became the invited person
	RoleAdded     JoinOutcome = "role_added"     // a registered person gained the invitation's role
	AlreadyJoined JoinOutcome = "already_joined" // he opened his own link again
)

// Join is what redeeming an invitation makes of the people: a stranger
// (existing nil) becomes the invited person, bound to the Telegram user
// u; a registered person gains the invitation's role (and, for a
// contact, its department, and its phone if he has none), and the
// invited record is merged into him. It returns the person to store.
func Join(inv *Invitation, invited, existing *Person, u TelegramUser, now time.Time) (*Person, JoinOutcome) {
	if existing == nil {
		p := invited.Clone()
		p.State, p.TelegramID, p.Username = PersonActive, u.ID, u.Username
		p.Language, p.ActivatedAt = LanguageFromTelegram(u.LanguageCode), now
		return p, Joined
	}
	p := existing.Clone()
	p.AddRole(inv.Role)
	if invited.DepartmentID != "" {
		p.DepartmentID = invited.DepartmentID
	}
	if p.Phone == "" {
		p.Phone = invited.Phone
	}
	return p, RoleAdded
}

// Merged is the invited record once a registered person redeemed it.
func (p *Person) Merged(into string, now time.Time) *Person {
	m := p.Clone()
	m.State, m.MergedInto, m.ActivatedAt = PersonMerged, into, now
	return m
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
