// Package scheduler keeps deputybot's clocks: robfig/cron says when to
// wake up (in the configured time zone); which runs are due, done or
// missed is decided from the job slots recorded in MongoDB, so a run
// happens once across restarts and replicas.
package scheduler

import (
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// Scheduler wakes registered jobs on their cron schedules.
type Scheduler struct {
	cron *cron.Cron
	log  *slog.Logger
}

// New returns a scheduler whose schedules are read in loc.
func New(loc *time.Location, log *slog.Logger) *Scheduler {
	return &Scheduler{
		log: log,
		// SkipIfStillRunning before Recover: the other order leaves a job
		// blocked forever after one panic.
		cron: cron.New(cron.WithLocation(loc), cron.WithChain(
			cron.SkipIfStillRunning(cron.DiscardLogger),
			cron.Recover(cron.PrintfLogger(slog.NewLogLogger(log.Handler(), slog.LevelError))),
		)),
	}
}

// Start starts waking jobs.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops waking jobs and waits for running ones.
func (s *Scheduler) Stop() { <-s.cron.Stop().Done() }
