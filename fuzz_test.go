package deputybot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The parsers of what people type or upload, fuzzed: whatever the input,
// no panic, and what comes out is bounded by what went in. `go test`
// runs the seeds; .ci/run fuzzes each for a bounded time.

func FuzzParseCalendar(f *testing.F) {
	f.Add("2026-02-15..2026-02-23 holiday 春节\n2026-02-14 workday 春节调休\n", 2026)
	f.Add("国务院办公厅关于2026年部分节假日安排的通知\n一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。1月4日（周日）上班。\n", 2025)
	f.Add("2026-01-01..9999-12-31 holiday x\n# comment\n,,,\t\n", 0)
	f.Fuzz(func(t *testing.T, text string, year int) {
		c, problems := ParseCalendar(text, year)
		if c == nil {
			t.Fatal("no calendar")
		}
		lines := strings.Count(text, "\n") + 1
		if len(problems) > lines+1 {
			t.Fatalf("%d problems for %d lines", len(problems), lines)
		}
		if len(c.Days) > lines*(maxCalendarSpan+1) {
			t.Fatalf("%d days for %d lines", len(c.Days), lines)
		}
	})
}

func FuzzParseTargets(f *testing.F) {
	f.Add("完成改造老旧小区 302 个\nRenovate 302 compounds\n建立长效管理机制\n建立24小时值班制度")
	f.Add("1,000,000,000,000,000,000,000 个\n\n\n")
	f.Fuzz(func(t *testing.T, text string) {
		targets, problems := ParseTargets(text)
		lines := strings.Count(text, "\n") + 1
		if len(targets)+len(problems) > lines+1 {
			t.Fatalf("%d targets and %d problems for %d lines", len(targets), len(problems), lines)
		}
		for _, tg := range targets {
			if utf8.RuneCountInString(tg.Name) > MaxTargetNameLen+20 || tg.Goal < 0 {
				t.Fatalf("target %+v", tg)
			}
		}
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"2026-017", "S2026-17", "建议 2026-017", "建议２０２６－０１７", "motion 2026-2", "2026-9999999", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if q, ok := ParseNumber(s); ok && (q.Year < 0 || q.Year > 9999 || q.Seq < 0 || q.Seq > 999999) {
			t.Fatalf("%q read as %+v", s, q)
		}
		if d, ok := ParseDate(s); ok && d.String() == "" {
			t.Fatalf("%q read as an empty date", s)
		}
	})
}
