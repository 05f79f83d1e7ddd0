package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"deputybot"
	"deputybot/internal/telegramtest"
	"deputybot/storage"
)

// openStore opens the store in dir, as a process that stopped left it,
// to put a record in before a test starts the service.
func openStore(t *testing.T, dir string) (*storage.Store, context.Context) {
	t.Helper()
	ctx := context.Background()
	s, err := storage.Open(ctx, storage.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return s, ctx
}

// assignedItem puts in a new store an item assigned to 区住建局, its
// author (Telegram 2001) and the department's contact (Telegram 3001).
func assignedItem(t *testing.T, dir string) {
	t.Helper()
	s, ctx := openStore(t, dir)
	defer s.Close(ctx)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().Add(-48 * time.Hour)
	if err := s.BulkInsertDepartments(ctx, []*deputybot.Department{{ID: "d1", Name: "Housing Bureau", CreatedAt: now}}); err != nil {
		t.Fatal(err)
	}
	if err := s.BulkInsertPeople(ctx, []*deputybot.Person{
		{ID: "p1", Name: "Zhang San", Roles: []deputybot.Role{deputybot.RoleDeputy}, TelegramID: 2001, Language: deputybot.LangEN,
			State: deputybot.PersonActive, CreatedAt: now},
		{ID: "p2", Name: "Li Si", Roles: []deputybot.Role{deputybot.RoleContact}, DepartmentID: "d1", TelegramID: 3001,
			Language: deputybot.LangEN, State: deputybot.PersonActive, CreatedAt: now},
	}); err != nil {
		t.Fatal(err)
	}
	it := &deputybot.Item{ID: "i1", Kind: deputybot.KindSuggestion, Year: now.Year(), Seq: 1, Title: "Lift", Category: "other",
		AuthorID: "p1", Status: deputybot.StatusAssigned, LeadDept: "d1", AssignedAt: now, SubmittedAt: now, Round: 1,
		Deadline: deputybot.EndOfDay(deputybot.DateOf(now.AddDate(0, 3, 0), loc), loc), Version: 1}
	if err := s.BulkInsertItems(ctx, []*deputybot.Item{it}, []*deputybot.ItemDetails{{Body: "Old blocks need lifts."}}); err != nil {
		t.Fatal(err)
	}
}

// TestKilledAtEachWriteOfAChange: the service is killed (SIGKILL) at each
// write of an item change and at the move of its notices to the outbox.
// After the restart the change is there exactly once, its notice to the
// deputy is sent exactly once, and the contact gets his answer once.
//
// The deputy's messages are held at Telegram over the kill: a message
// that reached Telegram in the instant before a crash, before its sending
// was recorded, is sent again after the restart (Telegram takes no key
// that would let it drop the copy); that is the sender's at-least-once,
// not the record's, and TestKillDuringABurstLosesNothing bounds it.
func TestKilledAtEachWriteOfAChange(t *testing.T) {
	for _, point := range []string{"item-written", "notices-queued", "notices-removed"} {
		t.Run(point, func(t *testing.T) {
			tg := telegramtest.New(t)
			dir := t.TempDir()
			assignedItem(t, dir)
			p := startService(t, tg, dir, "DEPUTYBOT_CRASH_AT="+point)
			contact := tg.Chat(telegramtest.User{ID: 3001, FirstName: "Li", LanguageCode: "en"})
			year := time.Now().Year()
			contact.Send(fmt.Sprintf("/view %d-001", year))
			cd := contact.Next("Lift")
			contact.PressButton(cd, "Log contact")
			q := contact.Next("When did you talk")
			contact.PressButton(q, "Today")
			q = contact.Next("When in the handling")
			contact.PressButton(q, "Before the work")
			q = contact.Next("How did you contact the deputy?")
			contact.PressButton(q, "Face to face")
			q = contact.Next("short note")
			release := tg.HoldWhen(func(c *telegramtest.Call) bool { return c.Method == "sendMessage" && c.ChatID() == 2001 })
			contact.PressButton(q, "Skip")
			if code := p.wait(t); code != -1 || !p.cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
				t.Fatalf("the service was not killed at %s (exit %d)", point, code)
			}
			// A send held over the kill must be dropped by the server (its
			// client is gone) before the hold ends, or it would complete
			// for a dead process; so must one still on its way when the
			// process died (its connection closes once it is handled).
			tg.WaitFor("the held notice to be abandoned", func() bool { return tg.Holding("sendMessage") == 0 && tg.Connections() == 0 })
			release()
			p = startService(t, tg, dir)
			tg.WaitFor("the answer after the restart", func() bool { return sends(tg, 3001, "Contact logged") >= 1 })
			tg.WaitFor("the deputy's notice", func() bool { return sends(tg, 2001, "contact you about") >= 1 })
			// Anything else still on its way would come now.
			contact.Unread()
			contact.Send("/help")
			contact.Next("/pending")
			if n := sends(tg, 3001, "Contact logged"); n != 1 {
				t.Errorf("the contact got the answer %d times", n)
			}
			if n := sends(tg, 2001, "contact you about"); n != 1 {
				t.Errorf("the deputy was asked %d times to confirm", n)
			}
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			p.wait(t)
			s, err := storage.Open(context.Background(), storage.Options{DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(context.Background())
			it, _ := s.Item(context.Background(), "i1")
			det, _ := s.ItemDetails(context.Background(), "i1")
			logged := 0
			for _, ev := range det.Timeline {
				if ev.Type == deputybot.EvContactLogged {
					logged++
				}
			}
			waiting, err := s.FlushNotices(context.Background(), func(context.Context, *deputybot.Item, *deputybot.ItemDetails, []deputybot.PendingNotice) {})
			if len(it.Contacts) != 1 || logged != 1 || it.Status != deputybot.StatusInProgress || waiting != 0 || err != nil {
				t.Fatalf("after the restart: %d contacts, %d logged events, status %s, %d notices waiting (%v)",
					len(it.Contacts), logged, it.Status, waiting, err)
			}
			if strings.Contains(p.stderrString(), "panic") {
				t.Fatal("the service panicked")
			}
		})
	}
}

// TestKilledBetweenAButtonAndItsQuestion: the service is killed after it
// stored the step a button press led to, before it asked that step's
// question. The press is handled again after the restart (as another
// replica would take it over): the question comes, once, and the
// dialogue goes on to the end (before, the press was taken for a stale
// button and the deputy was left without a question).
func TestKilledBetweenAButtonAndItsQuestion(t *testing.T) {
	tg := telegramtest.New(t)
	dir := t.TempDir()
	assignedItem(t, dir)
	p := startService(t, tg, dir, "DEPUTYBOT_CRASH_AT=conversation-at:att")
	deputy := tg.Chat(telegramtest.User{ID: 2001, FirstName: "Zhang", LanguageCode: "en"})
	deputy.Send("/new")
	deputy.PressButton(deputy.Next("What do you want to file"), "Suggestion")
	deputy.Next("Title of")
	deputy.Send("Bus stop shelter")
	deputy.Next("Text of")
	deputy.Send("The stop on Hill Road has no shelter from the rain.")
	deputy.PressButton(deputy.Next("Choose a category"), "Transport")
	if code := p.wait(t); code != -1 {
		t.Fatalf("the service was not killed at the step (exit %d)", code)
	}
	startService(t, tg, dir)
	q := deputy.Next("Send documents")
	deputy.PressButton(q, "Done")
	deputy.PressButton(deputy.Next("co-sponsor"), "Done")
	deputy.PressButton(deputy.Next("Bus stop shelter"), "Submit")
	deputy.Next("Submitted: Suggestion")
	if n := sends(tg, 2001, "Send documents"); n != 1 {
		t.Fatalf("the question was asked %d times", n)
	}
}

// TestKilledAfterAnOfficeChange: the service is killed right after it
// stored what the office's /invite, /departments add or /holidays asked
// for, before it answered. After the restart the update is handled again:
// one person, one department, one calendar, and one answer — the answer
// the first handling would have given ("added", not "already exists").
func TestKilledAfterAnOfficeChange(t *testing.T) {
	for _, tc := range []struct {
		point, command, answer string
		check                  func(t *testing.T, s *storage.Store)
	}{
		{"person-written", "/invite deputy Zhang San", "Invitation link for Zhang San", func(t *testing.T, s *storage.Store) {
			ps, total, err := s.People(context.Background(), deputybot.PeopleFilter{Role: deputybot.RoleDeputy})
			if err != nil || total != 1 || ps[0].Name != "Zhang San" {
				t.Fatalf("%d deputies (%v)", total, err)
			}
			invs, err := s.PersonInvitations(context.Background(), ps[0].ID)
			if err != nil || len(invs) != 1 {
				t.Fatalf("%d invitations (%v)", len(invs), err)
			}
		}},
		{"department-written", "/departments add Water Bureau", "Department Water Bureau added", func(t *testing.T, s *storage.Store) {
			ds, err := s.Departments(context.Background())
			if err != nil || len(ds) != 1 || ds[0].Name != "Water Bureau" {
				t.Fatalf("departments %v (%v)", ds, err)
			}
		}},
		{"calendar-written", "/holidays", "Holiday calendar loaded (7 days)", func(t *testing.T, s *storage.Store) {
			cal, err := s.Calendar(context.Background())
			if err != nil || len(cal.Days) != 7 {
				t.Fatalf("calendar %v (%v)", cal, err)
			}
		}},
	} {
		t.Run(tc.point, func(t *testing.T) {
			tg := telegramtest.New(t)
			dir := t.TempDir()
			p := startService(t, tg, dir, "DEPUTYBOT_CRASH_AT="+tc.point)
			admin := tg.Chat(telegramtest.User{ID: 1001, FirstName: "Admin", LanguageCode: "en"})
			if tc.point == "calendar-written" {
				admin.Send("/holidays")
				admin.Next("To replace it")
				admin.Send("2026-10-01..2026-10-07 holiday National Day")
			} else {
				admin.Send(tc.command)
			}
			if code := p.wait(t); code != -1 || !p.cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
				t.Fatalf("the service was not killed at %s (exit %d)", tc.point, code)
			}
			p = startService(t, tg, dir)
			tg.WaitFor("the answer after the restart", func() bool { return sends(tg, 1001, tc.answer) >= 1 })
			admin.Unread()
			admin.Send("/help")
			admin.Next("/invite")
			if n := sends(tg, 1001, tc.answer); n != 1 {
				t.Errorf("answered %d times", n)
			}
			if n := sends(tg, 1001, "already"); n != 0 {
				t.Errorf("answered %d times that it was done already", n)
			}
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			p.wait(t)
			s, err := storage.Open(context.Background(), storage.Options{DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(context.Background())
			tc.check(t, s)
		})
	}
}

// TestPoisonUpdateIsSetAside: an update whose handling takes the service
// down every time (here a crash at its start, as a file that exhausts
// memory would) is handled again at most storage.MaxUpdateRetries times
// after the first crash, then set aside: its sender is told, the
// operator sees an error line and a metric, nothing of it is stored, and
// the service answers everyone again — rather than a restart loop.
func TestPoisonUpdateIsSetAside(t *testing.T) {
	tg := telegramtest.New(t)
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	poison := []string{"DEPUTYBOT_CRASH_AT=handling:/departments add Poison Bureau", "HTTP_ADDR=" + addr}
	p := startService(t, tg, dir, poison...)
	admin := tg.Chat(telegramtest.User{ID: 1001, FirstName: "Admin", LanguageCode: "en"})
	admin.Send("/departments add Poison Bureau")
	killed := func(p *process, when string) {
		t.Helper()
		if code := p.wait(t); code != -1 || !p.cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
			t.Fatalf("%s: the service was not killed (exit %d)", when, code)
		}
	}
	killed(p, "first handling")
	for i := 1; i <= storage.MaxUpdateRetries; i++ {
		killed(launch(t, tg, dir, poison...), fmt.Sprintf("retry %d", i))
	}
	p = startService(t, tg, dir, poison...)
	admin.Next("could not be handled")
	admin.Send("/departments add Water Bureau")
	admin.Next("Department Water Bureau added")
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "deputybot_updates_set_aside_total 1\n") {
		t.Errorf("metrics: %s", body)
	}
	if log := p.stderrString(); !strings.Contains(log, "update set aside") || !strings.Contains(log, "level=ERROR") {
		t.Errorf("no error line for the operator:\n%s", log)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
	// A restart now hands nothing back: the set-aside update is kept for
	// the operator, out of every replay.
	p = startService(t, tg, dir, poison...)
	admin.Send("/departments")
	admin.Next("Water Bureau")
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t)
	if n := sends(tg, 1001, "could not be handled"); n != 1 {
		t.Errorf("told %d times", n)
	}
	s, ctx := openStore(t, dir)
	defer s.Close(ctx)
	ds, err := s.Departments(ctx)
	if err != nil || len(ds) != 1 || ds[0].Name != "Water Bureau" {
		t.Fatalf("departments %v (%v)", ds, err)
	}
	aside, err := s.SetAsideUpdates(ctx)
	if err != nil || len(aside) != 1 || aside[0].Attempts != storage.MaxUpdateRetries+1 {
		t.Fatalf("set aside %+v (%v)", aside, err)
	}
}
