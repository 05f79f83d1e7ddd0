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

// notices collects the messages one change causes, for the people it
// concerns, each in his language. The person who acted is not told of his
// own action: he has the bot's answer.
type notices struct {
	b     *Bot
	ctx   context.Context
	actor int64 // the actor's chat
	msgs  []deputybot.OutboxMessage
}

func (b *Bot) notices(ctx context.Context, actor *deputybot.Person) *notices {
	n := &notices{b: b, ctx: ctx}
	if actor != nil {
		n.actor = actor.TelegramID
	}
	return n
}

// to adds a message, rendered in each recipient's language, for the
// recipients given (each once).
func (n *notices) to(rs []recipient, render func(lang deputybot.Language) (string, keyboard)) {
	seen := map[int64]bool{}
	for _, r := range rs {
		if r.ChatID == 0 || seen[r.ChatID] || (n.actor != 0 && r.ChatID == n.actor) {
			continue
		}
		seen[r.ChatID] = true
		text, kb := render(r.Lang)
		n.msgs = append(n.msgs, outboxMessages("", "notification", r.PersonID, r.ChatID, text, kb)...)
	}
}

// toPeople adds a message for persons by id.
func (n *notices) toPeople(ids []string, render func(lang deputybot.Language) (string, keyboard)) {
	var rs []recipient
	for _, id := range ids {
		if id == "" {
			continue
		}
		p, err := n.b.store.Person(n.ctx, id)
		if err != nil {
			continue
		}
		if r, ok := recipientOf(p); ok {
			rs = append(rs, r)
		}
	}
	n.to(rs, render)
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
