package bot_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"deputybot"
	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
	"deputybot/search"
)

// scale is a dataset size of issue 5's targets.
type scale struct {
	name     string
	items    int
	deputies int
	depts    int
	years    int
}

var (
	district = scale{"district", 1500, 300, 40, 5} // with contacts, supervisors, leaders: about 400 people
	national = scale{"national", 10000, 3000, 200, 1}
)

// seeded is a service with a dataset loaded.
type seeded struct {
	h       *apptest.Harness
	office  *telegramtest.Chat
	itemIDs []string // a few assigned items
}

// seedScale loads sc into a fresh service: departments with two contacts
// each, deputies, supervisors, leaders, and items in every status spread
// over the years, with contacts, replies and ratings.
func seedScale(b *testing.B, sc scale) *seeded {
	h := apptest.Start(b, apptest.Admins(adminID))
	now := at("2026-11-02", "09:00")
	h.Clock.Set(now)
	ctx := context.Background()
	// The service's own store: it is the one process that writes it.
	s := h.App.Store
	rng := rand.New(rand.NewPCG(1, 2))
	id := func() string { return bson.NewObjectID().Hex() }
	var depts []*deputybot.Department
	for i := range sc.depts {
		depts = append(depts, &deputybot.Department{ID: id(), Name: fmt.Sprintf("Department %03d", i), CreatedAt: now})
	}
	if err := s.BulkInsertDepartments(ctx, depts); err != nil {
		b.Fatal(err)
	}
	var people []*deputybot.Person
	person := func(name string, tg int64, roles ...deputybot.Role) *deputybot.Person {
		p := &deputybot.Person{ID: id(), Name: name, Roles: roles, TelegramID: tg, Language: deputybot.LangEN,
			State: deputybot.PersonActive, CreatedAt: now, ActivatedAt: now}
		people = append(people, p)
		return p
	}
	var deputies, leaders []*deputybot.Person
	contacts := map[string]*deputybot.Person{}
	for i := range sc.deputies {
		deputies = append(deputies, person(fmt.Sprintf("Deputy %04d", i), int64(100000+i), deputybot.RoleDeputy))
	}
	for i, d := range depts {
		for k := range 2 {
			c := person(fmt.Sprintf("Contact %03d-%d", i, k), int64(200000+2*i+k), deputybot.RoleContact)
			c.DepartmentID = d.ID
			contacts[d.ID] = c
		}
	}
	for i := range 5 {
		person(fmt.Sprintf("Supervisor %d", i), int64(300000+i), deputybot.RoleSupervisor)
	}
	for i := range 10 {
		leaders = append(leaders, person(fmt.Sprintf("Leader %d", i), int64(400000+i), deputybot.RoleLeader))
	}
	if err := s.BulkInsertPeople(ctx, people); err != nil {
		b.Fatal(err)
	}
	var items []*deputybot.Item
	var dets []*deputybot.ItemDetails
	seq := map[int]int{}
	statuses := []deputybot.Status{deputybot.StatusClosed, deputybot.StatusClosed, deputybot.StatusClosed, deputybot.StatusClosed,
		deputybot.StatusClosed, deputybot.StatusClosed, deputybot.StatusAssigned, deputybot.StatusInProgress,
		deputybot.StatusReplied, deputybot.StatusRehandling, deputybot.StatusSubmitted}
	outcomes := []deputybot.RatingValue{deputybot.Satisfied, deputybot.Satisfied, deputybot.Satisfied, deputybot.Basic, deputybot.Unsatisfied, deputybot.Unrated}
	var sample []string
	for i := range sc.items {
		year := 2026 - i%sc.years
		seq[year]++
		submitted := time.Date(year, time.Month(1+rng.IntN(10)), 1+rng.IntN(28), 10, 0, 0, 0, apptest.Shanghai)
		st := statuses[rng.IntN(len(statuses))]
		if year < 2026 {
			st = deputybot.StatusClosed
		}
		d := depts[rng.IntN(len(depts))]
		it := &deputybot.Item{ID: id(), Kind: deputybot.KindSuggestion, Year: year, Seq: seq[year], Period: deputybot.PeriodRecess,
			Title: fmt.Sprintf("Item %d about something that matters", i), Category: "other",
			AuthorID: deputies[rng.IntN(len(deputies))].ID, Status: st, CreatedAt: submitted, SubmittedAt: submitted,
			UpdatedAt: submitted, Version: 5, ShareToken: fmt.Sprintf("tok%019d", i)}
		if i%7 == 0 {
			it.Period = deputybot.PeriodSession
		}
		if i%20 == 0 {
			it.Kind, it.Key = deputybot.KindMotion, true
		}
		if st != deputybot.StatusSubmitted {
			assigned := submitted.AddDate(0, 0, 5)
			it.LeadDept, it.AssignedAt, it.Round = d.ID, assigned, 1
			it.Deadline = deputybot.EndOfDay(deputybot.DateOf(assigned.AddDate(0, 3, 0), apptest.Shanghai), apptest.Shanghai)
			if i%10 == 0 {
				it.LeaderID = leaders[rng.IntN(len(leaders))].ID
			}
			it.Contacts = []deputybot.ContactLog{{N: 1, Date: deputybot.DateOf(assigned, apptest.Shanghai).String(),
				Method: deputybot.MethodPhone, By: contacts[d.ID].ID, Dept: d.ID, Round: 1, LoggedAt: assigned, State: deputybot.ContactConfirmed}}
			if st == deputybot.StatusAssigned && len(sample) < 50 {
				sample = append(sample, it.ID)
			}
		}
		if st == deputybot.StatusClosed || st == deputybot.StatusReplied || st == deputybot.StatusRehandling {
			it.Replies = []deputybot.Reply{{Round: 1, Class: deputybot.ClassA, At: it.AssignedAt.AddDate(0, 1, 0), By: contacts[d.ID].ID}}
		}
		if st == deputybot.StatusClosed {
			it.Outcome = outcomes[rng.IntN(len(outcomes))]
			it.ClosedAt = it.AssignedAt.AddDate(0, 2, 0)
		}
		items = append(items, it)
		// A text of about 300 characters, of the words of one of 40
		// topics (what search reads).
		topic := searchTopics[i%len(searchTopics)]
		dets = append(dets, &deputybot.ItemDetails{Body: strings.Repeat(fmt.Sprintf("关于%s的问题，居民反映强烈，建议第%d号片区尽快解决。", topic, i%97), 8),
			Timeline: []deputybot.Event{{At: submitted, ActorID: it.AuthorID, Type: deputybot.EvSubmitted}}})
	}
	if err := s.BulkInsertItems(ctx, items, dets); err != nil {
		b.Fatal(err)
	}
	office := h.User(adminID, "Admin", "en")
	h.Do(office, "/help")
	return &seeded{h: h, office: office, itemIDs: sample}
}

// peakHeap samples the heap while f runs and returns its peak (bytes).
func peakHeap(f func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	return peak.Load()
}

// benchDigest: the supervisors' digest as the scheduler makes it, its
// text and its picture, from one snapshot.
func benchDigest(b *testing.B, sc scale) {
	sd := seedScale(b, sc)
	ctx := context.Background()
	var text string
	var peak uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := peakHeap(func() {
			snap, err := sd.h.App.Service.Snapshot(ctx, sd.h.Clock.Now(), nil)
			if err != nil {
				b.Fatal(err)
			}
			var chart *deputybot.OutboxMessage
			text, chart = sd.h.App.Bot.SupervisorDigest(ctx, deputybot.LangEN, snap)
			if chart == nil {
				b.Fatal("no picture")
			}
		})
		peak = max(peak, p)
	}
	b.StopTimer()
	b.ReportMetric(float64(peak)/(1<<20), "MB-peak-heap")
	if !strings.Contains(text, "Weekly digest") || !strings.Contains(text, fmt.Sprintf("Department %03d", 0)) {
		b.Fatalf("digest: %.300s", text)
	}
}

// BenchmarkDigestDistrict: five years of a district (1,500 items, about
// 400 people, 40 departments) on the embedded store. Target: < 0.3 s.
func BenchmarkDigestDistrict(b *testing.B) { benchDigest(b, district) }

// BenchmarkDigestNational: a national-scale year (10,000 items, 3,000
// deputies, 200 departments). Target: < 3 s, peak memory < 150 MB.
func BenchmarkDigestNational(b *testing.B) { benchDigest(b, national) }

// benchPress measures the server side of button presses on item cards:
// from the update's arrival to the end of its handling, for a card view
// and for a change of the item (the office switching its period).
func benchPress(b *testing.B, sc scale) {
	sd := seedScale(b, sc)
	h := sd.h
	var total time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := sd.itemIDs[i%len(sd.itemIDs)]
		data := "it:" + id
		if i%2 == 1 {
			data = "ha:" + id + ":pe"
		}
		start := time.Now()
		h.WaitProcessed(sd.office.Press(nil, data))
		total += time.Since(start)
		if ans := h.TG.Answers(); strings.Contains(ans[len(ans)-1].Text, "no") {
			b.Fatalf("press refused: %q", ans[len(ans)-1].Text)
		}
	}
	b.StopTimer()
	h.Settle()
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/press")
}

// searchTopics are the words the scale datasets' texts are made of.
var searchTopics = []string{"加装电梯", "公交站台", "学校门口", "社区食堂", "停车难", "垃圾分类", "老旧管网", "道路积水", "公园绿地", "养老服务",
	"菜市场", "路灯照明", "噪音扰民", "医疗资源", "幼儿托育", "消防通道", "电动车充电", "物业管理", "河道治理", "文化场馆",
	"外卖骑手", "背街小巷", "农贸市场", "公共厕所", "口袋公园", "适老化改造", "社区医院", "交通信号", "共享单车", "防汛排涝",
	"校外培训", "燃气安全", "二次供水", "夜间经济", "便民服务", "人行天桥", "无障碍设施", "健身步道", "社区图书馆", "老年助餐"}

// BenchmarkSearchNational: /search among 10,000 items, from the
// update's arrival to its answer queued; the first search builds the
// index from the record (its time reported apart). Targets: a search
// under 50 ms, the index built under 2 s.
func BenchmarkSearchNational(b *testing.B) {
	sd := seedScale(b, national)
	h := sd.h
	var first, rest time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		h.WaitProcessed(sd.office.Send("/search " + searchTopics[i%len(searchTopics)]))
		if i == 0 {
			first = time.Since(start)
		} else {
			rest += time.Since(start)
		}
	}
	b.StopTimer()
	h.Settle()
	if msgs := sd.office.Unread(); !strings.Contains(msgs[len(msgs)-1].Text, "items found") {
		b.Fatalf("search: %q", msgs[len(msgs)-1].Text)
	}
	b.ReportMetric(float64(first.Milliseconds()), "ms-first(build)")
	if b.N > 1 {
		b.ReportMetric(float64(rest.Microseconds())/float64(b.N-1)/1000, "ms/search")
	}
}

// BenchmarkPressDistrict and BenchmarkPressNational: target < 100 ms.
func BenchmarkPressDistrict(b *testing.B) { benchPress(b, district) }
func BenchmarkPressNational(b *testing.B) { benchPress(b, national) }

// BenchmarkOutboxBurst delivers a burst of messages to distinct chats
// through a fake Telegram that refuses (429) anything beyond 30 in any
// sliding second. Target: no 429, at least 95% of the configured 30/s
// (the pace keeps a 40 ms margin for sends delayed on the way: its
// ceiling is 96.2%). The burst is 3,000 messages (about 100 s);
// OUTBOX_BURST sets another size.
func BenchmarkOutboxBurst(b *testing.B) {
	n := 3000
	if v, err := strconv.Atoi(os.Getenv("OUTBOX_BURST")); err == nil && v > 0 {
		n = v
	}
	h := apptest.Start(b, apptest.Admins(adminID), apptest.Outbox(30, time.Second, 0))
	h.TG.EnforceRate(30, time.Second)
	h.TG.WaitTimeout = time.Duration(n/20+60) * time.Second
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var msgs []deputybot.OutboxMessage
		for k := range n {
			msgs = append(msgs, deputybot.OutboxMessage{ChatID: int64(1_000_000*(i+1) + k), Text: fmt.Sprintf("message %d", k), Kind: "bench"})
		}
		start := time.Now()
		if _, err := h.App.Telegram.Sender().Enqueue(ctx, msgs); err != nil {
			b.Fatal(err)
		}
		h.Settle()
		elapsed := time.Since(start)
		rate := float64(n) / elapsed.Seconds()
		b.ReportMetric(rate, "msgs/s")
		b.ReportMetric(rate/30*100, "%-of-30/s")
		if rate < 0.95*30 {
			b.Errorf("%.2f messages/s: under 95%% of 30/s", rate)
		}
	}
	if r := h.TG.RateRefused(); r != 0 {
		b.Fatalf("%d sends refused with 429", r)
	}
}

// BenchmarkReportNational: the annual report (Markdown) of the national
// dataset.
func BenchmarkReportNational(b *testing.B) {
	sd := seedScale(b, national)
	var peak uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		peak = max(peak, peakHeap(func() {
			if _, err := sd.h.App.Bot.AnnualReport(context.Background(), deputybot.LangZH, 2026, "markdown", nil); err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(peak)/(1<<20), "MB-peak-heap")
}

// BenchmarkExportNational: the register (XLSX) of the national dataset's
// 10,000 items.
func BenchmarkExportNational(b *testing.B) {
	sd := seedScale(b, national)
	var peak uint64
	var size int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		peak = max(peak, peakHeap(func() {
			var buf strings.Builder
			n, err := sd.h.App.Bot.Register(context.Background(), deputybot.LangZH, 2026, &buf, nil)
			if err != nil || n != national.items {
				b.Fatalf("%d rows, %v", n, err)
			}
			size = buf.Len()
		}))
	}
	b.ReportMetric(float64(peak)/(1<<20), "MB-peak-heap")
	b.ReportMetric(float64(size)/(1<<20), "MB-file")
}

// BenchmarkImport10k: a roster of 10,000 rows.
func BenchmarkImport10k(b *testing.B) {
	h := apptest.Start(b, apptest.Admins(adminID))
	var peak uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var buf strings.Builder
		buf.WriteString("name,role,department,phone\n")
		for k := 0; k < 10000; k++ {
			fmt.Fprintf(&buf, "Person %d-%05d,deputy,,%d\n", i, k, 13800000000+k)
		}
		data := []byte(buf.String())
		peak = max(peak, peakHeap(func() {
			sum, err := h.App.Bot.ImportRoster(context.Background(), nil, 0, deputybot.LangEN, data)
			if err != nil || sum.Created != 10000 {
				b.Fatalf("%+v %v", sum, err)
			}
		}))
	}
	b.ReportMetric(float64(peak)/(1<<20), "MB-peak-heap")
}

// BenchmarkPublicPagesNational: the public site's pages over the national
// dataset, through HTTP as a reader gets them, once the record has been
// read ("warm"); "after a change" is the first page after an item
// changed, which reads the record again.
func BenchmarkPublicPagesNational(b *testing.B) {
	sd := seedScale(b, national)
	sd.h.Config.Rules.Disclosure.Enabled = true
	s := site(b, sd.h)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	// An item page: the search index's first item.
	m := regexp.MustCompile(`"u":"\.\./items/([^"]+)"`).FindStringSubmatch(render(b, s, "/zh/2026/search.json"))
	if m == nil {
		b.Fatal("no item in the search index")
	}
	item := "/zh/items/" + m[1]
	get := func(b *testing.B, p string) {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || n == 0 {
			b.Fatalf("%s: %d", p, res.StatusCode)
		}
	}
	for _, p := range []struct{ name, path string }{
		{"index", "/zh/2026/index.html"}, {"index-page-50", "/zh/2026/page-50.html"}, {"search", "/zh/2026/index.html?q=item+42&status=closed"},
		{"search-50KB", "/zh/2026/index.html?q=item+42+" + strings.Repeat("x", 50<<10) + "&status=closed"},
		{"item", item}, {"departments", "/zh/2026/departments.html"}, {"department", ""}, {"report", "/zh/2026/report.html"},
		{"feed", "/zh/feed.atom"}, {"search-index", "/zh/2026/search.json"},
	} {
		if p.name == "department" {
			ds, _ := sd.h.App.Store.Departments(context.Background())
			p.path = "/zh/2026/dept/" + ds[0].ID + ".html"
		}
		b.Run(p.name, func(b *testing.B) {
			get(b, p.path)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				get(b, p.path)
			}
		})
	}
	b.Run("after-a-change", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			sd.h.Do(sd.office, "/departments add Bench "+strconv.FormatInt(benchChanges.Add(1), 10))
			b.StartTimer()
			get(b, "/zh/2026/index.html")
		}
	})
}

// benchChanges names the departments the benchmarks add, so that each
// is a change.
var benchChanges atomic.Int64

// BenchmarkPublishNational: `deputybot publish` of the national dataset:
// every page of both languages, as files.
func BenchmarkPublishNational(b *testing.B) {
	sd := seedScale(b, national)
	sd.h.Config.Rules.Disclosure.Enabled = true
	var files int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		files, err = site(b, sd.h).Publish(context.Background(), filepath.Join(b.TempDir(), "site"))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(files), "files")
}

// BenchmarkSearchIndexStartNational: the item index built from the
// record, as each replica builds it at start, among 10,000 items (target
// under 2 s); then the items most like a new one (target under 50 ms).
func BenchmarkSearchIndexStartNational(b *testing.B) {
	sd := seedScale(b, national)
	ctx := context.Background()
	var build, similar time.Duration
	var found int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		idx := &search.Items{}
		start := time.Now()
		x, err := idx.Refresh(ctx, sd.h.App.Store)
		if err != nil {
			b.Fatal(err)
		}
		build += time.Since(start)
		if x.Len() < 10000 {
			b.Fatalf("indexed %d", x.Len())
		}
		for k := range 20 {
			topic := searchTopics[(i*20+k)%len(searchTopics)]
			start = time.Now()
			hits := x.Similar(search.Doc{Title: "关于" + topic + "的建议", Text: "我们小区" + topic + "问题突出，居民多次反映，建议有关部门统筹解决。", Category: "urban"}, nil, 3)
			similar += time.Since(start)
			found += len(hits)
		}
	}
	b.StopTimer()
	if found == 0 {
		b.Fatal("nothing similar found")
	}
	b.ReportMetric(float64(build.Milliseconds())/float64(b.N), "ms-build")
	b.ReportMetric(float64(similar.Microseconds())/float64(b.N*20)/1000, "ms/similar")
}
