package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/telegramtest"
	"deputybot/storage"
)

// maintenance runs `deputybot args...` in this process on dataDir and
// returns its exit code and output.
func maintenance(t *testing.T, dataDir string, args ...string) (int, string) {
	t.Helper()
	var out, errs strings.Builder
	code := runIO(args, env("DATA_DIR", dataDir, "LOG_LEVEL", "error"), &out, &errs)
	return code, out.String() + errs.String()
}

// TestBackupWhileHandlingRestoresWhole: a backup taken while the service
// handles updates (an administrator adding departments one after
// another) restores to a store on which the service starts and every
// item reads back; restore never overwrites a running store, nor a
// stopped one without --force.
func TestBackupWhileHandlingRestoresWhole(t *testing.T) {
	dir := t.TempDir()
	registeredDeputies(t, dir, 5)
	seedItems(t, dir, 300)
	tg := telegramtest.New(t)
	p := startService(t, tg, dir)
	admin := tg.Chat(telegramtest.User{ID: 1001, FirstName: "Admin", LanguageCode: "en"})

	const depts = 30
	busy := make(chan error, 1)
	halfway := make(chan struct{})
	go func() {
		for i := range depts {
			if i == depts/3 {
				close(halfway)
			}
			admin.Send(fmt.Sprintf("/departments add Bureau %02d", i))
			want := fmt.Sprintf("Bureau %02d added", i)
			if err := waitText(tg, admin.ID, want); err != nil {
				busy <- err
				return
			}
		}
		busy <- nil
	}()
	<-halfway
	backup := filepath.Join(t.TempDir(), "backup.tar.gz")
	code, out := maintenance(t, dir, "backup", "-o", backup)
	if code != 0 || !strings.Contains(out, "backup written to "+backup) || !strings.Contains(out, fmt.Sprintf("schema %d,", storage.SchemaVersion)) {
		t.Fatalf("backup: %d %s", code, out)
	}
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
	// Not over the running store.
	if code, out := maintenance(t, dir, "restore", "--force", backup); code != 2 || !strings.Contains(out, "in use by deputybot process") {
		t.Fatalf("restore over a running store: %d %s", code, out)
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	p.wait(t)

	restored := t.TempDir()
	if code, out := maintenance(t, restored, "restore", backup); code != 0 || !strings.Contains(out, "verified") {
		t.Fatalf("restore: %d %s", code, out)
	}
	if code, out := maintenance(t, restored, "restore", backup); code != 2 || !strings.Contains(out, "holds a store already") {
		t.Fatalf("restore over a stopped store: %d %s", code, out)
	}
	if code, out := maintenance(t, restored, "restore", "--force", backup); code != 0 || !strings.Contains(out, "was moved to") {
		t.Fatalf("restore --force: %d %s", code, out)
	}

	// The service starts on it and answers. (The same bot: Telegram's
	// update ids go on from where they were; the backup knows the ones
	// it had handled.)
	p2 := startService(t, tg, restored)
	admin.Send("/departments")
	if err := waitText(tg, admin.ID, "Departments ("); err != nil {
		t.Fatal(err)
	}
	_ = p2.cmd.Process.Signal(os.Interrupt)
	p2.wait(t)

	// Every item reads back, whole; the departments are those added
	// before the snapshot, each complete.
	ctx, s := openData(t, restored)
	defer s.Close(ctx)
	items, err := s.ItemsWithStatus(ctx)
	if err != nil || len(items) != 300 {
		t.Fatalf("items: %d %v", len(items), err)
	}
	for _, it := range items {
		det, err := s.ItemDetails(ctx, it.ID)
		if err != nil || !strings.HasPrefix(det.Body, "text ") || it.Status != deputybot.StatusSubmitted {
			t.Fatalf("item %s: %+v %v", it.ID, det, err)
		}
	}
	ds, err := s.Departments(ctx)
	if err != nil || len(ds) < depts/3 || len(ds) > depts {
		t.Fatalf("departments in the backup: %d %v", len(ds), err)
	}
	for i, d := range ds {
		if d.Name != fmt.Sprintf("Bureau %02d", i) {
			t.Fatalf("department %d: %q", i, d.Name)
		}
	}
}

// TestCopyToMongoDBAndRunOnIt: copy moves everything into an empty
// database (another embedded store stands in for MongoDB), verifies the
// counts, and the service then runs on the copy as on MongoDB; copy
// refuses a database that is not empty and a store a service runs on.
func TestCopyToMongoDBAndRunOnIt(t *testing.T) {
	dir := t.TempDir()
	registeredDeputies(t, dir, 3)
	seedItems(t, dir, 50)
	ctx := context.Background()
	target, err := storage.StartEmbedded(ctx, t.TempDir(), "mongodb stand-in", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Stop)

	// Not while a service runs on the store.
	tg := telegramtest.New(t)
	p := startService(t, tg, dir)
	if code, out := maintenance(t, dir, "copy", "--to", target.URI(), "--database", "moved"); code != 2 || !strings.Contains(out, "in use by deputybot process") {
		t.Fatalf("copy of a running store: %d %s", code, out)
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	p.wait(t)

	code, out := maintenance(t, dir, "copy", "--to", target.URI(), "--database", "moved")
	if code != 0 || !strings.Contains(out, "counts verified") || !strings.Contains(out, "items") {
		t.Fatalf("copy: %d %s", code, out)
	}
	if code, out := maintenance(t, dir, "copy", "--to", target.URI(), "--database", "moved"); code != 2 || !strings.Contains(out, "is not empty") {
		t.Fatalf("copy into a database that is not empty: %d %s", code, out)
	}
	src, s := openData(t, dir)
	want, err := s.Counts(src)
	s.Close(src)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := storage.Open(ctx, storage.Options{URI: target.URI(), Database: "moved"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := moved.Counts(ctx)
	moved.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s: %d documents in the copy, %d in the store", name, got[name], n)
		}
	}

	// The service runs on the copy: the deputy who wrote the items
	// lists them.
	tg2 := telegramtest.New(t)
	p2 := startService(t, tg2, t.TempDir(), "MONGODB_URI="+target.URI(), "MONGODB_DATABASE=moved")
	deputy := tg2.Chat(telegramtest.User{ID: 200000, FirstName: "Deputy", LanguageCode: "en"})
	deputy.Send("/my")
	if err := waitText(tg2, deputy.ID, "Item 49 about something that matters"); err != nil {
		t.Fatal(err)
	}
	_ = p2.cmd.Process.Signal(os.Interrupt)
	if code := p2.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// waitText waits until chat got a message containing want.
func waitText(tg *telegramtest.Server, chat int64, want string) error {
	deadline := time.After(time.Minute)
	for {
		changed := tg.Changed()
		if sends(tg, chat, want) > 0 {
			return nil
		}
		select {
		case <-changed:
		case <-deadline:
			var got []string
			for _, m := range tg.Messages(chat) {
				got = append(got, m.Text)
			}
			return fmt.Errorf("chat %d: no message containing %q; got %q", chat, want, got)
		}
	}
}

// TestScheduledBackupsKeepTheNewest: with BACKUP_SCHEDULE the service
// writes backups while it runs and keeps BACKUP_KEEP of them, each one
// restorable.
func TestScheduledBackupsKeepTheNewest(t *testing.T) {
	dir, backups := t.TempDir(), t.TempDir()
	registeredDeputies(t, dir, 2)
	seedItems(t, dir, 20)
	tg := telegramtest.New(t)
	p := startService(t, tg, dir, "BACKUP_SCHEDULE=@every 1s", "BACKUP_KEEP=2", "BACKUP_DIR="+backups)
	deadline := time.Now().Add(time.Minute)
	for strings.Count(p.stderrString(), `msg="backup written"`) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 4 backups in a minute:\n%s", p.stderrString())
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	p.wait(t)
	files, err := filepath.Glob(filepath.Join(backups, "deputybot-*.tar.gz"))
	if err != nil || len(files) != 2 {
		t.Fatalf("kept %v %v", files, err)
	}
	for _, f := range files {
		if code, out := maintenance(t, t.TempDir(), "restore", f); code != 0 || !strings.Contains(out, "verified") {
			t.Fatalf("restore %s: %d %s", f, code, out)
		}
	}
}

// sharedCopy copies the data directory's record into a database server
// standing in for MongoDB and returns what a replica on it is given
// (MONGODB_URI, MONGODB_DATABASE): the server DEPUTYBOT_TEST_MONGODB_URI
// names (CI: FerretDB on PostgreSQL), in a database of its own;
// otherwise an embedded store reached by URI (every process on it runs as
// a replica).
func sharedCopy(t testing.TB, dir string) []string {
	t.Helper()
	uri := os.Getenv("DEPUTYBOT_TEST_MONGODB_URI")
	if uri == "" {
		db, err := storage.StartEmbedded(context.Background(), t.TempDir(), "mongodb stand-in", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Stop)
		uri = db.URI()
	}
	database := fmt.Sprintf("replicas_%d_%d", os.Getpid(), sharedCopies.Add(1))
	var out, errs strings.Builder
	if code := runIO([]string{"copy", "--to", uri, "--database", database}, env("DATA_DIR", dir, "LOG_LEVEL", "error"), &out, &errs); code != 0 {
		t.Fatalf("copy: %d %s%s", code, out.String(), errs.String())
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if s, err := storage.Open(ctx, storage.Options{URI: uri, Database: database}); err == nil {
			_ = s.Drop(ctx)
			_ = s.Close(ctx)
		}
	})
	return []string{"MONGODB_URI=" + uri, "MONGODB_DATABASE=" + database}
}

var sharedCopies atomic.Int64

// TestTwoReplicasHandleEachUpdateOnce: two service processes on one
// database (an embedded store stands in for MongoDB, reached by
// MONGODB_URI, so both run as replicas), both polling the same bot (the
// fake Telegram hands an update to whichever asks, often to both: a
// duplicate delivery). Each update is claimed by inserting its id, which
// is atomic on both stores: every user gets exactly one answer, and the
// scheduler's catch-up slot runs in one process only.
func TestTwoReplicasHandleEachUpdateOnce(t *testing.T) {
	dir := t.TempDir()
	registeredDeputies(t, dir, 40)
	shared := sharedCopy(t, dir)
	tg := telegramtest.New(t)
	a := startService(t, tg, t.TempDir(), shared...)
	b := startService(t, tg, t.TempDir(), shared...)
	tg.WaitFor("both replicas to poll", func() bool { return tg.Polling() == 2 })
	var chats []*telegramtest.Chat
	for i := range 40 {
		c := tg.Chat(telegramtest.User{ID: int64(200000 + i), FirstName: "Deputy", LanguageCode: "en"})
		c.Send("/help")
		chats = append(chats, c)
	}
	for _, c := range chats {
		if err := waitText(tg, c.ID, "/new"); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range chats {
		if n := len(tg.Messages(c.ID)); n != 1 {
			t.Errorf("chat %d got %d answers to one /help", c.ID, n)
		}
	}
	for _, p := range []*process{a, b} {
		_ = p.cmd.Process.Signal(os.Interrupt)
		p.wait(t)
	}
	handled := func(p *process) int { return strings.Count(p.stderrString(), `msg="update handled"`) }
	ha, hb := handled(a), handled(b)
	if ha+hb != 40 {
		t.Errorf("updates handled: %d by one replica, %d by the other, want 40 in all", ha, hb)
	}
	// The duplicates were delivered, and dropped by the replica that
	// found the update claimed.
	dropped := strings.Count(a.stderrString(), `msg="redelivered update ignored"`) + strings.Count(b.stderrString(), `msg="redelivered update ignored"`)
	if dropped == 0 {
		t.Error("no update reached both replicas: the test shows nothing")
	}
	t.Logf("handled %d and %d; %d deliveries dropped as claimed", ha, hb, dropped)
	runs := strings.Count(a.stderrString(), `msg="running scheduled job" job=reminders`) + strings.Count(b.stderrString(), `msg="running scheduled job" job=reminders`)
	if runs != 1 {
		t.Errorf("the reminders slot ran %d times", runs)
	}
}

// TestHealthFailsWhenTheStoreDoesNotAnswer: the database going away
// turns /healthz unhealthy, naming the store.
func TestHealthFailsWhenTheStoreDoesNotAnswer(t *testing.T) {
	db, err := storage.StartEmbedded(context.Background(), t.TempDir(), "mongodb stand-in", nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	tg := telegramtest.New(t)
	startService(t, tg, t.TempDir(), "MONGODB_URI="+db.URI(), "HTTP_ADDR="+addr)
	var out, errs strings.Builder
	if code := runIO([]string{"health"}, env("HTTP_ADDR", addr), &out, &errs); code != 0 {
		t.Fatalf("health: %d %s %s", code, out.String(), errs.String())
	}
	db.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out.Reset()
		errs.Reset()
		code := runIO([]string{"health"}, env("HTTP_ADDR", addr), &out, &errs)
		if code == 1 && strings.HasPrefix(out.String(), "unhealthy\n") && strings.Contains(out.String(), "store: does not answer") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health with the store gone: %d %q %q", code, out.String(), errs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDeadReplicasUpdateTakenOverWithinAMinute: a replica on a shared
// database dies (killed) as it begins to handle a deputy's /help; another
// replica takes the update over once the dead one's claim is no longer
// renewed, and answers — within a minute of the death, not the quarter of
// an hour a fixed lease took.
func TestDeadReplicasUpdateTakenOverWithinAMinute(t *testing.T) {
	dir := t.TempDir()
	registeredDeputies(t, dir, 1)
	shared := sharedCopy(t, dir)
	tg := telegramtest.New(t)
	tg.WaitTimeout = 90 * time.Second
	a := startService(t, tg, t.TempDir(), append(shared, "DEPUTYBOT_CRASH_AT=handling:/help")...)
	deputy := tg.Chat(telegramtest.User{ID: 200000, FirstName: "Deputy", LanguageCode: "en"})
	deputy.Send("/help")
	if code := a.wait(t); code != -1 {
		t.Fatalf("the first replica did not die at the update (exit %d)", code)
	}
	died := time.Now()
	startService(t, tg, t.TempDir(), shared...)
	if err := waitText(tg, deputy.ID, "/new"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(died); took > 65*time.Second {
		t.Fatalf("the update was taken over %v after its replica died", took)
	} else {
		t.Logf("taken over and answered %v after its replica died", took)
	}
	if n := len(tg.Messages(deputy.ID)); n != 1 {
		t.Fatalf("%d answers", n)
	}
}
