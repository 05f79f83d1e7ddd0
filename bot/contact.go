package bot

import (
	"context"
	"deputybot"
	"deputybot/texts"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// The lead department logs a contact with the deputy: when, how, a note.

func (b *Bot) contactPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	cancel := b.cancelButton(r, c)
	switch c.Step {
	case "date":
		// Only the days the rule allows are offered: an item assigned
		// today has no "yesterday".
		row := []keyboardButton{button(b.tx.T(l, "btn.today"), cb("day:0"))}
		if it, e, err := b.convItemEnv(ctx, r, c); err == nil {
			if first, _ := deputybot.ContactDates(it, e); first.Before(deputybot.DateOf(r.now, b.opts.Location)) {
				row = append(row, button(b.tx.T(l, "btn.yesterday"), cb("day:1")))
			}
		}
		b.reply(ctx, r, b.tx.T(l, "contact.ask_date"), keyboard{row, cancel})
	case "stage":
		b.reply(ctx, r, b.tx.T(l, "contact.ask_stage"), keyboard{
			{button(b.tx.T(l, "btn.stage_before"), cb("s:before"))},
			{button(b.tx.T(l, "btn.stage_during"), cb("s:during"))}, cancel})
	case "method":
		// Face to face first, three a row (a phone's width).
		var kb keyboard
		for i, m := range deputybot.ContactMethods {
			if i%3 == 0 {
				kb = append(kb, nil)
			}
			kb[len(kb)-1] = append(kb[len(kb)-1], button(b.tx.T(l, "btn.method_"+string(m)), cb("m:"+string(m))))
		}
		b.reply(ctx, r, b.tx.T(l, "contact.ask_method"), append(kb, cancel))
	case "note":
		b.reply(ctx, r, b.tx.T(l, "contact.ask_note", "Max", deputybot.MaxNoteLen), keyboard{
			{button(b.tx.T(l, "btn.skip"), cb("skip"))}, cancel})
	case "group":
		it, err := b.store.Item(ctx, c.Data["item"])
		if err != nil {
			b.fail(ctx, r, err)
			return
		}
		others := b.groupContactable(ctx, r, it)
		n := b.names(ctx)
		var lines []string
		for _, m := range others {
			lines = append(lines, b.tx.T(l, "grp.member", "Label", texts.HTML(b.tx.Label(l, m)), "Title", m.Title, "Author", n.of(m.AuthorID)))
		}
		b.reply(ctx, r, b.tx.T(l, "grp.ask_contact", "Count", len(others),
			"Method", texts.HTML(b.tx.Method(l, deputybot.ContactMethod(c.Data["method"]))), "Date", c.Data["date"])+"\n"+strings.Join(lines, "\n"),
			keyboard{{button(b.tx.T(l, "btn.group_contact_yes", "Count", len(others)), cb("g:y"))}, {button(b.tx.T(l, "btn.group_contact_no"), cb("g:n"))}})
	}
}

func (b *Bot) contactText(ctx context.Context, r *request, c *conversation) error {
	switch c.Step {
	case "date":
		d, err := b.dateAnswer(r, false)
		if err != nil {
			return err
		}
		return b.contactDate(ctx, r, c, d)
	case "note":
		if r.msg.Text == "" {
			return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
		}
		return b.logContact(ctx, r, c, r.msg.Text)
	}
	return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
}

func (b *Bot) contactChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	switch {
	case kind == "day" && c.Step == "date":
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 || n > 1 {
			return errStale
		}
		if err := b.contactDate(ctx, r, c, deputybot.DateOf(r.now.AddDate(0, 0, -n), b.opts.Location)); err != nil {
			return err
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return nil
	case kind == "s" && c.Step == "stage":
		if arg != string(deputybot.StageBefore) && arg != string(deputybot.StageDuring) {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["stage"] = arg
		if c.Data["noted"] != "" && c.Data["method"] != "" {
			// Asked after the note (a dialogue begun before stages).
			return b.logContact(ctx, r, c, c.Data["note"])
		}
		return b.advance(ctx, r, c, "method")
	case kind == "m" && c.Step == "method":
		if !slices.Contains(deputybot.ContactMethods, deputybot.ContactMethod(arg)) {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["method"] = arg
		return b.advance(ctx, r, c, "note")
	case kind == "g" && c.Step == "group":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.groupContact(ctx, r, c, arg == "y")
	case kind == "skip" && c.Step == "note":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.logContact(ctx, r, c, "")
	}
	return errStale
}

// contactDate takes the date at its own step, checked by the domain's
// rule, so that a wrong date is asked again there (not after the note).
// Back at the date after the note was written (the item changed in
// between), the contact is logged with the note kept.
func (b *Bot) contactDate(ctx context.Context, r *request, c *conversation, d deputybot.Date) error {
	it, e, err := b.convItemEnv(ctx, r, c)
	if err != nil {
		return err
	}
	if err := deputybot.CheckContactDate(it, d, e); err != nil {
		return err
	}
	c.Data["date"] = d.String()
	if c.Data["noted"] != "" && c.Data["method"] != "" {
		return b.logContact(ctx, r, c, c.Data["note"])
	}
	if _, decided := it.StageOfNext(); decided {
		// After the reply: a follow-up (回访), nothing to ask.
		c.Data["stage"] = string(deputybot.StageAfter)
		return b.advance(ctx, r, c, "method")
	}
	return b.advance(ctx, r, c, "stage")
}

func (b *Bot) logContact(ctx context.Context, r *request, c *conversation, note string) error {
	if c.Data["stage"] == "" {
		// A dialogue begun before contacts had stages: asked now, the
		// note kept (after the reply the stage is decided).
		it, err := b.store.Item(ctx, c.Data["item"])
		if err != nil {
			return err
		}
		if _, decided := it.StageOfNext(); !decided {
			c.Data["note"], c.Data["noted"] = note, "1"
			return b.advance(ctx, r, c, "stage")
		}
	}
	d, _ := deputybot.ParseDate(c.Data["date"])
	in := deputybot.ContactInput{Date: d, Method: deputybot.ContactMethod(c.Data["method"]),
		Stage: deputybot.ContactStage(c.Data["stage"]), Note: note}
	it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.LogContact(it, r.person, in, e))
	})
	if err != nil {
		var de *deputybot.Error
		if errors.As(err, &de) && (de.Key == "err.contact_before_assignment" || de.Key == "err.contact_future") {
			// The date no longer holds (a day passed, the item was
			// assigned again): the date is asked again, the note kept.
			c.Data["note"], c.Data["noted"] = note, "1"
			b.fail(ctx, r, err)
			return b.advance(ctx, r, c, "date")
		}
		if deputybot.ErrorCode(err) != deputybot.EINVALID {
			_ = b.finish(ctx, r)
		}
		return err
	}
	if others := b.groupContactable(ctx, r, it); len(others) > 0 {
		// Handled together: one meeting often heard every deputy of the
		// group (a 座谈); asked, and logged on each if so.
		b.reply(ctx, r, b.tx.T(r.lang, "done.contact", "Label", texts.HTML(b.tx.Label(r.lang, it))), nil)
		c.Data["note"] = note
		return b.advance(ctx, r, c, "group")
	}
	if err := b.finish(ctx, r); err != nil {
		return err
	}
	b.doneWithNext(ctx, r, it, b.tx.T(r.lang, "done.contact", "Label", texts.HTML(b.tx.Label(r.lang, it))))
	return nil
}

// groupContactable are the other items of it's group p may log the same
// contact on (none when it is handled alone).
func (b *Bot) groupContactable(ctx context.Context, r *request, it *deputybot.Item) []*deputybot.Item {
	if !it.InGroup() {
		return nil
	}
	var out []*deputybot.Item
	for _, m := range b.groupMembers(ctx, it.GroupID) {
		if m.ID != it.ID && deputybot.Check(r.person, m, deputybot.ActLogContact) == nil {
			out = append(out, m)
		}
	}
	return out
}

// groupContact logs the contact just logged on the group's other items
// (yes), or not, and ends the dialogue.
func (b *Bot) groupContact(ctx context.Context, r *request, c *conversation, yes bool) error {
	it, err := b.store.Item(ctx, c.Data["item"])
	if err != nil {
		_ = b.finish(ctx, r)
		return err
	}
	logged := 0
	if yes {
		d, _ := deputybot.ParseDate(c.Data["date"])
		in := deputybot.ContactInput{Date: d, Method: deputybot.ContactMethod(c.Data["method"]),
			Stage: deputybot.ContactStage(c.Data["stage"]), Note: c.Data["note"]}
		for _, m := range b.groupContactable(ctx, r, it) {
			if _, err := b.change(ctx, r, m.ID, func(x *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
				return one(deputybot.LogContact(x, r.person, in, e))
			}); err != nil {
				b.reply(ctx, r, b.tx.T(r.lang, "grp.failed", "Label", texts.HTML(b.tx.Label(r.lang, m)), "Why", texts.HTML(b.tx.Err(r.lang, err))), nil)
				continue
			}
			logged++
		}
	}
	if err := b.finish(ctx, r); err != nil {
		return err
	}
	text := b.tx.T(r.lang, "grp.contact_alone")
	if yes {
		text = b.tx.T(r.lang, "grp.contact_logged", "Count", logged)
	}
	b.doneWithNext(ctx, r, it, text)
	return nil
}
