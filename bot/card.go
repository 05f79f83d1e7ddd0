package bot

import (
	"context"
	"fmt"
	"strings"

	"deputybot"
)

// names looks up people's names once per message.
type names struct {
	b     *Bot
	ctx   context.Context
	cache map[string]string
}

func (b *Bot) names(ctx context.Context) *names {
	return &names{b: b, ctx: ctx, cache: map[string]string{}}
}

func (n *names) of(id string) string {
	if id == "" {
		return ""
	}
	if name, ok := n.cache[id]; ok {
		return name
	}
	name := "?"
	if p, err := n.b.store.Person(n.ctx, id); err == nil {
		name = p.Name
	}
	n.cache[id] = name
	return name
}

// itemLabel is "建议 2026-017" or "建议（草稿）".
func (b *Bot) itemLabel(l deputybot.Language, it *deputybot.Item) string {
	if it.Seq == 0 {
		return b.tx.T(l, "item.label_draft", "Kind", rawHTML(b.tx.T(l, "kind."+string(it.Kind))))
	}
	return b.tx.T(l, "item.label", "Kind", rawHTML(b.tx.T(l, "kind."+string(it.Kind))), "Number", it.Number())
}

func (b *Bot) statusText(l deputybot.Language, it *deputybot.Item) string {
	if it.Status == deputybot.StatusDraft && it.SubmitRequested {
		return b.tx.T(l, "status.waiting_cosponsors")
	}
	return b.tx.T(l, "status."+string(it.Status))
}

// itemLine is one line of a list: label, title, status.
func (b *Bot) itemLine(l deputybot.Language, it *deputybot.Item) string {
	return b.tx.T(l, "item.line", "Label", rawHTML(b.itemLabel(l, it)), "Title", it.Title, "Status", rawHTML(b.statusText(l, it)))
}

// cardText renders an item's card: every field, the body and the
// timeline, in l.
func (b *Bot) cardText(ctx context.Context, l deputybot.Language, it *deputybot.Item, det *deputybot.ItemDetails) string {
	n := b.names(ctx)
	var sb strings.Builder
	head := b.itemLabel(l, it) + " · " + b.statusText(l, it)
	if it.Period != "" {
		head += " · " + b.tx.T(l, "period."+string(it.Period))
	}
	sb.WriteString("<b>" + head + "</b>\n")
	sb.WriteString("<b>" + esc(it.Title) + "</b>\n")
	sb.WriteString(b.tx.T(l, "card.category", "Category", b.opts.Rules.CategoryName(it.Category, l)) + "\n")
	sb.WriteString(b.tx.T(l, "card.author", "Name", n.of(it.AuthorID)) + "\n")
	if len(it.CoSponsors) > 0 {
		var cs []string
		for _, c := range it.CoSponsors {
			cs = append(cs, esc(n.of(c.PersonID))+b.tx.T(l, "cosponsor."+string(c.State)))
		}
		line := b.tx.T(l, "card.cosponsors", "List", rawHTML(strings.Join(cs, b.tx.T(l, "list.sep"))),
			"Confirmed", it.ConfirmedCoSponsors())
		sb.WriteString(line + "\n")
	}
	if it.Kind == deputybot.KindMotion && it.Status == deputybot.StatusDraft {
		sb.WriteString(b.tx.T(l, "card.motion_needs", "Need", b.opts.Rules.MotionCoSponsors, "Confirmed", it.ConfirmedCoSponsors()) + "\n")
	}
	if !it.SubmittedAt.IsZero() {
		sb.WriteString(b.tx.T(l, "card.submitted", "At", b.formatTime(it.SubmittedAt)) + "\n")
	}
	if det != nil && len(det.Attachments) > 0 {
		sb.WriteString(b.tx.T(l, "card.attachments", "Count", len(det.Attachments)) + "\n")
	}
	if det != nil {
		sb.WriteString("\n" + esc(det.Body) + "\n")
		if len(det.Timeline) > 0 {
			sb.WriteString("\n<b>" + b.tx.T(l, "card.timeline") + "</b>\n")
			for _, ev := range det.Timeline {
				sb.WriteString(b.eventLine(l, n, ev) + "\n")
			}
		}
	}
	return strings.TrimRight(sb.String(), "\n")
}

// eventLine renders one timeline event.
func (b *Bot) eventLine(l deputybot.Language, n *names, ev deputybot.Event) string {
	who := n.of(ev.ActorID)
	if who == "" {
		who = b.tx.T(l, "ev.system")
	} else {
		who = esc(who)
	}
	args := []any{"Who", rawHTML(who)}
	for k, v := range ev.Data {
		switch k {
		case "period":
			args = append(args, "Period", rawHTML(b.tx.T(l, "period."+v)))
		default:
			args = append(args, strings.ToUpper(k[:1])+k[1:], v)
		}
	}
	text := b.tx.T(l, "ev."+ev.Type, args...)
	return fmt.Sprintf("%s · %s", b.formatTime(ev.At), text)
}
