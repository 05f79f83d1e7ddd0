package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"deputybot/config"
	"deputybot/scheduler"
	"deputybot/storage"
	"deputybot/telegram"
)

// ops is what the on-call person sees of the service: its Prometheus
// metrics, /healthz and /readyz. It is served from the start, before
// the store is open or Telegram answers; what is not there yet is
// reported as such.
type ops struct {
	reg *prometheus.Registry

	handled    *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	panics     prometheus.Counter
	setAside   prometheus.Counter
	runs       *prometheus.CounterVec
	lastOK     *prometheus.GaugeVec
	lag        *prometheus.GaugeVec
	storeOps   *prometheus.HistogramVec
	sender     *senderMetrics
	pollMaxAge time.Duration
	outMaxAge  time.Duration

	mu       sync.Mutex
	store    *storage.Store
	tg       *telegram.Client
	started  time.Time // by the sender's clock, once there is one
	received time.Time // the last sign that Telegram reaches the bot
	ready    bool      // taking updates
	stopping bool
}

func newOps(pollMaxAge, outMaxAge time.Duration) *ops {
	if pollMaxAge <= 0 {
		pollMaxAge = config.DefaultHealthPollMaxAge
	}
	if outMaxAge <= 0 {
		outMaxAge = config.DefaultHealthOutboxMaxAge
	}
	o := &ops{reg: prometheus.NewRegistry(), pollMaxAge: pollMaxAge, outMaxAge: outMaxAge}
	o.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	o.handled = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deputybot_updates_handled_total",
		Help: "Telegram updates handled, by kind (command, message, file, button, other)."}, []string{"kind"})
	o.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "deputybot_update_handling_seconds",
		Help:    "Time from the start of an update's handling to its handler's return, by kind.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"kind"})
	o.panics = prometheus.NewCounter(prometheus.CounterOpts{Name: "deputybot_handler_panics_total",
		Help: "Update handlers that panicked (recovered; the user was apologised to)."})
	o.setAside = prometheus.NewCounter(prometheus.CounterOpts{Name: "deputybot_updates_set_aside_total",
		Help: "Updates given up on: their handling took the process down each time it was tried (the user was told)."})
	o.runs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deputybot_scheduler_runs_total",
		Help: "Scheduled runs, by job and result (ok, failed)."}, []string{"job", "result"})
	o.lastOK = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "deputybot_scheduler_last_success_timestamp_seconds",
		Help: "When the last successful scheduled run of each job ended (Unix time)."}, []string{"job"})
	o.lag = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "deputybot_scheduler_slot_lag_seconds",
		Help: "How long after its scheduled time the last run of each job started."}, []string{"job"})
	o.storeOps = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "deputybot_store_operation_seconds",
		Help:    "Database commands, by command and result (ok, failed).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5}}, []string{"command", "result"})
	o.reg.MustRegister(o.handled, o.latency, o.panics, o.setAside, o.runs, o.lastOK, o.lag, o.storeOps)
	o.sender = newSenderMetrics(o.reg)
	o.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "deputybot_outbox_pending",
		Help: "Messages waiting to be sent or being sent (on a shared store: those this replica has read)."},
		func() float64 { n, _ := o.backlog(); return float64(n) }))
	o.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "deputybot_outbox_oldest_due_age_seconds",
		Help: "How long the sender has kept waiting the message it has kept waiting longest: due, and its chat's pace would let it go (0: none waits)."},
		func() float64 { _, age := o.backlog(); return age.Seconds() }))
	return o
}

// onCommand records a database command (storage.Options.OnCommand).
func (o *ops) onCommand(name string, took time.Duration, failed bool) {
	result := "ok"
	if failed {
		result = "failed"
	}
	o.storeOps.WithLabelValues(name, result).Observe(took.Seconds())
}

// onRun records a scheduled run (scheduler.Options.OnRun).
func (o *ops) onRun(r scheduler.Run) {
	result := "ok"
	if r.Err != nil {
		result = "failed"
	} else {
		o.lastOK.WithLabelValues(r.Job).Set(float64(r.Started.Add(r.Took).Unix()))
	}
	o.runs.WithLabelValues(r.Job, result).Inc()
	o.lag.WithLabelValues(r.Job).Set(r.Started.Sub(r.Slot).Seconds())
}

// onProcessed records a handled update (telegram.Options.OnProcessed).
func (o *ops) onProcessed(kind string, took time.Duration) {
	o.handled.WithLabelValues(kind).Inc()
	o.latency.WithLabelValues(kind).Observe(took.Seconds())
}

// onReceived notes that Telegram reaches the bot (telegram.Options.OnReceived).
func (o *ops) onReceived(at time.Time) {
	o.mu.Lock()
	o.received = at
	o.mu.Unlock()
}

// connected: the store is open and the client made (its sender's clock
// now dates the health checks).
func (o *ops) connected(store *storage.Store, tg *telegram.Client) {
	o.mu.Lock()
	o.store, o.tg, o.started = store, tg, tg.Sender().Now()
	o.mu.Unlock()
}

func (o *ops) setReady(ready bool) {
	o.mu.Lock()
	o.ready = ready
	o.stopping = o.stopping || !ready && o.tg != nil
	o.mu.Unlock()
}

func (o *ops) parts() (*storage.Store, *telegram.Client) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.store, o.tg
}

// backlog is the sender's: messages held, and the age of the oldest due.
func (o *ops) backlog() (int, time.Duration) {
	_, tg := o.parts()
	if tg == nil {
		return 0, 0
	}
	s := tg.Sender()
	n, oldest := s.Backlog()
	if oldest.IsZero() {
		return n, 0
	}
	return n, max(s.Now().Sub(oldest), 0)
}

// stalled is how long the sender has made no progress (since it started,
// if it has sent nothing yet).
func (o *ops) stalled(s *telegram.Sender) time.Duration {
	last := s.Progress()
	if last.IsZero() {
		o.mu.Lock()
		last = o.started
		o.mu.Unlock()
	}
	return max(s.Now().Sub(last), 0)
}

// problems lists what makes the service unhealthy now: the store does
// not answer, Telegram has not reached the bot for longer than
// HEALTH_POLL_MAX_AGE, a due message waited longer than
// HEALTH_OUTBOX_MAX_AGE while nothing was sent for as long. Before the service is connected, that it is
// starting.
func (o *ops) problems(ctx context.Context) (checks []string, bad bool) {
	store, tg := o.parts()
	if store == nil || tg == nil {
		return []string{"starting: the store and Telegram are not connected yet"}, true
	}
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := store.Ping(pctx); err != nil {
		checks, bad = append(checks, "store: does not answer: "+err.Error()), true
	} else {
		checks = append(checks, "store: ok")
	}
	now := tg.Sender().Now()
	o.mu.Lock()
	last := o.received
	if last.IsZero() {
		last = o.started
	}
	o.mu.Unlock()
	if since := now.Sub(last); since > o.pollMaxAge {
		checks, bad = append(checks, fmt.Sprintf("telegram: no update received and no answer to getUpdates for %s (HEALTH_POLL_MAX_AGE %s)", since.Round(time.Second), o.pollMaxAge)), true
	} else {
		checks = append(checks, fmt.Sprintf("telegram: ok, last reached %s ago", since.Round(time.Second)))
	}
	n, age := o.backlog()
	// Stuck: a message kept waiting past the limit, and nothing sent for
	// as long — a long bulk queue drained at Telegram's pace is working.
	if stalled := o.stalled(tg.Sender()); age > o.outMaxAge && stalled > o.outMaxAge {
		checks, bad = append(checks, fmt.Sprintf("outbox: %d messages, the oldest due waited %s, nothing sent for %s (HEALTH_OUTBOX_MAX_AGE %s)",
			n, age.Round(time.Second), stalled.Round(time.Second), o.outMaxAge)), true
	} else {
		checks = append(checks, fmt.Sprintf("outbox: ok, %d messages", n))
	}
	return checks, bad
}

// handler serves /healthz (is the service working: see problems),
// /readyz (does it take updates now) and /metrics.
func (o *ops) handler() http.Handler {
	mux := http.NewServeMux()
	answer := func(w http.ResponseWriter, ok bool, lines []string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		status := "ok"
		if !ok {
			status = "unhealthy"
		}
		fmt.Fprintf(w, "%s\n%s\n", status, strings.Join(lines, "\n"))
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		checks, bad := o.problems(r.Context())
		answer(w, !bad, checks)
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		ready, stopping := o.ready, o.stopping
		o.mu.Unlock()
		switch {
		case ready:
			answer(w, true, []string{"taking updates"})
		case stopping:
			answer(w, false, []string{"stopping"})
		default:
			answer(w, false, []string{"starting"})
		}
	})
	mux.Handle("/metrics", promhttp.HandlerFor(o.reg, promhttp.HandlerOpts{}))
	return mux
}
