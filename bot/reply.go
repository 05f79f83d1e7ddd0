package bot

import (
	"context"
	"deputybot"
	"deputybot/texts"
	"slices"
	"strings"
)

// The lead department replies (or corrects its reply after a quality
// flag): class, text, the dated promises of a B or C reply, an optional
// document, then confirms.

func (b *Bot) replyPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	cancel := b.cancelButton(r, c)
	switch c.Step {
	case "class":
		var kb keyboard
		for _, cl := range deputybot.ReplyClasses {
			kb = append(kb, []keyboardButton{button(b.tx.T(l, "class."+string(cl)), cb("cl:"+string(cl)))})
		}
		key := "reply.ask_class"
		if c.Data["correct"] == "1" {
			key = "reply.ask_class_correct"
		}
		b.reply(ctx, r, b.tx.T(l, key), append(kb, cancel))
	case "text":
		b.reply(ctx, r, b.tx.T(l, "reply.ask_text", "Max", deputybot.MaxReplyLen), keyboard{cancel})
	case "promises":
		key, kb := "reply.ask_promises_b", keyboard{cancel}
		if c.Data["class"] == string(deputybot.ClassC) {
			key, kb = "reply.ask_promises_c", keyboard{{button(b.tx.T(l, "btn.no_promises"), cb("nopromises"))}, cancel}
		}
		b.reply(ctx, r, b.tx.T(l, key, "Max", deputybot.MaxPromises), kb)
	case "file":
		b.reply(ctx, r, b.tx.T(l, "reply.ask_file"), keyboard{{button(b.tx.T(l, "btn.skip"), cb("nofile"))}, cancel})
	case "confirm":
		file := ""
		if c.Data["fileName"] != "" || c.Data["file"] != "" {
			file = "\n" + b.tx.T(l, "reply.file", "Name", c.Data["fileName"])
		}
		text := b.tx.T(l, "reply.confirm", "Class", texts.HTML(b.tx.T(l, "class."+c.Data["class"]))) + file + "\n\n" + texts.Esc(c.Data["text"])
		if ps, _ := deputybot.ParsePromises(c.Data["promises"]); len(ps) > 0 {
			text += "\n\n" + b.promiseList(l, ps)
		}
		b.send(ctx, r.chatID, text, keyboard{{button(b.tx.T(l, "btn.send_reply"), cb("send"))}, cancel})
	}
}

func (b *Bot) replyText(ctx context.Context, r *request, c *conversation) error {
	switch c.Step {
	case "class":
		cl := deputybot.ReplyClass(strings.ToUpper(strings.TrimSpace(r.msg.Text)))
		if !slices.Contains(deputybot.ReplyClasses, cl) {
			return deputybot.Errorf(deputybot.EINVALID, "err.class_unknown")
		}
		c.Data["class"] = string(cl)
		return b.advance(ctx, r, c, "text")
	case "text":
		if r.msg.Text == "" {
			return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
		}
		text, err := deputybot.CheckReplyText(r.msg.Text)
		if err != nil {
			return err
		}
		c.Data["text"] = text
		return b.afterReplyText(ctx, r, c)
	case "promises":
		ps, err := deputybot.ParsePromises(r.msg.Text)
		if err != nil {
			return err
		}
		e, err := b.env(ctx, r.now)
		if err != nil {
			return err
		}
		if err := deputybot.CheckPromises(deputybot.ReplyClass(c.Data["class"]), ps, e); err != nil {
			return err
		}
		c.Data["promises"] = r.msg.Text
		return b.advance(ctx, r, c, "file")
	case "file":
		// The formal letter: a document, or a scanned page sent as a
		// photo (the largest size Telegram made of it).
		m := r.msg
		switch {
		case m.Document != nil:
			c.Data["file"], c.Data["fileName"], c.Data["fileKind"] = m.Document.FileID, m.Document.FileName, ""
		case len(m.Photo) > 0:
			c.Data["file"], c.Data["fileName"], c.Data["fileKind"] = m.Photo[len(m.Photo)-1].FileID, b.tx.T(r.lang, "reply.photo_name"), "photo"
		default:
			return deputybot.Errorf(deputybot.EINVALID, "err.reply_file_expected")
		}
		return b.advance(ctx, r, c, "confirm")
	}
	return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
}

func (b *Bot) replyChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	switch {
	case kind == "cl" && c.Step == "class":
		if !slices.Contains(deputybot.ReplyClasses, deputybot.ReplyClass(arg)) {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["class"] = arg
		if c.Data["text"] != "" {
			// The class changed at the confirmation: its promises next.
			return b.afterReplyText(ctx, r, c)
		}
		return b.advance(ctx, r, c, "text")
	case kind == "nopromises" && c.Step == "promises" && c.Data["class"] == string(deputybot.ClassC):
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["promises"] = ""
		return b.advance(ctx, r, c, "file")
	case kind == "nofile" && c.Step == "file":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.advance(ctx, r, c, "confirm")
	case kind == "send" && c.Step == "confirm":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		ps, err := deputybot.ParsePromises(c.Data["promises"])
		if err != nil {
			return err
		}
		in := deputybot.ReplyInput{Class: deputybot.ReplyClass(c.Data["class"]), Text: c.Data["text"],
			FileID: c.Data["file"], FileName: c.Data["fileName"], FileKind: c.Data["fileKind"], Promises: ps}
		correct := c.Data["correct"] == "1"
		it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			if correct {
				return one(deputybot.CorrectReply(it, det, r.person, in, e))
			}
			return one(deputybot.SendReply(it, det, r.person, in, e))
		})
		if err != nil {
			_ = b.finish(ctx, r)
			return err
		}
		return b.endWithNext(ctx, r, it, b.tx.T(r.lang, "done.replied", "Label", texts.HTML(b.tx.Label(r.lang, it))))
	}
	return errStale
}

// afterReplyText goes on from the reply's text: a B or C reply's
// promises, else the document.
func (b *Bot) afterReplyText(ctx context.Context, r *request, c *conversation) error {
	if deputybot.ReplyClass(c.Data["class"]).Promise() {
		return b.advance(ctx, r, c, "promises")
	}
	c.Data["promises"] = ""
	return b.advance(ctx, r, c, "file")
}

// promiseList lists promises: "1. 2026-12-31 完成加装".
func (b *Bot) promiseList(l deputybot.Language, ps []deputybot.PromiseInput) string {
	var lines []string
	for i, p := range ps {
		lines = append(lines, b.tx.T(l, "reply.promise_line", "N", i+1, "Due", p.Due.String(), "What", p.What))
	}
	return b.tx.T(l, "reply.promises") + "\n" + strings.Join(lines, "\n")
}

// promiseLines are a reply's promises as recorded; with state, each with
// the department's report and the deputy's answer so far.
func (b *Bot) promiseLines(l deputybot.Language, ps []deputybot.Promise, state bool) string {
	lines := []string{b.tx.T(l, "reply.promises")}
	for _, p := range ps {
		line := b.tx.T(l, "reply.promise_line", "N", p.N, "Due", p.Due, "What", p.What)
		if state {
			if p.DeptSays != "" {
				line += b.tx.T(l, "promise.dept_says", "State", texts.HTML(b.tx.T(l, "promise.dept_"+string(p.DeptSays))))
			}
			switch {
			case p.Answer != "":
				line += b.tx.T(l, "promise.deputy_says", "State", texts.HTML(b.tx.T(l, "promise."+string(p.Answer))))
				if p.Comment != "" {
					line += " — " + texts.Esc(p.Comment)
				}
			case p.DeptSays == "":
				line += b.tx.T(l, "promise.waiting")
			}
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
