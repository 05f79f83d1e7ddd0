package bot_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"deputybot/internal/telegramtest"
)

// registerRows reads the register a command sent back as a file.
func registerRows(t *testing.T, msgs []*telegramtest.Message) [][]string {
	t.Helper()
	for _, m := range msgs {
		if m.Document == nil {
			continue
		}
		f, err := excelize.OpenReader(bytes.NewReader(m.Document.Data))
		if err != nil {
			t.Fatal(err)
		}
		// The data sheet, beside the one for paper.
		rows, err := f.GetRows(f.GetSheetName(1))
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	t.Fatal("no register file")
	return nil
}

// TestLeaderSeesOnlyWhatViewShowsHim: every command that lists or counts
// items shows a leader exactly the items /view lets him see; the office
// and supervisors see them all; deputies and contacts may not use them.
func TestLeaderSeesOnlyWhatViewShowsHim(t *testing.T) {
	c := newCast(t, "en")
	h := c.h
	// Item 1 is led by the leader, item 2 is not.
	m := one(t, h.Press(c.deputy, file(t, h, c.deputy, "Suggestion", "Led lift", "Text.", "Transport"), "Submit"), "Submitted")
	_ = m
	q := last(t, h.Do(c.admin, "/assign 2026-001"))
	q = last(t, h.Press(c.admin, q, "Housing Bureau"))
	q = last(t, h.Press(c.admin, q, "Done"))
	q = last(t, h.Press(c.admin, q, "Mayor Wang"))
	q = last(t, h.Press(c.admin, q, "No"))
	q = last(t, h.Press(c.admin, q, "Use "))
	one(t, h.Press(c.admin, q, "Assign"), "assigned")
	c.assigned(t, "Unled bridge")
	// Both overdue.
	h.Clock.Advance(100 * 24 * time.Hour)
	for _, ch := range []*telegramtest.Chat{c.admin, c.deputy, c.lead, c.lead2, c.co, c.other, c.leader, c.supervisor} {
		ch.Unread()
	}

	one(t, h.Do(c.leader, "/view 2026-001"), "Led lift")
	one(t, h.Do(c.leader, "/view 2026-002"), "no such motion or suggestion")

	type view struct{ stats, overdue, digest, report string }
	see := func(who *telegramtest.Chat) (v view, rows [][]string) {
		v.stats = one(t, h.Do(who, "/stats")).Text
		v.overdue = last(t, h.Do(who, "/overdue")).Text
		v.digest = h.Do(who, "/digest")[0].Text // a supervisor's picture follows
		msgs := h.Do(who, "/report 2026")
		v.report = msgs[0].Text
		return v, registerRows(t, h.Do(who, "/export 2026"))
	}
	v, rows := see(c.leader)
	if !strings.Contains(v.stats, "(1 item)") || !strings.Contains(v.stats, "Overdue now: 1;") {
		t.Errorf("leader's /stats: %q", v.stats)
	}
	for name, text := range map[string]string{"overdue": v.overdue, "digest": v.digest} {
		if !strings.Contains(text, "Led lift") || strings.Contains(text, "Unled bridge") {
			t.Errorf("leader's /%s: %q", name, text)
		}
	}
	if !strings.Contains(v.report, "1 suggestion filed") || strings.Contains(v.report, "2 suggestions filed") {
		t.Errorf("leader's /report: %q", v.report)
	}
	// His report says whose items it holds, and compares no scores: a
	// department's score is the district's figure.
	if !strings.Contains(v.report, "The motions and suggestions Mayor Wang leads") || strings.Contains(v.report, "Score") ||
		strings.Contains(v.report, "report on the handling of deputies") {
		t.Errorf("leader's /report is not titled as his: %q", v.report)
	}
	if len(rows) != 2 || rows[1][3] != "Led lift" {
		t.Errorf("leader's /export: %v", rows)
	}

	for _, who := range []*telegramtest.Chat{c.supervisor, c.admin} {
		v, rows := see(who)
		if !strings.Contains(v.stats, "(2 items)") || !strings.Contains(v.stats, "Overdue now: 2;") {
			t.Errorf("%d's /stats: %q", who.ID, v.stats)
		}
		for name, text := range map[string]string{"overdue": v.overdue, "digest": v.digest} {
			if !strings.Contains(text, "Led lift") || !strings.Contains(text, "Unled bridge") {
				t.Errorf("%d's /%s: %q", who.ID, name, text)
			}
		}
		if !strings.Contains(v.report, "2 suggestions filed") {
			t.Errorf("%d's /report: %q", who.ID, v.report)
		}
		if len(rows) != 3 {
			t.Errorf("%d's /export: %d rows", who.ID, len(rows))
		}
	}

	for _, who := range []*telegramtest.Chat{c.deputy, c.lead} {
		for _, cmd := range []string{"/stats", "/overdue", "/digest", "/report", "/export"} {
			one(t, h.Do(who, cmd), "do not include "+cmd)
		}
	}
}
