package bot_test

import (
	"fmt"
	"testing"
	"time"

	"deputybot/internal/apptest"
)

// BenchmarkFileSuggestion measures the whole filing path: one deputy's
// /new conversation (kind, title, body, category, files, co-sponsors,
// preview, submit: 8 updates and their answers) through the fake Bot API,
// on the embedded store, end to end.
func BenchmarkFileSuggestion(b *testing.B) {
	h := apptest.Start(b, apptest.Admins(adminID))
	admin := h.User(adminID, "Admin", "en")
	dep := join(b, h, admin, "deputy Alice", 2001, "en")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		preview := file(b, h, dep, "Suggestion", fmt.Sprintf("Item %d", i), "A body of a few words.", "Education")
		last(b, h.Press(dep, preview, "Submit"))
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/8/1000, "ms/update")
}

// BenchmarkFilingAtScale: the same /new conversation filed by one of the
// deputies of a store that holds 100, 1,000 or 10,000 items already
// (seeded as in the digest benchmarks). Target: the same time per update
// whatever the store holds (at most 1.2 times from 100 to 10,000), and at
// most 5 ms per update.
func BenchmarkFilingAtScale(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("items-%d", n), func(b *testing.B) {
			sd := seedScale(b, scale{fmt.Sprintf("%d", n), n, 300, 40, 1})
			h := sd.h
			dep := h.User(100000, "Deputy", "en")
			h.Do(dep, "/help")
			var total time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				preview := file(b, h, dep, "Suggestion", fmt.Sprintf("Item %d", i), "A body of a few words.", "Education")
				last(b, h.Press(dep, preview, "Submit"))
				total += time.Since(start)
			}
			b.StopTimer()
			b.ReportMetric(float64(total.Microseconds())/float64(b.N)/8/1000, "ms/update")
		})
	}
}
