package storage

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Embedded is an in-process FerretDB server with its SQLite files in a
// data directory. One process owns a data directory at a time (a lock file
// says who); another process pointed at the same directory — a
// `deputybot report` while the service runs — connects to the owner's
// server instead of opening the files a second time.
type Embedded struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
	lock   *os.File
	dir    string
}

const (
	lockFile = "deputybot.lock"
	uriFile  = "embedded.uri"
)

// StartEmbedded starts the embedded store in dir (created if missing), or
// finds the one another process runs there.
func StartEmbedded(ctx context.Context, dir string, log *slog.Logger) (*Embedded, error) {
	if dir == "" {
		dir = "data"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("DATA_DIR: %w", err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("DATA_DIR: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(abs, lockFile), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("DATA_DIR: %w", err)
	}
	owned, err := tryLock(lock)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("DATA_DIR: lock %s: %w", lockFile, err)
	}
	if !owned {
		lock.Close()
		return joinEmbedded(ctx, abs)
	}
	// FerretDB logs every unsupported command (such as the driver's
	// endSessions) at warning level, and every wire message at debug
	// level; only its errors interest us.
	flog := slog.New(levelFilter{h: log.Handler().WithGroup("ferretdb"), min: slog.LevelError})
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    flog,
	})
	if err != nil {
		unlock(lock)
		return nil, fmt.Errorf("start embedded store: %w", err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	e := &Embedded{cancel: cancel, done: make(chan struct{}), lock: lock, dir: abs}
	go func() {
		defer close(e.done)
		_ = f.Run(rctx)
	}()
	e.uri = f.MongoDBURI()
	if err := os.WriteFile(filepath.Join(abs, uriFile), []byte(e.uri+"\n"), 0o640); err != nil {
		e.Stop()
		return nil, fmt.Errorf("DATA_DIR: %w", err)
	}
	return e, nil
}

// joinEmbedded connects to the embedded store that another process runs.
func joinEmbedded(ctx context.Context, dir string) (*Embedded, error) {
	b, err := os.ReadFile(filepath.Join(dir, uriFile))
	if err != nil {
		return nil, fmt.Errorf("DATA_DIR %s is in use by another deputybot process, and its address is unreadable: %w", dir, err)
	}
	uri := strings.TrimSpace(string(b))
	if !strings.HasPrefix(uri, "mongodb://127.0.0.1:") {
		return nil, fmt.Errorf("DATA_DIR %s: unexpected address in %s", dir, uriFile)
	}
	return &Embedded{uri: uri, dir: dir}, nil
}

// URI is the connection string of the embedded server.
func (e *Embedded) URI() string { return e.uri }

// Owner reports whether this process runs the server (rather than
// borrowing another process's).
func (e *Embedded) Owner() bool { return e.lock != nil }

// Stop stops the server (if this process owns it) and releases the lock.
func (e *Embedded) Stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
	}
	_ = os.Remove(filepath.Join(e.dir, uriFile))
	unlock(e.lock)
	e.cancel = nil
}

// levelFilter drops records below min.
type levelFilter struct {
	h   slog.Handler
	min slog.Level
}

func (l levelFilter) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= l.min && l.h.Enabled(ctx, lv)
}
func (l levelFilter) Handle(ctx context.Context, r slog.Record) error { return l.h.Handle(ctx, r) }
func (l levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{h: l.h.WithAttrs(a), min: l.min}
}
func (l levelFilter) WithGroup(n string) slog.Handler {
	return levelFilter{h: l.h.WithGroup(n), min: l.min}
}
