package deputybot

import (
	"testing"
	"time"
)

var now = time.Date(2026, 1, 12, 2, 0, 0, 0, time.UTC)

func person(id string, roles ...Role) *Person {
	return &Person{ID: id, State: PersonActive, Roles: roles}
}

func TestParseNumber(t *testing.T) {
	for in, want := range map[string]NumberQuery{
		"2026-017":      {"", 2026, 17},
		"S2026-17":      {KindSuggestion, 2026, 17},
		"m2026-002":     {KindMotion, 2026, 2},
		"建议 2026-017":   {KindSuggestion, 2026, 17},
		"议案2026-1":      {KindMotion, 2026, 1},
		"motion 2026/3": {KindMotion, 2026, 3},
		// As the bot shows them, in either language, and as a Chinese
		// input method types them.
		"Suggestion 2026-017": {KindSuggestion, 2026, 17},
		"建议２０２６－０１７":          {KindSuggestion, 2026, 17},
		"议案 ２０２６-２":           {KindMotion, 2026, 2},
	} {
		got, ok := ParseNumber(in)
		if !ok || got != want {
			t.Errorf("ParseNumber(%q) = %+v %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "17", "2026-000", "x2026-1", "2026-", `{"$gt":""}`} {
		if _, ok := ParseNumber(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	it := &Item{Kind: KindMotion, Year: 2026, Seq: 2}
	if it.Number() != "2026-002" || it.Code() != "M2026-002" {
		t.Fatal(it.Number(), it.Code())
	}
	if (&Item{Year: 2026, Seq: 1234}).Number() != "2026-1234" {
		t.Fatal("four digits")
	}
}

func TestPeriodFromSessionDates(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	r := Rules{Location: shanghai, Sessions: []DateRange{{Date{2026, 1, 10}, Date{2026, 1, 14}}}}
	// 2026-01-09 23:30 UTC is 2026-01-10 07:30 in Shanghai: the session.
	if p := r.PeriodAt(time.Date(2026, 1, 9, 23, 30, 0, 0, time.UTC)); p != PeriodSession {
		t.Fatalf("first local day: %s", p)
	}
	if p := r.PeriodAt(time.Date(2026, 1, 14, 15, 59, 0, 0, time.UTC)); p != PeriodSession {
		t.Fatalf("last local day: %s", p)
	}
	if p := r.PeriodAt(time.Date(2026, 1, 14, 16, 0, 0, 0, time.UTC)); p != PeriodRecess {
		t.Fatalf("day after: %s", p)
	}
}

func TestSubmitAndCoSponsorRules(t *testing.T) {
	r := &Rules{MotionSigners: 3, Categories: DefaultCategories, Location: time.UTC}
	a, b, c, stranger := person("a", RoleDeputy), person("b", RoleDeputy), person("c", RoleDeputy), person("s", RoleDeputy)
	office := person("o", RoleOffice)
	m := &Item{ID: "m", Kind: KindMotion, Title: "t", Category: "other", AuthorID: "a", Status: StatusDraft, ShareToken: "tok"}
	if _, _, err := Submit(m, b, r, now); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("another deputy submitted a draft he cannot see: %v", err)
	}
	if _, _, err := Submit(m, office, r, now); ErrorCode(err) != ENOTFOUND {
		t.Fatal("the office sees drafts")
	}
	ev, ok, err := Submit(m, a, r, now)
	if err != nil || ok || ev.Type != EvSubmitRequested || !m.SubmitRequested || m.Status != StatusDraft {
		t.Fatalf("motion without co-sponsors: %v %v %+v", ok, err, m)
	}
	// The author edits his draft to ask b (himself he cannot ask).
	if _, err := EditDraft(m, &ItemDetails{}, a, DraftInput{Kind: KindMotion, Title: "t", Category: "other", CoSponsors: []string{"b", "a"}}, now); err != nil {
		t.Fatal(err)
	}
	if len(m.CoSponsors) != 1 || m.CoSponsors[0].PersonID != "b" {
		t.Fatalf("co-sponsors %+v", m.CoSponsors)
	}
	if !CanView(b, m) || CanView(c, m) || !CanViewWithToken(c, m, "tok") || CanViewWithToken(c, m, "bad") {
		t.Fatal("draft visibility")
	}
	if _, _, err := AnswerCoSponsor(m, stranger, true, "", r, now); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("uninvited without the link: %v", err)
	}
	if _, _, err := AnswerCoSponsor(m, a, true, "tok", r, now); ErrorCode(err) != ECONFLICT {
		t.Fatal("author co-sponsored himself")
	}
	if _, _, err := AnswerCoSponsor(m, office, true, "tok", r, now); ErrorCode(err) != ENOTFOUND {
		t.Fatal("non-deputy joined by link")
	}
	evs, sub, err := AnswerCoSponsor(m, b, true, "", r, now)
	if err != nil || sub || len(evs) != 1 {
		t.Fatal("first confirmation")
	}
	if _, _, err := AnswerCoSponsor(m, b, false, "", r, now); ErrorCode(err) != ECONFLICT {
		t.Fatal("answered twice")
	}
	evs, sub, err = AnswerCoSponsor(m, c, true, "tok", r, now)
	if err != nil || !sub || len(evs) != 2 || evs[1].Type != EvSubmitted || m.Status != StatusSubmitted || m.Year != 2026 {
		t.Fatalf("second confirmation: %v %v %+v", sub, err, evs)
	}
	if _, _, err := Submit(m, a, r, now); ErrorCode(err) != ECONFLICT {
		t.Fatal("submitted twice")
	}
	if !CanView(office, m) || !CanView(b, m) || CanView(stranger, m) {
		t.Fatal("submitted item visibility")
	}
	if _, err := Withdraw(m, b, now); ErrorCode(err) != EFORBIDDEN {
		t.Fatal("co-sponsor withdrew")
	}
	if _, err := Withdraw(m, a, now); err != nil || m.Status != StatusWithdrawn {
		t.Fatal("author could not withdraw")
	}
	if _, err := Withdraw(m, a, now); ErrorCode(err) != ECONFLICT {
		t.Fatal("withdrawn twice")
	}
}

func TestValidateTexts(t *testing.T) {
	if ValidateTitle("ok <b>") != nil || ValidateBody("a\nb\r\n\tc") != nil {
		t.Fatal("valid text refused")
	}
	for _, bad := range []string{"", " ", "a\nb", "a\x00"} {
		if ValidateTitle(bad) == nil {
			t.Errorf("title %q accepted", bad)
		}
	}
	if e, _ := ValidateBody(string(make([]rune, 3001))).(*Error); e == nil {
		t.Fatal("3001 NULs accepted")
	}
}

// TestMotionSignersCountTheLead: the default rules take a motion with its
// lead deputy and 9 confirmed co-sponsors (the law's ten), not 10.
func TestMotionSignersCountTheLead(t *testing.T) {
	r := DefaultRules(time.UTC)
	if r.MotionSigners != 10 || r.MotionCoSponsors() != 9 {
		t.Fatalf("signers %d, co-sponsors needed %d", r.MotionSigners, r.MotionCoSponsors())
	}
}

// TestDeclinedCoSponsorSeesNoMore: a deputy who declined to co-sponsor
// an item sees no more of it than any other deputy; one who confirmed
// (or is still asked) sees it.
func TestDeclinedCoSponsorSeesNoMore(t *testing.T) {
	p := &Person{ID: "p2", Roles: []Role{RoleDeputy}, State: PersonActive}
	for state, want := range map[CoSponsorState]bool{CoSponsorDeclined: false, CoSponsorConfirmed: true, CoSponsorInvited: true} {
		for _, st := range []Status{StatusSubmitted, StatusInProgress, StatusClosed} {
			it := &Item{AuthorID: "p1", Status: st, CoSponsors: []CoSponsor{{PersonID: "p2", State: state}}}
			if CanView(p, it) != want {
				t.Errorf("co-sponsor %s of a %s item: sees it %v", state, st, !want)
			}
		}
	}
}
