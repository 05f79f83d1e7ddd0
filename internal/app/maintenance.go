package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"deputybot/config"
	"deputybot/storage"
)

// ErrNotEmbedded: backups and copies are of the embedded store.
var ErrNotEmbedded = errors.New("MONGODB_URI is set: back up MongoDB with its own tools (mongodump); backup, restore and copy are for the embedded store in DATA_DIR")

// Backup writes a consistent snapshot of the embedded store to path
// (`deputybot backup`), while a service may run on it. The file appears
// whole or not at all.
func Backup(ctx context.Context, o Options, path string, now time.Time) (*storage.BackupManifest, error) {
	cfg := o.Config
	if !cfg.Embedded() {
		return nil, ErrNotEmbedded
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	m, err := storage.Backup(ctx, cfg.DataDir, cfg.Database, dir, now, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(f.Name(), 0o600); err != nil {
		return nil, err
	}
	return m, os.Rename(f.Name(), path)
}

// Restored is what `deputybot restore` did.
type Restored struct {
	Manifest *storage.BackupManifest
	// Aside is where the store that was there went (--force), or "".
	Aside string
	// Counts are the documents the restored store holds, read through a
	// store opened on it (migrated, if the backup is of an older schema).
	Counts map[string]int64
}

// Restore puts the backup at path in DATA_DIR (`deputybot restore`):
// never over a store a process runs on; over a stopped one only with
// force, which moves it aside. Then it opens the store, as the service
// will, and checks that it holds what the backup says.
func Restore(ctx context.Context, o Options, path string, force bool, now time.Time) (*Restored, error) {
	cfg := o.Config
	if !cfg.Embedded() {
		return nil, ErrNotEmbedded
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, aside, err := storage.Restore(ctx, f, cfg.DataDir, cfg.Database, force, now)
	if err != nil {
		return nil, err
	}
	r := &Restored{Manifest: m, Aside: aside}
	store, _, _, err := openForTool(ctx, o, "restore")
	if err != nil {
		return r, fmt.Errorf("open the restored store: %w", err)
	}
	defer store.Close(context.WithoutCancel(ctx))
	if r.Counts, err = store.Counts(ctx); err != nil {
		return r, err
	}
	if m.Schema == storage.SchemaVersion {
		for name, n := range m.Counts {
			if r.Counts[name] != n {
				return r, fmt.Errorf("the restored store's %s holds %d documents, the backup %d", name, r.Counts[name], n)
			}
		}
	}
	return r, nil
}

// Copy copies the embedded store into the MongoDB database at uri
// (`deputybot copy --to`), which must be empty, verifies every
// collection's count, and opens a store on the copy (its indexes are
// made then). The service must be stopped: the copy is of one moment.
func Copy(ctx context.Context, o Options, uri, database string, progress func(string, int64)) (map[string]int64, error) {
	cfg := o.Config
	if !cfg.Embedded() {
		return nil, errors.New("MONGODB_URI is set: copy moves the embedded store in DATA_DIR to MongoDB; unset MONGODB_URI and give the target with --to")
	}
	store, _, _, err := openForTool(ctx, o, "copy")
	if err != nil {
		return nil, err
	}
	defer store.Close(context.WithoutCancel(ctx))
	if store.Joined() {
		e := store.EmbeddedStore()
		return nil, &storage.InUseError{Dir: e.Dir(), Owner: e.Info()}
	}
	counts, err := store.CopyTo(ctx, uri, database, progress)
	if err != nil {
		return nil, err
	}
	target, err := storage.Open(ctx, storage.Options{URI: uri, Database: database, Logger: o.Logger, Command: "copy"})
	if err != nil {
		return counts, fmt.Errorf("open the copy: %w", err)
	}
	defer target.Close(context.WithoutCancel(ctx))
	got, err := target.Counts(ctx)
	if err != nil {
		return counts, err
	}
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		if got[name] != counts[name] {
			return counts, fmt.Errorf("the copy's %s holds %d documents, %d were copied", name, got[name], counts[name])
		}
	}
	return counts, nil
}

// backupPrefix and backupSuffix name scheduled backups, which sort by
// time: deputybot-20260309T023000Z.tar.gz.
const (
	backupPrefix = "deputybot-"
	backupSuffix = ".tar.gz"
)

// scheduleBackups takes a backup into BACKUP_DIR on BACKUP_SCHEDULE and
// keeps the newest BACKUP_KEEP, until ctx ends. Each outcome is logged
// and counted.
func scheduleBackups(ctx context.Context, o Options, clock func() time.Time, log *slog.Logger, reg *prometheus.Registry) (stop func(), err error) {
	cfg := o.Config
	if cfg.BackupSchedule == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(cfg.BackupDir, 0o700); err != nil {
		return nil, &config.Error{Var: "BACKUP_DIR", Problem: err.Error()}
	}
	runs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deputybot_backups_total", Help: "Scheduled backups, by result (ok, failed)."}, []string{"result"})
	last := prometheus.NewGauge(prometheus.GaugeOpts{Name: "deputybot_backup_last_success_timestamp_seconds", Help: "When the last scheduled backup was written (Unix time)."})
	reg.MustRegister(runs, last)
	c := cron.New(cron.WithLocation(cfg.Location), cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	if _, err := c.AddFunc(cfg.BackupSchedule, func() {
		now := clock()
		path := filepath.Join(cfg.BackupDir, backupPrefix+now.UTC().Format("20060102T150405Z")+backupSuffix)
		m, err := Backup(ctx, o, path, now)
		if err != nil {
			runs.WithLabelValues("failed").Inc()
			log.Error("scheduled backup failed", "err", err)
			return
		}
		runs.WithLabelValues("ok").Inc()
		last.Set(float64(clock().Unix()))
		removed, err := storage.PruneBackups(cfg.BackupDir, backupPrefix, backupSuffix, cfg.BackupKeep)
		if err != nil {
			log.Warn("remove old backups", "err", err)
		}
		log.Info("backup written", "file", path, "documents", m.Documents(), "removed", len(removed))
	}); err != nil {
		return nil, &config.Error{Var: "BACKUP_SCHEDULE", Problem: err.Error()}
	}
	c.Start()
	return func() { <-c.Stop().Done() }, nil
}
