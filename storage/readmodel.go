package storage

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"deputybot"
)

// readModel is what the embedded store's only writer keeps in memory of
// the record: every item (without its details), person, Telegram binding
// and department, with the indexes lists need. It is loaded at start and
// changed only after the store has accepted a write, so it never holds
// what the store does not. It hands out copies: what a caller gets is his
// to change.
type readModel struct {
	mu       sync.RWMutex
	items    map[string]*deputybot.Item
	byPerson map[string]map[string]bool // author, co-sponsor, leader → item ids
	byDept   map[string]map[string]bool // lead or co-department → item ids
	byKey    map[string]string          // number and share keys → item id
	people   map[string]*deputybot.Person
	byTG     map[int64]string // Telegram id → person id (the bindings)
	depts    []*deputybot.Department
	// bodies are the items' texts (details.body) as stored with the
	// items' versions held: what the search index is built of at start
	// without a second pass over the record.
	bodies map[string]string
	// gen counts the changes taken in (items, people, departments), so
	// that what is built from the record can tell it is still current.
	gen uint64
	// changed are the latest items changed, with the generation of each
	// change, oldest first (at most maxChangeLog): what a cache of the
	// items reads again (ItemsChangedSince). logFrom: the generation from
	// which the log is whole.
	changed []itemChange
	logFrom uint64
	// noticed are the items whose documents hold notices not yet in the
	// outbox (a crash, or an outbox that failed, left them there):
	// FlushNotices delivers them.
	noticed map[string]bool

	// Conversations (conversations.go): every chat's latest stored
	// version (loaded at start; each read decodes a copy), the chats whose
	// stored state a failed write left unknown, the versions handed out,
	// and the superseded versions still stored.
	convMu      sync.Mutex
	convs       map[int64]convVersion
	convUnsure  map[int64]bool
	convNext    map[int64]int64
	convGarbage []string
}

func loadReadModel(ctx context.Context, s *Store) (*readModel, error) {
	m := &readModel{
		items: map[string]*deputybot.Item{}, byPerson: map[string]map[string]bool{},
		byDept: map[string]map[string]bool{}, byKey: map[string]string{},
		people: map[string]*deputybot.Person{}, byTG: map[int64]string{}, noticed: map[string]bool{}, bodies: map[string]string{},
		convs: map[int64]convVersion{}, convUnsure: map[int64]bool{}, convNext: map[int64]int64{},
	}
	// The details but their body are left: a projection may not both
	// take and leave fields.
	leave := bson.D{{Key: "applied", Value: 0}}
	for _, f := range []string{"attachments", "timeline", "replies", "opinions", "progress", "points"} {
		leave = append(leave, bson.E{Key: "details." + f, Value: 0})
	}
	cur, err := s.items.Find(ctx, bson.D{}, options.Find().SetProjection(leave))
	if err != nil {
		return nil, err
	}
	for cur.Next(ctx) {
		var doc struct {
			deputybot.Item `bson:",inline"`
			Pending        []bson.Raw `bson:"pending"`
			Details        struct {
				Body string `bson:"body"`
			} `bson:"details"`
		}
		if err := cur.Decode(&doc); err != nil {
			cur.Close(ctx)
			return nil, err
		}
		it := doc.Item
		m.putItemLocked(&it, doc.Details.Body)
		if len(doc.Pending) > 0 {
			m.noticed[it.ID] = true
		}
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	cur.Close(ctx)
	var people []*deputybot.Person
	if cur, err = s.people.Find(ctx, bson.D{}); err != nil {
		return nil, err
	}
	if err := cur.All(ctx, &people); err != nil {
		return nil, err
	}
	for _, p := range people {
		m.people[p.ID] = p
	}
	var bs []binding
	if cur, err = s.bindings.Find(ctx, bson.D{}); err != nil {
		return nil, err
	}
	if err := cur.All(ctx, &bs); err != nil {
		return nil, err
	}
	for _, b := range bs {
		if tg, ok := telegramIDOf(b.ID); ok {
			m.byTG[tg] = b.PersonID
		}
	}
	ds, err := s.loadDepartments(ctx)
	if err != nil {
		return nil, err
	}
	m.depts = ds
	if err := m.loadConversations(ctx, s); err != nil {
		return nil, err
	}
	return m, nil
}

// item returns a copy of the item, or nil.
func (m *readModel) item(id string) *deputybot.Item {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.items[id].Clone()
}

func (m *readModel) itemByKey(key string) *deputybot.Item {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.items[m.byKey[key]].Clone()
}

// putItem records the item as stored (a copy of it), with its body.
func (m *readModel) putItem(it *deputybot.Item, body string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putItemLocked(it.Clone(), body)
}

func (m *readModel) putItemLocked(it *deputybot.Item, body string) {
	m.gen++
	m.logChangeLocked(it.ID)
	m.bodies[it.ID] = body
	if old := m.items[it.ID]; old != nil {
		m.unindexLocked(old)
	}
	m.items[it.ID] = it
	add := func(idx map[string]map[string]bool, key string) {
		if idx[key] == nil {
			idx[key] = map[string]bool{}
		}
		idx[key][it.ID] = true
	}
	for _, p := range involved(it) {
		add(m.byPerson, p)
	}
	for _, d := range assignedTo(it) {
		add(m.byDept, d)
	}
	for _, k := range itemKeysOf(it) {
		m.byKey[k] = it.ID
	}
}

func (m *readModel) deleteItem(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.items[id]; old != nil {
		m.unindexLocked(old)
		delete(m.items, id)
		delete(m.bodies, id)
		m.gen++
		m.logChangeLocked(id)
	}
}

func (m *readModel) unindexLocked(it *deputybot.Item) {
	drop := func(idx map[string]map[string]bool, key string) {
		delete(idx[key], it.ID)
		if len(idx[key]) == 0 {
			delete(idx, key)
		}
	}
	for _, p := range involved(it) {
		drop(m.byPerson, p)
	}
	for _, d := range assignedTo(it) {
		drop(m.byDept, d)
	}
	for _, k := range itemKeysOf(it) {
		if m.byKey[k] == it.ID {
			delete(m.byKey, k)
		}
	}
}

// involved are the people whose /my lists the item: its author, the
// deputies asked to co-sponsor it, its leader.
func involved(it *deputybot.Item) []string {
	out := []string{it.AuthorID}
	for _, c := range it.CoSponsors {
		out = append(out, c.PersonID)
	}
	if it.LeaderID != "" {
		out = append(out, it.LeaderID)
	}
	return out
}

// assignedTo are the departments the item is assigned to now.
func assignedTo(it *deputybot.Item) []string {
	var out []string
	if it.LeadDept != "" {
		out = append(out, it.LeadDept)
	}
	for _, c := range it.CoDepts {
		out = append(out, c.Dept)
	}
	return out
}

// itemKeysOf are the keys that lead to the item: its number, its share
// token.
func itemKeysOf(it *deputybot.Item) []string {
	var out []string
	if it.Seq != 0 {
		out = append(out, numberKey(it.Kind, it.Year, it.Seq))
	}
	if it.ShareToken != "" {
		out = append(out, "share:"+it.ShareToken)
	}
	return out
}

// allItems returns copies of the items keep says to keep.
func (m *readModel) allItems(keep func(*deputybot.Item) bool) []*deputybot.Item {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]*deputybot.Item, 0, len(m.items))
	for _, it := range m.items {
		if keep == nil || keep(it) {
			out = append(out, it.Clone())
		}
	}
	return out
}

func (m *readModel) personItems(personID string) []*deputybot.Item {
	return m.indexed(m.byPerson, personID)
}

func (m *readModel) deptItems(dept string) []*deputybot.Item {
	return m.indexed(m.byDept, dept)
}

// indexed returns copies of the items idx lists under key.
func (m *readModel) indexed(idx map[string]map[string]bool, key string) []*deputybot.Item {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]*deputybot.Item, 0, len(idx[key]))
	for id := range idx[key] {
		out = append(out, m.items[id].Clone())
	}
	return out
}

// newestFirst orders items as /my lists them: newest first. Drafts (no
// number yet) come first, the latest drafted first; then the items by
// number, the highest first (numbers are given in the order of
// submission).
func newestFirst(items []*deputybot.Item) {
	slices.SortFunc(items, func(a, b *deputybot.Item) int {
		if (a.Seq == 0) != (b.Seq == 0) {
			if a.Seq == 0 {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.Year, a.Year), cmp.Compare(b.Seq, a.Seq), b.CreatedAt.Compare(a.CreatedAt),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(b.ID, a.ID))
	})
}

// oldestFirst orders items by creation: the order of every full listing,
// whichever way it was read.
func oldestFirst(items []*deputybot.Item) {
	slices.SortFunc(items, func(a, b *deputybot.Item) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

func (m *readModel) person(id string) *deputybot.Person {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.people[id].Clone()
}

func (m *readModel) personByTelegram(tg int64) *deputybot.Person {
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, ok := m.byTG[tg]
	if !ok {
		return nil
	}
	return m.people[id].Clone()
}

func (m *readModel) putPerson(p *deputybot.Person) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.people[p.ID] = p.Clone()
	m.gen++
}

func (m *readModel) deletePerson(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.people, id)
	m.gen++
}

func (m *readModel) unbind(tg int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.byTG, tg)
}

func (m *readModel) bind(tg int64, personID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byTG[tg] = personID
}

// peopleWhere returns copies of the people keep says to keep.
func (m *readModel) peopleWhere(keep func(*deputybot.Person) bool) []*deputybot.Person {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*deputybot.Person
	for _, p := range m.people {
		if keep(p) {
			out = append(out, p.Clone())
		}
	}
	return out
}

func (m *readModel) departments() []*deputybot.Department {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return copyDepartments(m.depts)
}

func (m *readModel) setDepartments(ds []*deputybot.Department) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.depts = copyDepartments(ds)
	m.gen++
}

func (m *readModel) generation() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.gen
}

// noticedItems returns the items whose documents hold notices.
func (m *readModel) noticedItems() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ids := make([]string, 0, len(m.noticed))
	for id := range m.noticed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// setNoticed records whether the item's document holds notices.
func (m *readModel) setNoticed(id string, has bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if has {
		m.noticed[id] = true
	} else {
		delete(m.noticed, id)
	}
}

func (m *readModel) department(id string) *deputybot.Department {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, d := range m.depts {
		if d.ID == id {
			return d.Clone()
		}
	}
	return nil
}

// itemBody is an item's id, version, title, category and body.
type itemBody struct {
	id, title, category, body string
	version                   int
}

// itemBodies are every item's body, with the version it is of.
func (m *readModel) itemBodies() []itemBody {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]itemBody, 0, len(m.items))
	for id, it := range m.items {
		out = append(out, itemBody{id: id, title: it.Title, category: it.Category, body: m.bodies[id], version: it.Version})
	}
	return out
}

// itemVersion is an item's id and version.
type itemVersion struct {
	id      string
	version int
}

// itemVersions are every item's id and version (nothing copied but
// them).
func (m *readModel) itemVersions() []itemVersion {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]itemVersion, 0, len(m.items))
	for id, it := range m.items {
		out = append(out, itemVersion{id, it.Version})
	}
	return out
}

// itemChange is an item changed at a generation.
type itemChange struct {
	gen uint64
	id  string
}

// maxChangeLog bounds the log of item changes; older changes are
// forgotten half at a time (a cache that far behind reads every item).
const maxChangeLog = 4096

func (m *readModel) logChangeLocked(id string) {
	if len(m.changed) >= maxChangeLog {
		half := len(m.changed) / 2
		m.logFrom = m.changed[half-1].gen
		m.changed = append(m.changed[:0], m.changed[half:]...)
	}
	m.changed = append(m.changed, itemChange{m.gen, id})
}

// changedSince are the items changed after generation gen, and the
// generation now; ok is false when the log no longer reaches back to gen.
func (m *readModel) changedSince(gen uint64) (ids []string, now uint64, ok bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if gen < m.logFrom || gen > m.gen {
		return nil, m.gen, false
	}
	seen := map[string]bool{}
	for i := len(m.changed) - 1; i >= 0 && m.changed[i].gen > gen; i-- {
		if id := m.changed[i].id; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, m.gen, true
}
