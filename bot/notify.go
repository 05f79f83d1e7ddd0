package bot

import (
	"context"

	"deputybot"
)

// recipient is someone a notification goes to.
type recipient struct {
	PersonID string
	ChatID   int64
	Lang     deputybot.Language
}

func recipientOf(p *deputybot.Person) (recipient, bool) {
	if p == nil || p.State != deputybot.PersonActive || p.TelegramID == 0 {
		return recipient{}, false
	}
	return recipient{PersonID: p.ID, ChatID: p.TelegramID, Lang: p.Language}, true
}

// except returns a view of the bot whose notifications skip p (the
// person who acted).
func (b *Bot) except(p *deputybot.Person) *Bot {
	c := *b
	if p != nil {
		c.skipChat = p.TelegramID
	}
	return &c
}

// notify puts a message, rendered in each recipient's language, in the
// outbox for the people given (each once).
func (b *Bot) notify(ctx context.Context, to []recipient, render func(lang deputybot.Language) (string, keyboard)) {
	seen := map[int64]bool{}
	var msgs []deputybot.OutboxMessage
	for _, r := range to {
		if r.ChatID == 0 || seen[r.ChatID] || (b.skipChat != 0 && r.ChatID == b.skipChat) {
			continue
		}
		seen[r.ChatID] = true
		text, kb := render(r.Lang)
		msgs = append(msgs, outboxMessages("", "notification", r.PersonID, r.ChatID, text, kb)...)
	}
	if len(msgs) == 0 {
		return
	}
	b.post(ctx, msgs)
}

// notifyPeople notifies persons by id.
func (b *Bot) notifyPeople(ctx context.Context, ids []string, render func(lang deputybot.Language) (string, keyboard)) {
	var to []recipient
	for _, id := range ids {
		p, err := b.store.Person(ctx, id)
		if err != nil {
			continue
		}
		if r, ok := recipientOf(p); ok {
			to = append(to, r)
		}
	}
	b.notify(ctx, to, render)
}

// officeRecipients are the office's people and the bootstrap admins
// (reachable in their private chats even before they first wrote).
func (b *Bot) officeRecipients(ctx context.Context) []recipient {
	var to []recipient
	people, err := b.store.PeopleWithRole(ctx, deputybot.RoleOffice)
	if err != nil {
		b.log.Error("list office", "err", err)
	}
	for _, p := range people {
		if r, ok := recipientOf(p); ok {
			to = append(to, r)
		}
	}
	for _, id := range b.opts.AdminIDs {
		lang := deputybot.DefaultLanguage
		if p, err := b.store.PersonByTelegramID(ctx, id); err == nil {
			lang = p.Language
		}
		to = append(to, recipient{ChatID: id, Lang: lang})
	}
	return to
}
