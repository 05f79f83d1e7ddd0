package deputybot

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWhoIsToldOfWhat checks the audience table of SPEC §4 for every
// event: each change is made by the domain's own operation on an item in
// the right state, and Notices says who is told of it.
func TestWhoIsToldOfWhat(t *testing.T) {
	e := env()
	e.Now = assigned.Add(48 * time.Hour)
	p := func(name string) *Person { return actors[name] }
	withCo := func(it *Item) *Item {
		it.CoSponsors = []CoSponsor{{PersonID: "cosponsor", State: CoSponsorInvited}}
		return it
	}
	cases := []struct {
		name    string
		fixture string
		prepare func(*Item)
		change  func(it *Item, det *ItemDetails) ([]Event, error)
		want    []string // "what→audience", in order
	}{
		{"submitted, co-sponsors asked", "draft", func(it *Item) { withCo(it) },
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				ev, _, err := Submit(it, p("author"), e.Rules, e.Now)
				return []Event{ev}, err
			}, []string{"cosponsor_request→asked_cosponsors", "new_item→office"}},
		{"motion waiting for co-sponsors", "draft", func(it *Item) { withCo(it).Kind = KindMotion; e.Rules.MotionSigners = 2 },
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				defer func() { e.Rules.MotionSigners = 1 }()
				ev, _, err := Submit(it, p("author"), e.Rules, e.Now)
				return []Event{ev}, err
			}, []string{"cosponsor_request→asked_cosponsors"}},
		{"withdrawn", "submitted", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) { return one(Withdraw(it, p("author"), e.Now)) },
			[]string{"withdrawn→office"}},
		{"co-sponsor confirms", "submitted", func(it *Item) { withCo(it) },
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				evs, _, err := AnswerCoSponsor(it, p("co-sponsor"), true, "", e.Rules, e.Now)
				return evs, err
			}, []string{"cosponsor_answer→author"}},
		{"assigned with a co-department and a leader", "submitted", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(Assign(it, p("office"), AssignInput{Lead: "dLead", CoDepts: []string{"dCo"}, Leader: "leader"}, e))
			}, []string{"assigned_deputy→author", "assigned_lead→lead", "assigned_co→dept:dCo", "status→leader"}},
		{"returned to the deputy", "submitted", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) { return one(ReturnToDeputy(it, p("office"), "no", e)) },
			[]string{"returned→author"}},
		{"contact logged", "assigned", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(LogContact(it, p("lead contact"), ContactInput{Date: DateOf(e.Now, loc), Method: MethodPhone, Stage: StageBefore}, e))
			}, []string{"contact_confirm→author", "status→leader"}},
		{"contact disputed", "in_progress", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(ConfirmContact(it, p("author"), 1, false, "No call came.", e))
			},
			[]string{"contact_disputed→lead"}},
		{"contact confirmed", "in_progress", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(ConfirmContact(it, p("author"), 1, true, "", e))
			},
			[]string{"contact_confirmed→lead"}},
		{"submitted with confirmed co-sponsors", "draft", func(it *Item) {
			it.CoSponsors = []CoSponsor{{PersonID: "cosponsor", State: CoSponsorConfirmed, Asked: true}}
		},
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				ev, _, err := Submit(it, p("author"), e.Rules, e.Now)
				return []Event{ev}, err
			}, []string{"new_item→office", "submitted_cosponsor→cosponsors"}},
		{"replied", "in_progress", nil,
			func(it *Item, det *ItemDetails) ([]Event, error) {
				return one(SendReply(it, det, p("lead contact"), ReplyInput{Class: ClassA, Text: "done"}, e))
			}, []string{"reply→author", "reply_cosponsor→cosponsors", "status→leader"}},
		{"opinion", "assigned", nil,
			func(it *Item, det *ItemDetails) ([]Event, error) {
				return one(SendOpinion(it, det, p("co contact"), "we agree", e))
			},
			[]string{"opinion→lead"}},
		{"extension asked", "assigned", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(RequestExtension(it, p("lead contact"), "complex", e))
			},
			[]string{"request→office"}},
		{"return asked", "assigned", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(RequestReturn(it, p("lead contact"), "not ours", e))
			},
			[]string{"request→office"}},
		{"extension approved", "requested", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(DecideRequest(it, p("office"), Decision{Approve: true}, e))
			},
			[]string{"extended_deputy→author", "extension_approved→lead"}},
		{"extension refused", "requested", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(DecideRequest(it, p("office"), Decision{}, e))
			},
			[]string{"request_refused→lead"}},
		{"reassigned", "requested", func(it *Item) { it.Request.Kind = KindReturnRequest },
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(DecideRequest(it, p("office"), Decision{Approve: true, NewLead: "dOther"}, e))
			}, []string{"reassigned_from→former_lead", "assigned_lead→lead", "reassigned_deputy→author", "status→leader"}},
		{"returned on the department's request", "requested", func(it *Item) { it.Request.Kind = KindReturnRequest },
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(DecideRequest(it, p("office"), Decision{Approve: true}, e))
			},
			[]string{"returned→author", "return_granted→lead", "status→leader"}},
		{"rated satisfied", "replied", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return Rate(it, p("author"), 1, RatingInput{Attitude: Satisfied, Result: Satisfied}, e)
			},
			[]string{"rated→lead", "closed→author", "status→leader"}},
		{"rated unsatisfied", "replied", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return Rate(it, p("author"), 1, RatingInput{Attitude: Basic, Result: Unsatisfied, Comment: "vague"}, e)
			},
			[]string{"rated→lead", "unsatisfied→office", "rehandling→lead", "status→leader"}},
		{"closed unrated", "replied", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) { return one(CloseUnrated(it, e)) },
			[]string{"closed→author", "status→leader"}},
		{"flagged", "replied", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(FlagReply(it, p("supervisor"), FlagInput{Category: FlagEvasive}, e))
			}, []string{"flagged→lead"}},
		{"corrected", "flagged", nil,
			func(it *Item, det *ItemDetails) ([]Event, error) {
				return one(CorrectReply(it, det, p("lead contact"), ReplyInput{Class: ClassA, Text: "better"}, e))
			}, []string{"reply→author", "corrected_flagger→persons"}},
		{"progress", "replied", nil,
			func(it *Item, det *ItemDetails) ([]Event, error) {
				return one(PostProgress(it, det, p("lead contact"), "half done", false, e))
			}, []string{"progress→author"}},
		{"target progress", "motion", nil,
			func(it *Item, _ *ItemDetails) ([]Event, error) {
				return one(UpdateTarget(it, p("lead contact"), 1, 40, e))
			},
			[]string{"target_progress→author", "target_progress→leader"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := fixtures()[c.fixture]
			if c.prepare != nil {
				c.prepare(it)
			}
			before := *it
			before.CoSponsors = slices.Clone(it.CoSponsors)
			det := &ItemDetails{Replies: []ReplyText{{Round: 1, Text: "first"}}}
			evs, err := c.change(it, det)
			if err != nil {
				t.Fatalf("the change was refused: %v", err)
			}
			var got []string
			for _, n := range Notices(&before, it, evs) {
				to := string(n.To)
				if n.To == ToDept {
					to += ":" + n.Dept
				}
				got = append(got, n.What+"→"+to)
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("told %v, want %v", got, c.want)
			}
		})
	}
}

func one(ev Event, err error) ([]Event, error) {
	if err != nil {
		return nil, err
	}
	return []Event{ev}, nil
}

func TestReminderAudiences(t *testing.T) {
	for kind, want := range map[string][]Audience{
		RemindReply: {ToDept}, RemindOpinion: {ToDept}, RemindRectify: {ToDept},
		RemindRate: {ToAuthor}, RemindEscalate: {ToSupervisors, ToLeader},
	} {
		if got := (Reminder{Kind: kind}).Audience(); !slices.Equal(got, want) {
			t.Errorf("%s reminders go to %v, want %v", kind, got, want)
		}
	}
}
