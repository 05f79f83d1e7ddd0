package public_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/storetest"
	"deputybot/public"
	"deputybot/report"
	"deputybot/service"
	"deputybot/storage"
	"deputybot/texts"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var shanghai = time.FixedZone("CST", 8*3600)

// secret marks every private field: no page, feed or file may hold it.
const secret = "PRIVATE"

// fixture is a store holding a year of items with every private field
// filled with the marker, and the site over it.
type fixture struct {
	store *storage.Store
	site  *public.Site
	rules *deputybot.Rules
	tx    *texts.Texts
	svc   *service.Service
	now   time.Time
}

func newFixture(t *testing.T, hideDeputies bool) *fixture {
	t.Helper()
	ctx := context.Background()
	s := storetest.Open(t)
	rules := deputybot.DefaultRules(shanghai)
	rules.ReportingBody = "武昌区人民政府"
	rules.Sessions = []deputybot.DateRange{{From: deputybot.Date{Year: 2026, Month: 1, Day: 10}, To: deputybot.Date{Year: 2026, Month: 1, Day: 14}}}
	rules.Disclosure = deputybot.Disclosure{Enabled: true, HideDeputies: hideDeputies}
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, shanghai)
	at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, shanghai) }
	due := func(m time.Month, d int) time.Time {
		return deputybot.EndOfDay(deputybot.Date{Year: 2026, Month: m, Day: d}, shanghai)
	}
	if err := s.BulkInsertDepartments(ctx, []*deputybot.Department{
		{ID: "d1", Name: "区住建局", CreatedAt: at(1, 1)}, {ID: "d2", Name: "区民政局", CreatedAt: at(1, 1)}}); err != nil {
		t.Fatal(err)
	}
	person := func(id, name string, tg int64, roles ...deputybot.Role) *deputybot.Person {
		return &deputybot.Person{ID: id, Name: name, Roles: roles, Phone: "13900000000", TelegramID: tg, Username: secret + "_user",
			Language: deputybot.LangZH, State: deputybot.PersonActive, CreatedAt: at(1, 1)}
	}
	contact := person("p3", secret+"承办人", 987654333, deputybot.RoleContact)
	contact.DepartmentID = "d1"
	if err := s.BulkInsertPeople(ctx, []*deputybot.Person{
		person("p1", "张三", 987654311, deputybot.RoleDeputy), person("p2", "李四", 987654322, deputybot.RoleDeputy), contact,
	}); err != nil {
		t.Fatal(err)
	}
	private := func(it *deputybot.Item) {
		it.Contacts = []deputybot.ContactLog{
			{N: 1, Date: "2026-02-01", Method: deputybot.MethodVisit, Note: secret + "-contact-note", By: "p3", Dept: "d1", Round: 1, LoggedAt: at(2, 1), State: deputybot.ContactConfirmed},
			{N: 2, Date: "2026-02-02", Method: deputybot.MethodPhone, Note: secret + "-disputed", By: "p3", Dept: "d1", Round: 1, LoggedAt: at(2, 2), State: deputybot.ContactDisputed},
		}
	}
	timeline := func(extra ...deputybot.Event) []deputybot.Event {
		return append([]deputybot.Event{
			{At: at(1, 12), ActorID: "p1", Type: deputybot.EvSubmitted},
			{At: at(1, 20), ActorID: "p3", Type: deputybot.EvAssigned, Data: map[string]string{"lead": "d1", "deadline": "2026-04-20"}},
			{At: at(2, 1), ActorID: "p3", Type: deputybot.EvContactLogged, Data: map[string]string{"note": secret + "-ev-note"}},
			{At: at(2, 3), ActorID: "p3", Type: deputybot.EvExtensionAsked, Data: map[string]string{"reason": secret + "-ev-reason"}},
		}, extra...)
	}
	var items []*deputybot.Item
	var dets []*deputybot.ItemDetails
	add := func(it *deputybot.Item, det *deputybot.ItemDetails) {
		it.Year, it.Category, it.AuthorID = 2026, "elderly", "p1"
		if it.SubmittedAt.IsZero() {
			it.SubmittedAt = at(1, 12)
		}
		it.CreatedAt, it.UpdatedAt, it.Version = it.SubmittedAt, it.SubmittedAt, 1
		items, dets = append(items, it), append(dets, det)
	}
	assigned := func(id string, seq int, status deputybot.Status, title string) *deputybot.Item {
		it := &deputybot.Item{ID: id, Kind: deputybot.KindSuggestion, Seq: seq, Period: deputybot.PeriodSession, Title: title,
			Status: status, LeadDept: "d1", AssignedAt: at(1, 20), Deadline: due(4, 20), Round: 1,
			CoSponsors: []deputybot.CoSponsor{{PersonID: "p2", State: deputybot.CoSponsorConfirmed}}}
		private(it)
		return it
	}
	reply := func(text string, class deputybot.ReplyClass) []deputybot.ReplyText {
		return []deputybot.ReplyText{{Round: 1, Class: class, Text: text, At: at(3, 1), By: "p3"}}
	}
	// 1: closed, satisfied: everything about it is public but the
	// private fields.
	i1 := assigned("i1", 1, deputybot.StatusClosed, "关于增设社区老年食堂的建议")
	i1.Replies = []deputybot.Reply{{Round: 1, Class: deputybot.ClassA, At: at(3, 1), By: "p3"}}
	i1.Ratings = []deputybot.Rating{{Round: 1, Value: deputybot.Satisfied, At: at(3, 2), Comment: secret + "-rating-comment"}}
	i1.Outcome, i1.ClosedAt = deputybot.Satisfied, at(3, 2)
	i1.Flags = []deputybot.QualityFlag{{N: 1, Round: 1, Category: deputybot.FlagFormat, Note: secret + "-flag-note", By: "p3", At: at(3, 3), Deadline: due(3, 20), ResolvedAt: at(3, 4)}}
	add(i1, &deputybot.ItemDetails{Body: "武昌区老年人口多。\n\n建议增设老年食堂。", Replies: reply("已在三个社区开办老年食堂。", deputybot.ClassA),
		Opinions: []deputybot.Opinion{{Dept: "d2", Text: secret + "-opinion", At: at(2, 20), By: "p3"}},
		Timeline: timeline(deputybot.Event{At: at(3, 1), ActorID: "p3", Type: deputybot.EvReplied, Data: map[string]string{"round": "1", "class": "A"}},
			deputybot.Event{At: at(3, 2), ActorID: "p1", Type: deputybot.EvRated, Data: map[string]string{"round": "1", "value": "satisfied", "comment": secret + "-ev-comment"}},
			deputybot.Event{At: at(3, 2), Type: deputybot.EvClosed, Data: map[string]string{"outcome": "satisfied"}})})
	// 2: open and overdue, with a pending request.
	i2 := assigned("i2", 2, deputybot.StatusInProgress, "关于加装电梯的建议")
	i2.Request = &deputybot.Request{Kind: deputybot.KindExtensionRequest, By: "p3", At: at(4, 1), Reason: secret + "-request-reason"}
	add(i2, &deputybot.ItemDetails{Body: "老旧小区需要电梯。", Timeline: timeline()})
	// 3: withheld whole.
	i3 := assigned("i3", 3, deputybot.StatusClosed, secret+"-withheld-title")
	i3.Replies = []deputybot.Reply{{Round: 1, Class: deputybot.ClassB, At: at(3, 5), By: "p3"}}
	i3.Outcome, i3.ClosedAt = deputybot.Basic, at(3, 6)
	i3.Ratings = []deputybot.Rating{{Round: 1, Value: deputybot.Basic, At: at(3, 6)}}
	i3.Withheld = &deputybot.Withholding{Reason: secret + "-withhold-reason", At: at(3, 7), By: "office"}
	add(i3, &deputybot.ItemDetails{Body: secret + "-withheld-body", Replies: reply(secret+"-withheld-reply", deputybot.ClassB), Timeline: timeline()})
	// 4: replied; the reply's text withheld.
	i4 := assigned("i4", 4, deputybot.StatusReplied, "关于社区医院的建议")
	i4.Replies = []deputybot.Reply{{Round: 1, Class: deputybot.ClassC, At: at(5, 1), By: "p3", Withheld: true, Deadline: due(4, 20)}}
	add(i4, &deputybot.ItemDetails{Body: "社区医院太远。", Replies: reply(secret+"-withheld-reply-text", deputybot.ClassC), Timeline: timeline()})
	// Never public: a draft, a submitted, a returned and a withdrawn one.
	add(&deputybot.Item{ID: "i5", Kind: deputybot.KindSuggestion, Title: secret + "-draft", Status: deputybot.StatusDraft}, &deputybot.ItemDetails{Body: secret + "-draft-body"})
	add(&deputybot.Item{ID: "i6", Kind: deputybot.KindSuggestion, Seq: 5, Title: secret + "-submitted", Status: deputybot.StatusSubmitted}, &deputybot.ItemDetails{Body: secret})
	add(&deputybot.Item{ID: "i7", Kind: deputybot.KindSuggestion, Seq: 6, Title: secret + "-returned", Status: deputybot.StatusReturned, ReturnReason: secret + "-return-reason"}, &deputybot.ItemDetails{Body: secret})
	add(&deputybot.Item{ID: "i8", Kind: deputybot.KindSuggestion, Seq: 7, Title: secret + "-withdrawn", Status: deputybot.StatusWithdrawn}, &deputybot.ItemDetails{Body: secret})
	// A motion with a target.
	m1 := &deputybot.Item{ID: "m1", Kind: deputybot.KindMotion, Seq: 1, Period: deputybot.PeriodSession, Title: "关于推进老旧小区改造的议案",
		Status: deputybot.StatusInProgress, LeadDept: "d2", AssignedAt: at(1, 20), Deadline: due(7, 20), Round: 1,
		Targets: []deputybot.Target{{N: 1, Name: "完成改造老旧小区", Unit: "个", Goal: 302, Done: 54}}}
	add(m1, &deputybot.ItemDetails{Body: "改造老旧小区。", Timeline: timeline()})
	if err := s.BulkInsertItems(ctx, items, dets); err != nil {
		t.Fatal(err)
	}
	tx, err := texts.Load(shanghai)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	svc := service.New(s, nil, nil, service.Options{Rules: &rules, Clock: clock})
	site := public.New(public.Options{Snapshots: svc, Store: s, Texts: tx, Rules: &rules, Clock: clock})
	return &fixture{store: s, site: site, rules: &rules, tx: tx, svc: svc, now: now}
}

// publish writes the static site and returns its files' contents by
// path.
func (f *fixture) publish(t *testing.T) map[string]string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "site")
	n, err := f.site.Publish(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files["/"+filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != n+1 { // and the marker
		t.Fatalf("publish said %d files, wrote %d", n, len(files))
	}
	return files
}

// TestNothingPrivateIsPublished: every private field holds the marker;
// no page, feed, search index or file of the site does.
func TestNothingPrivateIsPublished(t *testing.T) {
	f := newFixture(t, false)
	files := f.publish(t)
	// What must be there, so that the search below searches real pages.
	for p, want := range map[string][]string{
		"/zh/items/suggestion-2026-001.html": {"关于增设社区老年食堂的建议", "已在三个社区开办老年食堂。", "代表评价：满意", "张三（领衔）；附议：李四",
			"区住建局", "A 类：已解决或基本解决", "交区住建局办理，答复期限2026-04-20", `lang="zh-CN"`},
		"/en/items/suggestion-2026-001.html": {"Reply, round 1", "The deputy's rating: satisfied", `lang="en"`},
		"/zh/items/suggestion-2026-004.html": {"答复正文经办公室同意不予公开。", "C 类"},
		"/zh/items/suggestion-2026-003.html": {"建议 2026-003：不予公开", "此件经办公室同意不予公开"},
		"/zh/items/motion-2026-001.html":     {"完成改造老旧小区已完成54个，占17.88%（目标302个）", `<progress value="54" max="302">17.88%</progress>`},
		"/zh/2026/index.html":                {"建议 2026-001", "建议 2026-002", "建议 2026-004", "议案 2026-001", "共5件"},
		"/zh/2026/departments.html":          {"区住建局", "<svg", "按期答复率", "按期答复率＝按期答复件数÷应答复件数"},
		"/zh/feed.atom":                      {"区住建局答复了建议 2026-001《关于增设社区老年食堂的建议》", "已在三个社区开办老年食堂。"},
		"/zh/2026/search.json":               {"关于加装电梯的建议"},
	} {
		for _, w := range want {
			if !strings.Contains(files[p], w) {
				t.Errorf("%s lacks %q", p, w)
			}
		}
	}
	for p, body := range files {
		// Nor any score or contact count, which compare and judge
		// departments in words meant for the office.
		for _, s := range []string{secret, "13900000000", "9876543", "p1", "i1\"", "承办人", "得分", "Score", "沟通记录", "代表确认",
			"Contacts logged", "扣分", "deduct"} {
			if strings.Contains(body, s) {
				i := strings.Index(body, s)
				t.Errorf("%s publishes %q: …%s…", p, s, body[max(0, i-80):min(len(body), i+80)])
			}
		}
	}
	// The served site is the same: its item page, and a search.
	srv := httptest.NewServer(f.site.Handler())
	defer srv.Close()
	for _, p := range []string{"/zh/items/suggestion-2026-001.html", "/zh/2026/?q=" + secret, "/zh/2026/?q=电梯", "/en/feed.atom"} {
		body, code := get(t, srv.URL+p)
		if code != 200 || strings.Contains(body, secret+"-") || strings.Contains(body, "13900000000") {
			t.Errorf("%s: %d, or it publishes a private field", p, code)
		}
	}
	if body, _ := get(t, srv.URL+"/zh/2026/?q=电梯"); !strings.Contains(body, "建议 2026-002") || strings.Contains(body, "建议 2026-001") {
		t.Errorf("the served search does not find what it should")
	}
	// Words are ranked as the chat's /search ranks them: an item with
	// them in its title first, one with them in its text only after; a
	// withheld item's text is not searched.
	body, _ := get(t, srv.URL+"/zh/2026/?q="+url.QueryEscape("老旧小区"))
	title, text := strings.Index(body, "议案 2026-001"), strings.Index(body, "建议 2026-002")
	if title < 0 || text < 0 || title > text || !strings.Contains(body, "2件") {
		t.Errorf("the served search for words of a title and of a text: %d %d\n%s", title, text, body)
	}
	if body, _ := get(t, srv.URL+"/zh/2026/?q="+url.QueryEscape(secret+"-withheld-body")); strings.Contains(body, "建议 2026-003") {
		t.Errorf("a withheld item was found by its text")
	}
}

// TestLongSearchIsCut: a search reads the first public.MaxQuery
// characters of the query and no more, on the served site and in the
// static site's script alike, so a 50 KB query costs what a short one
// does.
func TestLongSearchIsCut(t *testing.T) {
	f := newFixture(t, false)
	srv := httptest.NewServer(f.site.Handler())
	defer srv.Close()
	q := "电梯" + strings.Repeat(" ", public.MaxQuery-2) + strings.Repeat("no-such-word ", 4000)
	body, code := get(t, srv.URL+"/zh/2026/?q="+url.QueryEscape(q))
	if code != 200 || !strings.Contains(body, "建议 2026-002") || strings.Contains(body, "建议 2026-001") || strings.Contains(body, "no-such-word") {
		t.Fatalf("%d: the long query was not cut to its first %d characters", code, public.MaxQuery)
	}
	if !strings.Contains(body, `maxlength="64"`) || !strings.Contains(body, `value="电梯"`) {
		t.Errorf("the search box: %s", body[strings.Index(body, `type="search"`):][:200])
	}
	js, _ := get(t, srv.URL+"/assets/site.js")
	if !strings.Contains(js, "slice(0, 64)") {
		t.Errorf("the script does not cut the query as the service does")
	}
}

func get(t *testing.T, url string) (string, int) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b), res.StatusCode
}

// TestWithheldItemIsListedByNumberOnly: the withheld item has a page that
// gives its number only, and every list that counts it lists it by
// number as withheld (so that the lists add up to the counts), with
// nothing else of it; no filter or search but by its number finds it, and
// the feed has none of it.
func TestWithheldItemIsListedByNumberOnly(t *testing.T) {
	f := newFixture(t, false)
	files := f.publish(t)
	row := regexp.MustCompile(`<a href="[^"]*suggestion-2026-003\.html">(建议|Suggestion) 2026-003</a></td><td class="withheld" data-label="[^"]+">(不予公开|Withheld)</td></tr>`)
	for _, p := range []string{"/zh/2026/index.html", "/en/2026/index.html"} {
		if !row.MatchString(files[p]) {
			t.Errorf("%s does not list the withheld item by number", p)
		}
	}
	for _, p := range []string{"/zh/2026/dept/1.html", "/en/2026/dept/1.html"} {
		if !regexp.MustCompile(`suggestion-2026-003\.html">(建议|Suggestion) 2026-003</a> <span class="withheld">(不予公开|Withheld)</span></li>`).MatchString(files[p]) {
			t.Errorf("%s does not list the withheld item by number", p)
		}
	}
	if !strings.Contains(files["/zh/2026/search.json"], `"u":"../items/suggestion-2026-003.html","n":"建议 2026-003","t":"不予公开","k":"suggestion","p":"","c":"","d":"d1","s":"","sl":"","dl":"","w":true}`) {
		t.Errorf("the search index's entry of the withheld item: %s", files["/zh/2026/search.json"])
	}
	for _, p := range []string{"/zh/feed.atom", "/en/feed.atom"} {
		if strings.Contains(files[p], "2026-003") {
			t.Errorf("%s names the withheld item", p)
		}
	}
	if !strings.Contains(files["/en/items/suggestion-2026-003.html"], "Suggestion 2026-003: withheld") {
		t.Errorf("the withheld item's page: %s", files["/en/items/suggestion-2026-003.html"])
	}
	// The counts add up: the index's rows are its count, a department's
	// list is the number of items it led.
	rows := strings.Count(files["/zh/2026/index.html"], "<tr><td")
	if !strings.Contains(files["/zh/2026/index.html"], fmt.Sprintf("共%d件", rows)) {
		t.Errorf("the index counts other than its %d rows", rows)
	}
	snap, err := f.svc.ReportSnapshot(context.Background(), f.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range report.Departments(snap, 2026) {
		page := files[fmt.Sprintf("/zh/2026/dept/%d.html", d.Dept.Number)]
		if listed := strings.Count(page[strings.Index(page, `<ul class="list">`):], "<li>"); listed != d.Year.Handled {
			t.Errorf("%s led %d items and lists %d", d.Dept.Name, d.Year.Handled, listed)
		}
	}
	// The served site finds it by its number, and by nothing else.
	srv := httptest.NewServer(f.site.Handler())
	defer srv.Close()
	for q, found := range map[string]bool{"2026-003": true, "区住建局": false, secret: false} {
		body, _ := get(t, srv.URL+"/zh/2026/?q="+url.QueryEscape(q))
		if strings.Contains(body, "suggestion-2026-003.html") != found {
			t.Errorf("a search for %q finds the withheld item: %v", q, !found)
		}
	}
	if body, _ := get(t, srv.URL+"/zh/2026/?status=closed"); strings.Contains(body, "suggestion-2026-003.html") {
		t.Error("a filter by status tells the withheld item's status")
	}
	// Never-public items have no page at all.
	for _, p := range []string{"/zh/items/suggestion-2026-005.html", "/zh/items/suggestion-2026-006.html"} {
		if _, ok := files[p]; ok {
			t.Errorf("%s is published", p)
		}
	}
	if _, code := get(t, srv.URL+"/zh/items/suggestion-2026-006.html"); code != 404 {
		t.Errorf("a returned item's page answers %d", code)
	}
}

// TestDeputiesCanBeLeftUnnamed: PUBLIC_DEPUTY_NAMES=off.
func TestDeputiesCanBeLeftUnnamed(t *testing.T) {
	f := newFixture(t, true)
	files := f.publish(t)
	if !strings.Contains(files["/zh/items/suggestion-2026-001.html"], "关于增设社区老年食堂的建议") {
		t.Fatal("the item's page is not there to be searched")
	}
	for p, body := range files {
		if strings.Contains(body, "张三") || strings.Contains(body, "李四") {
			t.Errorf("%s names a deputy", p)
		}
	}
}

var figureRE = regexp.MustCompile(`\d+(?:\.\d+)?%?`)

// figures are the numbers of a report from its first section on.
func figures(plain string) []string {
	if i := strings.Index(plain, "一、议案办理情况"); i >= 0 {
		plain = plain[i:]
	}
	return figureRE.FindAllString(plain, -1)
}

var tagRE = regexp.MustCompile(`<[^>]+>`)

// TestPublicFiguresAreTheReports: the year's figures on the site are
// /report's, number for number, and the departments' table agrees.
func TestPublicFiguresAreTheReports(t *testing.T) {
	f := newFixture(t, false)
	files := f.publish(t)
	snap, err := f.svc.ReportSnapshot(context.Background(), f.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := figures(report.RenderAnnualVersion(f.tx, snap, 2026, deputybot.LangZH, report.FormatText, report.Public))
	page := files["/zh/2026/report.html"]
	got := figures(texts.Plain(tagRE.ReplaceAllString(page, " ")))
	// The page ends with its footer's date: compare the report's part.
	if len(want) < 20 || len(got) < len(want) || strings.Join(got[:len(want)], " ") != strings.Join(want, " ") {
		t.Fatalf("figures differ:\npage   %v\nreport %v", got, want)
	}
	for _, w := range []string{"承办会议期间代表建议4件", "代表对办理工作满意的1件，占50.00%"} {
		if !strings.Contains(page, w) {
			t.Errorf("report page lacks %q", w)
		}
	}
	// Not for the public: scores, contacts, the office's drafts.
	for _, w := range []string{"得分", "沟通", "草稿", "各位代表"} {
		if strings.Contains(page, w) {
			t.Errorf("the public report page says %q", w)
		}
	}
	var housing *report.DeptStats
	for _, d := range report.Departments(snap, 2026) {
		if d.Dept.ID == "d1" {
			housing = d
		}
	}
	table := files["/zh/2026/departments.html"]
	y := &housing.Year
	row := `<td class="num">4</td><td class="num">3</td><td class="num">2</td><td class="num">50.00%</td><td class="num">1</td>` +
		`<td class="num">1</td><td class="num">` + y.Outcomes.SatisfactionRate() + `%</td>`
	table = regexp.MustCompile(` data-label="[^"]*"`).ReplaceAllString(table, "")
	// 4 led; 3 replied, the 4th late; the 2nd overdue now: 2 of the 4
	// whose reply was due came on time.
	if y.Handled != 4 || y.OnTime != 2 || y.Replied != 3 || y.Late != 1 || y.Overdue != 1 || y.OnTimeRate() != "50.00" ||
		!strings.Contains(table, row) {
		t.Errorf("departments table lacks %s (%+v):\n%s", row, y, table)
	}
}

// retitle changes an item's title through the store, as a handler does.
func retitle(t *testing.T, s *storage.Store, id, title string) {
	t.Helper()
	if _, err := s.UpdateItem(context.Background(), id, deputybot.ItemChange{Apply: func(it *deputybot.Item, _ *deputybot.ItemDetails) ([]deputybot.Event, error) {
		it.Title = title
		return []deputybot.Event{{At: it.UpdatedAt.Add(time.Minute), Type: deputybot.EvEdited}}, nil
	}}); err != nil {
		t.Fatal(err)
	}
}

// TestPagesFollowTheRecord: the pages are kept while the record stands
// and made again when it changes. Where this process is the store's only
// writer it sees each change at once; as a replica on a shared database
// it cannot, and reads the record again when what it has is MaxAge old
// (by the injected clock).
func TestPagesFollowTheRecord(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	page := func(s *public.Site) string {
		p, err := s.Render(ctx, "/zh/2026/index.html", nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(p.Body)
	}
	if !strings.Contains(page(f.site), "关于加装电梯的建议") {
		t.Fatal("the index lacks an item")
	}
	retitle(t, f.store, "i2", "关于加装无障碍电梯的建议")
	if !strings.Contains(page(f.site), "关于加装无障碍电梯的建议") {
		t.Fatal("the owner's site shows the record as it was")
	}

	// A replica's site.
	now := f.now
	replica := storetest.Again(t, f.store.Options())
	svc := service.New(replica, nil, nil, service.Options{Rules: f.rules, Clock: func() time.Time { return now }})
	rs := public.New(public.Options{Snapshots: svc, Store: replica, Texts: f.tx, Rules: f.rules, Clock: func() time.Time { return now }, MaxAge: time.Minute})
	if !strings.Contains(page(rs), "关于加装无障碍电梯的建议") {
		t.Fatal("the replica's site lacks the item")
	}
	found := func(s *public.Site, q string) bool {
		p, err := s.Render(ctx, "/zh/2026/index.html", url.Values{"q": {q}})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(string(p.Body), "建议 2026-002")
	}
	if !found(rs, "无障碍") {
		t.Fatal("the replica's search does not find the item")
	}
	retitle(t, f.store, "i2", "关于加装电梯和坡道的建议")
	if !strings.Contains(page(rs), "关于加装无障碍电梯的建议") {
		t.Fatal("the replica read the record again before MaxAge")
	}
	if found(rs, "坡道") || !found(rs, "无障碍") {
		t.Fatal("the replica's search read the record again before MaxAge")
	}
	now = now.Add(time.Minute)
	if !strings.Contains(page(rs), "关于加装电梯和坡道的建议") {
		t.Fatal("the replica's site is older than MaxAge")
	}
	if !found(rs, "坡道") || found(rs, "无障碍") {
		t.Fatal("the replica's search is older than MaxAge")
	}
}

// TestServedPagesCanBeCached: pages carry a validator that changes with
// the record; a reader whose copy is current gets 304; nothing but GET
// and HEAD is served.
func TestServedPagesCanBeCached(t *testing.T) {
	f := newFixture(t, false)
	srv := httptest.NewServer(f.site.Handler())
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, p, etag string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+p, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res := do("GET", "/zh/2026/index.html", "")
	tag := res.Header.Get("ETag")
	if res.StatusCode != 200 || tag == "" || res.Header.Get("Cache-Control") != "public, no-cache" ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("index: %d %v", res.StatusCode, res.Header)
	}
	if res := do("GET", "/zh/2026/index.html", tag); res.StatusCode != http.StatusNotModified {
		t.Fatalf("a current copy: %d", res.StatusCode)
	}
	retitle(t, f.store, "i2", "关于加装电梯的建议（修改）")
	if res := do("GET", "/zh/2026/index.html", tag); res.StatusCode != 200 || res.Header.Get("ETag") == tag {
		t.Fatalf("after a change: %d, ETag %q", res.StatusCode, res.Header.Get("ETag"))
	}
	for p, want := range map[string]string{"/": "/zh/", "/zh": "/zh/", "/en": "/en/"} {
		if res := do("GET", p, ""); res.StatusCode != http.StatusFound || res.Header.Get("Location") != want {
			t.Errorf("%s: %d to %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if res := do("POST", "/zh/2026/index.html", ""); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", res.StatusCode)
	}
	if res := do("HEAD", "/zh/feed.atom", ""); res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/atom+xml") {
		t.Errorf("HEAD feed: %d %v", res.StatusCode, res.Header)
	}
	if res := do("GET", "/zh/2026/dept/nosuch.html", ""); res.StatusCode != 404 || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("a missing page: %d", res.StatusCode)
	}
}

// TestEveryPublicEventHasItsLine: each event the domain makes public is
// written on the item's page (a public event without its line would stop
// the page).
func TestEveryPublicEventHasItsLine(t *testing.T) {
	f := newFixture(t, false)
	var timeline []deputybot.Event
	for i, typ := range deputybot.PublicEvents {
		timeline = append(timeline, deputybot.Event{At: f.now.Add(time.Duration(i) * time.Minute), Type: typ,
			Data: map[string]string{"lead": "d1", "to": "d2", "deadline": "2026-07-01", "round": "1", "class": "B", "value": "basic", "outcome": "basic"}})
	}
	if _, err := f.store.UpdateItem(context.Background(), "i2", deputybot.ItemChange{Apply: func(it *deputybot.Item, det *deputybot.ItemDetails) ([]deputybot.Event, error) {
		det.Timeline = nil
		return timeline, nil
	}}); err != nil {
		t.Fatal(err)
	}
	page, err := f.site.Render(context.Background(), "/en/items/suggestion-2026-002.html", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page.Body), "<time "); n != len(deputybot.PublicEvents) {
		t.Fatalf("%d history lines for %d public events", n, len(deputybot.PublicEvents))
	}
}

// TestFeedReadAgainAfterAReaderLeft: a reader who goes away while the
// feed's texts are read leaves nothing behind; the next reader gets the
// feed.
func TestFeedReadAgainAfterAReaderLeft(t *testing.T) {
	f := newFixture(t, false)
	// The record is read; the feed's texts are not yet.
	if _, err := f.site.Render(context.Background(), "/zh/2026/index.html", nil); err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.site.Render(gone, "/zh/feed.atom", nil); err == nil {
		t.Fatal("a cancelled read of the feed succeeded")
	}
	p, err := f.site.Render(context.Background(), "/zh/feed.atom", nil)
	if err != nil || !strings.Contains(string(p.Body), "已在三个社区开办老年食堂。") {
		t.Fatalf("the feed after a reader left: %v %.200s", err, p.Body)
	}
}
