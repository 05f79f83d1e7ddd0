package deputybot

import (
	"errors"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"
)

var (
	loc      = time.UTC
	assigned = time.Date(2026, 3, 2, 2, 0, 0, 0, loc) // a Monday
	testNow  = time.Date(2026, 3, 4, 2, 0, 0, 0, loc) // two working days later
)

func testRules() *Rules {
	r := DefaultRules(loc)
	r.MotionSigners = 1
	r.Disclosure.Enabled = true
	return &r
}

func env() Env { return Env{Rules: testRules(), Calendar: &Calendar{}, Now: testNow} }

// The actors of the matrix.
var actors = map[string]*Person{
	"author":        {ID: "author", State: PersonActive, Roles: []Role{RoleDeputy}},
	"other deputy":  {ID: "deputy2", State: PersonActive, Roles: []Role{RoleDeputy}},
	"co-sponsor":    {ID: "cosponsor", State: PersonActive, Roles: []Role{RoleDeputy}},
	"lead contact":  {ID: "lead", State: PersonActive, Roles: []Role{RoleContact}, DepartmentID: "dLead"},
	"co contact":    {ID: "co", State: PersonActive, Roles: []Role{RoleContact}, DepartmentID: "dCo"},
	"other contact": {ID: "xc", State: PersonActive, Roles: []Role{RoleContact}, DepartmentID: "dOther"},
	"office":        {ID: "office", State: PersonActive, Roles: []Role{RoleOffice}},
	"supervisor":    {ID: "sup", State: PersonActive, Roles: []Role{RoleSupervisor}},
	"leader":        {ID: "leader", State: PersonActive, Roles: []Role{RoleLeader}},
	"other leader":  {ID: "leader2", State: PersonActive, Roles: []Role{RoleLeader}},
}

// fixtures are items in every status (and the sub-states that matter).
func fixtures() map[string]*Item {
	base := func(st Status) *Item {
		return &Item{ID: "i", Kind: KindSuggestion, Year: 2026, Seq: 1, Title: "t", Category: "other", AuthorID: "author",
			CoSponsors: []CoSponsor{{PersonID: "cosponsor", State: CoSponsorConfirmed}}, Status: st,
			Period: PeriodRecess, SubmittedAt: assigned.Add(-time.Hour), Version: 3}
	}
	handled := func(st Status) *Item {
		it := base(st)
		it.LeadDept, it.LeaderID, it.AssignedAt, it.Round = "dLead", "leader", assigned, 1
		it.Deadline = EndOfDay(Date{2026, 6, 2}, loc)
		it.CoDepts = []CoDept{{Dept: "dCo", Deadline: EndOfDay(Date{2026, 4, 2}, loc)}}
		return it
	}
	contact := func(state ContactState) []ContactLog {
		return []ContactLog{{N: 1, Date: "2026-03-03", Method: MethodPhone, By: "lead", Dept: "dLead", Round: 1, State: state}}
	}
	f := map[string]*Item{}
	f["draft"] = base(StatusDraft)
	f["draft"].Seq, f["draft"].Year = 0, 0
	f["submitted"] = base(StatusSubmitted)
	f["returned"] = base(StatusReturned)
	f["withdrawn"] = base(StatusWithdrawn)
	f["assigned"] = handled(StatusAssigned)
	f["in_progress"] = handled(StatusInProgress)
	f["in_progress"].Contacts = contact(ContactPending)
	f["requested"] = handled(StatusInProgress)
	f["requested"].Contacts = contact(ContactPending)
	f["requested"].Request = &Request{Kind: KindExtensionRequest, By: "lead", Reason: "complex"}
	f["replied"] = handled(StatusReplied)
	f["replied"].Contacts = contact(ContactConfirmed)
	f["replied"].Replies = []Reply{{Round: 1, Class: ClassB, By: "lead"}}
	f["replied"].PromiseOpen = true
	f["flagged"] = handled(StatusReplied)
	f["flagged"].Contacts = contact(ContactConfirmed)
	f["flagged"].Replies = []Reply{{Round: 1, Class: ClassB, By: "lead"}}
	f["flagged"].PromiseOpen = true
	f["flagged"].Flags = []QualityFlag{{N: 1, Round: 1, Category: FlagEvasive, By: "sup", Deadline: EndOfDay(Date{2026, 3, 20}, loc)}}
	f["rehandling"] = handled(StatusRehandling)
	f["rehandling"].Round = 2
	f["rehandling"].Contacts = contact(ContactConfirmed)
	f["rehandling"].Replies = []Reply{{Round: 1, Class: ClassA, By: "lead"}}
	f["rehandling"].Ratings = []Rating{{Round: 1, Value: Unsatisfied, Comment: "no"}}
	f["closed"] = handled(StatusClosed)
	f["closed"].Contacts = contact(ContactConfirmed)
	f["closed"].Replies = []Reply{{Round: 1, Class: ClassB, By: "lead"}}
	f["closed"].Ratings = []Rating{{Round: 1, Value: Satisfied}}
	f["closed"].PromiseOpen = true
	f["closed"].Outcome = Satisfied
	f["motion"] = handled(StatusInProgress)
	f["motion"].Kind = KindMotion
	f["motion"].Targets = []Target{{N: 1, Name: "compounds renovated", Goal: 302, Done: 20}}
	return f
}

// do runs one action with valid input.
func do(act Action, it *Item, det *ItemDetails, p *Person, e Env) error {
	var err error
	switch act {
	case ActView:
		if !CanView(p, it) {
			err = Errorf(ENOTFOUND, "err.item_not_found")
		}
	case ActEditDraft, ActDeleteDraft:
		err = Check(p, it, act)
	case ActSubmit:
		_, _, err = Submit(it, p, e.Rules, e.Now)
	case ActWithdraw:
		_, err = Withdraw(it, p, e.Now)
	case ActAssign:
		_, err = Assign(it, p, AssignInput{Lead: "dLead", CoDepts: []string{"dCo"}, Leader: "leader"}, e)
	case ActReturnToDeputy:
		_, err = ReturnToDeputy(it, p, "outside the remit", e)
	case ActChangeAssignment:
		_, err = ChangeAssignment(it, p, AssignInput{Lead: "dOther", CoDepts: []string{"dCo"}}, e)
	case ActRevise:
		_, err = Revise(it, p, e)
	case ActSetPeriod:
		_, err = SetPeriod(it, p, PeriodSession, e)
	case ActAccept:
		_, err = Accept(it, p, e)
	case ActLogContact:
		_, err = LogContact(it, p, ContactInput{Date: DateOf(e.Now, loc), Method: MethodFace, Stage: StageBefore}, e)
	case ActReply:
		_, err = SendReply(it, det, p, ReplyInput{Class: ClassA, Text: "done"}, e)
	case ActRequestExtend:
		_, err = RequestExtension(it, p, "needs budget", e)
	case ActRequestReturn:
		_, err = RequestReturn(it, p, "not ours", e)
	case ActDecideRequest:
		_, err = DecideRequest(it, p, Decision{Approve: false}, e)
	case ActOpinion:
		_, err = SendOpinion(it, det, p, "our part", e)
	case ActProgress:
		_, err = PostProgress(it, det, p, "half done", false, e)
	case ActReportPromise:
		_, err = ReportPromise(it, p, 1, PromiseKept, "done", e)
	case ActConfirmContact:
		_, err = ConfirmContact(it, p, 1, true, "", e)
	case ActRate:
		_, err = Rate(it, p, it.Round, RatingInput{Attitude: Satisfied, Result: Satisfied}, e)
	case ActFlag:
		_, err = FlagReply(it, p, FlagInput{Category: FlagEvasive}, e)
	case ActCorrect:
		_, err = CorrectReply(it, det, p, ReplyInput{Class: ClassA, Text: "corrected"}, e)
	case ActSetTargets:
		_, err = SetTargets(it, p, []Target{{Name: "compounds", Goal: 302}}, e)
	case ActTargetProgress:
		_, err = UpdateTarget(it, p, 1, 54, e)
	case ActWithholdItem:
		_, err = RequestWithhold(it, p, WithholdItem, "personal data", e)
	case ActWithholdReply:
		_, err = RequestWithhold(it, p, WithholdReply, "classified", e)
	case ActRepublish:
		_, err = Republish(it, p, e)
	case ActUngroup:
		_, err = Ungroup(it, p, 0, e)
	case ActLinkThread:
		earlier := &Item{ID: "earlier", Year: it.Year - 1, Seq: 1}
		_, err = LinkThread(it, earlier, p, nil, e)
	default:
		panic("no input for " + act)
	}
	return err
}

// allowed is the expected matrix, written out independently of Check:
// action → fixture → the actors who may.
var allowed = map[Action]map[string][]string{
	ActView: func() map[string][]string {
		m := map[string][]string{"draft": {"author", "co-sponsor"}, "submitted": {"author", "co-sponsor", "office", "supervisor"}}
		for _, st := range []string{"returned", "withdrawn"} {
			m[st] = []string{"author", "co-sponsor", "office", "supervisor"}
		}
		for _, st := range []string{"assigned", "in_progress", "requested", "replied", "flagged", "rehandling", "closed", "motion"} {
			m[st] = []string{"author", "co-sponsor", "office", "supervisor", "lead contact", "co contact", "leader"}
		}
		return m
	}(),
	ActEditDraft:      {"draft": {"author"}},
	ActDeleteDraft:    {"draft": {"author"}},
	ActSubmit:         {"draft": {"author"}},
	ActWithdraw:       {"submitted": {"author"}},
	ActAssign:         {"submitted": {"office"}},
	ActReturnToDeputy: {"submitted": {"office"}},
	// Before the first reply, with no request pending.
	ActChangeAssignment: {"assigned": {"office"}, "in_progress": {"office"}, "motion": {"office"}},
	ActRevise:           {"returned": {"author"}},
	ActSetPeriod: {"submitted": {"office"}, "returned": {"office"}, "withdrawn": {"office"}, "assigned": {"office"},
		"in_progress": {"office"}, "requested": {"office"}, "replied": {"office"}, "flagged": {"office"},
		"rehandling": {"office"}, "closed": {"office"}, "motion": {"office"}},
	ActAccept: {"assigned": {"lead contact"}},
	// A closed item that was replied to takes follow-up contacts (回访).
	ActLogContact: {"assigned": {"lead contact"}, "in_progress": {"lead contact"}, "requested": {"lead contact"},
		"replied": {"lead contact"}, "flagged": {"lead contact"}, "rehandling": {"lead contact"}, "motion": {"lead contact"},
		"closed": {"lead contact"}},
	// Not in "assigned": no contact has been logged yet.
	ActReply:          {"in_progress": {"lead contact"}, "requested": {"lead contact"}, "rehandling": {"lead contact"}},
	ActRequestExtend:  {"assigned": {"lead contact"}, "in_progress": {"lead contact"}, "rehandling": {"lead contact"}, "motion": {"lead contact"}},
	ActRequestReturn:  {"assigned": {"lead contact"}, "in_progress": {"lead contact"}, "motion": {"lead contact"}},
	ActDecideRequest:  {"requested": {"office"}},
	ActOpinion:        {"assigned": {"co contact"}, "in_progress": {"co contact"}, "requested": {"co contact"}, "motion": {"co contact"}},
	ActProgress:       {"replied": {"lead contact"}, "flagged": {"lead contact"}, "closed": {"lead contact"}},
	ActConfirmContact: {"in_progress": {"author"}, "requested": {"author"}},
	ActRate:           {"replied": {"author"}, "flagged": {"author"}},
	ActFlag:           {"replied": {"supervisor"}, "rehandling": {"supervisor"}, "closed": {"supervisor"}},
	ActCorrect:        {"flagged": {"lead contact"}},
	// Targets are a motion's; the fixtures are suggestions except "motion".
	ActSetTargets:     {"motion": {"office"}},
	ActTargetProgress: {"motion": {"lead contact"}},
	// Anything published may be asked to be withheld, one request at a
	// time; a reply once there is one.
	ActWithholdItem: {"assigned": {"lead contact"}, "in_progress": {"lead contact"}, "replied": {"lead contact"},
		"flagged": {"lead contact"}, "rehandling": {"lead contact"}, "closed": {"lead contact"}, "motion": {"lead contact"}},
	ActWithholdReply: {"replied": {"lead contact"}, "flagged": {"lead contact"}, "rehandling": {"lead contact"}, "closed": {"lead contact"}},
	// No fixture is withheld: nothing to publish again (TestWithholding).
	ActRepublish: {},
	// No fixture has promises (TestPromisesFollowedToTheEnd).
	ActReportPromise: {},
	// No fixture is in a group (TestGroupsAndThreads).
	ActUngroup: {},
	// Any item handed to departments, not yet in a thread.
	ActLinkThread: {"assigned": {"office"}, "in_progress": {"office"}, "requested": {"office"}, "replied": {"office"},
		"flagged": {"office"}, "rehandling": {"office"}, "closed": {"office"}, "motion": {"office"}},
}

func TestAuthorisationMatrix(t *testing.T) {
	acts := []Action{ActView, ActEditDraft, ActDeleteDraft, ActSubmit, ActWithdraw}
	acts = append(acts, HandlingActions...)
	names := func(m map[string]*Item) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}(fixtures())
	checked, granted := 0, 0
	for _, act := range acts {
		exp, ok := allowed[act]
		if !ok {
			t.Fatalf("no expectation for %s", act)
		}
		for _, fx := range names {
			for who, p := range actors {
				it := fixtures()[fx]
				det := &ItemDetails{}
				before, beforeDet := clone(it), clone(det)
				err := do(act, it, det, p, env())
				want := slices.Contains(exp[fx], who)
				checked++
				if want {
					granted++
					if err != nil {
						t.Errorf("%s by %s on %s: refused (%v), want allowed", act, who, fx, err)
					}
					continue
				}
				var de *Error
				if err == nil {
					t.Errorf("%s by %s on %s: allowed, want refused", act, who, fx)
				} else if !errors.As(err, &de) || de.Key == "" || de.Code == EINTERNAL {
					t.Errorf("%s by %s on %s: %v is not a clear refusal", act, who, fx, err)
				}
				if !reflect.DeepEqual(it, before) || !reflect.DeepEqual(det, beforeDet) {
					t.Errorf("%s by %s on %s: refused but changed the item", act, who, fx)
				}
				if !CanView(p, before) && act != ActView && de != nil && de.Code != ENOTFOUND {
					t.Errorf("%s by %s on %s: someone who may not see the item learns it exists (%s)", act, who, fx, de.Key)
				}
			}
		}
	}
	t.Logf("%d combinations, %d allowed", checked, granted)
}

func clone[T any](x *T) *T {
	c := *x
	v := reflect.ValueOf(&c).Elem()
	deepCopy(v)
	return &c
}

// deepCopy replaces the slices and pointers reachable from v by copies.
func deepCopy(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				deepCopy(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(n, v)
		for i := 0; i < n.Len(); i++ {
			deepCopy(n.Index(i))
		}
		v.Set(n)
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		n := reflect.New(v.Elem().Type())
		n.Elem().Set(v.Elem())
		deepCopy(n.Elem())
		v.Set(n)
	case reflect.Map:
		if v.IsNil() {
			return
		}
		n := reflect.MakeMap(v.Type())
		for _, k := range v.MapKeys() {
			n.SetMapIndex(k, v.MapIndex(k))
		}
		v.Set(n)
	}
}

func TestDeadlines(t *testing.T) {
	e := env()
	if got := DateOf(e.DefaultDeadline(KindSuggestion), loc).String(); got != "2026-06-04" {
		t.Fatalf("suggestion deadline %s", got)
	}
	if got := DateOf(e.DefaultDeadline(KindMotion), loc).String(); got != "2026-09-04" {
		t.Fatalf("motion deadline %s", got)
	}
	if AddMonths(Date{2026, 11, 30}, 3) != (Date{2027, 2, 28}) || AddMonths(Date{2026, 1, 31}, 1) != (Date{2026, 2, 28}) {
		t.Fatal("AddMonths does not clamp to the month's end")
	}
	d := e.DefaultDeadline(KindSuggestion)
	if d.Hour() != 23 || d.Minute() != 59 {
		t.Fatalf("a deadline is the end of its day: %v", d)
	}
	it := fixtures()["submitted"]
	if _, err := Assign(it, actors["office"], AssignInput{Lead: "d", Deadline: EndOfDay(DateOf(testNow, loc), loc)}, e); ErrorCode(err) != EINVALID {
		t.Fatal("a deadline of today accepted")
	}
	if _, err := Assign(it, actors["office"], AssignInput{Lead: "d", Deadline: EndOfDay(Date{2026, 9, 5}, loc)}, e); ErrorCode(err) != EINVALID {
		t.Fatal("a suggestion deadline beyond six months accepted")
	}
	if _, err := Assign(it, actors["office"], AssignInput{Lead: "d", CoDepts: []string{"d"}}, e); ErrorCode(err) != EINVALID {
		t.Fatal("lead as co-department accepted")
	}
	if _, err := Assign(it, actors["office"], AssignInput{Lead: "d", CoDepts: []string{"c"}}, e); err != nil {
		t.Fatal(err)
	}
	if DateOf(it.CoDepts[0].Deadline, loc).String() != "2026-04-04" {
		t.Fatalf("co-department deadline %v", it.CoDepts[0].Deadline)
	}
	if e.DaysLeft(it.Deadline) != 92 {
		t.Fatalf("days left %d", e.DaysLeft(it.Deadline))
	}
}

func TestReturnWindowInWorkingDays(t *testing.T) {
	cal, problems := ParseCalendar("# 2026\n2026-03-05..2026-03-06 holiday test\n2026-03-07 workday 调休\n", 2026)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	e := env()
	e.Calendar = cal
	it := fixtures()["assigned"] // assigned Monday 2 March
	// Working days after 2 March: 3, 4, (5, 6 off), 7 (Saturday, worked),
	// (8 Sunday), 9, 10, 11, 12 → the 7th working day is 12 March.
	e.Now = time.Date(2026, 3, 12, 10, 0, 0, 0, loc)
	if !ReturnWindowOpen(it, e) {
		t.Fatal("window closed on the 7th working day")
	}
	e.Now = time.Date(2026, 3, 13, 10, 0, 0, 0, loc)
	if ReturnWindowOpen(it, e) {
		t.Fatal("window open on the 8th working day")
	}
	if _, err := RequestReturn(it, actors["lead contact"], "not ours", e); err != nil || !it.Request.Late {
		t.Fatalf("late request: %v %+v", err, it.Request)
	}
	if _, err := DecideRequest(it, actors["office"], Decision{Approve: true}, e); ErrorCode(err) != ECONFLICT {
		t.Fatal("late return granted without override")
	}
	if _, err := DecideRequest(it, actors["office"], Decision{Approve: true, NewLead: "dNew", Override: true}, e); err != nil {
		t.Fatal(err)
	}
	if it.LeadDept != "dNew" || it.Status != StatusAssigned || it.Request != nil {
		t.Fatalf("reassigned %+v", it)
	}
	if cal.AddWorkdays(Date{2026, 3, 2}, 7) != (Date{2026, 3, 12}) {
		t.Fatal("AddWorkdays")
	}
}

func TestParseCalendarProblems(t *testing.T) {
	_, problems := ParseCalendar("2026-02-30 holiday\n2026-01-01 party\nnonsense\n2026-03-01..2026-02-01 holiday\n", 2026)
	keys := []string{"err.cal_date", "err.cal_kind", "err.cal_expected", "err.cal_range"}
	if len(problems) != len(keys) {
		t.Fatalf("problems %v", problems)
	}
	for i, p := range problems {
		if p.Line != i+1 || p.Err.Key != keys[i] {
			t.Errorf("problem %d: line %d %s, want line %d %s", i, p.Line, p.Err.Key, i+1, keys[i])
		}
	}
	cal, problems := ParseCalendar("2026-10-01..2026-10-07,休,国庆\n2026-10-10,班,调休", 2026)
	if len(problems) != 0 || cal.IsWorkday(Date{2026, 10, 3}) || !cal.IsWorkday(Date{2026, 10, 10}) || cal.IsWorkday(Date{2026, 10, 11}) {
		t.Fatalf("comma form: %v", problems)
	}
}

// The State Council's notice of 2021, pasted as published.
const notice2021 = `国务院办公厅关于2021年部分节假日安排的通知
国办发明电〔2020〕27号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2021年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：2021年1月1日至3日放假，共3天。
二、春节：2月11日至17日放假调休，共7天。2月7日（星期日）、2月20日（星期六）上班。
三、清明节：4月3日至5日放假调休，共3天。
四、劳动节：5月1日至5日放假调休，共5天。4月25日（星期日）、5月8日（星期六）上班。
五、端午节：6月12日至14日放假，共3天。
六、中秋节：9月19日至21日放假调休，共3天。9月18日（星期六）上班。
七、国庆节：10月1日至7日放假调休，共7天。9月26日（星期日）、10月9日（星期六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。
国务院办公厅
2020年11月25日`

func TestParseCalendarReadsTheStateCouncilNotice(t *testing.T) {
	cal, problems := ParseCalendar(notice2021, 2026) // the title's year wins
	if len(problems) != 0 {
		t.Fatalf("problems %v", problems)
	}
	holidays, workdays := 0, 0
	for _, k := range cal.Days {
		if k == Holiday {
			holidays++
		} else {
			workdays++
		}
	}
	// 3 + 7 + 3 + 5 + 3 + 3 + 7 days off; 2 + 2 + 1 + 2 make-up days.
	if holidays != 31 || workdays != 7 {
		t.Fatalf("%d holidays, %d workdays", holidays, workdays)
	}
	for _, d := range []Date{{2021, 1, 1}, {2021, 1, 3}, {2021, 2, 11}, {2021, 2, 17}, {2021, 10, 7}} {
		if cal.IsWorkday(d) {
			t.Errorf("%s is a working day", d)
		}
	}
	for _, d := range []Date{{2021, 2, 7}, {2021, 2, 20}, {2021, 9, 18}, {2021, 10, 9}} {
		if !cal.IsWorkday(d) {
			t.Errorf("%s is not a working day", d)
		}
	}
	if cal.Names["2021-02-07"] != "春节调休" || cal.Names["2021-10-01"] != "国庆节" {
		t.Errorf("names %q %q", cal.Names["2021-02-07"], cal.Names["2021-10-01"])
	}
	// A line of the notice as the issue quotes it, weekdays in brackets,
	// off and on in one sentence; a range over the new year.
	cal, problems = ParseCalendar("一、元旦：1月1日（周五）至3日（周日）放假…1月4日（周日）上班\n二、跨年：12月30日至1月1日放假", 2027)
	if len(problems) != 0 || cal.Days["2027-01-02"] != Holiday || cal.Days["2027-01-04"] != Workday ||
		cal.Days["2027-12-31"] != Holiday || cal.Days["2028-01-01"] != Holiday {
		t.Fatalf("%v %v", cal.Days, problems)
	}
	// A numbered line that says nothing of days is a problem, by line.
	_, problems = ParseCalendar("一、元旦：另行通知\n", 2027)
	if len(problems) != 1 || problems[0].Line != 1 || problems[0].Err.Key != "err.cal_notice_line" {
		t.Fatalf("%v", problems)
	}
}
