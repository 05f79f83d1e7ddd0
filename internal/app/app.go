// Package app wires deputybot together — store, bot, scheduler, HTTP —
// and runs it until its context ends. The command line (cmd/deputybot)
// and the end-to-end tests both start the service through Run, so the
// tests exercise the real wiring.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"deputybot"
	"deputybot/bot"
	"deputybot/config"
	"deputybot/scheduler"
	"deputybot/storage"
	"deputybot/telegram"
)

// Options for Run. Config is required; the rest default for production.
type Options struct {
	Config *config.Config
	Clock  deputybot.Clock
	Logger *slog.Logger
	// Store overrides where the data lives (tests); default from Config.
	Store *storage.Options
	// PollTimeout overrides the long-poll timeout (tests).
	PollTimeout time.Duration
	// OnHandled is called after each update is handled (tests).
	OnHandled func(updateID int64)
	// ShutdownGrace overrides how long running handlers may finish (tests).
	ShutdownGrace time.Duration
	// SendTimeout overrides the outbox's per-message timeout (tests).
	SendTimeout time.Duration
	// Ready is called once the service takes updates.
	Ready func(*App)
	// NoCron: do not run the scheduler on its own (tests drive it with
	// RunDue and an injected clock).
	NoCron bool
}

// App is the running service.
type App struct {
	Store     *storage.Store
	Bot       *bot.Bot
	Scheduler *scheduler.Scheduler
	// HTTPAddr is the health/metrics listener's address, if any.
	HTTPAddr string
}

// InUseError is a data directory another deputybot process owns.
type InUseError struct {
	Dir   string
	Owner storage.OwnerInfo
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("DATA_DIR %s is in use by another deputybot process (pid %d, `deputybot %s` since %s): "+
		"a second service on one data directory would send every message twice. Stop that one first; "+
		"`deputybot job`, `import`, `report` and `export` work next to a running service.",
		e.Dir, e.Owner.PID, e.Owner.Command, e.Owner.Since.Format(time.RFC3339))
}

// Run starts the service and blocks until ctx ends; then it stops taking
// updates, lets running handlers finish (10 s at most), and closes the
// store. Updates that did not finish are handled after the next start.
// On a data directory another process owns it refuses to start
// (*InUseError): exactly one process sends for a store.
func Run(ctx context.Context, o Options) error {
	cfg := o.Config
	openCtx, cancel := context.WithTimeout(ctx, time.Minute)
	store, log, clock, err := openForTool(openCtx, o, "run")
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := store.Close(cctx); err != nil {
			log.Warn("close store", "err", err)
		}
	}()
	if store.Joined() {
		e := store.EmbeddedStore()
		return &InUseError{Dir: e.Dir(), Owner: e.Info()}
	}
	if store.Embedded() {
		log.Info("using the embedded store", "dir", cfg.DataDir)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	handled := prometheus.NewCounter(prometheus.CounterOpts{Name: "deputybot_updates_handled_total", Help: "Telegram updates handled."})
	panics := prometheus.NewCounter(prometheus.CounterOpts{Name: "deputybot_handler_panics_total", Help: "Update handlers that panicked (recovered; the user was apologised to)."})
	reg.MustRegister(handled, panics)
	bo := botOptions(o, store, clock, log)
	bo.OnPanic = panics.Inc
	bo.Outbox.Metrics = newSenderMetrics(reg)
	bo.PollTimeout, bo.ShutdownGrace = o.PollTimeout, o.ShutdownGrace
	bo.OnHandled = func(id int64) {
		handled.Inc()
		if o.OnHandled != nil {
			o.OnHandled(id)
		}
	}
	b, err := bot.New(ctx, store, bo)
	if err != nil {
		return err
	}
	a := &App{Store: store, Bot: b}
	log.Info("connected to Telegram", "bot", "@"+b.Username())

	if cfg.HTTPAddr != "" {
		srv, addr, err := serveHTTP(cfg.HTTPAddr, opsHandler(store, reg), log)
		if err != nil {
			return fmt.Errorf("HTTP_ADDR: %w", err)
		}
		a.HTTPAddr = addr
		defer shutdownHTTP(srv)
	}

	if err := b.Start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return err
	}
	sched, err := scheduler.New(store, b.Service(), scheduler.Options{
		Rules: &cfg.Rules, Clock: clock, CatchUp: cfg.CatchUp, Logger: log,
		ReminderSchedule: cfg.ReminderSchedule, DigestSchedule: cfg.DigestSchedule,
	})
	if err != nil {
		b.Shutdown()
		return err
	}
	a.Scheduler = sched
	if store.Embedded() {
		stop, err := serveControl(a, log)
		if err != nil {
			b.Shutdown()
			return fmt.Errorf("control socket: %w", err)
		}
		defer stop()
	} else {
		go heartbeat(ctx, store, b, log)
	}
	go housekeeping(ctx, store, b, log)
	if !o.NoCron {
		sched.Start(ctx)
		defer sched.Stop()
	}
	if cfg.WebhookURL == "" {
		ready(o, a)
		log.Info("taking updates by long polling")
		return b.Poll(ctx)
	}
	u, _ := url.Parse(cfg.WebhookURL)
	path := u.Path
	if path == "" {
		path = "/"
	}
	mux := http.NewServeMux()
	mux.Handle(path, b.WebhookHandler(cfg.WebhookSecret))
	srv, addr, err := serveHTTP(cfg.ListenAddr, mux, log)
	if err != nil {
		return fmt.Errorf("LISTEN_ADDR: %w", err)
	}
	if err := b.StartWebhook(ctx, cfg.WebhookURL, cfg.WebhookSecret); err != nil {
		shutdownHTTP(srv)
		b.Shutdown()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	log.Info("taking updates by webhook", "url", cfg.WebhookURL, "listen", addr)
	ready(o, a)
	<-ctx.Done()
	shutdownHTTP(srv) // no new updates...
	b.Shutdown()      // ...and the running ones finish
	return nil
}

// housekeeping forgets, every hour, delivered messages after a week and
// handled updates after two days (Telegram redelivers an update for a day
// at most). Both are the transport's records, dated by its clock.
func housekeeping(ctx context.Context, store *storage.Store, b *bot.Bot, log *slog.Logger) {
	for {
		now := b.Sender().Now()
		if n, err := store.PruneOutbox(ctx, now.Add(-7*24*time.Hour)); err != nil && ctx.Err() == nil {
			log.Warn("prune the outbox", "err", err)
		} else if n > 0 {
			log.Debug("pruned delivered messages", "count", n)
		}
		if _, err := store.PruneUpdates(ctx, now.Add(-48*time.Hour)); err != nil && ctx.Err() == nil {
			log.Warn("prune handled updates", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

func ready(o Options, a *App) {
	if o.Ready != nil {
		o.Ready(a)
	}
}

func serveHTTP(addr string, h http.Handler, log *slog.Logger) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("HTTP server", "err", err)
		}
	}()
	return srv, ln.Addr().String(), nil
}

func shutdownHTTP(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// opsHandler serves /healthz (the store answers) and /metrics.
func opsHandler(store *storage.Store, reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			http.Error(w, "store unreachable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// openForTool opens the store for a command (named in the data
// directory's lock file, should another process find it in use).
func openForTool(ctx context.Context, o Options, command string) (*storage.Store, *slog.Logger, deputybot.Clock, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clock := o.Clock
	if clock == nil {
		clock = time.Now
	}
	cfg := o.Config
	sopts := storage.Options{URI: cfg.MongoURI, Database: cfg.Database, DataDir: cfg.DataDir, Logger: log}
	if o.Store != nil {
		sopts = *o.Store
		sopts.Logger = log
	}
	sopts.Command = command
	store, err := storage.Open(ctx, sopts)
	var dde *storage.DataDirError
	if errors.As(err, &dde) {
		return nil, nil, nil, err
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open store: %w", err)
	}
	return store, log, clock, nil
}

func botOptions(o Options, store *storage.Store, clock deputybot.Clock, log *slog.Logger) bot.Options {
	cfg := o.Config
	return bot.Options{
		Token: cfg.BotToken, APIURL: cfg.TelegramAPIURL, AdminIDs: cfg.AdminIDs,
		Location: cfg.Location, Rules: cfg.Rules, Clock: clock, Logger: log,
		Outbox: telegram.SenderOptions{
			Limiter: telegram.NewLimiter(telegram.LimiterOptions{Rate: int(cfg.OutboxRate),
				ChatInterval: cfg.OutboxChatInterval, ChatBurst: cfg.OutboxChatBurst}),
			SendTimeout: o.SendTimeout,
			Shared:      !store.SingleWriter(),
		},
	}
}

// Report writes the annual report of year (`deputybot report`).
func Report(ctx context.Context, o Options, year int, lang deputybot.Language, format string, w io.Writer) error {
	store, log, clock, err := openForTool(ctx, o, "report")
	if err != nil {
		return err
	}
	defer store.Close(context.Background())
	b, err := bot.NewOffline(store, botOptions(o, store, clock, log))
	if err != nil {
		return err
	}
	text, err := b.AnnualReport(ctx, lang, year, format, nil)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, text)
	return err
}

// Export writes the register of year as XLSX (`deputybot export`) and
// returns how many items it holds.
func Export(ctx context.Context, o Options, year int, lang deputybot.Language, w io.Writer) (int, error) {
	store, log, clock, err := openForTool(ctx, o, "export")
	if err != nil {
		return 0, err
	}
	defer store.Close(context.Background())
	b, err := bot.NewOffline(store, botOptions(o, store, clock, log))
	if err != nil {
		return 0, err
	}
	return b.Register(ctx, lang, year, w, nil)
}
