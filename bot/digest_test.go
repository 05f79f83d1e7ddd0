package bot_test

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/apptest"
	"deputybot/internal/telegramtest"
	"deputybot/service"
	"deputybot/storage"
)

// seeder moves items through the workflow directly on the store, with the
// same domain operations the bot uses, at chosen times.
type seeder struct {
	t     *testing.T
	s     *storage.Store
	svc   *service.Service
	rules *deputybot.Rules
	ctx   context.Context
}

// newSeeder writes through the running service's store: the store of the
// database's only writer keeps its read model of what it writes.
func newSeeder(t *testing.T, h *apptest.Harness) *seeder {
	return &seeder{t: t, s: h.App.Store, svc: h.App.Service, rules: &h.Config.Rules, ctx: context.Background()}
}

func (sd *seeder) person(tg int64) *deputybot.Person {
	p, err := sd.s.PersonByTelegramID(sd.ctx, tg)
	if err != nil {
		sd.t.Fatal(err)
	}
	return p
}

func (sd *seeder) dept(name string) string {
	ds, _ := sd.s.Departments(sd.ctx)
	for _, d := range ds {
		if d.Name == name {
			return d.ID
		}
	}
	sd.t.Fatalf("no department %s", name)
	return ""
}

func (sd *seeder) do(id string, at time.Time, f func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error)) {
	sd.t.Helper()
	e := deputybot.Env{Rules: sd.rules, Calendar: &deputybot.Calendar{}, Now: at}
	if _, err := sd.s.UpdateItem(sd.ctx, id, deputybot.ItemChange{Apply: func(it *deputybot.Item, det *deputybot.ItemDetails) ([]deputybot.Event, error) {
		return f(it, det, e)
	}}); err != nil {
		sd.t.Fatal(err)
	}
}

func ev1(e deputybot.Event, err error) ([]deputybot.Event, error) { return []deputybot.Event{e}, err }

// filed submits a suggestion by author at t.
func (sd *seeder) filed(author *deputybot.Person, title string, t time.Time) string {
	sd.t.Helper()
	it, err := sd.svc.SaveDraft(sd.ctx, author, 0, deputybot.DraftInput{Kind: deputybot.KindSuggestion, Title: title, Body: "b", Category: "other"}, t)
	if err != nil {
		sd.t.Fatal(err)
	}
	sd.do(it.ID, t, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		ev, _, err := deputybot.Submit(it, author, e.Rules, e.Now)
		return []deputybot.Event{ev}, err
	})
	return it.ID
}

// handled assigns, logs a contact (confirmed or disputed), replies and,
// if rating is not empty, rates.
func (sd *seeder) handled(id string, office, lead, author *deputybot.Person, dept string, t time.Time, confirmed bool, rating deputybot.RatingValue) {
	sd.t.Helper()
	sd.do(id, t, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.Assign(it, office, deputybot.AssignInput{Lead: dept}, e))
	})
	t = t.Add(24 * time.Hour)
	sd.do(id, t, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.LogContact(it, lead, deputybot.ContactInput{Date: deputybot.DateOf(t, e.Rules.Location), Method: deputybot.MethodPhone, Stage: deputybot.StageBefore}, e))
	})
	sd.do(id, t, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.ConfirmContact(it, author, 1, confirmed, "No call came.", e))
	})
	if rating == "" {
		return
	}
	sd.do(id, t, func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return ev1(deputybot.SendReply(it, det, lead, deputybot.ReplyInput{Class: deputybot.ClassA, Text: "done"}, e))
	})
	switch rating {
	case deputybot.Unrated:
		sd.do(id, t.AddDate(0, 2, 0), func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return ev1(deputybot.CloseUnrated(it, e))
		})
	default:
		sd.do(id, t, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return deputybot.Rate(it, author, 1, deputybot.RatingInput{Attitude: rating, Result: rating, Comment: "reason"}, e)
		})
	}
}

func TestDigestShowsEverySection(t *testing.T) {
	c := newCast(t, "zh", apptest.WithRules(func(r *deputybot.Rules) {
		r.Sessions = []deputybot.DateRange{{From: deputybot.Date{Year: 2026, Month: 1, Day: 10}, To: deputybot.Date{Year: 2026, Month: 1, Day: 14}}}
	}))
	h := c.h
	sd := newSeeder(t, h)
	office, author, lead := sd.person(adminID), sd.person(2001), sd.person(3001)
	office.AddRole(deputybot.RoleOffice) // a bootstrap admin: the role comes from the configuration
	housing := sd.dept("区住建局")
	session := at("2026-01-12", "10:00")
	for i, r := range []deputybot.RatingValue{deputybot.Satisfied, deputybot.Satisfied, deputybot.Basic} {
		sd.handled(sd.filed(author, "会议建议"+string(rune('A'+i)), session), office, lead, author, housing, session.Add(time.Hour), true, r)
	}
	recess := at("2026-02-02", "10:00")
	sd.handled(sd.filed(author, "闭会建议A", recess), office, lead, author, housing, recess.Add(time.Hour), true, deputybot.Satisfied)
	sd.handled(sd.filed(author, "闭会建议B", recess), office, lead, author, housing, recess.Add(time.Hour), true, deputybot.Unrated)
	// Overdue, with a disputed contact.
	late := sd.filed(author, "超期的建议", at("2025-12-01", "10:00"))
	sd.handled(late, office, lead, author, housing, at("2025-12-01", "11:00"), false, "")
	// Due soon.
	soon := sd.filed(author, "快到期的建议", at("2026-02-10", "10:00"))
	sd.handled(soon, office, lead, author, housing, at("2026-02-10", "11:00"), true, "")
	// Someone who blocked the bot.
	h.TG.BlockBy(5001)
	h.Clock.Set(at("2026-05-04", "09:00"))
	c.run(at("2026-05-04", "09:00")) // Monday: the digest; the blocked supervisor's fails
	got := containing(c.supervisor.Messages(), "议案建议办理周报")
	if len(got) != 0 {
		t.Fatal("a blocked supervisor received the digest")
	}
	preview := h.Do(c.admin, "/digest")
	if len(preview) != 2 {
		t.Fatalf("/digest: %d messages, want the text and its picture", len(preview))
	}
	text := preview[0].Text
	picture(t, preview[1], true, "议案建议办理周报 · 2026年第18周（4月27日—5月4日）")
	for _, w := range []string{
		"议案建议办理周报",
		"总体（2026年）", "共6件", // the overdue item is numbered in 2025
		"14天内到期（1件）", "• 建议 2026-006《快到期的建议》 · 区住建局 · 剩6天（2026-05-10）",
		"当前超期（1件）", "区住建局：1件", "超期的建议", "超期64天",
		"代表评价（2026年的件）",
		// Shares of the rated items; the unrated one apart.
		"会议期间建议：办结3件，已评价3件：满意2件，占66.67%；基本满意1件，占33.33%",
		"闭会期间建议：办结2件，已评价1件：满意1件，占100.00%；逾期未评价1件",
		// The overdue item is of 2025: now, not in this year's rates.
		"1. 区住建局：当前在办2 · 当前超期1 · 按期答复率100.00% · 满意率（含基本满意）100.00% · 沟通记录/代表确认6/6 · 得分100",
		"注：满意、基本满意、不满意各占已评价件数的比例", "满意率（含基本满意）＝（办理结果满意件数＋基本满意件数）÷已评价件数",
		"代表有异议的沟通（1次）", "超期的建议",
		"消息无法送达（1人）", "周督查（督查室工作人员）",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("digest lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("digest:\n%s", text)
	}
	one(t, h.Do(c.admin, "/stats"), "2026年统计", "已办结：5", "当前超期1件，14天内到期1件", "会议期间建议：办结3件，已评价3件：满意2件，占66.67%")
	one(t, h.Do(c.admin, "/overdue"), "当前超期（1件）", "区住建局：1件", "超期的建议", "超期64天")
	one(t, h.Do(c.deputy, "/digest"), "不能使用 /digest")
	// The department's own digest went to its contacts.
	if len(containing(c.lead.Unread(), "本单位待办（2件")) != 1 {
		t.Fatal("no department digest")
	}
}

// TestDigestSaysNoDataRatherThanADash: a department with nothing replied
// or closed yet has no rates; the digest says so in words, not "—%".
func TestDigestSaysNoDataRatherThanADash(t *testing.T) {
	c := newCast(t, "en")
	c.assigned(t, "Fresh item")
	c.h.Clock.Set(at("2026-03-09", "09:00"))
	c.run(at("2026-03-09", "09:00")) // Monday: the weekly digest
	msgs := c.supervisor.Unread()
	if len(msgs) != 2 {
		t.Fatalf("the weekly digest came as %d messages, want the text and its picture", len(msgs))
	}
	d := msgs[0]
	if !strings.Contains(d.Text, "1. Housing Bureau: Open now 1") ||
		!strings.Contains(d.Text, "On-time reply rate no data yet · Satisfaction rate (incl. basically satisfied) no data yet") || strings.Contains(d.Text, "—%") {
		t.Fatalf("digest: %s", d.Text)
	}
	picture(t, msgs[1], false, "motions and suggestions, week 10 of 2026 (2 Mar – 9 Mar)")
}

// picture checks a digest's picture: a PNG of the departments whose
// on-time bar (the chart's blue) is drawn or not, its caption its title.
func picture(t *testing.T, m *telegramtest.Message, onTimeBar bool, want ...string) {
	t.Helper()
	if m.Document == nil {
		t.Fatalf("not a picture: %q", m.Text)
	}
	img, err := png.Decode(bytes.NewReader(m.Document.Data))
	if err != nil || img.Bounds().Dx() != 960 || img.Bounds().Dy() < 50 {
		t.Fatalf("the picture is not the departments' chart: %v", err)
	}
	blue := 0
	for x := 0; x < img.Bounds().Dx(); x++ {
		for y := 0; y < img.Bounds().Dy(); y++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r>>8 == 0x1f && g>>8 == 0x6f && b>>8 == 0xeb {
				blue++
			}
		}
	}
	// The legend's blue square is 14×14 pixels; the rest is bars.
	if bars := blue - 14*14; (bars > 0) != onTimeBar {
		t.Errorf("on-time bar drawn: %v (%d pixels), want %v", bars > 0, bars, onTimeBar)
	}
	for _, w := range want {
		if !strings.Contains(m.Text, w) {
			t.Errorf("caption %q lacks %q", m.Text, w)
		}
	}
}
