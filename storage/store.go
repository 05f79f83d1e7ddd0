// Package storage keeps deputybot's record in MongoDB, through the
// official driver. Without a MongoDB URI it starts an embedded,
// MongoDB-compatible server (FerretDB on SQLite) in-process.
//
// The embedded server reads every document of a collection for any filter
// other than {_id: key}, so hot lookups here always go by _id, with string
// keys that carry the natural key ("tg:<telegram id>", "upd:<update id>"),
// and uniqueness is claimed by inserting a document whose _id is the key.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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
}

// Store is deputybot's MongoDB database.
type Store struct {
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
	items         *mongo.Collection
	itemDetails   *mongo.Collection
	itemKeys      *mongo.Collection
	personItems   *mongo.Collection
	deptItems     *mongo.Collection
	outbox        *mongo.Collection
	slots         *mongo.Collection
	members       *mongo.Collection
	scan          *mongo.Collection

	itemLocks itemLocks
	deptCache deptCache
	// ferret: the server is the embedded FerretDB store (this process's or
	// the tests' shared one): one writer process, changes to an item
	// serialised in-process, and only {_id} filters answered from an index.
	ferret bool
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
	s := &Store{log: log}
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
			o.SQLiteDir = e.dir
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
	s.conversations = s.db.Collection("conversations")
	s.items = s.db.Collection("items")
	s.itemDetails = s.db.Collection("itemdetails")
	s.itemKeys = s.db.Collection("itemkeys")
	s.personItems = s.db.Collection("personitems")
	s.deptItems = s.db.Collection("deptitems")
	s.outbox = s.db.Collection("outbox")
	s.slots = s.db.Collection("slots")
	s.members = s.db.Collection("members")
	s.scan = s.db.Collection("itemscan")
	if err := s.migrate(ctx); err != nil {
		s.Close(context.Background())
		return nil, err
	}
	s.ferret = joined
	if o.SQLiteDir != "" {
		s.ferret = true
		if err := indexIDExpressions(ctx, o.SQLiteDir, o.Database); err != nil {
			s.Close(context.Background())
			return nil, fmt.Errorf("tune the embedded store: %w", err)
		}
	}
	return s, nil
}

// Embedded reports whether this process started the embedded server.
func (s *Store) Embedded() bool { return s.embedded != nil && s.embedded.Owner() }

// Joined reports whether the store is an embedded store another process
// owns (a command run next to the service): that process sends the
// messages and changes the record; this one may read.
func (s *Store) Joined() bool { return s.embedded != nil && !s.embedded.Owner() }

// EmbeddedStore is the embedded server this store uses (its own or its
// owner's), or nil on MongoDB.
func (s *Store) EmbeddedStore() *Embedded { return s.embedded }

// SingleWriter reports whether the store is the embedded one, which one
// process owns: its outbox has one sender, which knows every message it
// holds; MongoDB's is shared by replicas.
func (s *Store) SingleWriter() bool { return s.ferret }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.client.Ping(ctx, nil) }

// Close disconnects and stops the embedded store, if any.
func (s *Store) Close(ctx context.Context) error {
	var err error
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
