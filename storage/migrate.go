package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

// SchemaVersion is the version of the stored data this code reads and
// writes. Each step of migrations moves a database one version up.
const SchemaVersion = 7

// migrations[i] brings a database from version i to i+1. A step must be
// safe to run again if the process dies before the version is recorded.
var migrations = []func(ctx context.Context, s *Store) error{
	func(ctx context.Context, s *Store) error { return nil }, // 0 → 1: the first schema; indexes below
	func(ctx context.Context, s *Store) error { return nil }, // 1 → 2: member lists (gone in 4)
	func(ctx context.Context, s *Store) error { return nil }, // 2 → 3: the scan index (gone in 4)
	migrateTo4, // 3 → 4: one document per item; inbox and outbox keep only what waits
	migrateTo5, // 4 → 5: each reply keeps the deadline it answered to
	migrateTo6, // 5 → 6: each department has a number
	migrateTo7, // 6 → 7: contacts have a stage; ratings two values (the old one is the result)
}

// migrate runs the missing migration steps and (re)creates the indexes.
// Creating an index that exists with the same keys and options is a no-op
// on MongoDB and FerretDB alike, so this is idempotent.
// SchemaVersion reads the database's schema version (0: none yet).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var meta struct {
		Version int `bson:"version"`
	}
	err := s.meta.FindOne(ctx, byID("schema")).Decode(&meta)
	if err != nil && err != mongo.ErrNoDocuments {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return meta.Version, nil
}

// migrate brings the database to SchemaVersion and its indexes up to
// date. Of replicas started together, one migrates — the one whose insert
// of the "migrating" claim succeeds (an insert of a unique key is atomic
// on every store) — and the others wait until it is done; a claim left by
// a process that died (older than migrationStale) is taken over.
func (s *Store) migrate(ctx context.Context) error {
	for {
		v, err := s.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		if v > SchemaVersion {
			return fmt.Errorf("the database has schema version %d, newer than this program's %d: upgrade deputybot", v, SchemaVersion)
		}
		var claim struct {
			At time.Time `bson:"at"`
		}
		err = s.meta.FindOne(ctx, byID(migrationClaim)).Decode(&claim)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments) && v == SchemaVersion:
			return s.ensureIndexes(ctx) // nothing to do, nobody at it
		case errors.Is(err, mongo.ErrNoDocuments):
			_, err := s.meta.InsertOne(ctx, bson.D{{Key: "_id", Value: migrationClaim}, {Key: "owner", Value: s.process}, {Key: "at", Value: time.Now()}})
			if mongo.IsDuplicateKeyError(err) {
				continue // another replica claimed it first
			}
			if err != nil {
				return fmt.Errorf("claim the migration: %w", err)
			}
			err = s.migrateClaimed(ctx)
			if _, derr := s.meta.DeleteOne(ctx, bson.D{{Key: "_id", Value: migrationClaim}, {Key: "owner", Value: s.process}}); err == nil && derr != nil {
				err = fmt.Errorf("release the migration: %w", derr)
			}
			return err
		case err != nil:
			return fmt.Errorf("read the migration's claim: %w", err)
		case time.Since(claim.At) > migrationStale:
			// Its process died: take it over.
			if _, err := s.meta.DeleteOne(ctx, bson.D{{Key: "_id", Value: migrationClaim}, {Key: "at", Value: claim.At}}); err != nil {
				return fmt.Errorf("take over the migration: %w", err)
			}
			continue
		}
		s.log.Info("waiting for another replica to migrate the database", "version", v)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// migrationClaim is the meta record a replica migrating the database
// holds; migrationStale, how old it may be before its process is taken
// for dead.
const (
	migrationClaim = "migrating"
	migrationStale = 10 * time.Minute
)

// migrateClaimed runs the migrations from the recorded version on, and
// makes the indexes, holding the migration's claim.
func (s *Store) migrateClaimed(ctx context.Context) error {
	from, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	for v := from; v < SchemaVersion; v++ {
		if err := migrations[v](ctx, s); err != nil {
			return fmt.Errorf("migrate schema %d → %d: %w", v, v+1, err)
		}
		_, err := s.meta.UpdateOne(ctx, byID("schema"),
			bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: v + 1}}}},
			options.UpdateOne().SetUpsert(true))
		if err != nil {
			return fmt.Errorf("record schema version %d: %w", v+1, err)
		}
		s.log.Info("schema migrated", "version", v+1)
	}
	return s.ensureIndexes(ctx)
}

// uniqueIndexes are the constraints every store enforces.
func uniqueIndexes() map[string][]mongo.IndexModel {
	return map[string][]mongo.IndexModel{
		"departments": {
			{Keys: bson.D{{Key: "key", Value: 1}}, Options: options.Index().SetUnique(true).SetName("key_unique")},
			{Keys: bson.D{{Key: "number", Value: 1}}, Options: options.Index().SetUnique(true).SetName("number_unique")},
		},
	}
}

// queryIndexes serve the queries of a shared store (MongoDB). The embedded
// store would keep them up to date on every write but answers no query
// from them (and its only writer reads its read model), so it does not
// get them.
func queryIndexes() map[string][]mongo.IndexModel {
	return map[string][]mongo.IndexModel{
		"invitations": {
			{Keys: bson.D{{Key: "personId", Value: 1}}, Options: options.Index().SetName("person")},
			{Keys: bson.D{{Key: "createdBy", Value: 1}, {Key: "createdAt", Value: 1}}, Options: options.Index().SetName("made_by")},
		},
		"people": {
			{Keys: bson.D{{Key: "roles", Value: 1}}, Options: options.Index().SetName("roles")},
			{Keys: bson.D{{Key: "state", Value: 1}}, Options: options.Index().SetName("state")},
			{Keys: bson.D{{Key: "departmentId", Value: 1}}, Options: options.Index().SetName("department")},
			{Keys: bson.D{{Key: "unreachable", Value: 1}}, Options: options.Index().SetName("unreachable")},
		},
		"items": {
			{Keys: bson.D{{Key: "status", Value: 1}}, Options: options.Index().SetName("status")},
			{Keys: bson.D{{Key: "authorId", Value: 1}}, Options: options.Index().SetName("author")},
			{Keys: bson.D{{Key: "coSponsors.personId", Value: 1}}, Options: options.Index().SetName("cosponsors")},
			{Keys: bson.D{{Key: "leaderId", Value: 1}}, Options: options.Index().SetName("leader")},
			{Keys: bson.D{{Key: "leadDept", Value: 1}}, Options: options.Index().SetName("lead_dept")},
			{Keys: bson.D{{Key: "coDepts.dept", Value: 1}}, Options: options.Index().SetName("co_depts")},
			{Keys: bson.D{{Key: "groupId", Value: 1}}, Options: options.Index().SetName("group")},
			{Keys: bson.D{{Key: "threadId", Value: 1}}, Options: options.Index().SetName("thread")},
		},
		"outbox": {
			{Keys: bson.D{{Key: "seq", Value: 1}}, Options: options.Index().SetName("seq")},
		},
		"sent": {
			{Keys: bson.D{{Key: "state", Value: 1}, {Key: "sentAt", Value: 1}}, Options: options.Index().SetName("state_sent")},
		},
		"updates": {
			{Keys: bson.D{{Key: "at", Value: 1}}, Options: options.Index().SetName("at")},
		},
		"inbox": {
			{Keys: bson.D{{Key: "until", Value: 1}}, Options: options.Index().SetName("until")},
		},
		"turns": {
			{Keys: bson.D{{Key: "turn", Value: 1}, {Key: "n", Value: 1}}, Options: options.Index().SetName("turn")},
		},
		"pace": {
			{Keys: bson.D{{Key: "at", Value: 1}}, Options: options.Index().SetName("at")},
		},
	}
}

// ensureIndexes creates the indexes one by one: FerretDB v1.24 panics (and
// drops the connection) on a createIndexes command that names two or more
// indexes which all exist already, which is every start after the first.
func (s *Store) ensureIndexes(ctx context.Context) error {
	// Every collection exists from the start, so that the embedded
	// store's SQLite tables can be indexed (indexIDExpressions).
	existing, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return err
	}
	for _, name := range collections {
		if !slices.Contains(existing, name) {
			if err := s.db.CreateCollection(ctx, name); err != nil && !isNamespaceExists(err) {
				return fmt.Errorf("create collection %s: %w", name, err)
			}
		}
	}
	sets := []map[string][]mongo.IndexModel{uniqueIndexes()}
	if s.queryIndexes {
		sets = append(sets, queryIndexes())
	}
	for _, set := range sets {
		for coll, models := range set {
			for _, m := range models {
				if _, err := s.db.Collection(coll).Indexes().CreateOne(ctx, m); err != nil {
					return fmt.Errorf("create indexes on %s: %w", coll, err)
				}
			}
		}
	}
	return nil
}

// collections are all of deputybot's collections.
var collections = []string{
	"meta", "people", "bindings", "departments", "invitations", "claims", "updates", "inbox",
	"conversations", "items", "itemkeys", "outbox", "sent", "gone", "slots", "turns", "pace",
}

func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists")
}

// migrateTo4 moves a database of schema 3 to schema 4. Each step can run
// again after a crash: an item already in one document is left alone,
// documents are moved by inserting (duplicates ignored) before deleting.
func migrateTo4(ctx context.Context, s *Store) error {
	// Items: the item, its details (with what they held of the latest
	// change) in one document. A change interrupted between the two old
	// writes is completed from the details.
	cur, err := s.items.Find(ctx, bson.D{{Key: "details", Value: bson.D{{Key: "$exists", Value: false}}}})
	if err != nil {
		return err
	}
	var old []deputybot.Item
	if err := cur.All(ctx, &old); err != nil {
		return err
	}
	details := s.db.Collection("itemdetails")
	for _, it := range old {
		var det struct {
			deputybot.ItemDetails `bson:",inline"`
			Version               int                       `bson:"version"`
			Next                  *deputybot.Item           `bson:"next"`
			Applied               []int64                   `bson:"applied"`
			Notices               []deputybot.OutboxMessage `bson:"notices"`
		}
		err := details.FindOne(ctx, byID(it.ID)).Decode(&det)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return err
		}
		doc := itemDoc{Item: it, Details: det.ItemDetails, Applied: det.Applied}
		if det.Next != nil && det.Version > it.Version && det.Next.Version == det.Version {
			doc.Item = *det.Next
		}
		// Messages a crash left with the change go to the outbox now.
		if _, err := s.Enqueue(ctx, det.Notices, time.Now()); err != nil {
			return err
		}
		if _, err := s.items.ReplaceOne(ctx, byID(it.ID), doc); err != nil {
			return err
		}
	}
	// The updates waiting to be handled move to the inbox; the records of
	// the others stay where they are (they are the records of handled
	// updates now).
	cur, err = s.updates.Find(ctx, bson.D{})
	if err != nil {
		return err
	}
	var ups []struct {
		ID         string    `bson:"_id"`
		UpdateID   int64     `bson:"updateId"`
		ChatID     int64     `bson:"chatId"`
		Payload    []byte    `bson:"payload"`
		State      string    `bson:"state"`
		ReceivedAt time.Time `bson:"receivedAt"`
	}
	if err := cur.All(ctx, &ups); err != nil {
		return err
	}
	var waiting []any
	var handled int64
	for _, u := range ups {
		switch u.State {
		case "pending":
			waiting = append(waiting, inboxDoc{ID: u.ID, UpdateID: u.UpdateID, ChatID: u.ChatID, Payload: u.Payload, ReceivedAt: u.ReceivedAt})
		case "done":
			handled = max(handled, u.UpdateID)
		}
	}
	if len(waiting) > 0 {
		if err := insertUnordered(ctx, s.inbox, waiting, nil); err != nil {
			return err
		}
	}
	if _, err := s.meta.UpdateOne(ctx, byID("inbox"), bson.D{{Key: "$max", Value: bson.D{{Key: "handled", Value: handled}}}},
		options.UpdateOne().SetUpsert(true)); err != nil {
		return err
	}
	// Messages that went leave the outbox for their record in sent.
	for {
		gone, err := s.findOutbox(ctx, s.outbox, bson.D{{Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{deputybot.OutboxSent, deputybot.OutboxFailed}}}}}, bulkBatch)
		if err != nil {
			return err
		}
		if len(gone) == 0 {
			break
		}
		if err := s.RecordSent(ctx, gone); err != nil {
			return err
		}
	}
	// What schema 4 no longer keeps.
	for _, name := range []string{"itemdetails", "itemscan", "personitems", "deptitems", "members"} {
		if err := s.db.Collection(name).Drop(ctx); err != nil {
			return fmt.Errorf("drop %s: %w", name, err)
		}
	}
	for coll, names := range map[string][]string{
		"items": {"status_submitted"}, "outbox": {"state_seq"}, "updates": {"state_update"},
		"people": {"roles", "state"}, "invitations": {"person"},
	} {
		for _, name := range names {
			_ = s.db.Collection(coll).Indexes().DropOne(ctx, name) // absent: nothing to do
		}
	}
	return nil
}

// migrateTo5 gives each reply the deadline it answered to, from which the
// ledger decides whether it was late (schema 4 kept a flag, decided once,
// for the first round only). The deadline in force when the reply was
// sent is read from the item's timeline (assigned, extended, rehandling);
// failing that, the current round's reply answered the item's deadline.
// A reply that has its deadline already is left alone.
//
// Schema 4 kept a change's notices as rendered messages ("notices"),
// schema 5 as who is told of what ("pending"): messages a crash left go
// to the outbox now.
func migrateTo5(ctx context.Context, s *Store) error {
	cur, err := s.items.Find(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "replies.0", Value: bson.D{{Key: "$exists", Value: true}}}},
		bson.D{{Key: "notices.0", Value: bson.D{{Key: "$exists", Value: true}}}},
	}}})
	if err != nil {
		return err
	}
	var raws []bson.Raw
	if err := cur.All(ctx, &raws); err != nil {
		return err
	}
	for _, raw := range raws {
		var doc itemDoc
		var legacy struct {
			Notices []deputybot.OutboxMessage `bson:"notices"`
		}
		if err := bson.Unmarshal(raw, &doc); err != nil {
			return err
		}
		if err := bson.Unmarshal(raw, &legacy); err != nil {
			return err
		}
		changed := len(legacy.Notices) > 0
		if _, err := s.Enqueue(ctx, legacy.Notices, time.Now()); err != nil {
			return err
		}
		for i, r := range doc.Replies {
			if !r.Deadline.IsZero() {
				continue
			}
			d, ok := deputybot.DeadlineAt(doc.Details.Timeline, r.At, s.opts.Location)
			if !ok && r.Round == doc.Round {
				d, ok = doc.Deadline, true
			}
			if ok {
				doc.Replies[i].Deadline, changed = d, true
			}
		}
		if !changed {
			continue
		}
		if _, err := s.items.ReplaceOne(ctx, byID(doc.ID), doc); err != nil {
			return err
		}
	}
	return nil
}

// migrateTo6 numbers the departments that have no number yet, in the
// order they were created (then by name), after the highest number any
// has, and moves the counter past them. Run again, it numbers none twice.
func migrateTo6(ctx context.Context, s *Store) error {
	cur, err := s.departments.Find(ctx, bson.D{})
	if err != nil {
		return err
	}
	var ds []*deputybot.Department
	if err := cur.All(ctx, &ds); err != nil {
		return err
	}
	top := 0
	var todo []*deputybot.Department
	for _, d := range ds {
		top = max(top, d.Number)
		if d.Number == 0 {
			todo = append(todo, d)
		}
	}
	slices.SortFunc(todo, func(a, b *deputybot.Department) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, d := range todo {
		top++
		if _, err := s.departments.UpdateOne(ctx, byID(d.ID), bson.D{{Key: "$set", Value: bson.D{{Key: "number", Value: top}}}}); err != nil {
			return err
		}
	}
	_, err = s.meta.UpdateOne(ctx, byID("department-number"), bson.D{{Key: "$max", Value: bson.D{{Key: "n", Value: top}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// migrateTo7 gives each contact logged before stages its stage, from
// when it was logged: after its round's reply, a follow-up (办后); before
// it, the round's first contact is 办前 and the others 办中. A contact's
// form is kept (走访 counts as face to face).
//
// Ratings need no change: schema 6's one value is stored where schema 7
// keeps the result rating ("value"), and the handling's rating
// ("attitude") is absent — not asked then, and counted in no attitude
// figure. Run again, it changes nothing: staged contacts are left alone.
func migrateTo7(ctx context.Context, s *Store) error {
	// Every item with contacts is read (FerretDB does not take $exists
	// inside $elemMatch); those fully staged are skipped below.
	cur, err := s.items.Find(ctx, bson.D{{Key: "contacts.0", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "contacts", Value: 1}, {Key: "replies", Value: 1}}))
	if err != nil {
		return err
	}
	var docs []struct {
		ID       string                 `bson:"_id"`
		Contacts []deputybot.ContactLog `bson:"contacts"`
		Replies  []deputybot.Reply      `bson:"replies"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return err
	}
	for _, d := range docs {
		if !slices.ContainsFunc(d.Contacts, func(c deputybot.ContactLog) bool { return c.Stage == "" }) {
			continue
		}
		seen := map[int]bool{} // rounds with a contact before their reply
		for i := range d.Contacts {
			c := &d.Contacts[i]
			var reply *deputybot.Reply
			for j := range d.Replies {
				if d.Replies[j].Round == c.Round {
					reply = &d.Replies[j]
				}
			}
			stage := c.Stage
			switch {
			case stage != "":
			case reply != nil && c.LoggedAt.After(reply.At):
				stage = deputybot.StageAfter
			case seen[c.Round]:
				stage = deputybot.StageDuring
			default:
				stage = deputybot.StageBefore
			}
			if stage != deputybot.StageAfter {
				seen[c.Round] = true
			}
			c.Stage = stage
		}
		if _, err := s.items.UpdateOne(ctx, byID(d.ID), bson.D{{Key: "$set", Value: bson.D{{Key: "contacts", Value: d.Contacts}}}}); err != nil {
			return err
		}
	}
	return nil
}
