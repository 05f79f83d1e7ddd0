package storage

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A backup of the embedded store is a gzip'd tar of two files: the
// manifest (BackupManifest, as JSON) and the database, a consistent
// SQLite snapshot taken with VACUUM INTO while the service may be
// writing (SQLite gives the snapshot a read transaction of its own).

const (
	backupFormat   = 1
	manifestName   = "manifest.json"
	backupDatabase = "database.sqlite"
)

// BackupManifest says what a backup holds.
type BackupManifest struct {
	Format   int       `json:"format"`
	Database string    `json:"database"` // the MongoDB database's name
	Schema   int       `json:"schema"`   // its schema version
	TakenAt  time.Time `json:"takenAt"`
	// Counts are the documents of each collection.
	Counts map[string]int64 `json:"counts"`
}

// Documents is the number of documents in all collections.
func (m *BackupManifest) Documents() int64 {
	var n int64
	for _, c := range m.Counts {
		n += c
	}
	return n
}

// DatabaseFile is where the embedded store keeps database in dir.
func DatabaseFile(dir, database string) string {
	return filepath.Join(dir, database+".sqlite")
}

// Backup writes a consistent snapshot of the embedded store's database
// in dir to w, whether or not a service runs on it. The snapshot is made
// next to the output (tmpDir), then removed.
func Backup(ctx context.Context, dir, database, tmpDir string, now time.Time, w io.Writer) (*BackupManifest, error) {
	src := DatabaseFile(dir, database)
	if _, err := os.Stat(src); err != nil {
		return nil, &DataDirError{dir, fmt.Errorf("holds no store to back up (%w)", err)}
	}
	snap, err := os.CreateTemp(tmpDir, ".deputybot-backup-*.snapshot") // not *.sqlite: the store would take it for a database
	if err != nil {
		return nil, err
	}
	snap.Close()
	defer os.Remove(snap.Name())
	if err := withSQLite(ctx, src, func(db *sql.DB) error {
		_, err := db.ExecContext(ctx, `VACUUM INTO ?`, snap.Name())
		return err
	}); err != nil {
		return nil, fmt.Errorf("snapshot the store: %w", err)
	}
	m := &BackupManifest{Format: backupFormat, Database: database, TakenAt: now.UTC()}
	if err := withSQLite(ctx, snap.Name(), func(db *sql.DB) error {
		var err error
		m.Counts, m.Schema, err = describe(ctx, db)
		return err
	}); err != nil {
		return nil, fmt.Errorf("read the snapshot: %w", err)
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	head, _ := json.MarshalIndent(m, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(head)), ModTime: now}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(head); err != nil {
		return nil, err
	}
	f, err := os.Open(snap.Name())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: backupDatabase, Mode: 0o600, Size: st.Size(), ModTime: now}); err != nil {
		return nil, err
	}
	if _, err := io.Copy(tw, f); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return m, gz.Close()
}

// describe counts the documents of each collection of a FerretDB SQLite
// database and reads its schema version.
func describe(ctx context.Context, db *sql.DB) (map[string]int64, int, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		return nil, 0, err
	}
	tables := map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			rows.Close()
			return nil, 0, err
		}
		tables[name] = table
	}
	rows.Close()
	counts := map[string]int64{}
	for name, table := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM %q`, table)).Scan(&n); err != nil {
			return nil, 0, err
		}
		counts[name] = n
	}
	schema := 0
	if t, ok := tables["meta"]; ok {
		err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT _ferretdb_sjson->>'$.version' FROM %q WHERE _ferretdb_sjson->>'$._id' = 'schema'`, t)).Scan(&schema)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, 0, err
		}
	}
	return counts, schema, nil
}

func withSQLite(ctx context.Context, path string, f func(*sql.DB) error) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(30000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return f(db)
}

// InUseError is a data directory a running process owns.
type InUseError struct {
	Dir   string
	Owner OwnerInfo
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("DATA_DIR %s is in use by deputybot process %d (`deputybot %s` since %s): stop it first",
		e.Dir, e.Owner.PID, e.Owner.Command, e.Owner.Since.Format(time.RFC3339))
}

// ExistsError is a data directory that holds a store already.
type ExistsError struct{ Dir string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("DATA_DIR %s holds a store already: restore into an empty directory, or add --force to move the present one aside", e.Dir)
}

// Restore puts the backup read from r in dir as database's store. It
// refuses a directory a process owns (*InUseError), and one that holds a
// store already (*ExistsError) unless force, in which case that store's
// files are moved into a directory beside them, whose path it returns.
// The directory is locked while the files are put in place, so no
// service can start on half of them.
func Restore(ctx context.Context, r io.Reader, dir, database string, force bool, now time.Time) (*BackupManifest, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", &DataDirError{dir, err}
	}
	if err := prepareDataDir(abs, slog.New(slog.DiscardHandler)); err != nil {
		return nil, "", err
	}
	lock, err := os.OpenFile(filepath.Join(abs, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, "", &DataDirError{abs, err}
	}
	owned, err := tryLock(lock)
	if err != nil || !owned {
		lock.Close()
		info, _ := ReadOwner(abs)
		if err == nil {
			err = &InUseError{Dir: abs, Owner: info}
		}
		return nil, "", err
	}
	defer unlock(lock)

	// Read the backup into a file of the directory first: nothing is
	// moved until the backup is known to be whole.
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, "", fmt.Errorf("not a deputybot backup: %w", err)
	}
	tr := tar.NewReader(zr)
	var m *BackupManifest
	tmp := ""
	defer func() {
		if tmp != "" {
			os.Remove(tmp)
		}
	}()
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("not a deputybot backup: %w", err)
		}
		switch h.Name {
		case manifestName:
			m = &BackupManifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(m); err != nil {
				return nil, "", fmt.Errorf("not a deputybot backup: manifest: %w", err)
			}
		case backupDatabase:
			f, err := os.CreateTemp(abs, ".restore-*.partial") // not *.sqlite until whole
			if err != nil {
				return nil, "", err
			}
			tmp = f.Name()
			_, err = io.Copy(f, tr)
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, "", fmt.Errorf("read the backup: %w", err)
			}
		}
	}
	switch {
	case m == nil || tmp == "":
		return nil, "", errors.New("not a deputybot backup: it lacks its manifest or its database")
	case m.Format != backupFormat:
		return nil, "", fmt.Errorf("backup format %d: this deputybot reads format %d", m.Format, backupFormat)
	case m.Schema > SchemaVersion:
		return nil, "", fmt.Errorf("the backup has schema version %d, newer than this program's %d: upgrade deputybot", m.Schema, SchemaVersion)
	}
	if err := withSQLite(ctx, tmp, func(db *sql.DB) error {
		counts, _, err := describe(ctx, db)
		if err == nil {
			for name, n := range m.Counts {
				if counts[name] != n {
					return fmt.Errorf("collection %s holds %d documents, its manifest says %d", name, counts[name], n)
				}
			}
		}
		return err
	}); err != nil {
		return nil, "", fmt.Errorf("the backup is damaged: %w", err)
	}

	dst := DatabaseFile(abs, database)
	aside := ""
	if _, err := os.Stat(dst); err == nil {
		if !force {
			return nil, "", &ExistsError{Dir: abs}
		}
		aside = filepath.Join(abs, "before-restore-"+now.UTC().Format("20060102T150405Z"))
		if err := os.Mkdir(aside, 0o700); err != nil {
			return nil, "", err
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dst+suffix, filepath.Join(aside, filepath.Base(dst)+suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, "", err
			}
		}
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return nil, "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return nil, "", err
	}
	tmp = ""
	return m, aside, syncDir(abs)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// PruneBackups keeps the newest keep backups (files named
// prefix*suffix, whose names sort by time) in dir and removes the rest.
func PruneBackups(dir, prefix, suffix string, keep int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.HasPrefix(n, prefix) && strings.HasSuffix(n, suffix) {
			names = append(names, n)
		}
	}
	var removed []string
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return removed, err
		}
		removed = append(removed, names[0])
		names = names[1:]
	}
	return removed, nil
}
