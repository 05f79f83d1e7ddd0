package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"deputybot"
	"deputybot/texts"
)

// The /new dialogue: kind, title, body, category, attachments,
// co-sponsors, then a preview of the saved draft with Submit and Edit
// buttons. Everything typed is kept in the stored conversation, so a
// restart loses nothing; from the preview on, the draft is an item.

func (b *Bot) cmdNew(ctx context.Context, r *request) {
	mine, _, err := b.store.PersonItems(ctx, r.person.ID, 0, 0)
	if err == nil {
		err = deputybot.CheckDrafts(mine, r.person)
	}
	if err == nil {
		err = b.begin(ctx, r, "new", "kind", nil)
	}
	if err != nil {
		b.fail(ctx, r, err)
	}
}

func attachmentsOf(c *conversation) []deputybot.Attachment {
	var atts []deputybot.Attachment
	if s := c.Data["att"]; s != "" {
		_ = json.Unmarshal([]byte(s), &atts)
	}
	return atts
}

func setAttachments(c *conversation, atts []deputybot.Attachment) {
	if len(atts) == 0 {
		delete(c.Data, "att")
		return
	}
	b, _ := json.Marshal(atts)
	c.Data["att"] = string(b)
}

func coSponsorsOf(c *conversation) []string {
	if c.Data["cos"] == "" {
		return nil
	}
	return strings.Split(c.Data["cos"], ",")
}

func (b *Bot) newPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	cancel := b.cancelButton(r, c)
	kind := deputybot.Kind(c.Data["kind"])
	kindName := texts.HTML(b.tx.T(l, "kind."+string(kind)))
	editing := c.Data["back"] == "preview"
	switch c.Step {
	case "kind":
		b.reply(ctx, r, b.tx.T(l, "new.ask_kind", "Need", b.opts.Rules.MotionCoSponsors(), "Signers", b.opts.Rules.MotionSigners), keyboard{
			{button(b.tx.T(l, "kind.suggestion"), cb("k:suggestion")), button(b.tx.T(l, "kind.motion"), cb("k:motion"))},
			cancel,
		})
	case "title":
		text := b.tx.T(l, "new.ask_title", "Kind", kindName, "Max", deputybot.MaxTitleLen)
		if editing {
			text += "\n" + b.tx.T(l, "new.current", "Value", c.Data["title"])
		}
		b.reply(ctx, r, text, keyboard{cancel})
	case "body":
		text := b.tx.T(l, "new.ask_body", "Kind", kindName, "Max", deputybot.MaxBodyLen)
		if editing {
			text += "\n" + b.tx.T(l, "new.current_body", "Count", utf8.RuneCountInString(c.Data["body"]))
		}
		b.reply(ctx, r, text, keyboard{cancel})
	case "cat":
		var kb keyboard
		var row []keyboardButton
		for _, cat := range b.opts.Rules.Categories {
			row = append(row, button(cat.Name(l), cb("cat:"+strconv.Itoa(slices.Index(b.opts.Rules.Categories, cat)))))
			if len(row) == 3 {
				kb, row = append(kb, row), nil
			}
		}
		if len(row) > 0 {
			kb = append(kb, row)
		}
		b.reply(ctx, r, b.tx.T(l, "new.ask_category"), append(kb, cancel))
	case "att":
		n := len(attachmentsOf(c))
		kb := keyboard{{button(b.tx.T(l, "btn.files_done", "Count", n), cb("att:done"))}}
		if n > 0 {
			kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.files_clear"), cb("att:clear"))})
		}
		b.reply(ctx, r, b.tx.T(l, "new.ask_attachments", "Max", deputybot.MaxAttachments, "Count", n), append(kb, cancel))
	case "similar":
		b.similarPrompt(ctx, r, c)
	case "cos":
		b.coSponsorPrompt(ctx, r, c)
	case "preview":
		b.preview(ctx, r, c)
	}
}

func (b *Bot) newText(ctx context.Context, r *request, c *conversation) error {
	m := r.msg
	if c.Step == "att" {
		return b.addAttachment(ctx, r, c, m)
	}
	if m.Text == "" {
		return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
	}
	switch c.Step {
	case "kind":
		switch strings.ToLower(strings.TrimSpace(m.Text)) {
		case "建议", "suggestion", "s":
			return b.newKindChosen(ctx, r, c, deputybot.KindSuggestion)
		case "议案", "motion", "m":
			return b.newKindChosen(ctx, r, c, deputybot.KindMotion)
		}
		return deputybot.Errorf(deputybot.EINVALID, "err.kind_unknown")
	case "title":
		title := deputybot.CleanText(m.Text)
		if err := deputybot.ValidateTitle(title); err != nil {
			return err
		}
		c.Data["title"] = title
		return b.newNext(ctx, r, c, "body")
	case "body":
		body := deputybot.CleanText(m.Text)
		if err := deputybot.ValidateBody(body); err != nil {
			return err
		}
		c.Data["body"] = body
		return b.newNext(ctx, r, c, "cat")
	case "cat":
		for _, cat := range b.opts.Rules.Categories {
			if strings.EqualFold(strings.TrimSpace(m.Text), cat.NameZH) || strings.EqualFold(strings.TrimSpace(m.Text), cat.NameEN) {
				c.Data["cat"] = cat.Key
				return b.afterCategory(ctx, r, c)
			}
		}
		if c.Data["back"] != "preview" && bodyLike(m.Text) {
			// The body's next part, sent as a second message: kept.
			body := c.Data["body"] + "\n" + deputybot.CleanText(m.Text)
			if err := deputybot.ValidateBody(body); err != nil {
				return err
			}
			c.Data["body"] = body
			b.reply(ctx, r, b.tx.T(r.lang, "new.body_appended", "Len", utf8.RuneCountInString(body)), nil)
			return b.advance(ctx, r, c, "cat")
		}
		return deputybot.Errorf(deputybot.EINVALID, "err.category_unknown")
	case "cos":
		// Typing searches the deputies by name.
		q := strings.TrimSpace(m.Text)
		if utf8.RuneCountInString(q) > deputybot.MaxNameLen {
			return deputybot.Errorf(deputybot.EINVALID, "err.name_too_long", "Max", deputybot.MaxNameLen)
		}
		c.Data["cq"], c.Data["cpage"] = q, "0"
		return b.advance(ctx, r, c, "cos")
	case "similar":
		return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
	case "preview":
		return deputybot.Errorf(deputybot.EINVALID, "err.use_preview_buttons")
	}
	return errStale
}

// bodyLike tells a message that continues a text (a sentence, several
// lines) from a word typed for a category button ("Astrology").
func bodyLike(s string) bool {
	s = strings.TrimSpace(s)
	return utf8.RuneCountInString(s) > 20 || strings.ContainsAny(s, "。，；！？.,;!?\n")
}

// newNext goes to the next step of the first pass, or back to the preview
// after an edit.
func (b *Bot) newNext(ctx context.Context, r *request, c *conversation, next string) error {
	if c.Data["back"] == "preview" {
		return b.advance(ctx, r, c, "preview")
	}
	return b.advance(ctx, r, c, next)
}

func (b *Bot) newKindChosen(ctx context.Context, r *request, c *conversation, k deputybot.Kind) error {
	c.Data["kind"] = string(k)
	return b.newNext(ctx, r, c, "title")
}

// addAttachment takes a document or photo sent at the attachments step.
func (b *Bot) addAttachment(ctx context.Context, r *request, c *conversation, m *models.Message) error {
	var att deputybot.Attachment
	switch {
	case m.Document != nil:
		att = deputybot.Attachment{FileID: m.Document.FileID, Kind: "document", Name: m.Document.FileName}
	case len(m.Photo) > 0:
		att = deputybot.Attachment{FileID: m.Photo[len(m.Photo)-1].FileID, Kind: "photo"}
	default:
		return deputybot.Errorf(deputybot.EINVALID, "err.file_expected")
	}
	if utf8.RuneCountInString(att.Name) > deputybot.MaxAttachmentName {
		att.Name = string([]rune(att.Name)[:deputybot.MaxAttachmentName])
	}
	atts := attachmentsOf(c)
	if len(atts) >= deputybot.MaxAttachments {
		return deputybot.Errorf(deputybot.EINVALID, "err.too_many_attachments", "Max", deputybot.MaxAttachments)
	}
	atts = append(atts, att)
	setAttachments(c, atts)
	c.LastUpdateID, c.UpdatedAt = r.id, r.now
	if err := b.store.SaveConversation(ctx, c.ChatID, c); err != nil {
		return err
	}
	name := att.Name
	if name == "" {
		name = b.tx.T(r.lang, "att.photo")
	}
	b.reply(ctx, r, b.tx.T(r.lang, "new.attachment_received", "Name", name, "Count", len(atts), "Max", deputybot.MaxAttachments),
		keyboard{{button(b.tx.T(r.lang, "btn.files_done", "Count", len(atts)), "c:"+c.Nonce+":att:done")}})
	return nil
}

func (b *Bot) newChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	switch {
	case kind == "k" && c.Step == "kind":
		k := deputybot.Kind(arg)
		if k != deputybot.KindSuggestion && k != deputybot.KindMotion {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.newKindChosen(ctx, r, c, k)
	case kind == "cat" && c.Step == "cat":
		i, err := strconv.Atoi(arg)
		if err != nil || i < 0 || i >= len(b.opts.Rules.Categories) {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["cat"] = b.opts.Rules.Categories[i].Key
		return b.afterCategory(ctx, r, c)
	case (kind == "sim" || kind == "join") && c.Step == "similar":
		return b.similarChoice(ctx, r, c, kind, arg)
	case kind == "att" && c.Step == "att":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		switch arg {
		case "done":
			return b.newNext(ctx, r, c, "cos")
		case "clear":
			setAttachments(c, nil)
			return b.advance(ctx, r, c, "att")
		}
		return errStale
	case kind == "cs" && c.Step == "cos":
		return b.coSponsorChoice(ctx, r, c, arg)
	case kind == "e" && c.Step == "preview":
		step := map[string]string{"title": "title", "body": "body", "cat": "cat", "att": "att", "cos": "cos"}[arg]
		if step == "" {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["back"] = "preview"
		return b.advance(ctx, r, c, step)
	case kind == "submit" && c.Step == "preview":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.submitDraft(ctx, r, c)
	case kind == "del" && c.Step == "preview":
		l := r.lang
		return b.edit(ctx, r.chatID, r.callbackMessageID(), b.tx.T(l, "new.confirm_delete"), keyboard{{
			button(b.tx.T(l, "btn.delete_yes"), "c:"+c.Nonce+":delyes"), button(b.tx.T(l, "btn.delete_no"), "c:"+c.Nonce+":delno"),
		}})
	case kind == "delno" && c.Step == "preview":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.advance(ctx, r, c, "preview")
	case kind == "delyes" && c.Step == "preview":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		if id := c.Data["item"]; id != "" {
			if err := b.svc.DeleteDraft(ctx, r.person, id); err != nil && !isNotFound(err) {
				return err
			}
		}
		if err := b.finish(ctx, r); err != nil {
			return err
		}
		b.reply(ctx, r, b.tx.T(r.lang, "new.deleted"), nil)
		return nil
	}
	return errStale
}

const coSponsorPageSize = 8

// coSponsorCandidates are the active deputies other than the author,
// filtered by the typed search.
func (b *Bot) coSponsorCandidates(ctx context.Context, r *request, q string) ([]*deputybot.Person, error) {
	deputies, _, err := b.store.People(ctx, deputybot.PeopleFilter{Role: deputybot.RoleDeputy})
	if err != nil {
		return nil, err
	}
	q = strings.ToLower(q)
	return slices.DeleteFunc(deputies, func(p *deputybot.Person) bool {
		return p.ID == r.person.ID || p.State != deputybot.PersonActive ||
			(q != "" && !strings.Contains(strings.ToLower(p.Name), q))
	}), nil
}

func (b *Bot) coSponsorPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	chosen := coSponsorsOf(c)
	cands, err := b.coSponsorCandidates(ctx, r, c.Data["cq"])
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	page, _ := strconv.Atoi(c.Data["cpage"])
	kb := pagedChoices(cands, page, coSponsorPageSize, func(p *deputybot.Person) keyboardButton {
		label := p.Name
		if slices.Contains(chosen, p.ID) {
			label = "✅ " + label
		}
		return button(label, "c:"+c.Nonce+":cs:t:"+p.ID)
	}, func(p int) string { return "c:" + c.Nonce + ":cs:p:" + strconv.Itoa(p) })
	kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.cosponsors_done", "Count", len(chosen)), "c:"+c.Nonce+":cs:done")})
	kb = append(kb, b.cancelButton(r, c))
	var sb strings.Builder
	if deputybot.Kind(c.Data["kind"]) == deputybot.KindMotion {
		sb.WriteString(b.tx.T(l, "new.ask_cosponsors_motion", "Need", b.opts.Rules.MotionCoSponsors(), "Signers", b.opts.Rules.MotionSigners))
	} else {
		sb.WriteString(b.tx.T(l, "new.ask_cosponsors"))
	}
	if q := c.Data["cq"]; q != "" {
		sb.WriteString("\n" + b.tx.T(l, "new.cosponsor_search", "Query", deputybot.Echo(q), "Count", len(cands)))
	} else if len(cands) == 0 {
		sb.WriteString("\n" + b.tx.T(l, "new.no_deputies"))
	}
	b.reply(ctx, r, sb.String(), kb)
}

func (b *Bot) coSponsorChoice(ctx context.Context, r *request, c *conversation, arg string) error {
	op, val, _ := strings.Cut(arg, ":")
	switch op {
	case "t": // toggle a deputy
		p, err := b.store.Person(ctx, val)
		if err != nil || !p.HasRole(deputybot.RoleDeputy) || p.ID == r.person.ID {
			return errStale
		}
		chosen := coSponsorsOf(c)
		if i := slices.Index(chosen, val); i >= 0 {
			chosen = slices.Delete(chosen, i, i+1)
		} else {
			if len(chosen) >= deputybot.MaxCoSponsors {
				return deputybot.Errorf(deputybot.EINVALID, "err.too_many_cosponsors", "Max", deputybot.MaxCoSponsors)
			}
			chosen = append(chosen, val)
		}
		c.Data["cos"] = strings.Join(chosen, ",")
	case "p":
		page, err := strconv.Atoi(val)
		if err != nil || page < 0 {
			return errStale
		}
		c.Data["cpage"] = val
	case "done":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		delete(c.Data, "cq")
		delete(c.Data, "cpage")
		return b.advance(ctx, r, c, "preview")
	default:
		return errStale
	}
	// Redraw the list in place.
	c.LastUpdateID, c.UpdatedAt = r.id, r.now
	if err := b.store.SaveConversation(ctx, c.ChatID, c); err != nil {
		return err
	}
	r.redraw = r.callbackMessageID()
	b.coSponsorPrompt(ctx, r, c)
	return nil
}

// saveDraft stores the conversation's fields as the draft item.
func (b *Bot) saveDraft(ctx context.Context, r *request, c *conversation) (*deputybot.Item, error) {
	it, err := b.svc.SaveDraft(ctx, r.person, r.id, deputybot.DraftInput{
		ItemID: c.Data["item"], NewID: draftID(c), Kind: deputybot.Kind(c.Data["kind"]), Title: c.Data["title"],
		Body: c.Data["body"], Category: c.Data["cat"], Attachments: attachmentsOf(c), CoSponsors: coSponsorsOf(c),
	}, r.now)
	if err != nil {
		return nil, err
	}
	if c.Data["item"] != it.ID {
		c.Data["item"] = it.ID
		if err := b.store.SaveConversation(ctx, c.ChatID, c); err != nil {
			return nil, err
		}
	}
	return it, nil
}

// draftID is the id of the draft a /new dialogue makes: the same for the
// dialogue however often its preview is saved.
func draftID(c *conversation) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(c.ChatID, 10) + ":" + c.Nonce))
	return hex.EncodeToString(sum[:12])
}

// preview saves the draft and shows it with the Submit and Edit buttons.
func (b *Bot) preview(ctx context.Context, r *request, c *conversation) {
	it, err := b.saveDraft(ctx, r, c)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
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
	l := r.lang
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	text := b.tx.T(l, "new.preview") + "\n\n" + b.cardText(ctx, l, it, det, e, nil)
	if it.Kind == deputybot.KindMotion {
		text += "\n\n" + b.tx.T(l, "new.share_link", "Link", b.shareLink(it))
	}
	kb := keyboard{
		{button(b.tx.T(l, "btn.submit"), cb("submit"))},
		{button(b.tx.T(l, "btn.edit_title"), cb("e:title")), button(b.tx.T(l, "btn.edit_body"), cb("e:body"))},
		{button(b.tx.T(l, "btn.edit_category"), cb("e:cat")), button(b.tx.T(l, "btn.edit_files"), cb("e:att"))},
		{button(b.tx.T(l, "btn.edit_cosponsors"), cb("e:cos")), button(b.tx.T(l, "btn.delete_draft"), cb("del"))},
	}
	b.send(ctx, r.chatID, text, kb)
}

func (b *Bot) shareLink(it *deputybot.Item) string {
	return "https://t.me/" + b.tg.Username() + "?start=cs_" + it.ShareToken
}

// submitDraft submits the previewed draft: a suggestion (or a motion with
// enough co-sponsors) at once, a motion otherwise as soon as its
// co-sponsors confirm. Co-sponsors are asked now.
func (b *Bot) submitDraft(ctx context.Context, r *request, c *conversation) error {
	it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, _ deputybot.Env) ([]deputybot.Event, error) {
		ev, _, err := deputybot.Submit(it, r.person, &b.opts.Rules, r.now)
		return one(ev, err)
	})
	if err != nil {
		return err
	}
	if err := b.finish(ctx, r); err != nil {
		return err
	}
	if it.Status != deputybot.StatusDraft {
		b.reply(ctx, r, b.tx.T(r.lang, "new.submitted", "Label", texts.HTML(b.tx.Label(r.lang, it))), nil)
		return nil
	}
	b.reply(ctx, r, b.tx.T(r.lang, "new.waiting_cosponsors", "Need", b.opts.Rules.MotionCoSponsors(), "Signers", b.opts.Rules.MotionSigners,
		"Confirmed", it.ConfirmedCoSponsors(), "Link", b.shareLink(it)), nil)
	return nil
}
