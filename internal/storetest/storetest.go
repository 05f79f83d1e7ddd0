// Package storetest gives tests a real database: the embedded store
// (FerretDB on SQLite) started once per test package, or the MongoDB
// server named by TEST_MONGODB_URI. Each test gets its own database.
package storetest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"deputybot/storage"
)

var (
	serverURI string
	serverDir string // the embedded server's data directory
	counter   atomic.Int64
)

// Main starts the package's database server, runs the tests and stops the
// server. Call it from TestMain.
func Main(m *testing.M) {
	code := func() int {
		uri, stop, err := Start()
		if err != nil {
			fmt.Fprintln(os.Stderr, "storetest:", err)
			return 1
		}
		defer stop()
		serverURI = uri
		return m.Run()
	}()
	os.Exit(code)
}

// Start starts an embedded server in a temporary directory (or returns
// TEST_MONGODB_URI) and a function that stops it and removes its files.
func Start() (uri string, stop func(), err error) {
	if uri := os.Getenv("TEST_MONGODB_URI"); uri != "" {
		return uri, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "deputybot-store-")
	if err != nil {
		return "", nil, err
	}
	e, err := storage.StartEmbedded(context.Background(), dir, "test", slog.New(slog.DiscardHandler))
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	serverDir = dir
	return e.URI(), func() { e.Stop(); os.RemoveAll(dir) }, nil
}

// Options returns storage options for a fresh database on the package's
// server. The database is dropped when the test ends.
func Options(t testing.TB) storage.Options {
	t.Helper()
	if serverURI == "" {
		t.Fatal("storetest: call storetest.Main from TestMain")
	}
	o := storage.Options{
		URI:      serverURI,
		Database: fmt.Sprintf("test_%d_%d", os.Getpid(), counter.Add(1)),
	}
	if serverDir != "" {
		o.MaxPoolSize = 1
		o.SQLiteDir = serverDir
	}
	return o
}

// Open returns a store on a fresh database, closed and dropped when the
// test ends.
func Open(t testing.TB) *storage.Store {
	t.Helper()
	return open(t, Options(t))
}

func open(t testing.TB, o storage.Options) *storage.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := storage.Open(ctx, o)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.Drop(ctx)
		_ = s.Close(ctx)
	})
	return s
}

// OpenShared is Open for a store that behaves as one of several replicas
// on a shared database: no read model, every read a query, writes
// conditioned as on MongoDB.
func OpenShared(t testing.TB) *storage.Store {
	t.Helper()
	o := Options(t)
	o.Shared = true
	return open(t, o)
}

// Again opens a second store on s's database (another process on the same
// data): it shares the database, so it is opened as a replica.
func Again(t testing.TB, o storage.Options) *storage.Store {
	t.Helper()
	o.Shared = true
	s, err := storage.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// Each runs f as two subtests: on a store with the read model of a
// database's only writer ("read model"), and on one that reads by
// queries, as a replica on MongoDB does ("queries").
func Each(t *testing.T, f func(t *testing.T, s *storage.Store)) {
	t.Run("read model", func(t *testing.T) { f(t, Open(t)) })
	t.Run("queries", func(t *testing.T) { f(t, OpenShared(t)) })
}
