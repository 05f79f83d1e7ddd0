package deputybot

import "testing"

// TestWithholding: the office's decision on a department's request
// withholds the item, or one reply, or nothing; who is told follows.
func TestWithholding(t *testing.T) {
	lead, office := actors["lead contact"], actors["office"]
	for _, tc := range []struct {
		scope    WithholdScope
		approve  bool
		item     bool // the item is withheld after
		reply    bool // its reply is withheld after
		notified string
	}{
		{WithholdItem, true, true, false, NoteWithheld},
		{WithholdReply, true, false, true, NoteWithheld},
		{WithholdItem, false, false, false, NoteRequestRefused},
	} {
		it := fixtures()["closed"]
		if !it.Public() || !it.Disclosed() {
			t.Fatal("a closed item is not public")
		}
		e := env()
		ask, err := RequestWithhold(it, lead, tc.scope, "涉及个人信息", e)
		if err != nil {
			t.Fatal(err)
		}
		if n := Notices(it, it, []Event{ask}); len(n) != 1 || n[0].What != NoteRequest || n[0].To != ToOffice {
			t.Fatalf("request told %+v", n)
		}
		if _, err := RequestWithhold(it, lead, WithholdItem, "again", e); ErrorCode(err) != ECONFLICT {
			t.Fatalf("a second request while one is pending: %v", err)
		}
		before := it.Clone()
		d, err := DecideRequest(it, office, Decision{Approve: tc.approve}, e)
		if err != nil {
			t.Fatal(err)
		}
		if it.Request != nil || (it.Withheld != nil) != tc.item || it.Replies[0].Withheld != tc.reply || it.Public() == tc.item {
			t.Fatalf("%s approve=%v: withheld %+v, reply %v, public %v", tc.scope, tc.approve, it.Withheld, it.Replies[0].Withheld, it.Public())
		}
		if !it.Disclosed() {
			t.Fatal("a withheld item lost its page")
		}
		if n := Notices(before, it, []Event{d}); len(n) != 1 || n[0].What != tc.notified || n[0].To != ToLead {
			t.Fatalf("decision told %+v", n)
		}
		if tc.item {
			if it.Withheld.Reason != "涉及个人信息" || it.Withheld.By != office.ID {
				t.Fatalf("withholding %+v", it.Withheld)
			}
			if _, err := RequestWithhold(it, lead, WithholdReply, "x", e); ErrorCode(err) != ECONFLICT {
				t.Fatalf("asking to withhold a reply of a withheld item: %v", err)
			}
		}
		// The office may publish again what it withheld; no one else.
		if _, err := Republish(it, lead, e); ErrorCode(err) != EFORBIDDEN {
			t.Fatalf("a contact published again: %v", err)
		}
		before = it.Clone()
		re, err := Republish(it, office, e)
		if tc.approve != (err == nil) {
			t.Fatalf("publish again after approve=%v: %v", tc.approve, err)
		}
		if err == nil {
			if !it.Public() || it.Replies[0].Withheld {
				t.Fatal("published again, still withheld")
			}
			if n := Notices(before, it, []Event{re}); len(n) != 1 || n[0].What != NoteRepublished || n[0].To != ToLead {
				t.Fatalf("publishing again told %+v", n)
			}
		}
	}
	for _, st := range []string{"draft", "submitted", "returned", "withdrawn"} {
		if it := fixtures()[st]; it.Public() || it.Disclosed() {
			t.Errorf("a %s item is public", st)
		}
	}
}

// TestNothingToWithholdWhileNothingIsPublished: withholding and publishing
// again are not offered while the site is off, and refused if asked.
func TestNothingToWithholdWhileNothingIsPublished(t *testing.T) {
	e := env()
	e.Rules.Disclosure.Enabled = false
	it := fixtures()["closed"]
	lead := actors["lead contact"]
	if _, err := RequestWithhold(it, lead, WithholdItem, "涉及个人信息", e); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("asked to withhold from a site that is off: %v", err)
	}
	if _, err := RequestWithhold(it, actors["other deputy"], WithholdItem, "x", e); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("someone who may not see the item: %v", err)
	}
	for _, a := range []Action{ActWithholdItem, ActWithholdReply, ActRepublish} {
		if e.Rules.Offered(a) {
			t.Errorf("%s offered while nothing is published", a)
		}
	}
	if !e.Rules.Offered(ActReply) {
		t.Error("a reply is not offered")
	}
}
