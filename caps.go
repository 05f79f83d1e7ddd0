package deputybot

// Caps on repeated actions: what one person may do again and again is
// bounded, so that a flood — by mistake or by malice — is refused with a
// clear message instead of filling the record or someone else's chat.
const (
	// MaxDrafts is how many unsubmitted drafts a deputy may hold at once.
	MaxDrafts = 10
	// MaxInvitesPerMinute is how many invitation links one person may
	// make (/invite, a renewed link) in a minute; a roster (/import) is
	// one action, bounded by its rows.
	MaxInvitesPerMinute = 20
	// MaxContactLogsPerDay is how many contacts one department may log on
	// one item in a day: each asks the deputy to confirm it.
	MaxContactLogsPerDay = 3
)

// CheckDrafts is the cap on a deputy's drafts, before a new one; mine are
// his items (PersonItems). /new asks it at once, the service again.
func CheckDrafts(mine []*Item, author *Person) error {
	drafts := 0
	for _, it := range mine {
		if it.AuthorID == author.ID && it.Status == StatusDraft {
			drafts++
		}
	}
	if drafts >= MaxDrafts {
		return Errorf(EINVALID, "err.too_many_drafts", "Max", MaxDrafts)
	}
	return nil
}

// CheckContactLogsToday is the cap on the contacts p's department logs
// on it today: the dialogue asks it before its first step, LogContact
// again.
func CheckContactLogsToday(it *Item, p *Person, e Env) error {
	today, n := e.today(), 0
	for _, c := range it.Contacts {
		if c.Dept == p.DepartmentID && DateOf(c.LoggedAt, e.loc()) == today {
			n++
		}
	}
	if n >= MaxContactLogsPerDay {
		return Errorf(EINVALID, "err.contact_logs_today", "Max", MaxContactLogsPerDay)
	}
	return nil
}

// CheckInvitesMade is the cap on invitation links, before one more: made
// is how many the person made in the last minute.
func CheckInvitesMade(made int) error {
	if made >= MaxInvitesPerMinute {
		return Errorf(EINVALID, "err.invites_per_minute", "Max", MaxInvitesPerMinute)
	}
	return nil
}
