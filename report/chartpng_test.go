package report

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/texts"
)

// digestYear is a digest of a district with four departments: one with
// a long name, one whose name has a character outside the picture's font,
// one with an item overdue now and one with nothing to divide yet.
func digestYear(t *testing.T) (*texts.Texts, *Digest) {
	t.Helper()
	tx, err := texts.Load(shanghai)
	if err != nil {
		t.Fatal(err)
	}
	rules := deputybot.DefaultRules(shanghai)
	rules.ReportingBody = "武昌区人民政府"
	at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, shanghai) }
	in := deputybot.Snapshot{
		Departments: []*deputybot.Department{{ID: "a", Name: "区住房和城乡建设局（区人民防空办公室）"}, {ID: "b", Name: "区𬌗务局"},
			{ID: "c", Name: "区民政局"}, {ID: "d", Name: "区发改局"}},
		Env: deputybot.Env{Rules: &rules, Calendar: &deputybot.Calendar{}, Now: time.Date(2026, 11, 30, 9, 0, 0, 0, shanghai)},
	}
	add := func(dept string, replied bool, outcome deputybot.RatingValue) {
		n := len(in.Items) + 1
		it := &deputybot.Item{ID: fmt.Sprint(n), Kind: deputybot.KindSuggestion, Year: 2026, Seq: n, Title: "建议",
			Status: deputybot.StatusInProgress, LeadDept: dept, SubmittedAt: at(1, 10), AssignedAt: at(1, 20),
			Deadline: deputybot.EndOfDay(deputybot.Date{Year: 2026, Month: 4, Day: 20}, shanghai), Round: 1}
		if replied {
			it.Status, it.Outcome = deputybot.StatusClosed, outcome
			it.Replies = []deputybot.Reply{{Round: 1, Class: deputybot.ClassA, At: at(3, 1), Deadline: it.Deadline}}
			it.Ratings = []deputybot.Rating{{Round: 1, Value: outcome, At: at(3, 10)}}
		}
		in.Items = append(in.Items, it)
	}
	add("a", true, deputybot.Satisfied)
	add("a", true, deputybot.Basic)
	add("b", true, deputybot.Unsatisfied)
	add("c", false, "") // overdue since April
	add("c", true, deputybot.Satisfied)
	d := ComputeDigest(in)
	if len(d.Depts) != 4 {
		t.Fatalf("%d departments", len(d.Depts))
	}
	return tx, d
}

// TestDigestPictureStandsAlone: the picture names the district and the
// week, every department, its colours and its scales; the rates share
// one scale of 0–100% and the overdue items have their own, so one
// overdue item is not drawn as long as 100%.
func TestDigestPictureStandsAlone(t *testing.T) {
	tx, d := digestYear(t)
	for _, l := range []deputybot.Language{deputybot.LangZH, deputybot.LangEN} {
		pic, err := DigestChartPNG(tx, l, d, d.Depts)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(pic.PNG))
		if err != nil {
			t.Fatal(err)
		}
		if shots := os.Getenv("DEPUTYBOT_SCREENSHOTS"); shots != "" {
			if err := os.MkdirAll(shots, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(shots, "digest-"+string(l)+".png"), pic.PNG, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var all []string
		for _, lb := range pic.Labels {
			all = append(all, lb.Text)
			if !inked(img, lb.Box) {
				t.Errorf("%s: %q is not drawn in %v", l, lb.Text, lb.Box)
			}
		}
		words := strings.Join(all, "\n")
		want := map[deputybot.Language][]string{
			deputybot.LangZH: {"武昌区议案建议办理周报 · 2026年第48周（11月23日—11月30日）", "截至2026年11月30日",
				"按期答复率", "满意率（含基本满意）", "当前超期（件）", "100%",
				"区住房和城乡建设局\n（区人民防空办公室）", "（名称见图片说明）", "按期答复率＝按期答复件数÷应答复件数", "“–”表示尚无可计算的件"},
			deputybot.LangEN: {"武昌区 motions and suggestions, week 48 of 2026 (23 Nov – 30 Nov)", "as of 30 November 2026",
				"On-time reply rate", "Overdue now (items)", "(named in the\ncaption)"},
		}[l]
		for _, w := range want {
			if !strings.Contains(words, w) {
				t.Errorf("%s: the picture does not say %q:\n%s", l, w, words)
			}
		}
		// Every department by its number in the digest's table.
		odd := 0
		for i, ds := range d.Depts {
			want := []rune(ds.Dept.Name)[:4]
			if !Drawable(ds.Dept.Name) {
				odd = i + 1
				want = []rune(map[deputybot.Language]string{deputybot.LangZH: "（名称", deputybot.LangEN: "(named"}[l])
			}
			if !strings.Contains(words, fmt.Sprintf("%d. %s", i+1, string(want))) {
				t.Errorf("%s: department %d %q not named:\n%s", l, i+1, ds.Dept.Name, words)
			}
		}
		if pic.Title != all[0] || len(pic.Numbered) != 1 || pic.Numbered[odd] != "区𬌗务局" {
			t.Errorf("%s: title %q, numbered %v", l, pic.Title, pic.Numbered)
		}
		// The bars: rates on one scale, items on another.
		var rateScale, countScale int
		for _, b := range pic.Bars {
			if !inked(img, b.Box) && b.Box.Dx() > 0 {
				t.Errorf("bar %+v not drawn", b)
			}
			ds := d.Depts[b.Dept-1]
			switch b.Measure {
			case "ontime", "sat":
				if rateScale == 0 {
					rateScale = b.Scale
				}
				if b.Scale != rateScale {
					t.Errorf("the rates are on two scales: %d, %d", rateScale, b.Scale)
				}
				r := ds.Year.OnTimeRate()
				if b.Measure == "sat" {
					r = ds.Year.Outcomes.SatisfactionRate()
				}
				if r == NoRate && (b.Box.Dx() != 0 || b.Value != "–") || r == "100.00" && b.Box.Dx() != b.Scale {
					t.Errorf("%s %s %s drawn %d of %d as %q", ds.Dept.Name, b.Measure, r, b.Box.Dx(), b.Scale, b.Value)
				}
			case "overdue":
				countScale = b.Scale
				if want := b.Scale * ds.OverdueNow / 5; b.Box.Dx() != want {
					t.Errorf("%s: %d overdue drawn %d px, want %d (of 5 items)", ds.Dept.Name, ds.OverdueNow, b.Box.Dx(), want)
				}
			}
		}
		if len(pic.Bars) != 12 || rateScale == 0 || countScale == 0 {
			t.Errorf("%d bars", len(pic.Bars))
		}
	}
}

// inked says whether a box of the picture has anything but white.
func inked(img image.Image, box image.Rectangle) bool {
	box = box.Intersect(img.Bounds())
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r < 0xf000 || g < 0xf000 || b < 0xf000 {
				return true
			}
		}
	}
	return false
}

// TestThePicturesFontIsSmall: the font the binary carries.
func TestThePicturesFontIsSmall(t *testing.T) {
	if n := len(cjkFont); n > 2<<20 {
		t.Fatalf("the picture's font is %d bytes", n)
	}
	for _, s := range []string{"区住建局", "按期答复率（%）", "武昌区 Housing Bureau 92.81%", "《》（）、：；"} {
		if !Drawable(s) {
			t.Errorf("%q is not in the font", s)
		}
	}
	if Drawable("𬌗") {
		t.Error("a character outside GB 2312 is said to be drawable")
	}
}
