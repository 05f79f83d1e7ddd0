package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Conversations keep each chat's open dialogue: the chat interface's own
// state, stored as it gives it.
//
// On a shared store a chat has one document, "chat:<id>", replaced at
// each step. The only writer of an embedded store instead inserts each
// step as a new version, "chat:<id>:<n>" ({seq: n, state: the
// conversation} or {seq: n, gone: true}), and deletes superseded versions
// in batches: on the embedded server an insert costs a third of a
// replace (which reads the document, rewrites it and its two _id index
// entries in a transaction of its own: 1.3 ms of CPU against 0.45 ms,
// measured), and a dialogue step writes its conversation every time. It
// keeps every chat's latest version in its read model, loaded at start;
// the store stays the record — a crash loses no step, as each version is
// stored before the step answers, and deleting superseded versions is
// safe at any point as the latest is stored before its predecessor is
// marked superseded. A document without seq is version 0 (a store written
// before, or by a shared store); a shared store that finds versions
// (copied from an embedded one) makes them one document per chat at start
// (normalizeConversations).

func conversationKey(chatID int64) string { return "chat:" + strconv.FormatInt(chatID, 10) }

func conversationVersionKey(chatID, seq int64) string {
	return conversationKey(chatID) + ":" + strconv.FormatInt(seq, 10)
}

// convVersion is a chat's conversation as stored.
type convVersion struct {
	id  string // its document ("": none stored)
	seq int64
	raw []byte // nil: none (never, or ended)
}

// storedConversation is what a conversation document holds; a document
// without seq is the state itself.
type storedConversation struct {
	ID    string   `bson:"_id"`
	Seq   int64    `bson:"seq"`
	State bson.Raw `bson:"state,omitempty"`
	Gone  bool     `bson:"gone,omitempty"`
}

// versionOf reads a conversation document: its chat and version.
func versionOf(raw bson.Raw) (chatID int64, v convVersion, ok bool) {
	var doc storedConversation
	if err := bson.Unmarshal(raw, &doc); err != nil {
		return 0, v, false
	}
	rest, found := strings.CutPrefix(doc.ID, "chat:")
	if !found {
		return 0, v, false
	}
	if _, versioned := raw.Lookup("seq").Int64OK(); !versioned {
		chatID, err := strconv.ParseInt(rest, 10, 64)
		return chatID, convVersion{id: doc.ID, raw: raw}, err == nil
	}
	chat, _, _ := strings.Cut(rest, ":")
	chatID, err := strconv.ParseInt(chat, 10, 64)
	if err != nil {
		return 0, v, false
	}
	v = convVersion{id: doc.ID, seq: doc.Seq}
	if !doc.Gone {
		v.raw = doc.State
	}
	return chatID, v, true
}

// loadConversations reads every chat's latest conversation (at start);
// the versions superseded are deleted with the next batch.
func (m *readModel) loadConversations(ctx context.Context, s *Store) error {
	cur, err := s.conversations.Find(ctx, bson.D{})
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		chatID, v, ok := versionOf(cur.Current)
		if !ok {
			continue
		}
		v.raw = slices.Clone(v.raw)
		m.takeVersion(chatID, v)
	}
	return cur.Err()
}

// takeVersion notes a stored version of the chat's conversation: the
// latest stays, the other is garbage. Called holding convMu, or before
// the model is shared.
func (m *readModel) takeVersion(chatID int64, v convVersion) {
	cur, ok := m.convs[chatID]
	switch {
	case !ok || cur.id == "":
		m.convs[chatID] = v
	case v.seq > cur.seq:
		m.convGarbage = append(m.convGarbage, cur.id)
		m.convs[chatID] = v
	default:
		m.convGarbage = append(m.convGarbage, v.id)
	}
	m.convNext[chatID] = max(m.convNext[chatID], v.seq)
}

// conversation returns the chat's stored conversation (nil: none), or
// known false when a failed write left it unknown.
func (m *readModel) conversation(chatID int64) ([]byte, bool) {
	m.convMu.Lock()
	defer m.convMu.Unlock()
	if m.convUnsure[chatID] {
		return nil, false
	}
	return m.convs[chatID].raw, true
}

// nextVersion hands out the chat's next version number.
func (m *readModel) nextVersion(chatID int64) int64 {
	m.convMu.Lock()
	defer m.convMu.Unlock()
	m.convNext[chatID]++
	return m.convNext[chatID]
}

// storedVersion notes a version written; it returns the superseded
// versions to delete now, if enough have gathered (at least batch, and
// at least half as many as there are chats: a batch's delete reads the
// whole collection).
func (m *readModel) storedVersion(chatID int64, v convVersion, batch int) []string {
	m.convMu.Lock()
	defer m.convMu.Unlock()
	m.takeVersion(chatID, v)
	if len(m.convGarbage) < max(batch, len(m.convs)/2) {
		return nil
	}
	out := m.convGarbage
	m.convGarbage = nil
	return out
}

// unsure notes that the chat's stored conversation is not known (a
// write failed: it may or may not have been stored).
func (m *readModel) unsure(chatID int64) {
	m.convMu.Lock()
	defer m.convMu.Unlock()
	m.convUnsure[chatID] = true
}

// settled notes the chat's conversation as read from the store, with
// its superseded versions.
func (m *readModel) settled(chatID int64, latest convVersion, superseded []string) {
	m.convMu.Lock()
	defer m.convMu.Unlock()
	delete(m.convUnsure, chatID)
	m.convs[chatID] = latest
	m.convNext[chatID] = max(m.convNext[chatID], latest.seq)
	for _, id := range superseded {
		if !slices.Contains(m.convGarbage, id) {
			m.convGarbage = append(m.convGarbage, id)
		}
	}
}

// requeue puts back superseded versions a failed delete left.
func (m *readModel) requeue(ids []string) {
	m.convMu.Lock()
	defer m.convMu.Unlock()
	m.convGarbage = append(m.convGarbage, ids...)
}

// conversationGCBatch is the fewest superseded versions deleted at once.
const conversationGCBatch = 256

// LoadConversation decodes the chat's conversation into into, and
// reports whether there is one.
func (s *Store) LoadConversation(ctx context.Context, chatID int64, into any) (bool, error) {
	var raw []byte
	switch {
	case s.model != nil:
		var known bool
		if raw, known = s.model.conversation(chatID); !known {
			latest, superseded, err := s.conversationVersions(ctx, chatID)
			if err != nil {
				return false, err
			}
			s.model.settled(chatID, latest, superseded)
			raw = latest.raw
		}
	case s.Joined():
		// Another process owns the embedded store (and writes versions).
		latest, _, err := s.conversationVersions(ctx, chatID)
		if err != nil {
			return false, err
		}
		raw = latest.raw
	default:
		var doc bson.Raw
		err := s.conversations.FindOne(ctx, byID(conversationKey(chatID))).Decode(&doc)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		raw = doc
	}
	if raw == nil {
		return false, nil
	}
	return true, bson.Unmarshal(raw, into)
}

// conversationVersions reads the chat's stored versions: the latest and
// the others.
func (s *Store) conversationVersions(ctx context.Context, chatID int64) (convVersion, []string, error) {
	filter := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "_id", Value: conversationKey(chatID)}},
		bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^" + conversationKey(chatID) + ":"}}}},
	}}}
	cur, err := s.conversations.Find(ctx, filter)
	if err != nil {
		return convVersion{}, nil, err
	}
	defer cur.Close(ctx)
	var latest convVersion
	var others []string
	for cur.Next(ctx) {
		id, v, ok := versionOf(cur.Current)
		if !ok || id != chatID {
			continue
		}
		v.raw = slices.Clone(v.raw)
		if latest.id == "" || v.seq > latest.seq {
			if latest.id != "" {
				others = append(others, latest.id)
			}
			latest = v
		} else {
			others = append(others, v.id)
		}
	}
	return latest, others, cur.Err()
}

// SaveConversation stores c as the chat's conversation, replacing the
// previous one.
func (s *Store) SaveConversation(ctx context.Context, chatID int64, c any) error {
	raw, err := bson.Marshal(c)
	if err != nil {
		return err
	}
	if s.model != nil {
		return s.storeVersion(ctx, chatID, raw)
	}
	var doc bson.D
	if err := bson.Unmarshal(raw, &doc); err != nil {
		return err
	}
	doc = append(bson.D{{Key: "_id", Value: conversationKey(chatID)}}, doc...)
	_, err = s.conversations.ReplaceOne(ctx, byID(conversationKey(chatID)), doc, options.Replace().SetUpsert(true))
	return err
}

// DeleteConversation ends the chat's conversation.
func (s *Store) DeleteConversation(ctx context.Context, chatID int64) error {
	if s.model != nil {
		return s.storeVersion(ctx, chatID, nil)
	}
	_, err := s.conversations.DeleteOne(ctx, byID(conversationKey(chatID)))
	return err
}

// storeVersion inserts the chat's next version (raw nil: none), and
// deletes superseded versions when a batch has gathered.
func (s *Store) storeVersion(ctx context.Context, chatID int64, raw []byte) error {
	seq := s.model.nextVersion(chatID)
	doc := storedConversation{ID: conversationVersionKey(chatID, seq), Seq: seq, State: raw, Gone: raw == nil}
	if _, err := s.conversations.InsertOne(ctx, doc); err != nil {
		s.model.unsure(chatID) // stored or not: the next read asks the store
		return err
	}
	if garbage := s.model.storedVersion(chatID, convVersion{id: doc.ID, seq: seq, raw: raw}, conversationGCBatch); garbage != nil {
		s.deleteVersions(garbage)
	}
	return nil
}

// deleteVersions deletes superseded conversation versions (one statement:
// the embedded server reads the collection once); what it fails to delete
// is deleted with the next batch.
func (s *Store) deleteVersions(ids []string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := s.conversations.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		s.log.Warn("superseded conversation versions not deleted (tried again later)", "n", len(ids), "err", err)
		s.model.requeue(ids)
	}
}

// normalizeConversations makes the versions an embedded store wrote (a
// copy of one) one document per chat, for a shared store: the latest
// version replaces the chat's document, or deletes it when the
// conversation ended. Replicas starting together write the same.
func (s *Store) normalizeConversations(ctx context.Context) error {
	cur, err := s.conversations.Find(ctx, bson.D{{Key: "seq", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		return err
	}
	latest := map[int64]convVersion{}
	var ids []string
	for cur.Next(ctx) {
		chatID, v, ok := versionOf(cur.Current)
		if !ok {
			continue
		}
		ids = append(ids, v.id)
		if l, seen := latest[chatID]; !seen || v.seq > l.seq {
			v.raw = slices.Clone(v.raw)
			latest[chatID] = v
		}
	}
	if err := cur.Err(); err != nil {
		cur.Close(ctx)
		return err
	}
	cur.Close(ctx)
	for chatID, v := range latest {
		if v.raw == nil {
			if _, err := s.conversations.DeleteOne(ctx, byID(conversationKey(chatID))); err != nil {
				return err
			}
			continue
		}
		var doc bson.D
		if err := bson.Unmarshal(v.raw, &doc); err != nil {
			return fmt.Errorf("conversation of chat %d: %w", chatID, err)
		}
		doc = append(bson.D{{Key: "_id", Value: conversationKey(chatID)}}, doc...)
		if _, err := s.conversations.ReplaceOne(ctx, byID(conversationKey(chatID)), doc, options.Replace().SetUpsert(true)); err != nil {
			return err
		}
	}
	if len(ids) > 0 {
		_, err = s.conversations.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	}
	return err
}
