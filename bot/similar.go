package bot

import (
	"context"
	"strings"

	"deputybot"
	"deputybot/search"
	"deputybot/texts"
)

// Similar items: the same issue raised before — found when a deputy
// files (to join it rather than file it again) and when the office
// assigns (to assign alike, to handle together, to follow a thread
// across years). The index is the search's (searchItems).

// maxSimilarShown bounds the similar items a message lists.
const maxSimilarShown = 3

// similarItems are the items most like d that p may see (his own, or
// published; no drafts), at most n, those keep accepts.
func (b *Bot) similarItems(ctx context.Context, p *deputybot.Person, d search.Doc, n int, keep func(*deputybot.Item) bool) ([]*deputybot.Item, error) {
	x, items, err := b.searchItems(ctx)
	if err != nil {
		return nil, err
	}
	hits := x.Similar(d, func(id string) bool {
		it := items[id]
		return it != nil && it.Status != deputybot.StatusDraft && (deputybot.CanView(p, it) || it.Public()) && (keep == nil || keep(it))
	}, n)
	out := make([]*deputybot.Item, len(hits))
	for i, h := range hits {
		out[i] = items[h.ID]
	}
	return out, nil
}

// similarLines lists similar items for p: each with its year, status
// and departments, and a line of its last reply (one p may read).
func (b *Bot) similarLines(ctx context.Context, l deputybot.Language, p *deputybot.Person, items []*deputybot.Item) string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	details, _ := b.store.ItemsTexts(ctx, ids)
	depts, _ := b.departmentNames(ctx)
	lines := make([]string, len(items))
	for i, it := range items {
		dept := b.tx.T(l, "similar.no_dept")
		if it.LeadDept != "" {
			dept = depts[it.LeadDept]
			for _, c := range it.CoDepts {
				dept += b.tx.T(l, "list.sep") + depts[c.Dept]
			}
		}
		line := b.tx.T(l, "similar.line", "N", i+1, "Line", texts.HTML(b.tx.Line(l, it)), "Year", it.Year, "Dept", dept)
		summary := ""
		if det := details[it.ID]; det != nil && len(det.Replies) > 0 {
			last := det.Replies[len(det.Replies)-1]
			if deputybot.CanView(p, it) || it.ReplyPublic(last.Round) {
				summary = firstLine(last.Text)
			}
		}
		switch {
		case summary != "":
			line += "\n" + b.tx.T(l, "similar.reply", "Summary", summary)
		case len(it.Replies) > 0:
			line += "\n" + b.tx.T(l, "similar.reply_withheld")
		default:
			line += "\n" + b.tx.T(l, "similar.no_reply")
		}
		lines[i] = line
	}
	return strings.Join(lines, "\n")
}

// firstLine is a text's first line, cut to 60 characters.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// filingSimilar: the items like what the deputy is filing, for the
// "similar" step (none: the step is skipped).
func (b *Bot) filingSimilar(ctx context.Context, r *request, c *conversation) ([]*deputybot.Item, error) {
	return b.similarItems(ctx, r.person, search.Doc{ID: c.Data["item"], Title: c.Data["title"], Text: c.Data["body"], Category: c.Data["cat"]},
		maxSimilarShown, nil)
}

// afterCategory goes on from the category: on the first pass to the items
// that look like the same issue, if any, else to the files.
func (b *Bot) afterCategory(ctx context.Context, r *request, c *conversation) error {
	if c.Data["back"] == "preview" {
		return b.advance(ctx, r, c, "preview")
	}
	items, err := b.filingSimilar(ctx, r, c)
	if err != nil {
		b.log.Warn("similar items", "err", err)
	}
	if len(items) == 0 {
		delete(c.Data, "sim")
		return b.advance(ctx, r, c, "att")
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	c.Data["sim"] = strings.Join(ids, ",")
	return b.advance(ctx, r, c, "similar")
}

// similarPrompt shows the items found and asks whether to go on, join
// one that is open as co-sponsor, or cancel. It never blocks filing.
func (b *Bot) similarPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	var items []*deputybot.Item
	for _, id := range strings.Split(c.Data["sim"], ",") {
		if it, err := b.store.Item(ctx, id); err == nil {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		_ = b.advance(ctx, r, c, "att")
		return
	}
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	kb := keyboard{{button(b.tx.T(l, "btn.similar_go_on"), cb("sim:go"))}}
	var join []keyboardButton
	for i, it := range items {
		if it.Joinable(r.person) && it.AuthorID != r.person.ID && it.CoSponsor(r.person.ID) == nil {
			join = append(join, button(b.tx.T(l, "btn.similar_join", "N", i+1), cb("join:"+it.ID)))
		}
	}
	if len(join) > 0 {
		kb = append(kb, join)
	}
	text := b.tx.T(l, "similar.filing_title", "Count", len(items)) + "\n\n" + b.similarLines(ctx, l, r.person, items) + "\n\n"
	if len(join) > 0 {
		text += b.tx.T(l, "similar.filing_ask_join")
	} else {
		text += b.tx.T(l, "similar.filing_ask")
	}
	b.reply(ctx, r, text, append(kb, b.cancelButton(r, c)))
}

// similarChoice: go on filing, or join an item found as co-sponsor
// (the dialogue ends; a draft saved before is kept).
func (b *Bot) similarChoice(ctx context.Context, r *request, c *conversation, kind, arg string) error {
	switch kind {
	case "sim":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.advance(ctx, r, c, "att")
	case "join":
		if !strings.Contains(","+c.Data["sim"]+",", ","+arg+",") {
			return errStale
		}
		it, err := b.change(ctx, r, arg, func(it *deputybot.Item, _ *deputybot.ItemDetails, _ deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.JoinAsCoSponsor(it, r.person, r.now))
		})
		if err != nil {
			return err
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		if err := b.finishDone(ctx, r); err != nil {
			return err
		}
		b.reply(ctx, r, b.tx.T(r.lang, "similar.joined", "Label", texts.HTML(b.tx.Label(r.lang, it)), "Title", it.Title,
			"Author", b.names(ctx).of(it.AuthorID), "Yours", c.Data["title"]), nil)
		return nil
	}
	return errStale
}
