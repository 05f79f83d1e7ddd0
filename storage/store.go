// Package storage keeps deputybot's record in MongoDB, through the
// official driver. Without a MongoDB URI it starts an embedded,
// MongoDB-compatible server (FerretDB on SQLite) in-process.
//
// Two ways to read, one record:
//
//   - On the embedded store one process owns the database (the data
//     directory's lock says which) and is the only one that changes it.
//     That process keeps a read model in memory (readmodel.go): every
//     item (without its long texts), person, binding and department,
//     loaded at start and updated after each of its own writes. Lists,
//     digests and lookups read it; the store stays the record. The
//     embedded server answers only {_id: key} filters from an index and
//     decodes every document for any other, so its writes go by _id, made
//     atomic by the one writer's per-item locks.
//   - On MongoDB (or with Options.Shared) several processes share the
//     database: every read is a query over declared indexes, every
//     decision that reads then writes (an item's change, a lease, a
//     takeover) is made in a turn claimed by a unique insert (turns.go),
//     and claims are inserts of a unique _id.
//
// Uniqueness is always claimed by inserting a document whose _id is the
// key ("tg:<telegram id>", "upd:<update id>", "suggestion:2026:17"):
// atomic on both stores.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

// Options say where the data lives.
type Options struct {
	// URI of a MongoDB server. Empty: start the embedded store in DataDir.
	URI string
	// Database name.
	Database string
	// DataDir holds the embedded store's files; created if missing.
	DataDir string
	// MaxPoolSize limits connections to the server; 0 is the driver's
	// default. The embedded store always uses 1 (see ARCHITECTURE.md: its
	// updates are not atomic across connections).
	MaxPoolSize uint64
	Logger      *slog.Logger
	// SQLiteDir is the data directory of an embedded store that URI
	// points at (tests share one): Open then adds the SQLite indexes
	// FerretDB lacks (see indexIDExpressions). Set automatically when Open
	// starts the embedded store itself.
	SQLiteDir string
	// Command names the process in the data directory's lock file ("run",
	// "job", ...), for whoever finds the directory in use.
	Command string
	// Shared: other processes may change this database too (replicas on
	// MongoDB, where this is always so). The store then keeps no read
	// model and conditions its writes; set it on the embedded store to
	// run the code paths of MongoDB (the tests do).
	Shared bool
	// Location is the local time zone of the dates the record holds as
	// text (a migration reads them); default Asia/Shanghai.
	Location *time.Location
	// Clock times the turns replicas take (see turns.go): a clock that
	// runs, the wall clock if nil.
	Clock func() time.Time
	// OnCommand, if set, is told of each database command when it ends:
	// its name (find, insert, update, ...), how long it took, whether it
	// failed.
	OnCommand func(name string, took time.Duration, failed bool)
}

// Store is deputybot's MongoDB database.
type Store struct {
	opts     Options
	client   *mongo.Client
	db       *mongo.Database
	embedded *Embedded
	log      *slog.Logger

	meta          *mongo.Collection
	people        *mongo.Collection
	bindings      *mongo.Collection
	departments   *mongo.Collection
	invitations   *mongo.Collection
	claims        *mongo.Collection
	updates       *mongo.Collection
	conversations *mongo.Collection
	inbox         *mongo.Collection
	items         *mongo.Collection
	itemKeys      *mongo.Collection
	outbox        *mongo.Collection
	sent          *mongo.Collection
	gone          *mongo.Collection
	slots         *mongo.Collection
	turns         *mongo.Collection
	pace          *mongo.Collection
	paceMu        sync.Mutex
	pacePruned    time.Time
	takenSlots    map[int64]bool // send slots this process took or found taken
	clock         func() time.Time
	server        Server

	itemLocks itemLocks
	deptCache copyCache[[]*deputybot.Department]
	calCache  copyCache[*deputybot.Calendar]
	texts     textsCache
	docs      docCache // the only writer's
	hintsMu   sync.Mutex
	hints     map[string]int // the only writer's: numberHint
	// model is the read model of the store's only writer (nil when the
	// database is shared, or this process only joined the embedded store).
	model *readModel
	// single: this process is the database's only writer (the owner of
	// the embedded store, or a test's own database on the tests' embedded
	// server): writes go by _id alone, serialised in-process.
	single bool
	// queryIndexes: the database is shared, its queries need indexes.
	queryIndexes bool
	// process names this process in the claims it makes (inbox).
	process     string
	inboxMu     sync.Mutex
	handled     int64   // the newest update that may have left the inbox (single writer)
	doneInInbox []int64 // handled, still in the inbox

	outboxMu   sync.Mutex
	outboxSize int                                // messages in the outbox, about (single writer)
	goneMsgs   map[string]deputybot.OutboxMessage // of those, noted as gone (single writer)
}

// Open connects to the database (starting the embedded store if no URI is
// given), brings its schema up to date and returns the store.
func Open(ctx context.Context, o Options) (*Store, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Database == "" {
		o.Database = "deputybot"
	}
	if o.Location == nil {
		o.Location, _ = time.LoadLocation("Asia/Shanghai")
		if o.Location == nil {
			o.Location = time.UTC
		}
	}
	s := &Store{log: log, opts: o}
	s.deptCache = copyCache[[]*deputybot.Department]{ttl: sharedCacheTTL, copy: copyDepartments}
	s.calCache = copyCache[*deputybot.Calendar]{ttl: sharedCacheTTL, copy: (*deputybot.Calendar).Clone}
	uri := o.URI
	pool := o.MaxPoolSize
	joined := false
	if uri == "" {
		e, err := StartEmbedded(ctx, o.DataDir, o.Command, log)
		if err != nil {
			return nil, err
		}
		s.embedded = e
		uri = e.URI()
		pool = 1
		if e.Owner() {
			// s.opts too: what reads by it (ItemsTexts) looks there.
			o.SQLiteDir, s.opts.SQLiteDir = e.dir, e.dir
		} else {
			joined = true // the owner tuned its files
		}
	}
	copts := options.Client().ApplyURI(uri).
		SetAppName("deputybot").
		SetServerSelectionTimeout(15 * time.Second)
	if pool > 0 {
		copts.SetMaxPoolSize(pool)
	}
	if on := o.OnCommand; on != nil {
		copts.SetMonitor(&event.CommandMonitor{
			Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { on(e.CommandName, e.Duration, false) },
			Failed:    func(_ context.Context, e *event.CommandFailedEvent) { on(e.CommandName, e.Duration, true) },
		})
	}
	client, err := mongo.Connect(copts)
	if err != nil {
		s.closeEmbedded()
		return nil, fmt.Errorf("connect to MongoDB: %w", err)
	}
	s.client = client
	if err := client.Ping(ctx, nil); err != nil {
		s.Close(context.Background())
		return nil, fmt.Errorf("reach MongoDB: %w", err)
	}
	s.db = client.Database(o.Database)
	s.meta = s.db.Collection("meta")
	s.people = s.db.Collection("people")
	s.bindings = s.db.Collection("bindings")
	s.departments = s.db.Collection("departments")
	s.invitations = s.db.Collection("invitations")
	s.claims = s.db.Collection("claims")
	s.updates = s.db.Collection("updates")
	s.inbox = s.db.Collection("inbox")
	s.conversations = s.db.Collection("conversations")
	s.items = s.db.Collection("items")
	s.itemKeys = s.db.Collection("itemkeys")
	s.outbox = s.db.Collection("outbox")
	s.sent = s.db.Collection("sent")
	s.gone = s.db.Collection("gone")
	s.slots = s.db.Collection("slots")
	s.turns = s.db.Collection("turns")
	s.pace = s.db.Collection("pace")
	s.clock = o.Clock
	if s.clock == nil {
		s.clock = time.Now
	}
	s.process = processName()
	s.queryIndexes = (o.SQLiteDir == "" && !joined) || o.Shared
	if err := s.detectServer(ctx); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	if o.SQLiteDir != "" {
		if err := indexIDExpressions(ctx, o.SQLiteDir, o.Database); err != nil {
			s.Close(context.Background())
			return nil, fmt.Errorf("tune the embedded store: %w", err)
		}
	}
	s.single = o.SQLiteDir != "" && !joined && !o.Shared
	if !s.single && !joined {
		if err := s.checkUniqueID(ctx); err != nil {
			s.Close(context.Background())
			return nil, err
		}
		if err := s.normalizeConversations(ctx); err != nil {
			s.Close(context.Background())
			return nil, fmt.Errorf("conversations copied from an embedded store: %w", err)
		}
	}
	if s.single {
		s.calCache.ttl = 0 // the only writer knows every change
		m, err := loadReadModel(ctx, s)
		if err != nil {
			s.Close(context.Background())
			return nil, fmt.Errorf("load the read model: %w", err)
		}
		s.model = m
		if err := s.loadHandledUpTo(ctx); err != nil {
			s.Close(context.Background())
			return nil, err
		}
	}
	return s, nil
}

// processName names this process in its claims: host, pid and a random
// part (a pid is reused).
func processName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), newID()[16:])
}

// Server is what the database server says it is (buildInfo).
type Server struct {
	// Version is the MongoDB version it implements.
	Version string
	// FerretDB is FerretDB's own version, empty on MongoDB.
	FerretDB string
}

func (v Server) String() string {
	if v.FerretDB != "" {
		return fmt.Sprintf("FerretDB %s (MongoDB %s)", v.FerretDB, v.Version)
	}
	return "MongoDB " + v.Version
}

// Server says what the database server is.
func (s *Store) Server() Server { return s.server }

// detectServer asks the server what it is, and logs it.
func (s *Store) detectServer(ctx context.Context) error {
	var info struct {
		Version  string `bson:"version"`
		FerretDB string `bson:"ferretdbVersion"`
	}
	if err := s.client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return fmt.Errorf("ask the database server what it is (buildInfo): %w", err)
	}
	s.server = Server{Version: info.Version, FerretDB: info.FerretDB}
	s.log.Info("database server", "server", s.server.String(), "embedded", s.embedded != nil, "shared", s.opts.Shared || s.embedded == nil)
	return nil
}

// checkUniqueID refuses a shared store that does not refuse a second
// document with the same _id: every decision replicas make once (an
// update handled, a number, a turn) is such an insert.
func (s *Store) checkUniqueID(ctx context.Context) error {
	probe := bson.D{{Key: "_id", Value: "probe:" + s.process}, {Key: "turn", Value: "probe:" + s.process}}
	if _, err := s.turns.InsertOne(ctx, probe); err != nil {
		return fmt.Errorf("write to the database: %w", err)
	}
	defer s.turns.DeleteOne(context.WithoutCancel(ctx), byID("probe:"+s.process))
	_, err := s.turns.InsertOne(ctx, probe)
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	if err == nil {
		return fmt.Errorf("the database server (%s) stored two documents with one _id: replicas cannot decide anything once on it; use MongoDB, or FerretDB on PostgreSQL", s.server)
	}
	return fmt.Errorf("write to the database: %w", err)
}

// Options are the options the store was opened with.
func (s *Store) Options() Options { return s.opts }

// Embedded reports whether this process started the embedded server.
func (s *Store) Embedded() bool { return s.embedded != nil && s.embedded.Owner() }

// Joined reports whether the store is an embedded store another process
// owns (a command run next to the service): that process sends the
// messages and changes the record; this one may read.
func (s *Store) Joined() bool { return s.embedded != nil && !s.embedded.Owner() }

// EmbeddedStore is the embedded server this store uses (its own or its
// owner's), or nil on MongoDB.
func (s *Store) EmbeddedStore() *Embedded { return s.embedded }

// SingleWriter reports whether this process is the database's only
// writer (the embedded store's owner): its outbox has one sender, which
// knows every message it holds, and its inbox one receiver. A shared
// database (MongoDB) may have replicas.
func (s *Store) SingleWriter() bool { return s.single }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.client.Ping(ctx, nil) }

// Close tidies up (the outbox, the inbox), disconnects and stops the
// embedded store, if any.
func (s *Store) Close(ctx context.Context) error {
	var err error
	if s.client != nil && s.single {
		if err := s.moveGone(ctx); err != nil {
			s.log.Warn("outbox not tidied at the stop (done at the next start)", "err", err)
		}
		if err := s.clearInbox(ctx); err != nil {
			s.log.Warn("inbox not tidied at the stop", "err", err)
		}
	}
	if s.client != nil {
		err = s.client.Disconnect(ctx)
	}
	s.closeEmbedded()
	return err
}

func (s *Store) closeEmbedded() {
	if s.embedded != nil {
		s.embedded.Stop()
		s.embedded = nil
	}
}

// Drop deletes the whole database. For tests.
func (s *Store) Drop(ctx context.Context) error { return s.db.Drop(ctx) }

// notFound turns the driver's "no documents" into a domain error.
func notFound(err error, key string) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return deputybot.Errorf(deputybot.ENOTFOUND, key)
	}
	return err
}

// byID is the only filter shape the embedded store answers from an index.
func byID(id any) bson.D { return bson.D{{Key: "_id", Value: id}} }

// newID returns a fresh document id: an ObjectID's hex form, which sorts
// by creation time and fits comfortably in callback data.
func newID() string { return bson.NewObjectID().Hex() }
