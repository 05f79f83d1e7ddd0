package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"deputybot"
	"deputybot/internal/crash"
)

// The office's records besides people: the roster, the holiday calendar;
// and the deputies' drafts.

// rosterBatch is how many rows are claimed and stored at once.
const rosterBatch = 500

// ImportRoster invites the people of roster rows (the office:
// PermManagePeople; "import" from the command line is nil by). Each row
// is checked by itself (a row with a problem is refused with its error,
// the others go ahead); departments that do not exist are added; a row
// imported before — same name, role, department and phone — is skipped,
// even by two imports at once. Asked again by the same update, rows it
// imported are answered as the first time, with the same links.
func (s *Service) ImportRoster(ctx context.Context, by *deputybot.Person, cause int64, rows []deputybot.RosterRow, now time.Time) ([]deputybot.RosterResult, error) {
	createdBy := "import"
	if by != nil {
		if !by.Can(deputybot.PermManagePeople) {
			return nil, deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
		}
		createdBy = by.ID
	}
	depts, err := s.store.Departments(ctx)
	if err != nil {
		return nil, err
	}
	byKey := map[string]string{}
	for _, d := range depts {
		byKey[d.Key] = d.ID
	}
	results := make([]deputybot.RosterResult, len(rows))
	for from := 0; from < len(rows); from += rosterBatch {
		to := min(len(rows), from+rosterBatch)
		if err := s.importBatch(ctx, rows[from:to], results[from:to], byKey, createdBy, cause, now); err != nil {
			return nil, err
		}
	}
	return results, nil
}

func (s *Service) importBatch(ctx context.Context, rows []deputybot.RosterRow, results []deputybot.RosterResult, byKey map[string]string,
	createdBy string, cause int64, now time.Time) error {
	reqs := make([]deputybot.InviteRequest, len(rows))
	keys := make([]string, len(rows))
	var claim []string
	for i, row := range rows {
		results[i].Row = row
		req, key, err := row.Check()
		if err == nil {
			req.DepartmentID, err = s.rosterDepartment(ctx, row.Department, byKey, now)
		}
		if err != nil {
			results[i].Err = err
			continue
		}
		reqs[i], keys[i] = req, key
		claim = append(claim, key)
	}
	earlier, err := s.store.ClaimRows(ctx, claim, cause, now)
	if err != nil {
		return err
	}
	var people []*deputybot.Person
	var invs []deputybot.Invitation
	for i := range rows {
		if results[i].Err != nil {
			continue
		}
		by, seen := earlier[keys[i]]
		if seen && (cause == 0 || by != cause) {
			results[i].Skipped = true
			continue
		}
		// The person and the link are made from the row: the same when
		// this update is handled again.
		p := reqs[i].Invited("p-"+strings.TrimPrefix(keys[i], "roster:"), now)
		token, err := s.token(ctx, keys[i])
		if err != nil {
			return err
		}
		if seen {
			if done, err := s.store.Person(ctx, p.ID); err == nil {
				p = done
			}
		} else {
			people = append(people, p)
			inv := deputybot.NewInvitation(token, p.ID, reqs[i].Role, createdBy, now)
			inv.Imported = true
			invs = append(invs, inv)
		}
		results[i].Person, results[i].Token = p, token
	}
	if err := s.store.InsertPeople(ctx, people); err != nil {
		return err
	}
	return s.store.InsertInvitations(ctx, invs)
}

// rosterDepartment is the id of the department a row names ("" for
// none), added if it does not exist.
func (s *Service) rosterDepartment(ctx context.Context, name string, byKey map[string]string, now time.Time) (string, error) {
	key := deputybot.DepartmentKey(name)
	if key == "" {
		return "", nil
	}
	if id, ok := byKey[key]; ok {
		return id, nil
	}
	d, err := deputybot.NewDepartment("d-"+newID(), name, now)
	if err != nil {
		return "", err
	}
	if err := s.store.InsertDepartment(ctx, d); err != nil {
		if deputybot.ErrorCode(err) != deputybot.ECONFLICT {
			return "", err
		}
		// Added meanwhile (another import): that one.
		all, err := s.store.Departments(ctx)
		if err != nil {
			return "", err
		}
		for _, x := range all {
			if x.Key == key {
				d = x
			}
		}
	}
	byKey[key] = d.ID
	return d.ID, nil
}

// LoadCalendar replaces the holiday calendar with the one a text gives
// (the office: PermCalendar): a text with any problem is refused whole
// (EINVALID), and its problems are returned, each naming its line.
// Loading the same text again changes nothing.
func (s *Service) LoadCalendar(ctx context.Context, by *deputybot.Person, text string, now time.Time) (*deputybot.Calendar, []deputybot.CalendarProblem, error) {
	if !by.Can(deputybot.PermCalendar) {
		return nil, nil, deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
	}
	cal, problems := deputybot.ParseCalendar(text, deputybot.Env{Rules: s.rules, Now: now}.Year())
	if len(problems) > 0 {
		return nil, problems, deputybot.Errorf(deputybot.EINVALID, "err.calendar_problems", "Count", len(problems))
	}
	if err := s.store.SaveCalendar(ctx, cal, by.ID, now); err != nil {
		return nil, nil, err
	}
	crash.Point("calendar-written")
	return cal, nil, nil
}

// SaveDraft creates a draft of author's (in.ItemID empty) or edits one
// (his own, still a draft): the input is checked (EINVALID), and the
// co-sponsors must be active deputies. A new draft saved again under the
// same in.NewID (a dialogue's step handled again) is edited, not made
// twice.
func (s *Service) SaveDraft(ctx context.Context, author *deputybot.Person, cause int64, in deputybot.DraftInput, now time.Time) (*deputybot.Item, error) {
	if err := in.Validate(s.rules); err != nil {
		return nil, err
	}
	for _, id := range in.CoSponsors {
		if id == author.ID {
			continue
		}
		p, err := s.store.Person(ctx, id)
		if err != nil || p.State != deputybot.PersonActive || !p.HasRole(deputybot.RoleDeputy) {
			return nil, deputybot.Errorf(deputybot.EINVALID, "err.cosponsor_unknown")
		}
	}
	if in.ItemID == "" && in.NewID != "" {
		if _, err := s.store.Item(ctx, in.NewID); err == nil {
			in.ItemID = in.NewID // saved before: this draft is edited
		} else if deputybot.ErrorCode(err) != deputybot.ENOTFOUND {
			return nil, err
		}
	}
	if in.ItemID != "" {
		return s.Act(ctx, author, cause, in.ItemID, now, func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.EditDraft(it, det, author, in, e.Now))
		})
	}
	mine, _, err := s.store.PersonItems(ctx, author.ID, 0, 0)
	if err != nil {
		return nil, err
	}
	if err := deputybot.CheckDrafts(mine, author); err != nil {
		return nil, err
	}
	id := in.NewID
	if id == "" {
		id = newID()
	}
	it, det := deputybot.NewDraft(author, in, id, s.shareToken(), now)
	if err := s.store.InsertItem(ctx, it, det); err != nil {
		return nil, err
	}
	return it, nil
}

// shareToken is the token of a new item's co-sponsor link: 22
// characters of [A-Za-z0-9_-].
func (s *Service) shareToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DeleteDraft deletes a draft of author's.
func (s *Service) DeleteDraft(ctx context.Context, author *deputybot.Person, id string) error {
	return s.store.DeleteItem(ctx, id, func(it *deputybot.Item) error { return deputybot.Check(author, it, deputybot.ActDeleteDraft) })
}
