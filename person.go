package deputybot

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Role is what a person may do. One person may hold several roles.
type Role string

const (
	RoleDeputy     Role = "deputy"     // files items and rates replies
	RoleContact    Role = "contact"    // answers for one department
	RoleOffice     Role = "office"     // assigns items, administers people
	RoleSupervisor Role = "supervisor" // reads everything, receives digests
	RoleLeader     Role = "leader"     // reads the items he or she leads
)

// AllRoles lists the roles in the order they are shown.
var AllRoles = []Role{RoleDeputy, RoleContact, RoleOffice, RoleSupervisor, RoleLeader}

// ParseRole accepts a role's code name in any letter case, or its Chinese
// name, so that an office clerk can type either.
func ParseRole(s string) (Role, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "deputy", "代表":
		return RoleDeputy, true
	case "contact", "联系人", "承办联系人":
		return RoleContact, true
	case "office", "office staff", "办公室", "办公室工作人员", "交办":
		return RoleOffice, true
	case "supervisor", "督查", "督查室", "督查室工作人员", "督办":
		return RoleSupervisor, true
	case "leader", "领导", "领办领导":
		return RoleLeader, true
	}
	return "", false
}

// NeedsDepartment reports whether a person with this role must belong to a
// department: a contact answers for exactly one.
func (r Role) NeedsDepartment() bool { return r == RoleContact }

// Language is a person's language for every message the bot sends him.
type Language string

const (
	LangZH Language = "zh"
	LangEN Language = "en"
)

// DefaultLanguage is used when nothing better is known.
const DefaultLanguage = LangZH

// Languages lists the supported languages.
var Languages = []Language{LangZH, LangEN}

// LanguageFromTelegram maps Telegram's language_code (an IETF tag such as
// "en-GB") to a supported language; everything but English becomes Chinese,
// the product's default.
func LanguageFromTelegram(code string) Language {
	code = strings.ToLower(code)
	if code == "en" || strings.HasPrefix(code, "en-") {
		return LangEN
	}
	return LangZH
}

// ParseLanguage accepts "zh", "en" and a few spellings people type.
func ParseLanguage(s string) (Language, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "zh", "cn", "zh-cn", "zh-hans", "中文", "chinese":
		return LangZH, true
	case "en", "english", "英文", "英语":
		return LangEN, true
	}
	return "", false
}

// PersonState tells whether an invited person has joined.
type PersonState string

const (
	PersonInvited PersonState = "invited" // record exists, no Telegram user bound yet
	PersonActive  PersonState = "active"  // bound to a Telegram user
	PersonMerged  PersonState = "merged"  // invitation redeemed by someone already registered
	PersonRemoved PersonState = "removed" // the office removed him: unbound, told nothing, kept in the items' history
)

// Removed is the person once the office removed him: his Telegram
// binding cut (the store removes it too), kept by name in the history.
func (p *Person) Removed(now time.Time) *Person {
	r := p.Clone()
	r.State, r.TelegramID, r.Username, r.RemovedAt = PersonRemoved, 0, "", now
	return r
}

// Person is anyone the bot knows: deputies, department contacts, office
// staff, supervisors and leaders.
//
// The bson tags are the stored shape; they are plain strings and keep the
// root package free of any storage import.
type Person struct {
	ID           string      `bson:"_id"`
	Name         string      `bson:"name"`
	Roles        []Role      `bson:"roles"`
	DepartmentID string      `bson:"departmentId,omitempty"` // set for contacts
	Phone        string      `bson:"phone,omitempty"`
	TelegramID   int64       `bson:"telegramId,omitempty"` // 0 until bound
	Username     string      `bson:"username,omitempty"`
	Language     Language    `bson:"language"`
	State        PersonState `bson:"state"`
	MergedInto   string      `bson:"mergedInto,omitempty"` // for PersonMerged: who redeemed the invitation
	CreatedAt    time.Time   `bson:"createdAt"`
	ActivatedAt  time.Time   `bson:"activatedAt,omitempty"`
	RemovedAt    time.Time   `bson:"removedAt,omitempty"`
	// Admin is set in memory, never stored: the person's Telegram id is in
	// ADMIN_TELEGRAM_IDS, which grants the office role for as long as the
	// configuration says so.
	Admin bool `bson:"-"`
	// CommandsKey records which command menu Telegram shows this person,
	// so the bot updates it only when roles or language change.
	CommandsKey string `bson:"commandsKey,omitempty"`
	// Unreachable says why messages cannot be delivered to this person
	// (he blocked the bot), since when; cleared when he writes again.
	Unreachable      string    `bson:"unreachable,omitempty"`
	UnreachableSince time.Time `bson:"unreachableSince,omitempty"`
}

// HasRole reports whether p holds r.
func (p *Person) HasRole(r Role) bool { return slices.Contains(p.Roles, r) }

// JoinedContacts counts, per department, its contacts who have joined
// (active, bound to a Telegram account): a department with none hears
// nothing of its items — its assignments and reminders reach no one —
// so the office is warned when it assigns to it, its reminders go to
// the office, and the digest and /departments name it.
func JoinedContacts(people []*Person) map[string]int {
	n := map[string]int{}
	for _, p := range people {
		if p.HasRole(RoleContact) && p.State == PersonActive && p.TelegramID != 0 && p.DepartmentID != "" {
			n[p.DepartmentID]++
		}
	}
	return n
}

// HasAnyRole reports whether p holds at least one of rs.
func (p *Person) HasAnyRole(rs ...Role) bool {
	for _, r := range rs {
		if p.HasRole(r) {
			return true
		}
	}
	return false
}

// AddRole adds r to p's roles, keeping them in AllRoles order, and reports
// whether anything changed.
func (p *Person) AddRole(r Role) bool {
	if p.HasRole(r) {
		return false
	}
	p.Roles = SortRoles(append(p.Roles, r))
	return true
}

// SortRoles returns rs without duplicates, in AllRoles order.
func SortRoles(rs []Role) []Role {
	out := make([]Role, 0, len(rs))
	for _, r := range AllRoles {
		if slices.Contains(rs, r) {
			out = append(out, r)
		}
	}
	return out
}

// Limits on what people type.
const (
	MaxNameLen  = 64
	MaxPhoneLen = 32
)

// ValidatePersonName checks a name a person chose for himself (/name),
// cleaned (CleanName): a name (ValidateName) made of letters, digits,
// spaces and the marks names use (· . ' - ( ) and their full-width
// forms), that does not pass for a role, the office or the service
// ("办公室", "系统通知", "admin"…). That it is nobody else's is the
// service's to check (NameKey).
func ValidatePersonName(name string) error {
	if err := ValidateName(name, MaxNameLen); err != nil {
		return err
	}
	for _, r := range name {
		if !unicode.In(r, unicode.L, unicode.M, unicode.N) && r != ' ' && !strings.ContainsRune(nameMarks, r) {
			return Errorf(EINVALID, "err.name_chars", "Marks", nameMarks)
		}
	}
	key := NameKey(name)
	if reservedNames[key] {
		return Errorf(EINVALID, "err.name_reserved", "Name", name)
	}
	for _, w := range reservedWords {
		if strings.Contains(key, w) {
			return Errorf(EINVALID, "err.name_reserved", "Name", name)
		}
	}
	return nil
}

// nameMarks are the marks besides letters and digits a person's name may
// hold: the middle dot of transcribed names (买买提·艾力), initials, the
// apostrophe and hyphen of Western names, brackets.
const nameMarks = "·・.'’-()（）"

// NameKey is what two names must differ in to be told apart: compared
// after compatibility folding (full-width letters as letters), in lower
// case, with only letters and digits (so "Zhang  San", "zhang-san" and
// "ＺＨＡＮＧ ＳＡＮ" are one name).
func NameKey(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.L, unicode.N) {
			return unicode.ToLower(r)
		}
		return -1
	}, norm.NFKC.String(name))
}

// reservedNames are the names (as NameKey has them) of the roles, the
// office and the service, in both languages: no person may be called so.
var reservedNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range []string{"代表", "人大代表", "承办联系人", "联系人", "承办单位", "办公室", "办公室工作人员", "人大办", "政府办", "政府办公室",
		"督查室", "督查室工作人员", "督查", "领办领导", "领导", "客服", "机器人", "机器人助手",
		"deputy", "contact", "department contact", "office", "office staff", "the office", "supervisor", "leader", "leader in charge",
		"bot", "telegram", "support", "help desk", "helpdesk"} {
		m[NameKey(n)] = true
	}
	return m
}()

// reservedWords are what no person's name may contain: the words a
// message of the system, or of someone posing as it, is signed with.
var reservedWords = []string{"系统", "通知", "管理员", "官方", "system", "admin", "official", "notice", "deputybot"}

// ValidateName checks a person's or department's name: not empty after
// trimming, at most max characters, no control characters.
func ValidateName(name string, max int) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return Errorf(EINVALID, "err.name_empty")
	}
	if utf8.RuneCountInString(name) > max {
		return Errorf(EINVALID, "err.name_too_long", "Max", max)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return Errorf(EINVALID, "err.name_control")
		}
	}
	return nil
}

// ValidatePhone checks an optional phone number: digits, spaces, and
// + - ( ) only.
func ValidatePhone(phone string) error {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return nil
	}
	if utf8.RuneCountInString(phone) > MaxPhoneLen {
		return Errorf(EINVALID, "err.phone_invalid")
	}
	for _, r := range phone {
		if !(r >= '0' && r <= '9' || strings.ContainsRune(" +-()", r)) {
			return Errorf(EINVALID, "err.phone_invalid")
		}
	}
	return nil
}

// TelegramUser is what Telegram tells us about the sender of an update.
type TelegramUser struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
}

// DisplayName is the name Telegram shows for the user.
func (u TelegramUser) DisplayName() string {
	n := CleanName(u.FirstName + " " + u.LastName)
	if n == "" {
		n = u.Username
	}
	if n == "" {
		n = "admin"
	}
	if utf8.RuneCountInString(n) > MaxNameLen {
		n = string([]rune(n)[:MaxNameLen])
	}
	return n
}

// BootstrapAdmin is the person record of an administrator named in the
// configuration, made at his first message: active, his Telegram name.
// (The office role comes from the configuration, never from the record.)
func BootstrapAdmin(id string, u TelegramUser, now time.Time) *Person {
	return &Person{ID: id, Name: u.DisplayName(), Roles: []Role{}, TelegramID: u.ID, Username: u.Username,
		Language: LanguageFromTelegram(u.LanguageCode), State: PersonActive, CreatedAt: now, ActivatedAt: now}
}
