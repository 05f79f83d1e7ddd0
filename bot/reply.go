package bot

import (
	"context"
	"deputybot"
	"deputybot/texts"
	"slices"
	"strings"
)

// The lead department replies (or corrects its reply after a quality
// flag): class, text, an optional document, then confirms.

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
	case "file":
		b.reply(ctx, r, b.tx.T(l, "reply.ask_file"), keyboard{{button(b.tx.T(l, "btn.skip"), cb("nofile"))}, cancel})
	case "confirm":
		file := ""
		if c.Data["fileName"] != "" || c.Data["file"] != "" {
			file = "\n" + b.tx.T(l, "reply.file", "Name", c.Data["fileName"])
		}
		text := b.tx.T(l, "reply.confirm", "Class", texts.HTML(b.tx.T(l, "class."+c.Data["class"]))) + file + "\n\n" + texts.Esc(c.Data["text"])
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
		return b.advance(ctx, r, c, "text")
	case kind == "nofile" && c.Step == "file":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.advance(ctx, r, c, "confirm")
	case kind == "send" && c.Step == "confirm":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		in := deputybot.ReplyInput{Class: deputybot.ReplyClass(c.Data["class"]), Text: c.Data["text"],
			FileID: c.Data["file"], FileName: c.Data["fileName"], FileKind: c.Data["fileKind"]}
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
