package bot

import (
	"context"
	"deputybot"
	"deputybot/texts"
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
		b.reply(ctx, r, b.tx.T(l, "contact.ask_date"), keyboard{
			{button(b.tx.T(l, "btn.today"), cb("day:0")), button(b.tx.T(l, "btn.yesterday"), cb("day:1"))}, cancel})
	case "method":
		var row []keyboardButton
		for _, m := range deputybot.ContactMethods {
			row = append(row, button(b.tx.T(l, "btn.method_"+string(m)), cb("m:"+string(m))))
		}
		b.reply(ctx, r, b.tx.T(l, "contact.ask_method"), keyboard{row, cancel})
	case "note":
		b.reply(ctx, r, b.tx.T(l, "contact.ask_note", "Max", deputybot.MaxNoteLen), keyboard{
			{button(b.tx.T(l, "btn.skip"), cb("skip"))}, cancel})
	}
}

func (b *Bot) contactText(ctx context.Context, r *request, c *conversation) error {
	switch c.Step {
	case "date":
		d, err := b.dateAnswer(r, false)
		if err != nil {
			return err
		}
		c.Data["date"] = d.String()
		return b.advance(ctx, r, c, "method")
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
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["date"] = deputybot.DateOf(r.now.AddDate(0, 0, -n), b.opts.Location).String()
		return b.advance(ctx, r, c, "method")
	case kind == "m" && c.Step == "method":
		if !slices.Contains(deputybot.ContactMethods, deputybot.ContactMethod(arg)) {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["method"] = arg
		return b.advance(ctx, r, c, "note")
	case kind == "skip" && c.Step == "note":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.logContact(ctx, r, c, "")
	}
	return errStale
}

func (b *Bot) logContact(ctx context.Context, r *request, c *conversation, note string) error {
	d, _ := deputybot.ParseDate(c.Data["date"])
	in := deputybot.ContactInput{Date: d, Method: deputybot.ContactMethod(c.Data["method"]), Note: note}
	it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.LogContact(it, r.person, in, e))
	})
	if err != nil {
		if deputybot.ErrorCode(err) != deputybot.EINVALID {
			_ = b.finish(ctx, r)
		}
		return err
	}
	return b.endWith(ctx, r, b.tx.T(r.lang, "done.contact", "Label", texts.HTML(b.tx.Label(r.lang, it))))
}
