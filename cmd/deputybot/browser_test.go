package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
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
	check := func(site, base string) {
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
		dom = browse(t, bin, fmt.Sprintf("%s/en/%d/dept/d1.html", base, year), shots, site+"-dept")
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
	check("served", base)

	out := filepath.Join(t.TempDir(), "site")
	var stderr bytes.Buffer
	if code := runTool("publish", []string{"-o", out}, env("DATA_DIR", dir, "HTTP_ADDR", "off", "PUBLIC_DISCLOSURE", "on"), &stderr, &stderr); code != 0 {
		t.Fatalf("publish next to the service: %d %s", code, stderr.String())
	}
	static := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer static.Close()
	check("static", static.URL)
	t.Logf("screenshots in %s", shots)
}
