package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Embedded is an in-process FerretDB server with its SQLite files in a
// data directory. One process owns a data directory at a time: the lock
// file says which (and where its sockets are). The server listens on a
// Unix socket that only the owner's user can reach (the directory is
// owner-only), never on a TCP port another local account could use.
//
// Another process pointed at the same directory — `deputybot report`
// while the service runs — connects to the owner's server instead of
// opening the files a second time; it may read, and it hands anything
// that changes the record or sends messages to the owner (the service's
// control socket): updates are not atomic across connections on this
// store, and one process must send for it.
type Embedded struct {
	uri     string
	cancel  context.CancelFunc
	done    chan struct{}
	lock    *os.File
	dir     string
	sockets string // directory of the sockets (the data directory, or a private one if its path is too long)
	info    OwnerInfo
}

// OwnerInfo is what the owner of a data directory writes in its lock
// file, for the processes that find the directory in use.
type OwnerInfo struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"` // run, job, import, ...
	Since   time.Time `json:"since"`
	// Store is the embedded server's socket.
	Store string `json:"store"`
	// Control is the running service's control socket ("" if the owner
	// is not the service).
	Control string `json:"control,omitempty"`
}

const (
	lockFile    = "deputybot.lock"
	storeSocket = "store.sock"
	// ControlSocket is the name of the service's control socket in the
	// sockets directory.
	ControlSocket = "control.sock"
	// A Unix socket's path is at most 107 bytes; a longer data directory
	// path gets its sockets in a private directory under TMPDIR.
	maxSocketPath = 100
)

// DataDirError is a data directory that cannot be used; its message names
// DATA_DIR.
type DataDirError struct {
	Dir string
	Err error
}

func (e *DataDirError) Error() string { return "DATA_DIR " + e.Dir + ": " + e.Err.Error() }
func (e *DataDirError) Unwrap() error { return e.Err }

// StartEmbedded starts the embedded store in dir (created if missing,
// owner-only), or finds the one another process runs there. command names
// the starting process in the lock file.
func StartEmbedded(ctx context.Context, dir, command string, log *slog.Logger) (*Embedded, error) {
	if dir == "" {
		dir = "data"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, &DataDirError{dir, err}
	}
	if err := prepareDataDir(abs, log); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(abs, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, &DataDirError{abs, err}
	}
	owned, err := tryLock(lock)
	if err != nil {
		lock.Close()
		return nil, &DataDirError{abs, fmt.Errorf("lock %s: %w", lockFile, err)}
	}
	if !owned {
		lock.Close()
		return joinEmbedded(abs)
	}
	e := &Embedded{lock: lock, dir: abs, sockets: abs}
	if len(filepath.Join(abs, ControlSocket)) > maxSocketPath {
		if e.sockets, err = os.MkdirTemp("", "deputybot-"); err != nil {
			unlock(lock)
			return nil, &DataDirError{abs, fmt.Errorf("a directory for the store's socket: %w", err)}
		}
	}
	sock := filepath.Join(e.sockets, storeSocket)
	_ = os.Remove(sock) // left by a process that died; the lock says it is ours now
	// FerretDB logs every unsupported command (such as the driver's
	// endSessions) at warning level, and every wire message at debug
	// level; only its errors interest us.
	flog := slog.New(levelFilter{h: log.Handler().WithGroup("ferretdb"), min: slog.LevelError})
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    flog,
	})
	if err != nil {
		e.release()
		return nil, fmt.Errorf("start embedded store: %w", err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan struct{})
	go func() {
		defer close(e.done)
		_ = f.Run(rctx)
	}()
	// Run listens before the URI can be asked for; the socket is
	// owner-only, inside an owner-only directory.
	e.uri = socketURI(sock)
	if err := waitForSocket(ctx, sock); err != nil {
		e.Stop()
		return nil, fmt.Errorf("start embedded store: %w", err)
	}
	_ = os.Chmod(sock, 0o600)
	e.info = OwnerInfo{PID: os.Getpid(), Command: command, Since: time.Now(), Store: sock}
	if err := e.writeInfo(); err != nil {
		e.Stop()
		return nil, &DataDirError{abs, err}
	}
	return e, nil
}

// prepareDataDir creates the data directory owner-only, or checks an
// existing one: it must be ours, and is made owner-only if it is not
// (the records of every deputy are in it).
func prepareDataDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &DataDirError{dir, err}
	}
	st, err := os.Stat(dir)
	if err != nil {
		return &DataDirError{dir, err}
	}
	if !st.IsDir() {
		return &DataDirError{dir, errors.New("is not a directory")}
	}
	if uid, ok := fileOwner(st); ok && uid != os.Getuid() {
		return &DataDirError{dir, fmt.Errorf("belongs to user %d, not to this process's user %d", uid, os.Getuid())}
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return &DataDirError{dir, fmt.Errorf("is readable by other users (%v) and cannot be made owner-only: %w", st.Mode().Perm(), err)}
		}
		log.Warn("DATA_DIR was readable by other users; made it owner-only", "dir", dir, "was", st.Mode().Perm().String())
	}
	return nil
}

// socketURI is the driver's connection string for a Unix socket: the
// path, escaped, is the host.
func socketURI(path string) string {
	return "mongodb://" + strings.ReplaceAll(url.QueryEscape(path), "+", "%20") + "/"
}

func waitForSocket(ctx context.Context, path string) error {
	for i := 0; ; i++ {
		if st, err := os.Stat(path); err == nil && st.Mode()&os.ModeSocket != 0 {
			return nil
		}
		if i > 500 {
			return errors.New("the store's socket did not appear")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (e *Embedded) writeInfo() error {
	b, err := json.Marshal(e.info)
	if err != nil {
		return err
	}
	if err := e.lock.Truncate(0); err != nil {
		return err
	}
	if _, err := e.lock.WriteAt(append(b, '\n'), 0); err != nil {
		return err
	}
	return e.lock.Sync()
}

// ReadOwner returns what the owner of a data directory wrote in its lock
// file.
func ReadOwner(dir string) (OwnerInfo, error) {
	var info OwnerInfo
	b, err := os.ReadFile(filepath.Join(dir, lockFile))
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("%s: %w", lockFile, err)
	}
	return info, nil
}

// joinEmbedded connects to the embedded store that another process runs.
func joinEmbedded(dir string) (*Embedded, error) {
	info, err := ReadOwner(dir)
	if err != nil || info.Store == "" {
		return nil, &DataDirError{dir, fmt.Errorf("is in use by another deputybot process, and it does not say where its store is (%v)", err)}
	}
	return &Embedded{uri: socketURI(info.Store), dir: dir, info: info}, nil
}

// URI is the connection string of the embedded server.
func (e *Embedded) URI() string { return e.uri }

// Dir is the data directory.
func (e *Embedded) Dir() string { return e.dir }

// Owner reports whether this process runs the server (rather than
// borrowing another process's).
func (e *Embedded) Owner() bool { return e.lock != nil }

// Info is what the owner of the data directory says of itself.
func (e *Embedded) Info() OwnerInfo { return e.info }

// ControlPath is where the owner's control socket is (or will be).
func (e *Embedded) ControlPath() string { return filepath.Join(e.sockets, ControlSocket) }

// SetControl records in the lock file that the owner serves its control
// socket at path, for the commands run next to it.
func (e *Embedded) SetControl(path string) error {
	if !e.Owner() {
		return errors.New("not the owner of the data directory")
	}
	e.info.Control = path
	return e.writeInfo()
}

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
	e.cancel = nil
	e.release()
}

func (e *Embedded) release() {
	if e.lock == nil {
		return
	}
	_ = os.Remove(filepath.Join(e.sockets, storeSocket))
	if e.sockets != e.dir {
		_ = os.RemoveAll(e.sockets)
	}
	_ = e.lock.Truncate(0)
	unlock(e.lock)
	e.lock = nil
}

// levelFilter drops records below min. FerretDB derives a logger (With)
// for every connection and command; the attributes are applied only to a
// record that is kept, so that deriving costs nothing (the text handler
// formats attributes as soon as they are added).
type levelFilter struct {
	h     slog.Handler
	min   slog.Level
	later []func(slog.Handler) slog.Handler
}

func (l levelFilter) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= l.min && l.h.Enabled(ctx, lv)
}

func (l levelFilter) Handle(ctx context.Context, r slog.Record) error {
	h := l.h
	for _, f := range l.later {
		h = f(h)
	}
	return h.Handle(ctx, r)
}

func (l levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{h: l.h, min: l.min, later: append(slices.Clip(l.later), func(h slog.Handler) slog.Handler { return h.WithAttrs(a) })}
}

func (l levelFilter) WithGroup(n string) slog.Handler {
	return levelFilter{h: l.h, min: l.min, later: append(slices.Clip(l.later), func(h slog.Handler) slog.Handler { return h.WithGroup(n) })}
}
