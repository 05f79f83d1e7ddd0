package deputybot

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRoleAndLanguage(t *testing.T) {
	for in, want := range map[string]Role{"Deputy": RoleDeputy, " 代表 ": RoleDeputy, "联系人": RoleContact, "督查室": RoleSupervisor, "LEADER": RoleLeader} {
		if got, ok := ParseRole(in); !ok || got != want {
			t.Errorf("ParseRole(%q) = %q %v", in, got, ok)
		}
	}
	if _, ok := ParseRole(`{"$ne":""}`); ok {
		t.Error("nonsense role accepted")
	}
	for code, want := range map[string]Language{"en": LangEN, "en-GB": LangEN, "EN-us": LangEN, "zh-hans": LangZH, "": LangZH, "de": LangZH, "eng": LangZH} {
		if got := LanguageFromTelegram(code); got != want {
			t.Errorf("LanguageFromTelegram(%q) = %s", code, got)
		}
	}
}

func TestValidateName(t *testing.T) {
	if err := ValidateName("张三", MaxNameLen); err != nil {
		t.Fatal(err)
	}
	if err := ValidateName(strings.Repeat("名", MaxNameLen), MaxNameLen); err != nil {
		t.Fatalf("64 Han characters are 64, not 192: %v", err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("a", MaxNameLen+1), "a\x00b", "line\nbreak"} {
		if ErrorCode(ValidateName(bad, MaxNameLen)) != EINVALID {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDepartmentKey(t *testing.T) {
	if DepartmentKey("  Water   Bureau ") != DepartmentKey("ｗａｔｅｒ bureau") {
		t.Error("width/case/space variants differ")
	}
	if DepartmentKey("区住建局") == DepartmentKey("区教育局") {
		t.Error("different departments collide")
	}
}

func TestInvitationRules(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tok, err := NewInvitationToken()
	if err != nil || !LooksLikeToken(tok) || len(tok) > 64 {
		t.Fatalf("token %q %v", tok, err)
	}
	if tok2, _ := NewInvitationToken(); tok2 == tok {
		t.Fatal("tokens repeat")
	}
	if HashToken(tok) == tok || len(HashToken(tok)) != 64 {
		t.Fatal("hash")
	}
	inv := Invitation{CreatedAt: now, ExpiresAt: now.Add(InvitationValidity)}
	if err := inv.CheckRedeemable(now.Add(InvitationValidity - time.Nanosecond)); err != nil {
		t.Fatal(err)
	}
	if ErrorCode(inv.CheckRedeemable(now.Add(InvitationValidity))) != ECONFLICT {
		t.Fatal("expired link usable")
	}
	inv.UsedAt = now
	if e, _ := inv.CheckRedeemable(now).(*Error); e == nil || e.Key != "err.invite_used" {
		t.Fatal("used link usable")
	}
	for _, bad := range []string{"", "a b", "x/y", strings.Repeat("a", 65), "é"} {
		if LooksLikeToken(bad) {
			t.Errorf("%q looks like a token", bad)
		}
	}
}

func TestPermissions(t *testing.T) {
	office := &Person{State: PersonActive, Roles: []Role{RoleOffice}}
	deputy := &Person{State: PersonActive, Roles: []Role{RoleDeputy}}
	invited := &Person{State: PersonInvited, Roles: []Role{RoleOffice}}
	if !office.Can(PermManagePeople) || deputy.Can(PermManagePeople) || invited.Can(PermManagePeople) {
		t.Fatal("permission table")
	}
	var nobody *Person
	if nobody.Can(PermListDepartments) {
		t.Fatal("nil person allowed")
	}
}

// TestPersonNames: a name a person chooses (cleaned: TestBidiControlsAre
// Stripped) may hold letters, digits, spaces and a name's marks, and may
// not pass for a role, the office or the system.
func TestPersonNames(t *testing.T) {
	for _, ok := range []string{"张三", "买买提·艾力", "Mary-Ann O'Brien", "王 伟（东湖选区）", "J. R. Smith"} {
		if err := ValidatePersonName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for name, key := range map[string]string{
		"":                        "err.name_empty",
		CleanName("\u200b\u200b"): "err.name_empty",
		"办公室":                     "err.name_reserved",
		"督查室 工作人员":                "err.name_reserved",
		"ＡＤＭＩＮ":                   "err.name_reserved",
		"Office":                  "err.name_reserved",
		"张三 系统通知":                 "err.name_reserved",
		"张三 【系统通知】请点击":            "err.name_chars",
		"<b>张三</b>":               "err.name_chars",
		"张三😀":                     "err.name_chars",
	} {
		err := ValidatePersonName(name)
		var e *Error
		if !errors.As(err, &e) || e.Key != key {
			t.Errorf("%q: %v, want %s", name, err, key)
		}
	}
	if NameKey("Zhang  San") != NameKey("zhang-san") || NameKey("ＺＨＡＮＧ ＳＡＮ") != NameKey("Zhang San") || NameKey("张三") == NameKey("张四") {
		t.Error("NameKey does not tell names apart as people would")
	}
}
