package service_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/storetest"
	"deputybot/service"
	"deputybot/storage"
)

var t0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

func wantCode(t *testing.T, err error, code, key string) {
	t.Helper()
	if deputybot.ErrorCode(err) != code {
		t.Fatalf("error %v: want code %s", err, code)
	}
	if e, ok := err.(*deputybot.Error); key != "" && (!ok || e.Key != key) {
		t.Fatalf("error %v: want key %s", err, key)
	}
}

// fixture is a service on a fresh store, with the office clerk who acts.
type fixture struct {
	ctx    context.Context
	store  *storage.Store
	svc    *service.Service
	office *deputybot.Person
}

func newFixture(t *testing.T, s *storage.Store) *fixture {
	rules := deputybot.DefaultRules(shanghai)
	rules.MotionSigners = 3
	svc := service.New(s, &outbox{}, renderer{}, service.Options{Rules: &rules, Clock: func() time.Time { return t0 }, AdminIDs: []int64{500}})
	office := person("office", 10, "", deputybot.RoleOffice)
	if err := s.BulkInsertPeople(context.Background(), []*deputybot.Person{office}); err != nil {
		t.Fatal(err)
	}
	return &fixture{ctx: context.Background(), store: s, svc: svc, office: office}
}

// each runs the test on both read paths (the only writer's read model,
// and queries as a replica reads).
func each(t *testing.T, f func(t *testing.T, x *fixture)) {
	storetest.Each(t, func(t *testing.T, s *storage.Store) { f(t, newFixture(t, s)) })
}

func (x *fixture) invite(t *testing.T, req deputybot.InviteRequest, cause int64) *service.Invitation {
	t.Helper()
	inv, err := x.svc.Invite(x.ctx, x.office, cause, req, t0)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestInviteJoinOnce(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		inv := x.invite(t, deputybot.InviteRequest{Role: deputybot.RoleDeputy, Name: "  张三  "}, 0)
		p := inv.Person
		if p.Name != "张三" || p.State != deputybot.PersonInvited || !deputybot.LooksLikeToken(inv.Token) || !inv.Expires.Equal(t0.Add(deputybot.InvitationValidity)) {
			t.Fatalf("invited %+v token %q", p, inv.Token)
		}
		u := deputybot.TelegramUser{ID: 1001, FirstName: "San", LanguageCode: "en-GB"}
		got, outcome, err := x.svc.Join(x.ctx, 1, inv.Token, u, t0.Add(time.Hour))
		if err != nil || outcome != deputybot.Joined {
			t.Fatal(outcome, err)
		}
		if got.ID != p.ID || got.State != deputybot.PersonActive || got.TelegramID != 1001 || got.Language != deputybot.LangEN {
			t.Fatalf("joined %+v", got)
		}
		byTG, err := x.store.PersonByTelegramID(x.ctx, 1001)
		if err != nil || byTG.ID != p.ID || !byTG.HasRole(deputybot.RoleDeputy) {
			t.Fatalf("by telegram id: %+v %v", byTG, err)
		}
		// A second user with the same link gets nothing.
		_, _, err = x.svc.Join(x.ctx, 2, inv.Token, deputybot.TelegramUser{ID: 2002}, t0.Add(2*time.Hour))
		wantCode(t, err, deputybot.ECONFLICT, "err.invite_used")
		_, err = x.store.PersonByTelegramID(x.ctx, 2002)
		wantCode(t, err, deputybot.ENOTFOUND, "")
		// He who joined opens his link again: told he is in; the update
		// that joined him, handled again, is answered as the first time.
		if again, outcome, err := x.svc.Join(x.ctx, 3, inv.Token, u, t0.Add(3*time.Hour)); err != nil || outcome != deputybot.AlreadyJoined || again.ID != p.ID {
			t.Fatalf("opened again: %v %v", outcome, err)
		}
		if again, outcome, err := x.svc.Join(x.ctx, 1, inv.Token, u, t0.Add(3*time.Hour)); err != nil || outcome != deputybot.Joined || again.ID != p.ID {
			t.Fatalf("the same update again: %v %v", outcome, err)
		}
	})
}

func TestJoinRefusals(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		inv := x.invite(t, deputybot.InviteRequest{Role: deputybot.RoleDeputy, Name: "李四"}, 0)
		u := deputybot.TelegramUser{ID: 3003}
		for _, tc := range []struct {
			name, token string
			at          time.Time
			code, key   string
		}{
			{"unknown", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", t0, deputybot.ENOTFOUND, "err.invite_unknown"},
			{"malformed", `{"$ne": ""}`, t0, deputybot.ENOTFOUND, "err.invite_unknown"},
			{"too long", strings.Repeat("a", 65), t0, deputybot.ENOTFOUND, "err.invite_unknown"},
			{"expired", inv.Token, t0.Add(deputybot.InvitationValidity), deputybot.ECONFLICT, "err.invite_expired"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := x.svc.Join(x.ctx, 0, tc.token, u, tc.at)
				wantCode(t, err, tc.code, tc.key)
				if _, err := x.store.PersonByTelegramID(x.ctx, u.ID); deputybot.ErrorCode(err) != deputybot.ENOTFOUND {
					t.Fatalf("user bound after a refused link: %v", err)
				}
			})
		}
		// Still usable just before it expires.
		if _, _, err := x.svc.Join(x.ctx, 0, inv.Token, u, t0.Add(deputybot.InvitationValidity-time.Second)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestJoinConcurrentlyBindsOne(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		inv := x.invite(t, deputybot.InviteRequest{Role: deputybot.RoleDeputy, Name: "王五"}, 0)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, _, err := x.svc.Join(x.ctx, 0, inv.Token, deputybot.TelegramUser{ID: int64(5000 + i)}, t0); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if deputybot.ErrorCode(err) != deputybot.ECONFLICT {
					t.Errorf("join: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d users joined by one link", wins)
		}
	})
}

func TestSecondInvitationAddsRole(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		d, err := x.svc.AddDepartment(x.ctx, x.office, 0, "区住建局", t0)
		if err != nil {
			t.Fatal(err)
		}
		first := x.invite(t, deputybot.InviteRequest{Role: deputybot.RoleDeputy, Name: "赵六"}, 0)
		second := x.invite(t, deputybot.InviteRequest{Role: deputybot.RoleContact, Name: "赵六", DepartmentID: d.ID, Phone: "13900000000"}, 0)
		u := deputybot.TelegramUser{ID: 77}
		p1, _, err := x.svc.Join(x.ctx, 0, first.Token, u, t0)
		if err != nil {
			t.Fatal(err)
		}
		p2, outcome, err := x.svc.Join(x.ctx, 0, second.Token, u, t0)
		if err != nil || outcome != deputybot.RoleAdded {
			t.Fatal(outcome, err)
		}
		if p2.ID != p1.ID || !p2.HasRole(deputybot.RoleDeputy) || !p2.HasRole(deputybot.RoleContact) || p2.DepartmentID != d.ID || p2.Phone != "13900000000" {
			t.Fatalf("merged person %+v", p2)
		}
		people, total, err := x.store.People(x.ctx, deputybot.PeopleFilter{Role: deputybot.RoleDeputy})
		if err != nil || total != 1 || len(people) != 1 {
			t.Fatalf("deputies after the merge: %d %v", total, err)
		}
	})
}

func TestInviteValidation(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		for _, tc := range []struct {
			req deputybot.InviteRequest
			key string
		}{
			{deputybot.InviteRequest{Role: "king", Name: "x"}, "err.role_unknown"},
			{deputybot.InviteRequest{Role: deputybot.RoleDeputy, Name: "   "}, "err.name_empty"},
			{deputybot.InviteRequest{Role: deputybot.RoleDeputy, Name: strings.Repeat("名", 65)}, "err.name_too_long"},
			{deputybot.InviteRequest{Role: deputybot.RoleContact, Name: "x"}, "err.department_required"},
			{deputybot.InviteRequest{Role: deputybot.RoleContact, Name: "x", DepartmentID: "nope"}, "err.department_not_found"},
			{deputybot.InviteRequest{Role: deputybot.RoleDeputy, Name: "x", Phone: "call me"}, "err.phone_invalid"},
		} {
			_, err := x.svc.Invite(x.ctx, x.office, 0, tc.req, t0)
			if e, ok := err.(*deputybot.Error); !ok || e.Key != tc.key {
				t.Errorf("%+v: got %v, want %s", tc.req, err, tc.key)
			}
		}
		deputy := person("d", 20, "", deputybot.RoleDeputy)
		_, err := x.svc.Invite(x.ctx, deputy, 0, deputybot.InviteRequest{Role: deputybot.RoleOffice, Name: "me"}, t0)
		wantCode(t, err, deputybot.EFORBIDDEN, "")
		if _, total, _ := x.store.People(x.ctx, deputybot.PeopleFilter{}); total != 1 { // the clerk
			t.Fatalf("refused invitations made %d people", total-1)
		}
	})
}

func TestRenewInvitationRevokesOld(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		old := x.invite(t, deputybot.InviteRequest{Role: deputybot.RoleLeader, Name: "钱七"}, 0)
		later := t0.Add(20 * 24 * time.Hour)
		fresh, err := x.svc.RenewInvitation(x.ctx, x.office, 41, old.Person.ID, later)
		if err != nil || fresh.Role != deputybot.RoleLeader || !fresh.Expires.Equal(later.Add(deputybot.InvitationValidity)) {
			t.Fatal(fresh, err)
		}
		// The same update again (after a crash): the same link, still good.
		again, err := x.svc.RenewInvitation(x.ctx, x.office, 41, old.Person.ID, later)
		if err != nil || again.Token != fresh.Token {
			t.Fatalf("renewed again: %v %v", again, err)
		}
		_, _, err = x.svc.Join(x.ctx, 0, old.Token, deputybot.TelegramUser{ID: 9}, later)
		wantCode(t, err, deputybot.ECONFLICT, "err.invite_revoked")
		got, _, err := x.svc.Join(x.ctx, 0, fresh.Token, deputybot.TelegramUser{ID: 9}, later.Add(24*time.Hour))
		if err != nil || !got.HasRole(deputybot.RoleLeader) {
			t.Fatalf("fresh link: %+v %v", got, err)
		}
		_, err = x.svc.RenewInvitation(x.ctx, x.office, 42, old.Person.ID, later)
		wantCode(t, err, deputybot.ECONFLICT, "err.person_joined")
	})
}

// TestAnUpdateHandledAgainChangesNothingTwice: an office's update handled
// again after a crash — an invitation, a department — finds what it made
// and answers the same; another update makes another.
func TestAnUpdateHandledAgainChangesNothingTwice(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		a := x.invite(t, deputybot.InviteRequest{Role: deputybot.RoleDeputy, Name: "张三"}, 71)
		b := x.invite(t, deputybot.InviteRequest{Role: deputybot.RoleDeputy, Name: "张三"}, 71)
		if a.Person.ID != b.Person.ID || a.Token != b.Token {
			t.Fatalf("the same update made two invitations: %v %v", a, b)
		}
		c := x.invite(t, deputybot.InviteRequest{Role: deputybot.RoleDeputy, Name: "张三"}, 72) // a namesake, on purpose
		if c.Person.ID == a.Person.ID || c.Token == a.Token {
			t.Fatal("another update's invitation is the first one")
		}
		if _, total, _ := x.store.People(x.ctx, deputybot.PeopleFilter{Role: deputybot.RoleDeputy}); total != 2 {
			t.Fatalf("%d deputies, want 2", total)
		}
		d1, err := x.svc.AddDepartment(x.ctx, x.office, 73, "区住建局", t0)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := x.svc.AddDepartment(x.ctx, x.office, 73, "区住建局", t0)
		if err != nil || d2.ID != d1.ID {
			t.Fatalf("the same update again: %v %v", d2, err)
		}
		_, err = x.svc.AddDepartment(x.ctx, x.office, 74, " 区住建局 ", t0)
		wantCode(t, err, deputybot.ECONFLICT, "err.department_exists")
		if ds, _ := x.store.Departments(x.ctx); len(ds) != 1 {
			t.Fatalf("%d departments", len(ds))
		}
	})
}

func TestDepartments(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		for _, n := range []string{"区教育局", "区住建局", "区卫健局"} {
			if _, err := x.svc.AddDepartment(x.ctx, x.office, 0, n, t0); err != nil {
				t.Fatal(err)
			}
		}
		_, err := x.svc.AddDepartment(x.ctx, x.office, 0, " 区住建局 ", t0)
		wantCode(t, err, deputybot.ECONFLICT, "err.department_exists")
		if _, err = x.svc.AddDepartment(x.ctx, x.office, 0, "Water  Bureau", t0); err != nil {
			t.Fatal(err)
		}
		_, err = x.svc.AddDepartment(x.ctx, x.office, 0, "ｗａｔｅｒ bureau", t0) // full-width letters
		wantCode(t, err, deputybot.ECONFLICT, "err.department_exists")
		_, err = x.svc.AddDepartment(x.ctx, person("d", 20, "", deputybot.RoleDeputy), 0, "区民政局", t0)
		wantCode(t, err, deputybot.EFORBIDDEN, "")
		ds, err := x.store.Departments(x.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, d := range ds {
			names = append(names, d.Name)
		}
		// Pinyin order: jiao < wei < zhu; Latin before Han in the Chinese collation.
		if got := strings.Join(names, ","); got != "Water Bureau,区教育局,区卫健局,区住建局" {
			t.Fatalf("departments %s", got)
		}
	})
}

func TestBootstrapAdminIsMadeOnce(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		u := deputybot.TelegramUser{ID: 500, FirstName: "Ada", LastName: "Admin", LanguageCode: "en"}
		var wg sync.WaitGroup
		got := make([]*deputybot.Person, 4)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := x.svc.Identify(x.ctx, u, t0)
				if err != nil {
					t.Error(err)
				}
				got[i] = p
			}()
		}
		wg.Wait()
		for _, p := range got {
			if p == nil || p.ID != got[0].ID || p.Name != "Ada Admin" || p.Language != deputybot.LangEN || !p.HasRole(deputybot.RoleOffice) {
				t.Fatalf("%+v", p)
			}
		}
		if stranger, err := x.svc.Identify(x.ctx, deputybot.TelegramUser{ID: 501}, t0); stranger != nil || err != nil {
			t.Fatalf("a stranger: %+v %v", stranger, err)
		}
	})
}

// TestImportRosterOnceByRow: rows are invited once, by their content;
// the same update handled again gets the same links.
func TestImportRosterOnceByRow(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		rows := []deputybot.RosterRow{
			{Line: 2, Name: "张三", Role: "代表", Phone: "13900000000"},
			{Line: 3, Name: "李四", Role: "承办联系人", Department: "区住建局"},
			{Line: 4, Name: "王五", Role: "国王"},
		}
		first, err := x.svc.ImportRoster(x.ctx, x.office, 81, rows, t0)
		if err != nil {
			t.Fatal(err)
		}
		if first[0].Person == nil || first[1].Person == nil || first[2].Err == nil || first[1].Person.DepartmentID == "" {
			t.Fatalf("%+v", first)
		}
		again, err := x.svc.ImportRoster(x.ctx, x.office, 81, rows, t0)
		if err != nil || again[0].Token != first[0].Token || again[1].Person.ID != first[1].Person.ID || again[0].Skipped {
			t.Fatalf("the same update again: %+v %v", again, err)
		}
		later, err := x.svc.ImportRoster(x.ctx, x.office, 82, rows, t0)
		if err != nil || !later[0].Skipped || !later[1].Skipped || later[0].Token != "" {
			t.Fatalf("imported again: %+v %v", later, err)
		}
		if _, total, _ := x.store.People(x.ctx, deputybot.PeopleFilter{}); total != 3 {
			t.Fatalf("%d people", total)
		}
		if ds, _ := x.store.Departments(x.ctx); len(ds) != 1 || ds[0].Name != "区住建局" {
			t.Fatalf("departments %v", ds)
		}
		if _, _, err := x.svc.Join(x.ctx, 0, first[1].Token, deputybot.TelegramUser{ID: 31}, t0); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLoadCalendarWholeOrNothing(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		_, problems, err := x.svc.LoadCalendar(x.ctx, x.office, "2026-10-01 holiday\n2026-10-02 party\n", t0)
		if len(problems) != 1 || problems[0].Line != 2 || deputybot.ErrorCode(err) != deputybot.EINVALID {
			t.Fatalf("%v %v", problems, err)
		}
		if cal, _ := x.store.Calendar(x.ctx); len(cal.Days) != 0 {
			t.Fatal("a calendar with a problem was loaded")
		}
		cal, _, err := x.svc.LoadCalendar(x.ctx, x.office, "2026-10-01..2026-10-07 休 国庆节\n", t0)
		if err != nil || len(cal.Days) != 7 {
			t.Fatal(cal, err)
		}
		if stored, _ := x.store.Calendar(x.ctx); stored.Days["2026-10-07"] != deputybot.Holiday {
			t.Fatalf("%v", stored.Days)
		}
		_, _, err = x.svc.LoadCalendar(x.ctx, person("d", 20, "", deputybot.RoleDeputy), "2026-10-01 休\n", t0)
		wantCode(t, err, deputybot.EFORBIDDEN, "")
	})
}

func draftInput(kind deputybot.Kind, title string) deputybot.DraftInput {
	return deputybot.DraftInput{Kind: kind, Title: title, Body: "body of " + title, Category: "education"}
}

func (x *fixture) deputy(t *testing.T, name string, tg int64) *deputybot.Person {
	t.Helper()
	inv := x.invite(t, deputybot.InviteRequest{Role: deputybot.RoleDeputy, Name: name}, 0)
	p, _, err := x.svc.Join(x.ctx, 0, inv.Token, deputybot.TelegramUser{ID: tg}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDraftValidation(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		a := x.deputy(t, "A", 1)
		for _, tc := range []struct {
			mod func(*deputybot.DraftInput)
			key string
		}{
			{func(d *deputybot.DraftInput) { d.Title = strings.Repeat("题", 101) }, "err.text_too_long"},
			{func(d *deputybot.DraftInput) { d.Title = " \n" }, "err.text_empty"},
			{func(d *deputybot.DraftInput) { d.Body = strings.Repeat("x", 3001) }, "err.text_too_long"},
			{func(d *deputybot.DraftInput) { d.Category = "$where" }, "err.category_unknown"},
			{func(d *deputybot.DraftInput) { d.Kind = "petition" }, "err.kind_unknown"},
			{func(d *deputybot.DraftInput) { d.CoSponsors = []string{"nobody"} }, "err.cosponsor_unknown"},
		} {
			in := draftInput(deputybot.KindSuggestion, "ok")
			tc.mod(&in)
			_, err := x.svc.SaveDraft(x.ctx, a, 0, in, t0)
			if e, ok := err.(*deputybot.Error); !ok || e.Key != tc.key {
				t.Errorf("want %s, got %v", tc.key, err)
			}
		}
		if _, total, _ := x.store.PersonItems(x.ctx, a.ID, 0, 10); total != 0 {
			t.Fatal("invalid drafts stored")
		}
	})
}

func TestDeleteDraft(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		a, b := x.deputy(t, "A", 1), x.deputy(t, "B", 2)
		it, err := x.svc.SaveDraft(x.ctx, a, 0, draftInput(deputybot.KindSuggestion, "x"), t0)
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, x.svc.DeleteDraft(x.ctx, b, it.ID), deputybot.ENOTFOUND, "err.item_not_found")
		if err := x.svc.DeleteDraft(x.ctx, a, it.ID); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := x.store.PersonItems(x.ctx, a.ID, 0, 10); total != 0 {
			t.Fatal("deleted draft still listed")
		}
		if _, err := x.store.ItemByShareToken(x.ctx, it.ShareToken); deputybot.ErrorCode(err) != deputybot.ENOTFOUND {
			t.Fatal("share link of a deleted draft still works")
		}
	})
}

// TestDraftSavedTwiceUnderOneNewIDIsOneDraft: the preview of a /new
// dialogue handled again after a crash edits the draft it made; the
// author is never his own co-sponsor.
func TestDraftSavedTwiceUnderOneNewIDIsOneDraft(t *testing.T) {
	each(t, func(t *testing.T, x *fixture) {
		a, b := x.deputy(t, "张三", 1), x.deputy(t, "李四", 2)
		in := draftInput(deputybot.KindSuggestion, "修路")
		in.NewID = "0123456789abcdef01234567"
		in.CoSponsors = []string{b.ID, a.ID}
		first, err := x.svc.SaveDraft(x.ctx, a, 0, in, t0)
		if err != nil || len(first.CoSponsors) != 1 || first.CoSponsors[0].PersonID != b.ID {
			t.Fatal(first, err)
		}
		in.Title = "修路（改）"
		again, err := x.svc.SaveDraft(x.ctx, a, 0, in, t0)
		if err != nil {
			t.Fatal(err)
		}
		mine, total, err := x.store.PersonItems(x.ctx, a.ID, 0, 10)
		if err != nil || total != 1 || first.ID != in.NewID || again.ID != in.NewID || mine[0].Title != "修路（改）" {
			t.Fatalf("%d drafts (%v); ids %s %s", total, err, first.ID, again.ID)
		}
	})
}
