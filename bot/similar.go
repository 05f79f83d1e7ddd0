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
	x, err := b.searchItems(ctx)
	if err != nil {
		return nil, err
	}
	item := b.itemReader(ctx)
	hits := x.Similar(d, func(id string) bool {
		it := item(id)
		return it != nil && it.Status != deputybot.StatusDraft && (deputybot.CanView(p, it) || it.Public()) && (keep == nil || keep(it))
	}, n)
	out := make([]*deputybot.Item, len(hits))
	for i, h := range hits {
		out[i] = item(h.ID)
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

// assignSimilar: the items like the one being assigned, of its year and
// before (the office sees them all), for the assignment's first step.
func (b *Bot) assignSimilar(ctx context.Context, r *request, it *deputybot.Item) []*deputybot.Item {
	det, err := b.store.ItemsTexts(ctx, []string{it.ID})
	if err != nil {
		return nil
	}
	body := ""
	if d := det[it.ID]; d != nil {
		body = d.Body
	}
	items, err := b.similarItems(ctx, r.person, search.Doc{ID: it.ID, Title: it.Title, Text: body, Category: it.Category}, maxSimilarShown,
		func(o *deputybot.Item) bool {
			return o.Seq != 0 && o.Year <= it.Year && o.Status != deputybot.StatusWithdrawn && o.Status != deputybot.StatusReturned
		})
	if err != nil {
		b.log.Warn("similar items", "err", err)
	}
	return items
}

// assignSimilarPart is what the assignment's first step says and offers
// of the similar items: 并案 with one of the year in hand, and the same
// issue as one of an earlier year (marked when chosen).
func (b *Bot) assignSimilarPart(ctx context.Context, r *request, c *conversation, it *deputybot.Item) (string, keyboard) {
	if c.Data["change"] != "" {
		return "", nil
	}
	items := b.assignSimilar(ctx, r, it)
	if len(items) == 0 {
		return "", nil
	}
	l := r.lang
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	var kb keyboard
	for i, o := range items {
		switch {
		case it.Mergeable(o):
			kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.merge_with", "N", i+1), cb("grp:"+o.ID))})
		case o.Year < it.Year:
			mark := ""
			if c.Data["thread"] == o.ID {
				mark = "✅ "
			}
			kb = append(kb, []keyboardButton{button(mark+b.tx.T(l, "btn.thread_with", "N", i+1, "Year", o.Year), cb("thr:"+o.ID))})
		}
	}
	return "\n\n" + b.tx.T(l, "similar.assign_title", "Count", len(items)) + "\n" + b.similarLines(ctx, l, r.person, items), kb
}

// mergePrompt asks the office to confirm handling the item in the group
// of the one chosen.
func (b *Bot) mergePrompt(ctx context.Context, r *request, c *conversation, it *deputybot.Item) {
	l := r.lang
	with, err := b.store.Item(ctx, c.Data["with"])
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	names, _ := b.departmentNames(ctx)
	var co []string
	for _, d := range with.CoDepts {
		co = append(co, names[d.Dept])
	}
	coText := b.tx.T(l, "assign.no_codepts")
	if len(co) > 0 {
		coText = texts.Esc(strings.Join(co, b.tx.T(l, "list.sep")))
	}
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	b.reply(ctx, r, b.tx.T(l, "merge.confirm", "Label", texts.HTML(b.tx.Label(l, it)), "Title", it.Title,
		"With", texts.HTML(b.tx.Label(l, with)), "WithTitle", with.Title, "Lead", names[with.LeadDept], "Co", texts.HTML(coText),
		"Deadline", b.tx.Date(with.Deadline)), keyboard{{button(b.tx.T(l, "btn.merge"), cb("mgo"))}, b.cancelButton(r, c)})
}

// mergeChosen handles the item in the group of the one chosen: that one
// is marked the group's first (if it is not in one yet), this one
// assigned as it is; then the thread, if one was chosen.
func (b *Bot) mergeChosen(ctx context.Context, r *request, c *conversation) error {
	withID := c.Data["with"]
	with, err := b.store.Item(ctx, withID)
	if err != nil {
		return err
	}
	if with.GroupID == "" {
		if _, err := b.change(ctx, r, withID, func(w *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.StartGroup(w, r.person, c.Data["item"], e))
		}); err != nil {
			_ = b.finish(ctx, r)
			return err
		}
		if with, err = b.store.Item(ctx, withID); err != nil {
			return err
		}
	}
	it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.Merge(it, with, r.person, e))
	})
	if err != nil {
		_ = b.finish(ctx, r)
		return err
	}
	if it, err = b.linkChosenThread(ctx, r, c, it); err != nil {
		return err
	}
	members := b.groupMembers(ctx, it.GroupID)
	return b.endWithNext(ctx, r, it, b.tx.T(r.lang, "merge.done", "Label", texts.HTML(b.tx.Label(r.lang, it)),
		"With", texts.HTML(b.tx.Label(r.lang, with)), "Count", len(members), "Deadline", b.tx.Date(it.Deadline)))
}

// linkChosenThread links the item assigned to the earlier one the office
// marked as the same issue, if it did. It is the item's second change of
// the update: a cause of its own, or it would be taken for the
// assignment's, done already.
func (b *Bot) linkChosenThread(ctx context.Context, r *request, c *conversation, it *deputybot.Item) (*deputybot.Item, error) {
	if c.Data["thread"] == "" {
		return it, nil
	}
	return b.linkThread(ctx, r, it, c.Data["thread"], -r.id)
}

// linkThread links it to earlierID's item, as the same issue raised in
// an earlier year (the office confirms it): that one is marked its
// thread's first if it is not in one; cause names the item's change.
func (b *Bot) linkThread(ctx context.Context, r *request, it *deputybot.Item, earlierID string, cause int64) (*deputybot.Item, error) {
	earlier, err := b.store.Item(ctx, earlierID)
	if err != nil {
		return it, err
	}
	if earlier.ThreadID == "" {
		if _, err := b.change(ctx, r, earlierID, func(x *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.StartThread(x, r.person, it.ID, e))
		}); err != nil {
			return it, err
		}
		earlier.ThreadID = earlier.ID
	}
	var years []int
	for _, m := range b.threadMembers(ctx, earlier.ThreadID) {
		if m.ID != it.ID {
			years = append(years, m.Year)
		}
	}
	return b.svc.Act(ctx, r.person, cause, it.ID, r.now, func(x *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.LinkThread(x, earlier, r.person, years, e))
	})
}

// earlierAlike are the items of earlier years like it, for the office
// to link it to.
func (b *Bot) earlierAlike(ctx context.Context, r *request, it *deputybot.Item) []*deputybot.Item {
	var out []*deputybot.Item
	for _, o := range b.assignSimilar(ctx, r, it) {
		if o.Year < it.Year {
			out = append(out, o)
		}
	}
	return out
}

// offerThreads answers the card's "same issue in earlier years": the
// earlier years' items like it, each to link it to.
func (b *Bot) offerThreads(ctx context.Context, r *request, it *deputybot.Item) error {
	l := r.lang
	items := b.earlierAlike(ctx, r, it)
	if len(items) == 0 {
		b.reply(ctx, r, b.tx.T(l, "thread.none", "Label", texts.HTML(b.tx.Label(l, it))), nil)
		return nil
	}
	var kb keyboard
	for i, o := range items {
		kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.thread_with", "N", i+1, "Year", o.Year), "tl:"+it.ID+":"+o.ID)})
	}
	b.reply(ctx, r, b.tx.T(l, "thread.pick", "Label", texts.HTML(b.tx.Label(l, it)), "Count", len(items))+"\n"+
		b.similarLines(ctx, l, r.person, items), kb)
	return nil
}

// onThreadLink handles "tl:<item id>:<earlier item id>": the office
// links an item to an earlier year's on the same issue, from its card.
func (b *Bot) onThreadLink(ctx context.Context, r *request, arg string) error {
	id, earlierID, ok := strings.Cut(arg, ":")
	if !ok {
		return errStale
	}
	it, err := b.loadFor(ctx, r, id)
	if err != nil {
		return err
	}
	if err := deputybot.Check(r.person, it, deputybot.ActLinkThread); err != nil {
		return err
	}
	it, err = b.linkThread(ctx, r, it, earlierID, r.id)
	if err != nil {
		return err
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	b.doneWithNext(ctx, r, it, b.tx.T(r.lang, "done.thread_linked", "Label", texts.HTML(b.tx.Label(r.lang, it)),
		"Count", len(b.threadMembers(ctx, it.ThreadID))))
	return nil
}

// groupMembers are the items of a group ("": none), oldest first.
func (b *Bot) groupMembers(ctx context.Context, group string) []*deputybot.Item {
	items, err := b.store.GroupItems(ctx, group)
	if err != nil {
		b.log.Warn("items of a group", "err", err)
	}
	return items
}

// threadMembers are the items of a thread ("": none), oldest first.
func (b *Bot) threadMembers(ctx context.Context, thread string) []*deputybot.Item {
	items, err := b.store.ThreadItems(ctx, thread)
	if err != nil {
		b.log.Warn("items of a thread", "err", err)
	}
	return items
}

// groupThreadLines are the card's lines on the item's group (the other
// items handled with it) and thread (the same issue in other years, each
// with its reply and promises), of what viewer may see.
func (b *Bot) groupThreadLines(ctx context.Context, l deputybot.Language, it *deputybot.Item, n *names, viewer *deputybot.Person) string {
	var sb strings.Builder
	seen := func(o *deputybot.Item) bool {
		return o.ID != it.ID && (viewer == nil || deputybot.CanView(viewer, o) || o.Public())
	}
	if it.InGroup() {
		var others []string
		members := b.groupMembers(ctx, it.GroupID)
		for _, o := range members {
			if seen(o) {
				others = append(others, b.tx.T(l, "group.member", "Label", texts.HTML(b.tx.Label(l, o)), "Author", n.of(o.AuthorID)))
			}
		}
		line := b.tx.T(l, "group.line", "Count", len(members))
		if len(others) > 0 {
			line += b.tx.T(l, "group.others", "Others", texts.HTML(strings.Join(others, b.tx.T(l, "list.sep"))))
		}
		sb.WriteString(line + "\n")
	}
	if it.ThreadID != "" {
		var others []*deputybot.Item
		for _, o := range b.threadMembers(ctx, it.ThreadID) {
			if seen(o) {
				others = append(others, o)
			}
		}
		if len(others) > 0 {
			ids := make([]string, len(others))
			for i, o := range others {
				ids[i] = o.ID
			}
			details, _ := b.store.ItemsTexts(ctx, ids)
			sb.WriteString(b.tx.T(l, "thread.title", "Count", len(others)+1) + "\n")
			for _, o := range others {
				line := b.tx.T(l, "thread.item", "Year", o.Year, "Line", texts.HTML(b.tx.Line(l, o)))
				if r := o.LatestReply(); r != nil {
					text := ""
					if det := details[o.ID]; det != nil && len(det.Replies) > 0 && (viewer == nil || deputybot.CanView(viewer, o) || o.ReplyPublic(r.Round)) {
						text = firstLine(det.Replies[len(det.Replies)-1].Text)
					}
					line += "\n" + b.tx.T(l, "thread.reply", "Class", texts.HTML(b.tx.T(l, "class."+string(r.Class))), "Summary", text)
					var ps []deputybot.Promise
					for _, p := range o.Promises {
						if p.Round == r.Round {
							ps = append(ps, p)
						}
					}
					if len(ps) > 0 {
						line += "\n" + b.promiseLines(l, ps, true)
					}
				}
				sb.WriteString(line + "\n")
			}
		}
	}
	return sb.String()
}
