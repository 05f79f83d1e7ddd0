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
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // TIMEZONE works on machines without a zoneinfo database

	"deputybot/config"
	"deputybot/internal/app"
)

const usage = `usage: deputybot [run]

  run     run the bot and its scheduler (the default)

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
	case "help", "-h", "--help":
		fmt.Fprint(stderr, usage)
		return 0
	}
	fmt.Fprintf(stderr, "deputybot: unknown command %q\n\n%s", sub, usage)
	return 2
}
