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
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // TIMEZONE works on machines without a zoneinfo database

	"deputybot/config"
	"deputybot/internal/app"
	"deputybot/scheduler"
)

const usage = `usage: deputybot [run]
       deputybot job <reminders|digest> [--at 2026-03-09T09:00:00+08:00]

  run     run the bot and its scheduler (the default)
  job     run one scheduled job once, now or as if at the given time,
          and deliver what it sends

Configuration is read from environment variables (TELEGRAM_BOT_TOKEN,
ADMIN_TELEGRAM_IDS, MONGODB_URI, DATA_DIR, TIMEZONE, ...); see README.md.
`

func main() {
	os.Exit(run(os.Args[1:], os.LookupEnv, os.Stderr))
}

// run executes a subcommand and returns the process exit code: 0 done,
// 1 failed, 2 bad usage or configuration.
func run(args []string, env config.Lookup, stderr io.Writer) int {
	sub := "run"
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
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
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		if err := app.Run(ctx, app.Options{Config: cfg, Logger: log}); err != nil {
			var cerr *config.Error
			if errors.As(err, &cerr) {
				fmt.Fprintf(stderr, "deputybot: configuration: %v\n", err)
				return 2
			}
			log.Error("deputybot stopped", "err", err)
			return 1
		}
		log.Info("deputybot stopped")
		return 0
	case "job":
		return runJob(args, env, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stderr, usage)
		return 0
	}
	fmt.Fprintf(stderr, "deputybot: unknown command %q\n\n%s", sub, usage)
	return 2
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
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
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
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := app.RunJob(ctx, app.Options{Config: cfg, Logger: log, Clock: func() time.Time { return at }}, name, at); err != nil {
		log.Error("job failed", "job", name, "err", err)
		return 1
	}
	log.Info("job done", "job", name, "at", at.Format(time.RFC3339))
	return 0
}
