package bot_test

import (
	"fmt"
	"testing"

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
