package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/texts"
)

const listPageSize = 10

// --- /my

// page renders one page of a list from offset.
type page func(ctx context.Context, r *request, offset int) (string, keyboard, error)

// showPage answers a list command with its first page.
func (b *Bot) showPage(ctx context.Context, r *request, p page) {
	text, kb, err := p(ctx, r, 0)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	b.reply(ctx, r, text, kb)
}

// turnPage answers a list's ◀ ▶ button ("<prefix>:<offset>") by editing
// the list in place. allowed, if not nil, is checked first: a button may
// be pressed by someone who has since lost the role.
func (b *Bot) turnPage(ctx context.Context, r *request, arg string, allowed func(*deputybot.Person) bool, p page) error {
	if allowed != nil && !allowed(r.person) {
		return deputybot.Errorf(deputybot.EFORBIDDEN, "err.not_allowed")
	}
	offset, err := strconv.Atoi(arg)
	if err != nil || offset < 0 {
		return errStale
	}
	text, kb, err := p(ctx, r, offset)
	if err != nil {
		return err
	}
	return b.edit(ctx, r.chatID, r.callbackMessageID(), text, kb)
}

func (b *Bot) cmdMy(ctx context.Context, r *request) { b.showPage(ctx, r, b.myPage) }

func (b *Bot) onMyPage(ctx context.Context, r *request, arg string) error {
	return b.turnPage(ctx, r, arg, nil, b.myPage)
}

func (b *Bot) myPage(ctx context.Context, r *request, offset int) (string, keyboard, error) {
	items, total, err := b.store.PersonItems(ctx, r.person.ID, offset, listPageSize)
	if err != nil {
		return "", nil, err
	}
	items = slices.DeleteFunc(items, func(it *deputybot.Item) bool { return !deputybot.CanView(r.person, it) })
	if total == 0 {
		return b.tx.T(r.lang, "my.none"), nil, nil
	}
	return b.itemList(r.lang, b.tx.T(r.lang, "my.title", "Count", total), items, offset, total, "my")
}

// itemList renders a page of items, numbered, with a button per item
// that opens its card, and ◀ ▶ (callback prefix pagePrefix) to page.
func (b *Bot) itemList(l deputybot.Language, title string, items []*deputybot.Item, offset, total int, pagePrefix string) (string, keyboard, error) {
	text, kb := numberedPage(title, len(items), offset, total, pagePrefix, func(i int) (string, string) {
		it := items[i]
		line := b.tx.Line(l, it)
		if d := b.deadlineText(l, deputybot.Env{Rules: &b.opts.Rules, Now: b.now()}, it); d != "" {
			line += " · " + d
		}
		return line, it.ID
	})
	return text, kb, nil
}

// numberedPage renders one page of a list of items: the title, then n
// lines numbered from offset+1 (line gives the text and the item of the
// i-th), a button per line that opens the item's card, and ◀ ▶
// (callback prefix pagePrefix) to page through total entries.
func numberedPage(title string, n, offset, total int, pagePrefix string, line func(i int) (text, itemID string)) (string, keyboard) {
	var sb strings.Builder
	sb.WriteString(title)
	var kb keyboard
	var row []keyboardButton
	for i := range n {
		num := strconv.Itoa(offset + i + 1)
		text, id := line(i)
		sb.WriteString("\n" + num + ". " + text)
		row = append(row, button(num, "it:"+id))
		if len(row) == 5 {
			kb, row = append(kb, row), nil
		}
	}
	if len(row) > 0 {
		kb = append(kb, row)
	}
	var nav []keyboardButton
	if offset > 0 {
		nav = append(nav, button("◀", fmt.Sprintf("%s:%d", pagePrefix, max(0, offset-listPageSize))))
	}
	if offset+listPageSize < total {
		nav = append(nav, button("▶", fmt.Sprintf("%s:%d", pagePrefix, offset+listPageSize)))
	}
	if len(nav) > 0 {
		kb = append(kb, nav)
	}
	return sb.String(), kb
}

// deadlineText shows how long the lead department has for its reply, if
// the item waits for one.
func (b *Bot) deadlineText(l deputybot.Language, e deputybot.Env, it *deputybot.Item) string {
	d, ok := it.ReplyDuty()
	if !ok {
		return ""
	}
	return b.tx.Due(l, e, d)
}

// --- /inbox

func (b *Bot) cmdInbox(ctx context.Context, r *request) { b.showPage(ctx, r, b.inboxPage) }

func (b *Bot) onInboxPage(ctx context.Context, r *request, arg string) error {
	return b.turnPage(ctx, r, arg, can(deputybot.PermInbox), b.inboxPage)
}

func (b *Bot) inboxPage(ctx context.Context, r *request, offset int) (string, keyboard, error) {
	items, err := b.store.ItemsWithStatus(ctx, deputybot.StatusSubmitted)
	if err != nil {
		return "", nil, err
	}
	if len(items) == 0 {
		return b.tx.T(r.lang, "inbox.none"), nil, nil
	}
	slices.SortFunc(items, func(a, c *deputybot.Item) int {
		if d := a.SubmittedAt.Compare(c.SubmittedAt); d != 0 {
			return d
		}
		return a.Seq - c.Seq
	})
	total := len(items)
	offset = min(offset, (total-1)/listPageSize*listPageSize)
	page := items[offset:min(total, offset+listPageSize)]
	return b.itemList(r.lang, b.tx.T(r.lang, "inbox.title", "Count", total), page, offset, total, "ib")
}

// --- /view

func (b *Bot) cmdView(ctx context.Context, r *request) {
	if r.args == "" {
		b.reply(ctx, r, b.tx.T(r.lang, "view.usage"), nil)
		return
	}
	q, ok := deputybot.ParseNumber(r.args)
	if !ok {
		b.reply(ctx, r, b.tx.T(r.lang, "view.bad_number", "Given", deputybot.Echo(r.args))+"\n"+b.tx.T(r.lang, "view.usage"), nil)
		return
	}
	items, err := b.store.ItemsByNumber(ctx, q)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	items = slices.DeleteFunc(items, func(it *deputybot.Item) bool { return !deputybot.CanView(r.person, it) })
	switch len(items) {
	case 0:
		// The same answer whether the item does not exist or may not be
		// seen by this person.
		b.reply(ctx, r, b.tx.T(r.lang, "err.item_not_found"), nil)
	case 1:
		b.showCard(ctx, r, items[0], "")
	default:
		var row []keyboardButton
		for _, it := range items {
			row = append(row, button(texts.Plain(b.tx.Label(r.lang, it)), "it:"+it.ID))
		}
		b.reply(ctx, r, b.tx.T(r.lang, "view.which"), keyboard{row})
	}
}

func (b *Bot) onItemButton(ctx context.Context, r *request, id string) error {
	it, err := b.store.Item(ctx, id)
	if err != nil {
		return err
	}
	if !deputybot.CanView(r.person, it) {
		return deputybot.Errorf(deputybot.ENOTFOUND, "err.item_not_found")
	}
	b.showCard(ctx, r, it, "")
	return nil
}

// showCard sends the item's card with the actions the person may take.
// token is the co-sponsor share token the person came with, if any.
func (b *Bot) showCard(ctx context.Context, r *request, it *deputybot.Item, token string) {
	det, err := b.store.ItemDetails(ctx, it.ID)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	e, err := b.env(ctx, r.now)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	b.send(ctx, r.chatID, b.cardText(ctx, r.lang, it, det, e, r.person), b.cardButtons(r, it, det, token))
}

func (b *Bot) cardButtons(r *request, it *deputybot.Item, det *deputybot.ItemDetails, token string) keyboard {
	l, p := r.lang, r.person
	var kb keyboard
	if deputybot.Check(p, it, deputybot.ActEditDraft) == nil {
		kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.continue_draft"), "ed:"+it.ID)})
	}
	if deputybot.Check(p, it, deputybot.ActWithdraw) == nil {
		kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.withdraw"), "wd:"+it.ID)})
	}
	cs := it.CoSponsor(p.ID)
	open := it.Status == deputybot.StatusDraft || it.Status == deputybot.StatusSubmitted
	switch {
	case open && cs != nil && cs.State == deputybot.CoSponsorInvited:
		kb = append(kb, []keyboardButton{
			button(b.tx.T(l, "btn.cosponsor_yes"), "cs:"+it.ID+":y"), button(b.tx.T(l, "btn.cosponsor_no"), "cs:"+it.ID+":n"),
		})
	case open && cs == nil && token != "" && it.AuthorID != p.ID:
		kb = append(kb, []keyboardButton{
			button(b.tx.T(l, "btn.cosponsor_yes"), "cs:"+it.ID+":y:"+token), button(b.tx.T(l, "btn.cosponsor_no"), "cs:"+it.ID+":n:"+token),
		})
	}
	if det != nil && len(det.Attachments) > 0 {
		kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.files", "Count", len(det.Attachments)), "at:"+it.ID)})
	}
	// Each round's reply letter, for whoever reviews the reply.
	var letters []keyboardButton
	for _, rp := range it.Replies {
		if det == nil {
			break
		}
		if t := det.CurrentReplyText(rp.Round); t != nil && t.FileID != "" {
			letters = append(letters, button(b.tx.T(l, "btn.reply_letter", "Round", rp.Round), "rf:"+it.ID+":"+strconv.Itoa(rp.Round)))
		}
	}
	if len(letters) > 0 {
		kb = append(kb, letters)
	}
	return append(kb, b.handlingButtons(l, p, it)...)
}

// onReplyFile sends the document attached to a round's reply.
func (b *Bot) onReplyFile(ctx context.Context, r *request, arg string) error {
	id, roundArg, _ := strings.Cut(arg, ":")
	round, err := strconv.Atoi(roundArg)
	if err != nil {
		return errStale
	}
	_, det, err := b.loadWithDetails(ctx, r, id)
	if err != nil {
		return err
	}
	t := det.CurrentReplyText(round)
	if t == nil || t.FileID == "" {
		return errStale
	}
	return b.sendFileID(ctx, r.chatID, replyFile(t))
}

// replyFile is a reply's letter as an attachment to send.
func replyFile(t *deputybot.ReplyText) deputybot.Attachment {
	kind := "document"
	if t.FileKind == "photo" {
		kind = "photo"
	}
	return deputybot.Attachment{FileID: t.FileID, Kind: kind, Name: t.FileName}
}

// --- actions on a card

// loadWithDetails loads an item the person may see, with its details.
func (b *Bot) loadWithDetails(ctx context.Context, r *request, id string) (*deputybot.Item, *deputybot.ItemDetails, error) {
	it, err := b.loadFor(ctx, r, id)
	if err != nil {
		return nil, nil, err
	}
	det, err := b.store.ItemDetails(ctx, it.ID)
	return it, det, err
}

// loadFor loads an item the person may see; otherwise "not found".
func (b *Bot) loadFor(ctx context.Context, r *request, id string) (*deputybot.Item, error) {
	it, err := b.store.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	if !deputybot.CanView(r.person, it) {
		return nil, deputybot.Errorf(deputybot.ENOTFOUND, "err.item_not_found")
	}
	return it, nil
}

func (b *Bot) onWithdraw(ctx context.Context, r *request, id string) error {
	it, err := b.loadFor(ctx, r, id)
	if err != nil {
		return err
	}
	if err := deputybot.Check(r.person, it, deputybot.ActWithdraw); err != nil {
		return err
	}
	b.reply(ctx, r, b.tx.T(r.lang, "withdraw.confirm", "Label", texts.HTML(b.tx.Label(r.lang, it)), "Title", it.Title), keyboard{{
		button(b.tx.T(r.lang, "btn.withdraw_yes"), "wy:"+it.ID),
	}})
	return nil
}

func (b *Bot) onWithdrawConfirmed(ctx context.Context, r *request, id string) error {
	it, err := b.change(ctx, r, id, func(it *deputybot.Item, _ *deputybot.ItemDetails, _ deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.Withdraw(it, r.person, r.now))
	})
	if err != nil {
		return err
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	b.reply(ctx, r, b.tx.T(r.lang, "withdraw.done", "Label", texts.HTML(b.tx.Label(r.lang, it))), nil)
	return nil
}

// onCoSponsorAnswer handles "cs:<id>:<y|n>[:<share token>]".
func (b *Bot) onCoSponsorAnswer(ctx context.Context, r *request, arg string) error {
	parts := strings.Split(arg, ":")
	if len(parts) < 2 || len(parts) > 3 || (parts[1] != "y" && parts[1] != "n") {
		return errStale
	}
	id, accept, token := parts[0], parts[1] == "y", ""
	if len(parts) == 3 {
		token = parts[2]
	}
	it, err := b.change(ctx, r, id, func(it *deputybot.Item, _ *deputybot.ItemDetails, _ deputybot.Env) ([]deputybot.Event, error) {
		evs, _, err := deputybot.AnswerCoSponsor(it, r.person, accept, token, &b.opts.Rules, r.now)
		return evs, err
	})
	if err != nil {
		return err
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	key := "cosponsor.declined_you"
	if accept {
		key = "cosponsor.confirmed_you"
	}
	label := b.tx.Label(r.lang, it)
	if it.Seq == 0 {
		// Not numbered yet: "这件议案", not "议案（草稿）".
		label = b.tx.T(r.lang, "item.this_draft", "Kind", texts.HTML(b.tx.T(r.lang, "kind."+string(it.Kind)+"_noun")))
	}
	b.reply(ctx, r, b.tx.T(r.lang, key, "Label", texts.HTML(label), "Title", it.Title), nil)
	return nil
}

// onAttachments sends an item's files.
func (b *Bot) onAttachments(ctx context.Context, r *request, id string) error {
	it, det, err := b.loadWithDetails(ctx, r, id)
	if err != nil {
		return err
	}
	for _, a := range det.Attachments {
		if err := b.sendFileID(ctx, r.chatID, a); err != nil {
			b.log.Warn("resend attachment", "item", it.ID, "err", err)
		}
	}
	return nil
}

// onContinueDraft reopens a draft in the /new dialogue, at its preview.
func (b *Bot) onContinueDraft(ctx context.Context, r *request, id string) error {
	it, det, err := b.loadWithDetails(ctx, r, id)
	if err != nil {
		return err
	}
	if err := deputybot.Check(r.person, it, deputybot.ActEditDraft); err != nil {
		return err
	}
	c := &conversation{Data: map[string]string{
		"item": it.ID, "kind": string(it.Kind), "title": it.Title, "body": det.Body, "cat": it.Category,
		"cos": strings.Join(coSponsorIDsOf(it), ","),
	}}
	setAttachments(c, det.Attachments)
	return b.begin(ctx, r, "new", "preview", c.Data)
}

func coSponsorIDsOf(it *deputybot.Item) []string {
	var ids []string
	for _, c := range it.CoSponsors {
		ids = append(ids, c.PersonID)
	}
	return ids
}

// openShareLink shows a deputy who opened "/start cs_<token>" the item
// with Confirm and Decline.
func (b *Bot) openShareLink(ctx context.Context, r *request, token string) {
	it, err := b.store.ItemByShareToken(ctx, token)
	if err == nil && !deputybot.CanViewWithToken(r.person, it, token) {
		err = deputybot.Errorf(deputybot.ENOTFOUND, "err.item_not_found")
	}
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	if it.AuthorID != r.person.ID && it.CoSponsor(r.person.ID) == nil {
		b.reply(ctx, r, b.tx.T(r.lang, "cosponsor.link_intro", "Author", b.names(ctx).of(it.AuthorID)), nil)
	}
	b.showCard(ctx, r, it, token)
}
