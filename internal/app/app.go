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
	"os"
	"path/filepath"
	"time"

	"golang.org/x/net/netutil"

	"deputybot"
	"deputybot/bot"
	"deputybot/config"
	"deputybot/public"
	"deputybot/report"
	"deputybot/scheduler"
	"deputybot/search"
	"deputybot/service"
	"deputybot/storage"
	"deputybot/telegram"
	"deputybot/texts"
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
	// DoneDelay overrides how long handled updates are gathered before
	// they are marked done in one write (tests: negative, at once).
	DoneDelay time.Duration
	// Ready is called once the service takes updates.
	Ready func(*App)
	// NoCron: do not run the scheduler on its own (tests drive it with
	// RunDue and an injected clock).
	NoCron bool
	// OutboxClock is the outbox's clock (its pace, retries and batch
	// windows): the wall clock unless a test gives one that runs.
	OutboxClock func() time.Time

	onCommand func(name string, took time.Duration, failed bool) // database commands, for /metrics
}

// App is the running service.
type App struct {
	Store     *storage.Store
	Telegram  *telegram.Client
	Service   *service.Service
	Bot       *bot.Bot
	Scheduler *scheduler.Scheduler
	// Search is the item index the chat and the public site share: a
	// cache of the record, built at start.
	Search *search.Items
	// HTTPAddr is the health/metrics listener's address, if any.
	HTTPAddr string
	// PublicAddr is the public site's address, if it is served.
	PublicAddr string
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
	// /healthz, /readyz and /metrics answer from the start. (A port in
	// use is reported after the data directory is found free: a second
	// service on it is told so first.)
	ops := newOps(cfg.HealthPollMaxAge, cfg.HealthOutboxMaxAge)
	early := o.Logger
	if early == nil {
		early = slog.New(slog.DiscardHandler)
	}
	var httpAddr string
	var httpErr error
	if cfg.HTTPAddr != "" {
		var srv *http.Server
		if srv, httpAddr, httpErr = serveHTTP(cfg.HTTPAddr, ops.handler(), early); httpErr == nil {
			defer shutdownHTTP(srv)
		}
	}
	o.onCommand = ops.onCommand
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
	if httpErr != nil {
		return fmt.Errorf("HTTP_ADDR: %w", httpErr)
	}
	if store.Embedded() {
		log.Info("using the embedded store", "dir", cfg.DataDir)
	}

	to := telegramOptions(o, store, log)
	to.OnPanic = ops.panics.Inc
	to.OnSetAside = ops.setAside.Inc
	to.Outbox.Metrics = ops.sender
	to.PollTimeout, to.ShutdownGrace = o.PollTimeout, o.ShutdownGrace
	to.OnReceived = ops.onReceived
	to.OnProcessed = ops.onProcessed
	to.OnHandled = o.OnHandled
	a, err := connect(ctx, o, store, clock, log, to, ops.onRun)
	if err != nil {
		return err
	}
	a.HTTPAddr = httpAddr
	if cfg.PublicAddr != "" {
		site, err := newSite(o, store, a.Service, a.Search, clock, log)
		if err != nil {
			return err
		}
		srv, addr, err := serveHTTP(cfg.PublicAddr, site.Handler(), log)
		if err != nil {
			return fmt.Errorf("PUBLIC_ADDR: %w", err)
		}
		defer shutdownHTTP(srv)
		a.PublicAddr = addr
		log.Info("serving the public site", "addr", addr)
	}
	ops.connected(store, a.Telegram)
	defer ops.setReady(false)
	log.Info("connected to Telegram", "bot", "@"+a.Telegram.Username())

	// The search index is built from the record beside the start (each
	// replica its own); a search before it is done waits for it.
	go func() {
		began := time.Now()
		if _, err := a.Search.Refresh(ctx, store); err != nil {
			if ctx.Err() == nil {
				log.Warn("building the search index", "err", err)
			}
			return
		}
		log.Info("search index built", "took", time.Since(began).Round(time.Millisecond))
	}()
	// Messages a crash left stored with an item change go out before
	// anything else changes items; then the updates a stop interrupted.
	if err := a.Service.Recover(ctx); err != nil {
		return err
	}
	if err := a.Bot.Start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return err
	}
	tg := a.Telegram
	sched := a.Scheduler
	if store.Embedded() {
		stop, err := serveControl(a, log)
		if err != nil {
			tg.Shutdown()
			return fmt.Errorf("control socket: %w", err)
		}
		defer stop()
	} else {
		go heartbeat(ctx, store, tg.Sender(), log)
	}
	go housekeeping(ctx, store, tg.Sender(), log)
	if store.Embedded() {
		stopBackups, err := scheduleBackups(ctx, o, clock, log, ops.reg)
		if err != nil {
			tg.Shutdown()
			return err
		}
		defer stopBackups()
	}
	if !o.NoCron {
		sched.Start(ctx)
		defer sched.Stop()
	}
	if cfg.WebhookURL == "" {
		ready(o, a, ops)
		log.Info("taking updates by long polling")
		return tg.Poll(ctx)
	}
	u, _ := url.Parse(cfg.WebhookURL)
	path := u.Path
	if path == "" {
		path = "/"
	}
	mux := http.NewServeMux()
	wh := tg.WebhookHandler(cfg.WebhookSecret)
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// No update Telegram sends comes near this; a larger body is
		// refused before it is read, let alone stored.
		r.Body = http.MaxBytesReader(w, r.Body, maxWebhookBody)
		wh.ServeHTTP(w, r)
	}))
	srv, addr, err := serveHTTP(cfg.ListenAddr, mux, log)
	if err != nil {
		return fmt.Errorf("LISTEN_ADDR: %w", err)
	}
	if err := tg.StartWebhook(ctx, cfg.WebhookURL, cfg.WebhookSecret); err != nil {
		shutdownHTTP(srv)
		tg.Shutdown()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	log.Info("taking updates by webhook", "url", cfg.WebhookURL, "listen", addr)
	ready(o, a, ops)
	<-ctx.Done()
	shutdownHTTP(srv) // no new updates...
	tg.Shutdown()     // ...and the running ones finish
	return nil
}

// housekeeping forgets, every hour, delivered messages after a week and
// handled updates after two days (Telegram redelivers an update for a day
// at most). Both are the transport's records, dated by its clock.
func housekeeping(ctx context.Context, store *storage.Store, sender *telegram.Sender, log *slog.Logger) {
	for {
		now := sender.Now()
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

func ready(o Options, a *App, ops *ops) {
	ops.setReady(true)
	if o.Ready != nil {
		o.Ready(a)
	}
}

// Limits of every HTTP listener (the webhook, the public site, health
// and metrics): a connection that sends nothing, or stays idle, or
// dawdles over a request or a response is closed, and each listener
// holds at most maxConns connections at once (more wait in the kernel's
// queue, using none of the process's files), so a flood on one port
// cannot take the files the bot needs to reach Telegram and the store.
const (
	maxConns       = 256
	maxHeaderBytes = 64 << 10
	maxWebhookBody = 1 << 20
)

func serveHTTP(addr string, h http.Handler, log *slog.Logger) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: maxHeaderBytes}
	addrText := ln.Addr().String()
	ln = netutil.LimitListener(ln, maxConns)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("HTTP server", "err", err)
		}
	}()
	return srv, addrText, nil
}

func shutdownHTTP(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
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
	sopts := storage.Options{URI: cfg.MongoURI, Database: cfg.Database, DataDir: cfg.DataDir, Logger: log, Location: cfg.Location}
	if o.Store != nil {
		sopts = *o.Store
		sopts.Logger = log
	}
	sopts.Command = command
	sopts.OnCommand = o.onCommand
	sopts.Clock = o.OutboxClock // replicas' turns run on a clock that runs, as the outbox's
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

// paceFile keeps the limiter's last second over a restart, in the data
// directory (owner-only, as the directory), if there is one.
func paceFile(cfg *config.Config) string {
	if cfg.DataDir == "" {
		return ""
	}
	if st, err := os.Stat(cfg.DataDir); err != nil || !st.IsDir() {
		return ""
	}
	return filepath.Join(cfg.DataDir, "outbox-pace")
}

// telegramOptions are the Bot API client's settings from the
// configuration.
func telegramOptions(o Options, store *storage.Store, log *slog.Logger) telegram.Options {
	cfg := o.Config
	return telegram.Options{
		Token: cfg.BotToken, APIURL: cfg.TelegramAPIURL, Logger: log, DoneDelay: o.DoneDelay,
		Outbox: telegram.SenderOptions{
			Limiter: telegram.NewLimiter(telegram.LimiterOptions{Rate: int(cfg.OutboxRate),
				ChatInterval: cfg.OutboxChatInterval, ChatBurst: cfg.OutboxChatBurst, StateFile: paceFile(cfg)}),
			SendTimeout: o.SendTimeout,
			BatchWindow: cfg.OutboxBatchWindow,
			Clock:       o.OutboxClock,
			Shared:      !store.SingleWriter(),
			OnUnreachable: func(ctx context.Context, personID, reason string, at time.Time) {
				if err := store.SetUnreachable(ctx, personID, reason, at); err != nil {
					log.Error("record an unreachable recipient", "person", personID, "err", err)
				}
			},
		},
	}
}

// newService is the application layer over store (out may be nil for a
// command that only reads).
func newService(o Options, store *storage.Store, out service.Outbox, clock deputybot.Clock, log *slog.Logger) *service.Service {
	cfg := o.Config
	return service.New(store, out, nil, service.Options{Rules: &cfg.Rules, Clock: clock, AdminIDs: cfg.AdminIDs, Logger: log})
}

// connect connects to Telegram and puts the parts together: the client,
// the service, the bot that writes the service's messages, the
// scheduler.
func connect(ctx context.Context, o Options, store *storage.Store, clock deputybot.Clock, log *slog.Logger, to telegram.Options, onRun func(scheduler.Run)) (*App, error) {
	cfg := o.Config
	tg, err := telegram.New(ctx, store, store, to)
	if err != nil {
		return nil, err
	}
	svc := newService(o, store, tg.Sender(), clock, log)
	idx := &search.Items{}
	b, err := bot.New(store, svc, tg, bot.Options{AdminIDs: cfg.AdminIDs, Location: cfg.Location, Rules: cfg.Rules, Clock: clock, Logger: log, Search: idx})
	if err != nil {
		return nil, err
	}
	svc.SetRenderer(b)
	sched, err := scheduler.New(store, svc, scheduler.Options{
		Rules: &cfg.Rules, Clock: clock, CatchUp: cfg.CatchUp, Logger: log,
		ReminderSchedule: cfg.ReminderSchedule, DigestSchedule: cfg.DigestSchedule, OnRun: onRun,
	})
	if err != nil {
		return nil, err
	}
	return &App{Store: store, Telegram: tg, Service: svc, Bot: b, Scheduler: sched, Search: idx}, nil
}

// newSite is the public site over the record.
func newSite(o Options, store *storage.Store, svc *service.Service, idx *search.Items, clock deputybot.Clock, log *slog.Logger) (*public.Site, error) {
	tx, err := texts.Load(o.Config.Location)
	if err != nil {
		return nil, err
	}
	return public.New(public.Options{Snapshots: svc, Store: store, Texts: tx, Rules: &o.Config.Rules, Clock: clock, Logger: log, Search: idx}), nil
}

// Publish writes the public site as static files into dir (`deputybot
// publish`) and returns how many files it wrote.
func Publish(ctx context.Context, o Options, dir string) (int, error) {
	if !o.Config.Rules.Disclosure.Enabled {
		return 0, &config.Error{Var: "PUBLIC_DISCLOSURE", Problem: "is off: set PUBLIC_DISCLOSURE=on to publish the record"}
	}
	store, log, clock, err := openForTool(ctx, o, "publish")
	if err != nil {
		return 0, err
	}
	defer store.Close(context.Background())
	site, err := newSite(o, store, newService(o, store, nil, clock, log), nil, clock, log)
	if err != nil {
		return 0, err
	}
	return site.Publish(ctx, dir)
}

// snapshot reads the whole record for a command that writes a report.
func snapshot(ctx context.Context, o Options, command string) (deputybot.Snapshot, *texts.Texts, report.Names, func(), error) {
	store, log, clock, err := openForTool(ctx, o, command)
	if err != nil {
		return deputybot.Snapshot{}, nil, nil, nil, err
	}
	done := func() { store.Close(context.Background()) }
	snap, err := newService(o, store, nil, clock, log).ReportSnapshot(ctx, clock(), nil)
	if err != nil {
		done()
		return deputybot.Snapshot{}, nil, nil, nil, err
	}
	tx, err := texts.Load(o.Config.Location)
	if err != nil {
		done()
		return deputybot.Snapshot{}, nil, nil, nil, err
	}
	names := map[string]string{}
	name := func(id string) string {
		if n, ok := names[id]; ok || id == "" {
			return n
		}
		names[id] = "?"
		if p, err := store.Person(ctx, id); err == nil {
			names[id] = p.Name
		}
		return names[id]
	}
	return snap, tx, name, done, nil
}

// Report writes the report to the congress on year (`deputybot report`;
// 0: this year), or its annex of the departments' figures.
func Report(ctx context.Context, o Options, year int, lang deputybot.Language, format string, annex bool, w io.Writer) error {
	snap, tx, _, done, err := snapshot(ctx, o, "report")
	if err != nil {
		return err
	}
	defer done()
	if year == 0 {
		year = snap.Env.Year()
	}
	v := report.Congress
	if annex {
		v = report.Annex
	}
	if format == report.FormatDocx && annex {
		return report.AnnexDocx(tx, snap, year, lang, w)
	}
	if format == report.FormatDocx {
		return report.AnnualDocx(tx, snap, year, lang, w)
	}
	_, err = io.WriteString(w, report.RenderAnnualVersion(tx, snap, year, lang, format, v))
	return err
}

// Export writes the register of year as XLSX (`deputybot export`; 0:
// this year) and returns how many items it holds.
func Export(ctx context.Context, o Options, year int, lang deputybot.Language, w io.Writer) (int, error) {
	snap, tx, names, done, err := snapshot(ctx, o, "export")
	if err != nil {
		return 0, err
	}
	defer done()
	if year == 0 {
		year = snap.Env.Year()
	}
	return report.Register(tx, snap, year, lang, names, w)
}
