package main

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/telegramtest"
)

// BenchmarkProcessAnswersDuringDigest: the service, against a fake
// Telegram that refuses more than 30 sends a second and more than one a
// second to a chat, has a digest of 1,000 messages to send (run by
// `deputybot job digest` as a process of its own); while it drains, 20
// deputies write /help one a second. Target: every answer within 1.5 s
// of its message, p95 within 1 s; the digest complete, each message once,
// no 429. "replicas": three services on one shared store (an embedded
// store reached by URI, or DEPUTYBOT_TEST_MONGODB_URI's server), the job
// run on it too.
func BenchmarkProcessAnswersDuringDigest(b *testing.B) {
	needProc(b)
	const digest, people = 1000, 20
	for _, mode := range []string{"one-service", "replicas"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				tg := telegramtest.New(b)
				tg.EnforceRate(30, time.Second)
				tg.WaitTimeout = 3 * time.Minute
				dir := b.TempDir()
				registeredDeputies(b, dir, people)
				registered(b, dir, digest, deputybot.RoleSupervisor, "s", "Supervisor", 400000) // one digest message each
				svcEnv := []string{"OUTBOX_CHAT_BURST=1", "LOG_LEVEL=warn"}
				jobEnv := []string{"DATA_DIR=" + dir}
				if mode == "replicas" {
					shared := sharedCopy(b, dir)
					svcEnv = append(svcEnv, shared...)
					jobEnv = append([]string{"DATA_DIR=" + b.TempDir()}, shared...)
					for range 3 {
						startService(b, tg, b.TempDir(), svcEnv...)
					}
				} else {
					startService(b, tg, dir, svcEnv...)
				}
				job := exec.Command(os.Args[0], "job", "digest")
				job.Env = append(os.Environ(), append([]string{"DEPUTYBOT_AS_MAIN=1", "TELEGRAM_BOT_TOKEN=" + telegramtest.Token,
					"TELEGRAM_API_URL=" + tg.URL, "LOG_LEVEL=warn"}, jobEnv...)...)
				if out, err := job.CombinedOutput(); err != nil {
					b.Fatalf("job digest: %v\n%s", err, out)
				}
				start := time.Now()
				digested := func() int {
					n := 0
					for i := range digest {
						n += len(tg.Messages(int64(400000 + i)))
					}
					return n
				}
				tg.WaitFor("the digest to begin", func() bool { return digested() > 0 })
				sent := make([]time.Time, people)
				for i := range people {
					c := tg.Chat(telegramtest.User{ID: int64(200000 + i), LanguageCode: "en"})
					sent[i] = time.Now()
					c.Send("/help")
					time.Sleep(time.Second) // one person a second, as people come
				}
				tg.WaitFor("every answer", func() bool {
					for i := range people {
						if len(tg.Messages(int64(200000+i))) == 0 {
							return false
						}
					}
					return true
				})
				var waits []time.Duration
				for i := range people {
					for _, c := range tg.Calls("sendMessage") {
						if c.ChatID() == int64(200000+i) && c.Status == 200 {
							waits = append(waits, c.At.Sub(sent[i]))
							break
						}
					}
				}
				tg.WaitFor("the whole digest", func() bool { return digested() >= digest })
				took := time.Since(start)
				for i := range digest {
					if n := len(tg.Messages(int64(400000 + i))); n != 1 {
						b.Fatalf("supervisor %d got the digest %d times", i, n)
					}
				}
				// The replicas keep one budget for the bot (the store's
				// pace): no 429 either.
				b.ReportMetric(float64(tg.RateRefused()), "429s")
				if n := tg.RateRefused(); n != 0 {
					b.Errorf("%d sends refused with 429", n)
				}
				slices.Sort(waits)
				p95 := waits[len(waits)*95/100-1]
				b.ReportMetric(float64(waits[len(waits)-1].Milliseconds()), "ms-max-answer")
				b.ReportMetric(float64(p95.Milliseconds()), "ms-p95-answer")
				b.ReportMetric(float64(waits[len(waits)/2].Milliseconds()), "ms-median-answer")
				b.ReportMetric(float64(digest)/took.Seconds(), "digest-msgs/s")
				b.Logf("%s: answers max %v, p95 %v, median %v; digest %.1f msgs/s, %d × 429", mode,
					waits[len(waits)-1], p95, waits[len(waits)/2], float64(digest)/took.Seconds(), tg.RateRefused())
				if waits[len(waits)-1] > 1500*time.Millisecond || p95 > time.Second {
					b.Errorf("answers during the digest: max %v, p95 %v", waits[len(waits)-1], p95)
				}
			}
		})
	}
}
