package service_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/storetest"
	"deputybot/service"
	"deputybot/storage"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// outbox records what the service queues.
type outbox struct {
	mu   sync.Mutex
	msgs []deputybot.OutboxMessage
}

func (o *outbox) Enqueue(_ context.Context, msgs []deputybot.OutboxMessage) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, msgs...)
	return len(msgs), nil
}

func (o *outbox) Now() time.Time { return time.Now() }

// told lists "chat:what" of the messages queued, sorted.
func (o *outbox) told() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, m := range o.msgs {
		out = append(out, m.Text)
	}
	slices.Sort(out)
	return out
}

// renderer writes a notice as its recipient's chat and what it says.
type renderer struct{}

func (renderer) Notice(_ context.Context, to service.Recipient, n deputybot.Notice, _ service.Change) (string, string, deputybot.Batch) {
	return strings.Join([]string{to.PersonID, n.What}, ":"), "", deputybot.Batch{}
}
func (renderer) Reminder(_ context.Context, to service.Recipient, r deputybot.Reminder, _ *deputybot.Item, _ deputybot.Env) (string, string, deputybot.Batch) {
	return to.PersonID + ":" + r.Kind, "", deputybot.Batch{}
}
func (renderer) SupervisorDigest(context.Context, deputybot.Language, deputybot.Snapshot) (string, *deputybot.OutboxMessage) {
	return "", nil
}

func (renderer) LeaderDigest(context.Context, deputybot.Language, deputybot.Snapshot) string {
	return ""
}
func (renderer) DepartmentDigest(context.Context, deputybot.Language, []service.Work, deputybot.Env) string {
	return ""
}
func (renderer) NameChanged(_ context.Context, to service.Recipient, p *deputybot.Person, old string) (string, deputybot.Batch) {
	return to.PersonID + ":" + old + "→" + p.Name, deputybot.Batch{}
}

func person(id string, tg int64, dept string, roles ...deputybot.Role) *deputybot.Person {
	return &deputybot.Person{ID: id, Name: id, Roles: roles, DepartmentID: dept, TelegramID: tg,
		Language: deputybot.LangZH, State: deputybot.PersonActive}
}

// TestNoticesReachTheirAudiencesButNotTheActor: the audiences of a change
// are resolved to people — the author, a department's contacts, the
// office with the bootstrap admins, the leader — and whoever acted is
// not told of his own action.
func TestNoticesReachTheirAudiencesButNotTheActor(t *testing.T) {
	ctx := context.Background()
	store := storetest.Open(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, shanghai)
	if err := store.BulkInsertDepartments(ctx, []*deputybot.Department{{ID: "dLead", Name: "A"}, {ID: "dCo", Name: "B"}}); err != nil {
		t.Fatal(err)
	}
	// The office clerk is also the leader he puts in charge.
	clerk := person("clerk", 10, "", deputybot.RoleOffice, deputybot.RoleLeader)
	people := []*deputybot.Person{
		person("author", 1, "", deputybot.RoleDeputy),
		person("lead1", 2, "dLead", deputybot.RoleContact), person("lead2", 3, "dLead", deputybot.RoleContact),
		person("co1", 4, "dCo", deputybot.RoleContact),
		person("office2", 11, "", deputybot.RoleOffice),
		clerk,
	}
	if err := store.BulkInsertPeople(ctx, people); err != nil {
		t.Fatal(err)
	}
	rules := deputybot.DefaultRules(shanghai)
	out := &outbox{}
	svc := service.New(store, out, renderer{}, service.Options{Rules: &rules, Clock: func() time.Time { return now }, AdminIDs: []int64{99}})
	draft, err := svc.SaveDraft(ctx, people[0], 0, deputybot.DraftInput{Kind: deputybot.KindSuggestion, Title: "t", Body: "b", Category: "other"}, now)
	if err != nil {
		t.Fatal(err)
	}
	act := func(who *deputybot.Person, cause int64, a service.Action) *deputybot.Item {
		t.Helper()
		it, err := svc.Act(ctx, who, cause, draft.ID, now, a)
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	act(people[0], 1, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		ev, _, err := deputybot.Submit(it, people[0], e.Rules, e.Now)
		return []deputybot.Event{ev}, err
	})
	// The office is told of the new item: the office's people and the
	// bootstrap admin (by his chat alone), not the author who filed it.
	want := []string{":new_item", "clerk:new_item", "office2:new_item"}
	if got := out.told(); !slices.Equal(got, want) {
		t.Fatalf("submitted: told %v, want %v", got, want)
	}
	out.msgs = nil
	act(clerk, 2, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		ev, err := deputybot.Assign(it, clerk, deputybot.AssignInput{Lead: "dLead", CoDepts: []string{"dCo"}, Leader: "clerk"}, e)
		return []deputybot.Event{ev}, err
	})
	// The clerk, the actor, is not told that the item he leads changed
	// status; everyone else concerned is.
	want = []string{"author:assigned_deputy", "co1:assigned_co", "lead1:assigned_lead", "lead2:assigned_lead"}
	if got := out.told(); !slices.Equal(got, want) {
		t.Fatalf("assigned: told %v, want %v", got, want)
	}
	for _, m := range out.msgs {
		if !strings.HasPrefix(m.ID, "n:"+draft.ID+":3:") {
			t.Fatalf("a notice without its fixed id (item, version, index, recipient): %q", m.ID)
		}
	}
	// The same update again (handled again after a crash): nothing more.
	out.msgs = nil
	act(clerk, 2, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		t.Fatal("a change applied twice")
		return nil, nil
	})
	if len(out.told()) != 0 {
		t.Fatalf("told again: %v", out.told())
	}
	// Queued, the notices leave the item.
	var s *storage.Store = store
	if n, err := s.FlushNotices(ctx, func(context.Context, *deputybot.Item, *deputybot.ItemDetails, []deputybot.PendingNotice) {}); err != nil || n != 0 {
		t.Fatalf("%d notices still stored after they were queued (%v)", n, err)
	}
}
