// Package scheduler keeps deputybot's clocks. robfig/cron only says when
// to wake up (in the configured time zone); which runs are due, done or
// missed is decided from job slots recorded in MongoDB: a slot (job name
// and scheduled time) is claimed by inserting it under a unique key, so it
// runs once however many schedulers share the database, and slots missed
// while the service was down are run at start-up if they are younger than
// the catch-up window.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"deputybot"
)

// Store is what the scheduler needs from storage.
type Store interface {
	// ClaimSlot takes a slot for an attempt (see storage.Store.ClaimSlot).
	ClaimSlot(ctx context.Context, job string, slot, now time.Time, lease time.Duration) (mine bool, attempt int, retry time.Time, err error)
	FinishSlot(ctx context.Context, job string, slot, now time.Time, runErr error, retry time.Time) error
}

// Messenger does what is due at a slot (the service): it only knows
// time, the Messenger knows what is due.
type Messenger interface {
	// Reminders sends the reminders due at the slot, once ever per
	// (item, recipient, step), closes what was not rated in time, and
	// returns how many messages were new. What it records of the steps
	// sent is kept for keep after an item closed.
	Reminders(ctx context.Context, slot time.Time, keep time.Duration) (int, error)
	// Digests sends the weekly digests for the slot, once per recipient,
	// and returns how many were new.
	Digests(ctx context.Context, slot time.Time) (int, error)
}

// Job is a scheduled job.
type Job struct {
	Name     string
	Schedule cron.Schedule
	// Run does the job's work for its slot and returns how many messages
	// it queued.
	Run func(ctx context.Context, slot time.Time) (int, error)
}

// Scheduler runs jobs on their schedules.
type Scheduler struct {
	store   Store
	msg     Messenger
	rules   *deputybot.Rules
	clock   deputybot.Clock
	catchUp time.Duration
	retryIn time.Duration
	log     *slog.Logger
	jobs    []Job
	cron    *cron.Cron
	mu      sync.Mutex // one RunDue at a time in this process
	// retryAt is the earliest time a failed slot may be tried again (zero:
	// none waits); retry wakes the loop that does it.
	retryMu sync.Mutex
	retryAt time.Time
	retry   chan struct{}
	onRun   func(Run)
}

// Run is what one run of a job did: its slot (when it was scheduled),
// when it started (by the scheduler's clock), how long it took, its
// error.
type Run struct {
	Job     string
	Slot    time.Time
	Started time.Time
	Took    time.Duration
	Err     error
}

// slotLease is how long a run may take before another scheduler takes
// the slot over (its scheduler died); runs are idempotent, so an overlap
// repeats no message.
const slotLease = 15 * time.Minute

// retryDelay is the wait before another attempt of a failed slot:
// RetryBase (a minute), doubling, at most an hour.
func (s *Scheduler) retryDelay(attempt int) time.Duration {
	return min(s.retryIn<<min(attempt-1, 10), time.Hour)
}

// Options configure the scheduler.
type Options struct {
	Rules            *deputybot.Rules
	Clock            deputybot.Clock
	CatchUp          time.Duration // default 24 h
	ReminderSchedule string        // cron spec, local time
	DigestSchedule   string
	Logger           *slog.Logger
	// RetryBase is the wait before the second attempt of a failed slot;
	// it doubles with each attempt, up to an hour (default a minute).
	RetryBase time.Duration
	// OnRun, if set, is told of each scheduled run when it ends (not of
	// RunJob's runs "as if at" a time).
	OnRun func(Run)
}

// Job names.
const (
	JobReminders = "reminders"
	JobDigest    = "digest"
)

// JobNames lists the jobs `deputybot job` can run.
var JobNames = []string{JobReminders, JobDigest}

// New returns a scheduler with the reminders and digest jobs.
func New(store Store, msg Messenger, o Options) (*Scheduler, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CatchUp <= 0 {
		o.CatchUp = 24 * time.Hour
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Minute
	}
	s := &Scheduler{store: store, msg: msg, rules: o.Rules, clock: o.Clock, catchUp: o.CatchUp, log: o.Logger,
		retryIn: o.RetryBase, retry: make(chan struct{}, 1), onRun: o.OnRun}
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)
	for _, j := range []struct {
		name, spec string
		run        func(ctx context.Context, slot time.Time) (int, error)
	}{
		{JobReminders, o.ReminderSchedule, s.reminders},
		{JobDigest, o.DigestSchedule, s.digest},
	} {
		sched, err := parser.Parse(j.spec)
		if err != nil {
			return nil, fmt.Errorf("%s schedule %q: %w", j.name, j.spec, err)
		}
		s.jobs = append(s.jobs, Job{Name: j.name, Schedule: sched, Run: j.run})
	}
	return s, nil
}

// loc is the time zone schedules are read in.
func (s *Scheduler) loc() *time.Location { return s.rules.Location }

// slots returns the scheduled times of sched in (from, to], in order.
func slots(sched cron.Schedule, from, to time.Time, loc *time.Location) []time.Time {
	var out []time.Time
	for t := sched.Next(from.In(loc)); !t.After(to); t = sched.Next(t) {
		out = append(out, t)
	}
	return out
}

// RunDue runs every job slot due at now that is not done: the slots
// within the catch-up window before now that nobody has run, whose last
// attempt failed and may be tried again, or whose runner died. A slot is
// done only when its work is; a failed one is tried again with backoff as
// long as it is inside the window. It returns what it ran.
func (s *Scheduler) RunDue(ctx context.Context, now time.Time) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	type due struct {
		job  Job
		slot time.Time
	}
	var todo []due
	for _, j := range s.jobs {
		for _, t := range slots(j.Schedule, now.Add(-s.catchUp), now, s.loc()) {
			todo = append(todo, due{j, t})
		}
	}
	sort.SliceStable(todo, func(a, b int) bool { return todo[a].slot.Before(todo[b].slot) })
	var ran []string
	for _, d := range todo {
		mine, attempt, retry, err := s.store.ClaimSlot(ctx, d.job.Name, d.slot, s.clock(), slotLease)
		if err != nil {
			return ran, err
		}
		if !mine {
			// A failed attempt whose retry is not due yet (say, from
			// before a restart): wake for it.
			if !retry.IsZero() && !retry.After(d.slot.Add(s.catchUp)) {
				s.retryAfter(retry)
			}
			continue
		}
		s.log.Info("running scheduled job", "job", d.job.Name, "slot", d.slot.Format(time.RFC3339), "attempt", attempt)
		if err := s.finish(ctx, d.job, d.slot, attempt); err != nil {
			continue
		}
		ran = append(ran, d.job.Name+"@"+d.slot.Format(time.RFC3339))
	}
	return ran, nil
}

// finish runs a claimed slot and records the outcome; a failure is
// retried after retryDelay, if that is still inside the catch-up window.
func (s *Scheduler) finish(ctx context.Context, j Job, slot time.Time, attempt int) error {
	started := s.clock()
	_, runErr := j.Run(ctx, slot)
	now := s.clock()
	if s.onRun != nil {
		s.onRun(Run{Job: j.Name, Slot: slot, Started: started, Took: now.Sub(started), Err: runErr})
	}
	next := now.Add(s.retryDelay(attempt))
	if runErr != nil {
		if next.After(slot.Add(s.catchUp)) {
			s.log.Error("scheduled job failed; outside the catch-up window, it is not tried again", "job", j.Name, "slot", slot, "attempt", attempt, "err", runErr)
		} else {
			s.log.Error("scheduled job failed; it will be tried again", "job", j.Name, "slot", slot, "attempt", attempt, "at", next, "err", runErr)
			s.retryAfter(next)
		}
	}
	// The outcome is recorded even when the service is stopping.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.store.FinishSlot(rctx, j.Name, slot, now, runErr, next); err != nil {
		s.log.Error("record the outcome of a scheduled job", "job", j.Name, "slot", slot, "err", err)
	}
	return runErr
}

// retryAfter wakes the retry loop at t (or earlier, if another waits).
func (s *Scheduler) retryAfter(t time.Time) {
	s.retryMu.Lock()
	if s.retryAt.IsZero() || t.Before(s.retryAt) {
		s.retryAt = t
	}
	s.retryMu.Unlock()
	select {
	case s.retry <- struct{}{}:
	default:
	}
}

// RunJob runs one job once as if at the given time (the command line's
// `deputybot job`) and returns how many messages it queued. The slot is
// claimed and its outcome recorded, so a scheduled run for exactly that
// time does not repeat it; the job's messages are keyed, so running it
// again queues only what was not queued before.
func (s *Scheduler) RunJob(ctx context.Context, name string, at time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.jobs {
		if j.Name != name {
			continue
		}
		if _, _, _, err := s.store.ClaimSlot(ctx, name, at, s.clock(), slotLease); err != nil {
			return 0, err
		}
		n, runErr := j.Run(ctx, at)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := s.store.FinishSlot(rctx, name, at, s.clock(), runErr, s.clock().Add(s.retryDelay(1))); err != nil && runErr == nil {
			return n, err
		}
		return n, runErr
	}
	return 0, fmt.Errorf("no job %q (jobs: %v)", name, JobNames)
}

// Start runs the slots missed while the service was down, then wakes on
// each job's schedule until Stop.
func (s *Scheduler) Start(ctx context.Context) {
	go func() {
		if _, err := s.RunDue(ctx, s.clock()); err != nil && ctx.Err() == nil {
			s.log.Error("catching up scheduled jobs", "err", err)
		}
	}()
	// SkipIfStillRunning before Recover: the other order leaves a job
	// blocked forever after one panic.
	s.cron = cron.New(cron.WithLocation(s.loc()), cron.WithChain(
		cron.SkipIfStillRunning(cron.DiscardLogger),
		cron.Recover(cron.PrintfLogger(slog.NewLogLogger(s.log.Handler(), slog.LevelError))),
	))
	for _, j := range s.jobs {
		s.cron.Schedule(j.Schedule, cron.FuncJob(func() {
			if _, err := s.RunDue(ctx, s.clock()); err != nil && ctx.Err() == nil {
				s.log.Error("scheduled jobs", "err", err)
			}
		}))
	}
	s.cron.Start()
	go s.retryLoop(ctx)
}

// retryLoop runs the due slots again when a failed one may be retried.
func (s *Scheduler) retryLoop(ctx context.Context) {
	for {
		s.retryMu.Lock()
		at := s.retryAt
		s.retryMu.Unlock()
		wait := time.Hour
		if !at.IsZero() {
			wait = max(at.Sub(s.clock()), 0)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-s.retry:
			timer.Stop()
			continue
		case <-timer.C:
		}
		if at.IsZero() {
			continue
		}
		s.retryMu.Lock()
		if s.retryAt.Equal(at) {
			s.retryAt = time.Time{}
		}
		s.retryMu.Unlock()
		if _, err := s.RunDue(ctx, s.clock()); err != nil && ctx.Err() == nil {
			s.log.Error("retrying scheduled jobs", "err", err)
		}
	}
}

// Stop stops waking jobs and waits for a running one.
func (s *Scheduler) Stop() {
	if s.cron != nil {
		<-s.cron.Stop().Done()
	}
}

// reminders is the daily job.
func (s *Scheduler) reminders(ctx context.Context, slot time.Time) (int, error) {
	n, err := s.msg.Reminders(ctx, slot, s.catchUp)
	s.log.Info("reminders", "queued", n)
	return n, err
}

// digest is the weekly job.
func (s *Scheduler) digest(ctx context.Context, slot time.Time) (int, error) {
	n, err := s.msg.Digests(ctx, slot)
	s.log.Info("digests", "queued", n)
	return n, err
}
