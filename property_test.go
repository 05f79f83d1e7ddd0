package deputybot

import (
	"reflect"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestHandlingInvariants drives random sequences of actions — by random
// people, with valid and invalid input, as time passes — against the
// workflow rules and checks what must always hold.
func TestHandlingInvariants(t *testing.T) {
	actorNames := []string{"author", "other deputy", "co-sponsor", "lead contact", "co contact", "other contact", "office", "supervisor", "leader"}
	reached := map[Status]int{}
	everywhere := []Status{StatusAssigned, StatusInProgress, StatusReplied, StatusRehandling, StatusClosed, StatusReturned}
	missing := func() []Status {
		var out []Status
		for _, st := range everywhere {
			if reached[st] == 0 {
				out = append(out, st)
			}
		}
		return out
	}
	// The walks must get everywhere, or they prove little: batches of
	// random walks are checked until every status has been reached (one
	// batch almost always does), at most ten.
	for batch := 0; batch < 10 && len(missing()) > 0 && !t.Failed(); batch++ {
		checkWalks(t, actorNames, reached)
	}
	if m := missing(); len(m) > 0 {
		t.Errorf("no walk of ten batches reached %v", m)
	}
}

// checkWalks checks one batch of random walks (rapid's number of checks)
// and counts the statuses they reach.
func checkWalks(t *testing.T, actorNames []string, reached map[Status]int) {
	rapid.Check(t, func(t *rapid.T) {
		e := env()
		e.Now = assigned
		it := fixtures()["submitted"]
		det := &ItemDetails{}
		var timeline []Event
		wasClosed := false
		var outcome RatingValue
		steps := rapid.IntRange(1, 120).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			e.Now = e.Now.Add(time.Duration(rapid.IntRange(0, 20*24).Draw(t, "hours")) * time.Hour)
			act := rapid.SampledFrom(weighted).Draw(t, "action")
			// Mostly someone who may plausibly do it, so that walks get far.
			p := actors[rapid.SampledFrom(actorNames).Draw(t, "actor")]
			if rapid.IntRange(0, 9).Draw(t, "plausible") < 8 {
				p = actors[plausible[act]]
			}
			text := "fine text"
			if rapid.IntRange(0, 9).Draw(t, "badText") == 0 {
				text = rapid.SampledFrom([]string{"", "  ", "x\x00y"}).Draw(t, "text")
			}
			day := rapid.IntRange(-3, 200).Draw(t, "day")
			when := EndOfDay(DateOf(e.Now, loc).addDays(day), loc)
			before, beforeDet := clone(it), clone(det)
			oldDeadline, oldFlags, oldCoDeadlines := it.Deadline, len(it.Flags), len(it.CoDepts)
			var evs []Event
			var err error
			var one Event
			switch act {
			case ActAssign:
				one, err = Assign(it, p, AssignInput{Lead: "dLead", CoDepts: []string{"dCo"}, Deadline: rapid.SampledFrom([]time.Time{{}, when}).Draw(t, "deadline")}, e)
			case ActReturnToDeputy:
				one, err = ReturnToDeputy(it, p, text, e)
			case ActSetPeriod:
				one, err = SetPeriod(it, p, rapid.SampledFrom([]Period{PeriodSession, PeriodRecess, "x"}).Draw(t, "period"), e)
			case ActAccept:
				one, err = Accept(it, p, e)
			case ActLogContact:
				one, err = LogContact(it, p, ContactInput{Date: DateOf(e.Now, loc).addDays(-rapid.IntRange(-1, 5).Draw(t, "ago")),
					Method: rapid.SampledFrom([]ContactMethod{MethodPhone, MethodFace, "pigeon"}).Draw(t, "method"),
					Stage:  rapid.SampledFrom([]ContactStage{StageBefore, StageDuring, StageAfter, ""}).Draw(t, "stage"), Note: text}, e)
			case ActReply:
				one, err = SendReply(it, det, p, ReplyInput{Class: rapid.SampledFrom([]ReplyClass{ClassA, ClassB, ClassC, ClassD, "E"}).Draw(t, "class"), Text: text}, e)
			case ActRequestExtend:
				one, err = RequestExtension(it, p, text, e)
			case ActRequestReturn:
				one, err = RequestReturn(it, p, text, e)
			case ActDecideRequest:
				one, err = DecideRequest(it, p, Decision{
					Approve:  rapid.Bool().Draw(t, "approve"),
					Deadline: rapid.SampledFrom([]time.Time{{}, when}).Draw(t, "newDeadline"),
					NewLead:  rapid.SampledFrom([]string{"", "dLead", "dNew"}).Draw(t, "newLead"),
					Override: rapid.Bool().Draw(t, "override"),
				}, e)
			case ActOpinion:
				one, err = SendOpinion(it, det, p, text, e)
			case ActProgress:
				one, err = PostProgress(it, det, p, text, rapid.Bool().Draw(t, "met"), e)
			case ActConfirmContact:
				one, err = ConfirmContact(it, p, rapid.IntRange(0, 3).Draw(t, "n"), rapid.Bool().Draw(t, "yes"), "No call came.", e)
			case ActRate:
				round := it.Round
				if rapid.IntRange(0, 4).Draw(t, "wrongRound") == 0 {
					round = rapid.IntRange(0, 3).Draw(t, "round")
				}
				values := []RatingValue{Satisfied, Basic, Unsatisfied, Unsatisfied, Unsatisfied, Unrated, ""}
				evs, err = Rate(it, p, round, RatingInput{
					Attitude: rapid.SampledFrom(values).Draw(t, "attitude"),
					Result:   rapid.SampledFrom(values).Draw(t, "value"), Comment: text}, e)
			case ActFlag:
				one, err = FlagReply(it, p, FlagInput{Category: rapid.SampledFrom([]FlagCategory{FlagEvasive, "bad"}).Draw(t, "cat"),
					Deadline: rapid.SampledFrom([]time.Time{{}, when}).Draw(t, "flagDeadline")}, e)
			case ActCorrect:
				one, err = CorrectReply(it, det, p, ReplyInput{Class: ClassA, Text: text}, e)
			case ActSetTargets:
				one, err = SetTargets(it, p, []Target{{Name: "target", Goal: rapid.IntRange(-1, 500).Draw(t, "goal")}}, e)
			case ActTargetProgress:
				one, err = UpdateTarget(it, p, rapid.IntRange(0, 2).Draw(t, "target"), rapid.IntRange(-1, 600).Draw(t, "done"), e)
			case ActWithholdItem, ActWithholdReply:
				scope := WithholdItem
				if act == ActWithholdReply {
					scope = WithholdReply
				}
				one, err = RequestWithhold(it, p, scope, text, e)
			case ActRepublish:
				one, err = Republish(it, p, e)
			}
			if err == nil && rapid.IntRange(0, 9).Draw(t, "scheduler") == 0 {
				// The scheduler closes unrated items now and then — and may
				// act on a stale view: on any other status it must refuse.
				st := it.Status
				if ce, cerr := CloseUnrated(it, e); cerr == nil {
					if st != StatusReplied {
						t.Fatalf("step %d: closed unrated from %s", i, st)
					}
					evs = append(evs, ce)
				}
			}
			if err != nil {
				if !reflect.DeepEqual(it, before) || !reflect.DeepEqual(det, beforeDet) {
					t.Fatalf("step %d: refused %s (%v) changed the item", i, act, err)
				}
				continue
			}
			if one.Type != "" {
				evs = append([]Event{one}, evs...)
			}
			timeline = append(timeline, evs...)
			reached[it.Status]++

			// A deadline is never in the past when set.
			if it.Deadline != oldDeadline && !it.Deadline.After(e.Now) {
				t.Fatalf("step %d: %s set the deadline %v in the past (now %v)", i, act, it.Deadline, e.Now)
			}
			if len(it.Flags) > oldFlags && !it.Flags[len(it.Flags)-1].Deadline.After(e.Now) {
				t.Fatalf("step %d: a rectification deadline in the past", i)
			}
			if len(it.CoDepts) > 0 && oldCoDeadlines == 0 && !it.CoDepts[0].Deadline.After(e.Now) {
				t.Fatalf("step %d: a co-department deadline in the past", i)
			}
			// A closed item never reopens, and its outcome never changes.
			if wasClosed && (it.Status != StatusClosed || it.Outcome != outcome) {
				t.Fatalf("step %d: %s reopened a closed item (now %s)", i, act, it.Status)
			}
			if it.Status == StatusClosed && !wasClosed {
				wasClosed, outcome = true, it.Outcome
			}
			checkState(t, i, it, det, timeline)
		}
	})
}

// weighted repeats the actions that move an item along, so that random
// walks reach rehandling and closing often.
var weighted = append(append([]Action{}, HandlingActions...), ActAssign, ActLogContact, ActReply, ActReply, ActRate, ActRate, ActRate)

// plausible names, for each action, the actor who may do it.
var plausible = map[Action]string{
	ActAssign: "office", ActReturnToDeputy: "office", ActSetPeriod: "office", ActAccept: "lead contact",
	ActLogContact: "lead contact", ActReply: "lead contact", ActRequestExtend: "lead contact",
	ActRequestReturn: "lead contact", ActDecideRequest: "office", ActOpinion: "co contact",
	ActProgress: "lead contact", ActConfirmContact: "author", ActRate: "author", ActFlag: "supervisor",
	ActCorrect: "lead contact", ActSetTargets: "office", ActTargetProgress: "lead contact",
	ActWithholdItem: "lead contact", ActWithholdReply: "lead contact", ActRepublish: "office",
}

func checkState(t *rapid.T, step int, it *Item, det *ItemDetails, timeline []Event) {
	count := map[string]int{}
	for _, e := range timeline {
		count[e.Type]++
	}
	// Every reply round has at most one rating, of a round that was replied.
	rated := map[int]bool{}
	for _, r := range it.Ratings {
		if rated[r.Round] {
			t.Fatalf("step %d: round %d rated twice", step, r.Round)
		}
		rated[r.Round] = true
		if r.Round > len(it.Replies) {
			t.Fatalf("step %d: round %d rated before its reply", step, r.Round)
		}
	}
	if len(it.Replies) > 2 || it.Round > 2 {
		t.Fatalf("step %d: %d replies, round %d", step, len(it.Replies), it.Round)
	}
	corrections := 0
	for _, r := range it.Replies {
		corrections += r.Corrected
	}
	// The timeline's counts match the state.
	for typ, n := range map[string]int{
		EvReplied:           len(it.Replies),
		EvRated:             len(it.Ratings),
		EvContactLogged:     len(it.Contacts),
		EvFlagged:           len(it.Flags),
		EvCorrected:         corrections,
		EvExtensionApproved: it.Extensions,
		EvOpinion:           len(det.Opinions),
		EvProgress:          len(det.Progress),
	} {
		if count[typ] != n {
			t.Fatalf("step %d: %d %q events, state says %d", step, count[typ], typ, n)
		}
	}
	if closed := count[EvClosed]; closed > 1 || (closed == 1) != (it.Status == StatusClosed) {
		t.Fatalf("step %d: %d close events, status %s", step, closed, it.Status)
	}
	if len(det.Replies) != len(it.Replies)+corrections {
		t.Fatalf("step %d: %d reply texts for %d replies and %d corrections", step, len(det.Replies), len(it.Replies), corrections)
	}
	if it.Status == StatusReplied && (it.LatestReply() == nil || it.LatestReply().Round != it.Round || it.RatingOf(it.Round) != nil) {
		t.Fatalf("step %d: replied without an unrated reply of round %d", step, it.Round)
	}
}
