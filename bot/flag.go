package bot

import (
	"context"
	"deputybot"
	"deputybot/texts"
	"slices"
	"strings"
)

// A supervisor raises a quality problem in a reply: category, deadline of
// the corrected reply, a note.

func (b *Bot) flagPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	cancel := b.cancelButton(r, c)
	switch c.Step {
	case "category":
		var kb keyboard
		for _, fc := range deputybot.FlagCategories {
			kb = append(kb, []keyboardButton{button(b.tx.T(l, "flag."+string(fc)), cb("fc:"+string(fc)))})
		}
		b.reply(ctx, r, b.tx.T(l, "flag.ask_category"), append(kb, cancel))
	case "deadline":
		e, err := b.env(ctx, r.now)
		if err != nil {
			b.fail(ctx, r, err)
			return
		}
		ds := b.tx.Date(e.RectificationDeadline())
		b.reply(ctx, r, b.tx.T(l, "flag.ask_deadline", "Default", ds), keyboard{{button(b.tx.T(l, "btn.use_date", "Date", ds), cb("dl:default"))}, cancel})
	case "note":
		b.reply(ctx, r, b.tx.T(l, "flag.ask_note", "Max", deputybot.MaxNoteLen), keyboard{{button(b.tx.T(l, "btn.skip"), cb("skip"))}, cancel})
	}
}

func (b *Bot) flagText(ctx context.Context, r *request, c *conversation) error {
	switch c.Step {
	case "deadline":
		d, err := b.dateAnswer(r, true)
		if err != nil {
			return err
		}
		c.Data["deadline"] = d.String()
		return b.advance(ctx, r, c, "note")
	case "note":
		if r.msg.Text == "" {
			return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
		}
		return b.flag(ctx, r, c, r.msg.Text)
	}
	return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
}

func (b *Bot) flagChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	switch {
	case kind == "fc" && c.Step == "category":
		if !slices.Contains(deputybot.FlagCategories, deputybot.FlagCategory(arg)) {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["category"] = arg
		return b.advance(ctx, r, c, "deadline")
	case kind == "dl" && c.Step == "deadline":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		delete(c.Data, "deadline")
		return b.advance(ctx, r, c, "note")
	case kind == "skip" && c.Step == "note":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.flag(ctx, r, c, "")
	}
	return errStale
}

func (b *Bot) flag(ctx context.Context, r *request, c *conversation, note string) error {
	in := deputybot.FlagInput{Category: deputybot.FlagCategory(c.Data["category"]), Note: note}
	if d, ok := deputybot.ParseDate(c.Data["deadline"]); ok {
		in.Deadline = deputybot.EndOfDay(d, b.opts.Location)
	}
	it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.FlagReply(it, r.person, in, e))
	})
	if err != nil {
		if deputybot.ErrorCode(err) != deputybot.EINVALID {
			_ = b.finish(ctx, r)
		}
		return err
	}
	f := it.Flags[len(it.Flags)-1]
	return b.endWithNext(ctx, r, it, b.tx.T(r.lang, "done.flagged", "Label", texts.HTML(b.tx.Label(r.lang, it)), "Deadline", b.tx.Date(f.Deadline)))
}
