package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/telegramtest"
)

// chromium finds the headless browser. CI installs it (.ci/run); a
// developer without it is told so, and CI without it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium: .ci/run installs Debian's chromium package")
	}
	t.Skip("no chromium on this machine (apt-get install chromium): the public pages are checked in a browser by CI")
	return ""
}

// browse opens url in headless Chromium, lets its scripts run, and
// returns the DOM it ends with; it fails the test on any console message
// (script errors, failed loads and refused content all are), and saves a
// screenshot in dir, which it checks is a real picture.
func browse(t *testing.T, bin, url, dir, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	common := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--user-data-dir=" + t.TempDir()}
	var dom, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append(common, "--dump-dom", url)...)
	cmd.Stdout, cmd.Stderr = &dom, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, stderr.String())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") {
			t.Errorf("%s: console: %s", url, line)
		}
	}
	shot := filepath.Join(dir, name+".png")
	cmd = exec.CommandContext(ctx, bin, append(common, "--hide-scrollbars", "--window-size=1280,1600", "--screenshot="+shot, url)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium screenshot %s: %v\n%s", url, err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() != 1280 {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	return dom.String()
}

// publicRecord puts a small year in a new store: two departments, a
// deputy, a closed item with its reply, an open one and a motion.
func publicRecord(t *testing.T, dir string) {
	t.Helper()
	s, ctx := openStore(t, dir)
	defer s.Close(ctx)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().Add(-48 * time.Hour)
	due := deputybot.EndOfDay(deputybot.DateOf(now.AddDate(0, 3, 0), loc), loc)
	if err := s.BulkInsertDepartments(ctx, []*deputybot.Department{{ID: "d1", Name: "区住建局", CreatedAt: now}, {ID: "d2", Name: "区民政局", CreatedAt: now}}); err != nil {
		t.Fatal(err)
	}
	if err := s.BulkInsertPeople(ctx, []*deputybot.Person{{ID: "p1", Name: "张三", Roles: []deputybot.Role{deputybot.RoleDeputy},
		TelegramID: 2001, Language: deputybot.LangZH, State: deputybot.PersonActive, CreatedAt: now}}); err != nil {
		t.Fatal(err)
	}
	item := func(id string, seq int, kind deputybot.Kind, status deputybot.Status, title, lead string) *deputybot.Item {
		return &deputybot.Item{ID: id, Kind: kind, Year: now.In(loc).Year(), Seq: seq, Period: deputybot.PeriodRecess, Title: title,
			Category: "elderly", AuthorID: "p1", Status: status, LeadDept: lead, AssignedAt: now, SubmittedAt: now, Round: 1,
			Deadline: due, Version: 1, CreatedAt: now, UpdatedAt: now}
	}
	closed := item("i1", 1, deputybot.KindSuggestion, deputybot.StatusClosed, "关于增设社区老年食堂的建议", "d1")
	closed.Replies = []deputybot.Reply{{Round: 1, Class: deputybot.ClassA, At: now, By: "p1"}}
	closed.Ratings = []deputybot.Rating{{Round: 1, Value: deputybot.Satisfied, At: now}}
	closed.Outcome, closed.ClosedAt = deputybot.Satisfied, now
	open := item("i2", 2, deputybot.KindSuggestion, deputybot.StatusInProgress, "关于加装电梯的建议", "d2")
	motion := item("m1", 1, deputybot.KindMotion, deputybot.StatusInProgress, "关于推进老旧小区改造的议案", "d1")
	motion.Targets = []deputybot.Target{{N: 1, Name: "完成改造老旧小区", Unit: "个", Goal: 302, Done: 54}}
	ev := func(typ string, data ...string) deputybot.Event {
		e := deputybot.Event{At: now, Type: typ, Data: map[string]string{}}
		for i := 0; i+1 < len(data); i += 2 {
			e.Data[data[i]] = data[i+1]
		}
		return e
	}
	// A year's worth more: long titles, one withheld, one overdue.
	var more []*deputybot.Item
	var moreDet []*deputybot.ItemDetails
	for i := 3; i <= 40; i++ {
		it := item(fmt.Sprint("x", i), i, deputybot.KindSuggestion, deputybot.StatusInProgress,
			fmt.Sprintf("关于完善第%d街道社区公共服务设施和背街小巷环境综合整治工作的建议", i), []string{"d1", "d2"}[i%2])
		switch i {
		case 7:
			it.Withheld = &deputybot.Withholding{Reason: "涉及个人信息", At: now, By: "p1"}
		case 9:
			it.Deadline = deputybot.EndOfDay(deputybot.DateOf(now.AddDate(0, 0, -30), loc), loc)
		}
		more = append(more, it)
		moreDet = append(moreDet, &deputybot.ItemDetails{Body: "背街小巷路面破损，照明不足。"})
	}
	if err := s.BulkInsertItems(ctx, more, moreDet); err != nil {
		t.Fatal(err)
	}
	if err := s.BulkInsertItems(ctx, []*deputybot.Item{closed, open, motion}, []*deputybot.ItemDetails{
		{Body: "武昌区老年人口多。\n\n建议在每个社区增设老年食堂。",
			Replies:  []deputybot.ReplyText{{Round: 1, Class: deputybot.ClassA, Text: "已在三个社区开办老年食堂。", At: now, By: "p1"}},
			Timeline: []deputybot.Event{ev(deputybot.EvAssigned, "lead", "d1", "deadline", "2026-12-31"), ev(deputybot.EvReplied, "round", "1", "class", "A")}},
		{Body: "老旧小区需要电梯。"},
		{Body: "改造老旧小区。"},
	}); err != nil {
		t.Fatal(err)
	}
}

// TestPublicSiteInABrowser: the service serves the public site on
// PUBLIC_ADDR, and `deputybot publish` writes the same site beside it;
// Chromium opens the index, an item and a department page of each, with
// no console message, and a search on the static site runs in its script.
func TestPublicSiteInABrowser(t *testing.T) {
	bin := chromium(t)
	shots := os.Getenv("DEPUTYBOT_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	tg := telegramtest.New(t)
	dir := t.TempDir()
	publicRecord(t, dir)
	addr := freeAddr(t)
	startService(t, tg, dir, "PUBLIC_DISCLOSURE=on", "PUBLIC_ADDR="+addr)
	year := time.Now().Year()
	base := "http://" + addr
	// Nothing but the site on the public port.
	for _, p := range []string{"/metrics", "/healthz"} {
		res, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s on the public port: %d", p, res.StatusCode)
		}
	}
	check := func(site, base, dept string) {
		t.Helper()
		dom := browse(t, bin, fmt.Sprintf("%s/zh/%d/index.html", base, year), shots, site+"-index")
		for _, w := range []string{`lang="zh-CN"`, "建议 " + fmt.Sprint(year) + "-001", "关于增设社区老年食堂的建议", "关于加装电梯的建议", "议案 " + fmt.Sprint(year) + "-001"} {
			if !strings.Contains(dom, w) {
				t.Errorf("%s index lacks %q", site, w)
			}
		}
		dom = browse(t, bin, fmt.Sprintf("%s/zh/items/suggestion-%d-001.html", base, year), shots, site+"-item")
		for _, w := range []string{"已在三个社区开办老年食堂。", "代表评价：满意", "张三", "A 类：已解决或基本解决"} {
			if !strings.Contains(dom, w) {
				t.Errorf("%s item page lacks %q", site, w)
			}
		}
		dom = browse(t, bin, fmt.Sprintf("%s/en/%d/dept/%s", base, year, dept), shots, site+"-dept")
		for _, w := range []string{`lang="en"`, "区住建局", "<svg", "Items assigned by month"} {
			if !strings.Contains(dom, w) {
				t.Errorf("%s department page lacks %q", site, w)
			}
		}
		// A search: the served site answers it, the static one's script.
		dom = browse(t, bin, fmt.Sprintf("%s/zh/%d/index.html?q=电梯", base, year), shots, site+"-search")
		if !strings.Contains(dom, "关于加装电梯的建议") || strings.Contains(dom, "关于增设社区老年食堂的建议") || !strings.Contains(dom, "共1件") {
			t.Errorf("%s search for 电梯 shows the wrong items", site)
		}
	}
	// The served site sends an old link (a department by its id) on to
	// its number.
	check("served", base, "d1.html")

	out := filepath.Join(t.TempDir(), "site")
	var stderr bytes.Buffer
	if code := runTool("publish", []string{"-o", out}, env("DATA_DIR", dir, "HTTP_ADDR", "off", "PUBLIC_DISCLOSURE", "on"), &stderr, &stderr); code != 0 {
		t.Fatalf("publish next to the service: %d %s", code, stderr.String())
	}
	static := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer static.Close()
	check("static", static.URL, "1.html")

	// On a phone: every page of both languages at 390 px wide.
	var pages []string
	for _, l := range []string{"zh", "en"} {
		for _, p := range []string{"/index.html", fmt.Sprintf("/%d/index.html", year), fmt.Sprintf("/%d/page-2.html", year),
			fmt.Sprintf("/%d/index.html?q=没有这样的建议", year), fmt.Sprintf("/items/suggestion-%d-001.html", year),
			fmt.Sprintf("/items/suggestion-%d-009.html", year), fmt.Sprintf("/items/motion-%d-001.html", year),
			fmt.Sprintf("/%d/departments.html", year), fmt.Sprintf("/%d/dept/1.html", year), fmt.Sprintf("/%d/report.html", year)} {
			pages = append(pages, "/"+l+p)
		}
	}
	onPhone(t, bin, out, pages, shots)
	t.Logf("screenshots in %s", shots)
}

// measureJS lays pages out, one after another, in a frame 390 px wide and
// reports for each, as JSON in #result, its height and what a phone's
// reader would suffer: the page scrolling sideways, an element wider than
// the screen, a table cell narrower than two characters, Chinese text on
// an English page not marked lang="zh-CN"; and, where it lists items, its
// count, its rows and what it says when there are none.
const measureJS = `<!doctype html><meta charset="utf-8"><body style="margin:0">
<iframe id="f" style="width:390px;height:844px;border:0"></iframe><pre id="result">pending</pre>
<script>
var f = document.getElementById("f"), pages = JSON.parse(decodeURIComponent(location.hash.slice(1))), results = [];
function desc(el) { return el.tagName.toLowerCase() + (typeof el.className === "string" && el.className ? "." + el.className : "") + " " + (el.textContent || "").trim().slice(0, 24); }
function measure() {
  var d = f.contentDocument, w = f.contentWindow, vw = d.documentElement.clientWidth, out = [];
  if (d.documentElement.scrollWidth > vw) { out.push("the page scrolls sideways: " + d.documentElement.scrollWidth + " > " + vw); }
  d.querySelectorAll("body *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) { return; }
    if (r.right > vw + 0.5 || r.left < -0.5) { out.push("wider than the screen: " + desc(el) + " " + Math.round(r.left) + ".." + Math.round(r.right)); }
  });
  d.querySelectorAll("td, th").forEach(function (c) {
    var r = c.getBoundingClientRect();
    if (r.width === 0) { return; }
    var fs = parseFloat(w.getComputedStyle(c).fontSize);
    if (r.width < 2 * fs) { out.push("a cell narrower than two characters: " + desc(c) + " " + r.width.toFixed(1) + "px"); }
  });
  if (d.documentElement.lang === "en") {
    var tw = d.createTreeWalker(d.body, NodeFilter.SHOW_TEXT), n;
    while ((n = tw.nextNode())) {
      if (/[\u3400-\u9fff]/.test(n.nodeValue)) {
        var e = n.parentElement.closest("[lang]");
        if (!e || e.getAttribute("lang") !== "zh-CN") { out.push("Chinese not marked zh-CN: " + n.nodeValue.trim().slice(0, 24)); }
      }
    }
  }
  var count = d.getElementById("count"), none = d.getElementById("none"), pagesNav = d.getElementById("pages");
  function shown(el) { return el && el.getBoundingClientRect().height > 0; }
  results.push({page: pages[results.length], height: d.documentElement.scrollHeight, problems: out,
    count: count ? count.textContent : "", none: shown(none) ? none.textContent : "",
    rows: d.querySelectorAll("#rows tr").length, paging: shown(pagesNav)});
  next();
}
function next() {
  if (results.length === pages.length) { document.getElementById("result").textContent = JSON.stringify(results); return; }
  f.src = pages[results.length];
}
f.addEventListener("load", function () { setTimeout(measure, 300); });
next();
</script>`

// onPhone opens each page of the static site in out at 390 px wide in
// Chromium: nothing wider than the screen, no cell narrower than two
// characters, Chinese marked on English pages, an index of a page of
// cards, and a search that finds nothing saying so. With
// DEPUTYBOT_SCREENSHOTS set, it takes a screenshot of each at 390×844.
func onPhone(t *testing.T, bin, out string, pages []string, shots string) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/__measure.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, measureJS)
	})
	mux.Handle("/", http.FileServer(http.Dir(out)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	list, _ := json.Marshal(pages)
	dom := chrome(t, bin, "--virtual-time-budget=60000", "--dump-dom", srv.URL+"/__measure.html#"+url.QueryEscape(string(list)))
	i, j := strings.Index(dom, `<pre id="result">`), strings.Index(dom, "</pre>")
	if i < 0 || j < i {
		t.Fatalf("no measurement")
	}
	var ms []struct {
		Page     string
		Height   int
		Problems []string
		Count    string
		None     string
		Rows     int
		Paging   bool
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(dom[i+len(`<pre id="result">`):j])), &ms); err != nil || len(ms) != len(pages) {
		t.Fatalf("measurements: %v: %s", err, dom[i:j])
	}
	for _, m := range ms {
		p := m.Page
		for _, pr := range m.Problems {
			t.Errorf("%s at 390 px: %s", p, pr)
		}
		switch {
		case strings.Contains(p, "q="):
			if m.None == "" || m.Rows != 0 || m.Paging {
				t.Errorf("%s: a search that finds nothing does not say so (%d rows, %q, page links shown: %v)", p, m.Rows, m.None, m.Paging)
			}
		case strings.HasSuffix(p, "/index.html") && strings.Count(p, "/") == 3, strings.HasSuffix(p, "page-2.html"):
			// 41 items: a page of 25 cards, then 16; the count is all.
			want := map[bool]int{true: 16, false: 25}[strings.HasSuffix(p, "page-2.html")]
			if m.Rows != want || !strings.Contains(m.Count, "41") || m.Height > 9000 || !m.Paging {
				t.Errorf("%s: %d rows (want %d), count %q, %d px tall", p, m.Rows, want, m.Count, m.Height)
			}
		}
	}
	if os.Getenv("DEPUTYBOT_SCREENSHOTS") == "" {
		return
	}
	for _, p := range pages {
		name := "phone" + strings.NewReplacer("/", "-", ".html", "", "?", "-", "=", "-").Replace(p)
		if strings.Contains(p, "q=") {
			name = "phone-" + p[1:3] + "-search-none"
		}
		shot := filepath.Join(shots, name+".png")
		chrome(t, bin, "--hide-scrollbars", "--window-size=390,844", "--screenshot="+shot, srv.URL+p)
		f, err := os.Open(shot)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() != 390 {
			t.Errorf("screenshot %s: %v", shot, err)
		}
	}
}

// chrome runs headless Chromium with args and returns what it printed.
func chrome(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	common := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--user-data-dir=" + t.TempDir()}
	if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--virtual-time-budget") }) {
		common = append(common, "--virtual-time-budget=5000")
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append(common, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}
