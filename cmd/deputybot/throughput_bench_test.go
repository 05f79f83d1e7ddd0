package main

import (
	"slices"
	"testing"
	"time"

	"deputybot/internal/telegramtest"
)

// BenchmarkProcessReplicasThroughput: how many people 1, 2 and 3 replicas
// answer a second when the store is what binds: a fake Telegram without
// limits, the services' own pace raised (OUTBOX_RATE=1000), 300 deputies
// writing /help at once, each once (a first 300 warm up; the next 300 are
// timed, from the first message to the last answer). "owner": one service
// on its own embedded store; "shared-N": N replicas on one shared store
// (the embedded store reached by URI, or DEPUTYBOT_TEST_MONGODB_URI's
// server, FerretDB on PostgreSQL in CI).
func BenchmarkProcessReplicasThroughput(b *testing.B) {
	needProc(b)
	const people = 300
	for _, mode := range []struct {
		name     string
		replicas int
	}{{"owner", 1}, {"shared-1", 1}, {"shared-2", 2}, {"shared-3", 3}} {
		b.Run(mode.name, func(b *testing.B) {
			for range b.N {
				tg := telegramtest.New(b)
				tg.WaitTimeout = 3 * time.Minute
				dir := b.TempDir()
				registeredDeputies(b, dir, 2*people)
				env := []string{"OUTBOX_RATE=1000", "LOG_LEVEL=warn"}
				if mode.name == "owner" {
					startService(b, tg, dir, env...)
				} else {
					env = append(env, sharedCopy(b, dir)...)
					for range mode.replicas {
						startService(b, tg, b.TempDir(), env...)
					}
				}
				round := func(first int) ([]time.Duration, time.Duration) {
					sent := make([]time.Time, people)
					start := time.Now()
					for i := range people {
						sent[i] = time.Now()
						tg.Chat(telegramtest.User{ID: int64(200000 + first + i), LanguageCode: "en"}).Send("/help")
					}
					tg.WaitFor("every answer", func() bool {
						for i := range people {
							if len(tg.Messages(int64(200000+first+i))) == 0 {
								return false
							}
						}
						return true
					})
					took := time.Since(start)
					var waits []time.Duration
					for _, c := range tg.Calls("sendMessage") {
						if i := int(c.ChatID() - 200000 - int64(first)); i >= 0 && i < people && c.Status == 200 {
							waits = append(waits, c.At.Sub(sent[i]))
						}
					}
					for i := range people {
						if n := len(tg.Messages(int64(200000 + first + i))); n != 1 {
							b.Fatalf("deputy %d answered %d times", first+i, n)
						}
					}
					slices.Sort(waits)
					return waits, took
				}
				round(0)
				waits, took := round(people)
				rate := float64(people) / took.Seconds()
				p95 := waits[len(waits)*95/100-1]
				b.ReportMetric(rate, "answers/s")
				b.ReportMetric(float64(p95.Milliseconds()), "ms-p95-answer")
				b.Logf("%s: %.0f answers/s, p95 %v, median %v", mode.name, rate, p95, waits[len(waits)/2])
			}
		})
	}
}
