// Command deputybot runs the deputies' motions and suggestions bot.
//
//	deputybot [run]    the bot and its scheduler (long polling, or a
//	                   webhook when WEBHOOK_URL is set)
//
// Configuration comes from environment variables; see README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // TIMEZONE works on machines without a zoneinfo database

	"deputybot"
	"deputybot/config"
	"deputybot/internal/app"
	"deputybot/internal/logredact"
	"deputybot/report"
	"deputybot/scheduler"
	"deputybot/storage"
)

const usage = `usage: deputybot [run]
       deputybot job <reminders|digest> [--at 2026-03-09T09:00:00+08:00]
       deputybot report [--year 2026] [--format text|markdown|docx] [--lang zh|en] [-o file]
       deputybot export [--year 2026] [--lang zh|en] -o register.xlsx
       deputybot import [--lang zh|en] [-o invitations.csv] roster.csv|roster.xlsx
       deputybot publish -o DIR
       deputybot backup -o FILE
       deputybot restore [--force] FILE
       deputybot copy --to mongodb://... [--database deputybot]
       deputybot health
       deputybot version

  run      run the bot and its scheduler (the default)
  job      run one scheduled job once, now or as if at the given time,
           and deliver what it sends (next to a running service: hand it
           to the service)
  report   the annual handling report (to standard output, or a file)
  export   the register (台账) as an Excel workbook
  import   create the people of a roster with their invitations; the
           links go to the -o file (default invitations.csv)
  publish  write the public site (PUBLIC_DISCLOSURE=on) as static files
           into DIR, for a portal to host; DIR is replaced whole
  backup   a consistent snapshot of the embedded store, also while the
           service runs
  restore  put a backup in DATA_DIR (never over a running store; over a
           stopped one only with --force, which moves it aside)
  copy     copy the embedded store into an empty MongoDB database and
           verify it (stop the service first); then run with MONGODB_URI
  health   ask the running service's /healthz (HTTP_ADDR); exit 0 if healthy
  version  the version, commit and build time of this binary

Each command takes --help. Exit codes: 0 done, 1 failed, 2 bad usage or
configuration.
`

// help is usage with the configuration: deputybot --help.
func help(w io.Writer) {
	fmt.Fprint(w, usage)
	fmt.Fprint(w, "\nConfiguration, from environment variables (see README.md):\n\n")
	config.PrintVariables(w)
}

// isHelp reports whether args ask for help.
func isHelp(args []string) bool {
	return len(args) > 0 && slices.Contains([]string{"-h", "-help", "--help", "help"}, args[0])
}

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.LookupEnv, os.Stderr))
}

// tuneGC has the garbage collector run half as often as Go's default
// (GOGC=200), unless GOGC is set: the embedded store allocates much per
// write and little stays, and a /help measured 10–15 % less CPU so, for a
// heap up to three times what is live instead of twice.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(200)
	}
}

// run executes a subcommand and returns the process exit code: 0 done,
// 1 failed, 2 bad usage or configuration.
func run(args []string, env config.Lookup, stderr io.Writer) int {
	return runIO(args, env, os.Stdout, stderr)
}

// runIO is run with the standard output given.
func runIO(args []string, env config.Lookup, stdout, stderr io.Writer) int {
	sub := "run"
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "help", "-h", "-help", "--help":
		help(stdout)
		return 0
	case "version", "--version":
		fmt.Fprintln(stdout, version())
		return 0
	}
	if isHelp(args) {
		help(stdout)
		return 0
	}
	switch sub {
	case "health":
		return runHealth(args, env, stdout, stderr)
	case "backup", "restore", "copy":
		return runMaintenance(sub, args, env, stdout, stderr)
	case "run":
		if len(args) > 0 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		cfg, err := config.Load(env, true)
		if err != nil {
			fmt.Fprintf(stderr, "deputybot: configuration: %v\n", err)
			return 2
		}
		log := newLogger(cfg, stderr, cfg.LogLevel)
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		if err := app.Run(ctx, app.Options{Config: cfg, Logger: log}); err != nil {
			if code := usageError(err, stderr); code != 0 {
				return code
			}
			log.Error("deputybot stopped", "err", err)
			return 1
		}
		log.Info("deputybot stopped")
		return 0
	case "job":
		return runJob(args, env, stderr)
	case "report", "export", "import", "publish":
		return runTool(sub, args, env, stdout, stderr)
	}
	fmt.Fprintf(stderr, "deputybot: unknown command %q\n\n%s", sub, usage)
	return 2
}

// usageError reports an error of configuration or of where the service
// runs (exit code 2), or returns 0 for any other error.
func usageError(err error, stderr io.Writer) int {
	var cerr *config.Error
	var derr *storage.DataDirError
	var inUse *app.InUseError
	switch {
	case errors.As(err, &cerr), errors.As(err, &derr):
		fmt.Fprintf(stderr, "deputybot: configuration: %v\n", err)
		return 2
	case errors.As(err, &inUse):
		fmt.Fprintf(stderr, "deputybot: %v\n", err)
		return 2
	}
	return 0
}

func runJob(args []string, env config.Lookup, stderr io.Writer) int {
	fs := flag.NewFlagSet("job", flag.ContinueOnError)
	fs.SetOutput(stderr)
	atFlag := fs.String("at", "", "run as if at this time (RFC 3339)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, usage)
		return 2
	}
	name := args[0]
	if err := fs.Parse(args[1:]); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil || fs.NArg() > 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if !slices.Contains(scheduler.JobNames, name) {
		fmt.Fprintf(stderr, "deputybot: no job %q (jobs: %s)\n", name, strings.Join(scheduler.JobNames, ", "))
		return 2
	}
	cfg, err := config.Load(env, true)
	if err != nil {
		fmt.Fprintf(stderr, "deputybot: configuration: %v\n", err)
		return 2
	}
	at := time.Now()
	if *atFlag != "" {
		if at, err = time.Parse(time.RFC3339, *atFlag); err != nil {
			fmt.Fprintf(stderr, "deputybot: --at: %q is not an RFC 3339 time (e.g. 2026-03-09T09:00:00+08:00)\n", *atFlag)
			return 2
		}
	}
	log := newLogger(cfg, stderr, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	res, err := app.RunJob(ctx, app.Options{Config: cfg, Logger: log, Clock: func() time.Time { return at }}, name, at)
	if err != nil {
		if code := usageError(err, stderr); code != 0 {
			return code
		}
		fmt.Fprintf(stderr, "deputybot job %s: %v\n", name, err)
		return 1
	}
	fmt.Fprintf(stderr, "deputybot job %s: %s\n", name, jobSummary(res))
	return 0
}

// jobSummary says what a job did, in one line.
func jobSummary(r *app.JobResult) string {
	at := r.At.Format(time.RFC3339)
	if r.RanBy != 0 {
		return fmt.Sprintf("handed to the running service (pid %d), which ran it for %s and queued %s; it is sending them",
			r.RanBy, at, messages(r.Queued))
	}
	s := fmt.Sprintf("ran for %s and queued %s", at, messages(r.Queued))
	if r.Queued == 0 {
		s += " (what was due then had been queued before)"
	}
	if r.SentBy == "this command" {
		return s + fmt.Sprintf("; delivered %d, %d refused by Telegram (see the outbox)", r.Sent, r.Refused)
	}
	return s + "; the running service sends them"
}

func messages(n int) string {
	if n == 1 {
		return "1 message"
	}
	return fmt.Sprintf("%d messages", n)
}

// runTool runs report, export and import.
func runTool(sub string, args []string, env config.Lookup, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	year := fs.Int("year", 0, "the year (default: this year, in TIMEZONE)")
	format := fs.String("format", "text", "report format: text, markdown or docx (a Word document: give -o)")
	langFlag := fs.String("lang", "zh", "language: zh or en")
	out := fs.String("o", "", "output file")
	annex := false
	if sub == "report" {
		fs.BoolVar(&annex, "annex", false, "the annex of the departments' figures, with their scores (for the office), instead of the report to the congress")
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	lang, ok := deputybot.ParseLanguage(*langFlag)
	bad := func(msg string) int { fmt.Fprintf(stderr, "deputybot %s: %s\n", sub, msg); return 2 }
	if !ok {
		return bad(fmt.Sprintf("--lang: %q is not zh or en", *langFlag))
	}
	if *year != 0 && (*year < 2000 || *year > 2100) {
		return bad(fmt.Sprintf("--year: %d is not a year", *year))
	}
	if sub == "import" && fs.NArg() != 1 || sub != "import" && fs.NArg() != 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	o, ctx, stop, code := toolContext(env, sub == "import", stderr)
	if code != 0 {
		return code
	}
	defer stop()
	create := func(def string) (io.Writer, func() error, error) {
		name := *out
		if name == "" {
			if def == "" {
				return stdout, func() error { return nil }, nil
			}
			name = def
		}
		// Owner-only whatever the umask: reports, registers and invitation
		// lists hold links, phone numbers and names. An existing file is
		// made owner-only before it is written.
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, nil, err
		}
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, nil, err
		}
		return f, f.Close, nil
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "deputybot %s: %v\n", sub, err); return 1 }
	switch sub {
	case "report":
		switch *format {
		case report.FormatText, report.FormatMarkdown:
		case report.FormatDocx:
			if *out == "" {
				return bad("--format docx writes a Word document: give -o report.docx")
			}
		default:
			return bad(fmt.Sprintf("--format: %q is not text, markdown or docx", *format))
		}
		w, closeFn, err := create("")
		if err != nil {
			return fail(err)
		}
		if err := app.Report(ctx, o, *year, lang, *format, annex, w); err != nil {
			if code := usageError(err, stderr); code != 0 {
				return code
			}
			return fail(err)
		}
		if err := closeFn(); err != nil {
			return fail(err)
		}
	case "export":
		if *out == "" {
			return bad("-o register.xlsx is required")
		}
		w, closeFn, err := create("")
		if err != nil {
			return fail(err)
		}
		n, err := app.Export(ctx, o, *year, lang, w)
		if err != nil {
			if code := usageError(err, stderr); code != 0 {
				return code
			}
			return fail(err)
		}
		if err := closeFn(); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stderr, "deputybot export: %d items of %d written to %s\n", n, *year, *out)
	case "publish":
		if *out == "" {
			return bad("-o DIR is required: the directory the site is written into")
		}
		n, err := app.Publish(ctx, o, *out)
		if err != nil {
			if code := usageError(err, stderr); code != 0 {
				return code
			}
			return fail(err)
		}
		fmt.Fprintf(stderr, "deputybot publish: %d files in %s\n", n, *out)
	case "import":
		data, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return fail(err)
		}
		sum, err := app.Import(ctx, o, data, lang)
		if err != nil {
			if code := usageError(err, stderr); code != 0 {
				return code
			}
			return fail(err)
		}
		if sum.RanBy != 0 {
			fmt.Fprintf(stderr, "deputybot import: handed to the running service (pid %d)\n", sum.RanBy)
		}
		for _, e := range sum.Errors {
			fmt.Fprintln(stderr, e)
		}
		fmt.Fprintf(stderr, "deputybot import: %d created, %d skipped as imported before, %d rows with problems\n", sum.Created, sum.Skipped, len(sum.Errors))
		if sum.Created > 0 {
			name := *out
			if name == "" {
				name = "invitations.csv"
			}
			w, closeFn, err := create(name)
			if err != nil {
				return fail(err)
			}
			if _, err := w.Write(sum.Links); err != nil {
				return fail(err)
			}
			if err := closeFn(); err != nil {
				return fail(err)
			}
			fmt.Fprintf(stderr, "deputybot import: invitation links written to %s\n", name)
		}
	}
	return 0
}

// newLogger logs at level, as LOG_FORMAT says: text, or one JSON object
// a line; Telegram ids only at DEBUG (logredact: references keyed by the
// bot's token above it).
func newLogger(cfg *config.Config, w io.Writer, level slog.Level) *slog.Logger {
	o := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, o)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, o)
	}
	return slog.New(logredact.New(h, cfg.BotToken))
}

// version describes the binary from its build information: the module
// version, the commit and its time (when built from a checkout), the Go
// version.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "deputybot (no build information)"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	out := "deputybot " + v
	if rev := settings["vcs.revision"]; rev != "" {
		out += ", commit " + rev
		if at := settings["vcs.time"]; at != "" {
			out += " of " + at
		}
		if settings["vcs.modified"] == "true" {
			out += " with local changes"
		}
	} else {
		out += " (no commit recorded: build in a checkout with -buildvcs=true)"
	}
	return out + ", " + bi.GoVersion
}

// runHealth asks the running service's /healthz and prints its answer:
// the container's health check, with no shell needed.
func runHealth(args []string, env config.Lookup, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cfg, err := config.Load(env, false)
	if err != nil {
		fmt.Fprintf(stderr, "deputybot: configuration: %v\n", err)
		return 2
	}
	if cfg.HTTPAddr == "" {
		fmt.Fprintln(stderr, "deputybot health: HTTP_ADDR is off: there is no /healthz to ask")
		return 2
	}
	host, port, _ := net.SplitHostPort(cfg.HTTPAddr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		fmt.Fprintf(stderr, "deputybot health: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	stdout.Write(body)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

// runMaintenance runs backup, restore and copy.
func runMaintenance(sub string, args []string, env config.Lookup, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "backup: the file to write")
	force := fs.Bool("force", false, "restore: move a stopped store aside and put the backup in its place")
	to := fs.String("to", "", "copy: the MongoDB connection string of the target")
	database := fs.String("database", "", "copy: the target database (default MONGODB_DATABASE, or deputybot)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	bad := func(msg string) int { fmt.Fprintf(stderr, "deputybot %s: %s\n", sub, msg); return 2 }
	switch {
	case sub == "backup" && (*out == "" || fs.NArg() != 0):
		return bad("usage: deputybot backup -o FILE")
	case sub == "restore" && fs.NArg() != 1:
		return bad("usage: deputybot restore [--force] FILE")
	case sub == "copy" && (*to == "" || fs.NArg() != 0):
		return bad("usage: deputybot copy --to mongodb://host/?replicaSet=rs0 [--database deputybot]")
	}
	o, ctx, stop, code := toolContext(env, false, stderr)
	if code != 0 {
		return code
	}
	defer stop()
	cfg := o.Config
	fail := func(err error) int {
		fmt.Fprintf(stderr, "deputybot %s: %v\n", sub, err)
		var inUse *storage.InUseError
		var exists *storage.ExistsError
		var notEmpty *storage.NotEmptyError
		if errors.As(err, &inUse) || errors.As(err, &exists) || errors.As(err, &notEmpty) || errors.Is(err, app.ErrNotEmbedded) {
			return 2
		}
		if code := usageError(err, io.Discard); code != 0 {
			return code
		}
		return 1
	}
	switch sub {
	case "backup":
		m, err := app.Backup(ctx, o, *out, time.Now())
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "backup written to %s: %d documents in %d collections, schema %d, taken %s\n",
			*out, m.Documents(), len(m.Counts), m.Schema, m.TakenAt.Format(time.RFC3339))
	case "restore":
		r, err := app.Restore(ctx, o, fs.Arg(0), *force, time.Now())
		if err != nil {
			return fail(err)
		}
		if r.Aside != "" {
			fmt.Fprintf(stdout, "the store that was in DATA_DIR was moved to %s\n", r.Aside)
		}
		fmt.Fprintf(stdout, "restored the backup taken %s into %s: %d documents in %d collections, verified\n",
			r.Manifest.TakenAt.Format(time.RFC3339), cfg.DataDir, r.Manifest.Documents(), len(r.Manifest.Counts))
	case "copy":
		db := *database
		if db == "" {
			db = cfg.Database
		}
		counts, err := app.Copy(ctx, o, *to, db, func(name string, n int64) {
			fmt.Fprintf(stdout, "  %-14s %d\n", name, n)
		})
		if err != nil {
			return fail(err)
		}
		var total int64
		for _, n := range counts {
			total += n
		}
		fmt.Fprintf(stdout, "copied %d documents in %d collections into database %s, counts verified; now run the service with MONGODB_URI set to the target and MONGODB_DATABASE=%s\n",
			total, len(counts), db, db)
	}
	return 0
}

// toolContext loads the configuration of a command that works on the
// store without running the service: its options (logging warnings and
// errors only) and a context that ends on SIGINT or SIGTERM. A non-zero
// code is a bad configuration, reported.
func toolContext(env config.Lookup, requireToken bool, stderr io.Writer) (app.Options, context.Context, context.CancelFunc, int) {
	cfg, err := config.Load(env, requireToken)
	if err != nil {
		fmt.Fprintf(stderr, "deputybot: configuration: %v\n", err)
		return app.Options{}, nil, nil, 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	return app.Options{Config: cfg, Logger: newLogger(cfg, stderr, max(cfg.LogLevel, slog.LevelWarn))}, ctx, stop, 0
}
