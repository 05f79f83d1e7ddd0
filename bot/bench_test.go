package bot_test

import (
	"context"
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
			// The item index, as built at start (the items were stored
			// after it).
			if _, err := h.App.Search.Refresh(context.Background(), h.App.Store); err != nil {
				b.Fatal(err)
			}
			var total time.Duration
			updates := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				// The deputy's earlier items look alike: from the second
				// on, the similar items are shown, and passed (an update
				// more).
				q := last(b, h.Do(dep, "/new"))
				q = last(b, h.Press(dep, q, "Suggestion"))
				h.Do(dep, fmt.Sprintf("Item %d", i))
				q = last(b, h.Do(dep, "A body of a few words."))
				q = last(b, h.Press(dep, q, "Education"))
				updates += 8
				if q.Button("Go on filing") != nil {
					q = last(b, h.Press(dep, q, "Go on filing"))
					updates++
				}
				q = last(b, h.Press(dep, q, ""))
				q = last(b, h.Press(dep, q, doneLabel(q)))
				last(b, h.Press(dep, q, "Submit"))
				total += time.Since(start)
			}
			b.StopTimer()
			b.ReportMetric(float64(total.Microseconds())/float64(updates)/1000, "ms/update")
		})
	}
}
