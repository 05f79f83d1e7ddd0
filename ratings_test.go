package deputybot

import (
	"errors"
	"testing"
)

// TestTwoRatingsAndTheCoDepartments: a reply is rated twice or not at
// all; a reason is asked when either is unsatisfied, the result decides
// what follows; each co-department whose opinion the reply drew on may be
// rated once, by the deputy only, after the reply itself.
func TestTwoRatingsAndTheCoDepartments(t *testing.T) {
	e := env()
	author, co := actors["author"], actors["co contact"]
	replied := func() *Item {
		it := fixtures()["replied"]
		it.Replies[len(it.Replies)-1].CoDepts = []string{"dCo"}
		return it
	}
	for _, tc := range []struct {
		name string
		in   RatingInput
		key  string
	}{
		{"one rating only", RatingInput{Result: Satisfied}, "err.rating_unknown"},
		{"handling unsatisfied without a reason", RatingInput{Attitude: Unsatisfied, Result: Satisfied}, "err.reason_required"},
		{"unrated is not a rating", RatingInput{Attitude: Unrated, Result: Satisfied}, "err.rating_unknown"},
	} {
		it := replied()
		before := it.Clone()
		_, err := Rate(it, author, it.Round, tc.in, e)
		if errorKey(err) != tc.key || len(it.Ratings) != len(before.Ratings) || it.Status != before.Status {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// The handling unsatisfied, the result basic: closed, both kept.
	it := replied()
	if _, err := Rate(it, author, it.Round, RatingInput{Attitude: Unsatisfied, Result: Basic, Comment: "never called"}, e); err != nil {
		t.Fatal(err)
	}
	if rt := it.RatingOf(it.Round); it.Status != StatusClosed || it.Outcome != Basic || rt.Attitude != Unsatisfied || rt.Value != Basic {
		t.Fatalf("%s %s %+v", it.Status, it.Outcome, rt)
	}
	// The co-department: not by its own contact, not one the reply did
	// not draw on, once.
	if _, err := RateCoDept(it, co, it.Round, "dCo", Satisfied, e); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("a co-department rating itself: %v", err)
	}
	if _, err := RateCoDept(it, author, it.Round, "dOther", Satisfied, e); errorKey(err) != "err.codept_not_rated" {
		t.Fatalf("a department the reply did not draw on: %v", err)
	}
	if _, err := RateCoDept(it, author, it.Round, "dCo", Unsatisfied, e); err != nil {
		t.Fatal(err)
	}
	if _, err := RateCoDept(it, author, it.Round, "dCo", Satisfied, e); errorKey(err) != "err.already_rated" {
		t.Fatalf("rated twice: %v", err)
	}
	if cr := it.RatingOf(it.Round).CoRating("dCo"); cr == nil || cr.Value != Unsatisfied {
		t.Fatalf("the co-department's rating: %+v", cr)
	}
	// Before the reply is rated, its co-departments are not.
	it = replied()
	if _, err := RateCoDept(it, author, it.Round, "dCo", Satisfied, e); errorKey(err) != "err.rate_reply_first" {
		t.Fatalf("before the reply's rating: %v", err)
	}
}

// TestContactStagesAndNeeds: before the reply the department says the
// stage; after it a contact is a follow-up whatever it says; the rules'
// needs block a reply until met, a disputed contact meeting none.
func TestContactStagesAndNeeds(t *testing.T) {
	e := env()
	lead := actors["lead contact"]
	it := fixtures()["in_progress"]
	if _, err := LogContact(it, lead, ContactInput{Date: DateOf(e.Now, loc), Method: MethodPhone}, e); errorKey(err) != "err.stage_unknown" {
		t.Fatalf("no stage before the reply: %v", err)
	}
	if _, err := LogContact(it, lead, ContactInput{Date: DateOf(e.Now, loc), Method: MethodVisit, Stage: StageBefore}, e); errorKey(err) != "err.method_unknown" {
		t.Fatalf("a form no longer offered: %v", err)
	}
	e.Rules.ContactsBeforeReply = []ContactNeed{NeedBefore, NeedFace}
	// The fixture's contact is by phone, with no stage (as schema 6 had).
	if err := ReplyBlocked(it, e.Rules); errorKey(err) != "err.contact_need_before" {
		t.Fatalf("no contact before the work: %v", err)
	}
	if _, err := LogContact(it, lead, ContactInput{Date: DateOf(e.Now, loc), Method: MethodSite, Stage: StageBefore}, e); err != nil {
		t.Fatal(err)
	}
	if err := ReplyBlocked(it, e.Rules); err != nil || !it.MetFaceToFace() {
		t.Fatalf("before the work and face to face: %v", err)
	}
	it.Contacts[1].State = ContactDisputed
	if err := ReplyBlocked(it, e.Rules); errorKey(err) != "err.contact_need_before" || it.MetFaceToFace() {
		t.Fatalf("a disputed contact meets no need: %v", err)
	}
	// After the reply: a follow-up, even on a closed item.
	it = fixtures()["closed"]
	if _, err := LogContact(it, lead, ContactInput{Date: DateOf(e.Now, loc), Method: MethodPhone, Stage: StageBefore}, e); err != nil {
		t.Fatal(err)
	}
	if c := it.Contacts[len(it.Contacts)-1]; c.Stage != StageAfter || !it.FollowedUp() {
		t.Fatalf("after the reply: %+v", c)
	}
}

// errorKey is a domain error's message key ("" for nil or another error).
func errorKey(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Key
	}
	return ""
}
