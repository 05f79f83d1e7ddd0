package bot

import (
	"context"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/texts"
)

// Promises followed to the end: the lead department reports what was
// done on a promise (which one, how far, what), the deputy says whether
// it was kept — one tap — and may add a line or a photo.

var promiseCodes = map[string]deputybot.PromiseState{"k": deputybot.PromiseKept, "p": deputybot.PromisePartly, "u": deputybot.PromiseUnkept}

func promiseCode(s deputybot.PromiseState) string {
	for c, v := range promiseCodes {
		if v == s {
			return c
		}
	}
	return ""
}

// --- the department's report: which promise, how far, what was done

func (b *Bot) promiseReportPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	cancel := b.cancelButton(r, c)
	it, err := b.store.Item(ctx, c.Data["item"])
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	switch c.Step {
	case "which":
		var kb keyboard
		for _, p := range it.PromisesUnreported() {
			kb = append(kb, []keyboardButton{button(texts.Plain(b.tx.T(l, "reply.promise_line", "N", p.N, "Due", p.Due, "What", p.What)),
				cb("n:"+strconv.Itoa(p.N)))})
		}
		b.reply(ctx, r, b.tx.T(l, "promise.ask_which"), append(kb, cancel))
	case "state":
		n, _ := strconv.Atoi(c.Data["n"])
		p := it.Promise(n)
		if p == nil {
			b.fail(ctx, r, deputybot.Errorf(deputybot.ENOTFOUND, "err.promise_not_found"))
			return
		}
		var row []keyboardButton
		for _, s := range deputybot.PromiseStates {
			row = append(row, button(b.tx.T(l, "promise.dept_"+string(s)), cb("s:"+promiseCode(s))))
		}
		b.reply(ctx, r, b.tx.T(l, "promise.ask_state", "Due", p.Due, "What", p.What), keyboard{row, cancel})
	case "text":
		b.reply(ctx, r, b.tx.T(l, "promise.ask_text", "Max", deputybot.MaxReplyLen), keyboard{cancel})
	}
}

func (b *Bot) promiseReportChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	switch {
	case kind == "n" && c.Step == "which":
		if _, err := strconv.Atoi(arg); err != nil {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["n"] = arg
		return b.advance(ctx, r, c, "state")
	case kind == "s" && c.Step == "state":
		if _, ok := promiseCodes[arg]; !ok {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["state"] = string(promiseCodes[arg])
		return b.advance(ctx, r, c, "text")
	}
	return errStale
}

func (b *Bot) promiseReportText(ctx context.Context, r *request, c *conversation) error {
	if c.Step != "text" {
		return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
	}
	text, err := deputybot.CheckReplyText(r.msg.Text)
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(c.Data["n"])
	state := deputybot.PromiseState(c.Data["state"])
	it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.ReportPromise(it, r.person, n, state, text, e))
	})
	if err != nil {
		if deputybot.ErrorCode(err) != deputybot.EINVALID {
			_ = b.finish(ctx, r)
		}
		return err
	}
	return b.endWithNext(ctx, r, it, b.tx.T(r.lang, "promise.reported", "Label", texts.HTML(b.tx.Label(r.lang, it))))
}

// --- the deputy's answer: kept, partly, not kept; then a line or a photo

// promiseQuestion is the deputy's question on promise n: one message, the
// department's report if it gave one, a row of three buttons.
func (b *Bot) promiseQuestion(l deputybot.Language, it *deputybot.Item, p deputybot.Promise, dept string) (string, string) {
	text := b.tx.T(l, "promise.ask_deputy", "Label", texts.HTML(b.tx.Label(l, it)), "Title", it.Title, "Dept", dept,
		"Due", p.Due, "What", p.What)
	if p.Report != "" {
		text += "\n" + b.tx.T(l, "promise.dept_report", "Dept", dept,
			"State", texts.HTML(b.tx.T(l, "promise.dept_"+string(p.DeptSays))), "Report", p.Report)
	}
	text += "\n\n" + b.tx.T(l, "promise.ask_deputy_note")
	var row []keyboardButton
	for _, s := range deputybot.PromiseStates {
		row = append(row, button(b.tx.T(l, "promise."+string(s)), "pa:"+it.ID+":"+strconv.Itoa(p.N)+":"+promiseCode(s)))
	}
	return text, keyboard{row, {button(b.tx.T(l, "btn.view"), "it:"+it.ID)}}.json()
}

// onPromiseAnswer handles "pa:<item id>:<n>:<k|p|u>".
func (b *Bot) onPromiseAnswer(ctx context.Context, r *request, arg string) error {
	parts := strings.Split(arg, ":")
	if len(parts) != 3 {
		return errStale
	}
	n, err := strconv.Atoi(parts[1])
	state, ok := promiseCodes[parts[2]]
	if err != nil || !ok {
		return errStale
	}
	it, err := b.change(ctx, r, parts[0], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.AnswerPromise(it, r.person, n, state, e))
	})
	if err != nil {
		return err
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	return b.begin(ctx, r, "promise-comment", "comment", map[string]string{"item": it.ID, "n": parts[1], "state": string(state)})
}

func (b *Bot) promiseCommentPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	b.reply(ctx, r, b.tx.T(l, "promise.answered", "State", texts.HTML(b.tx.T(l, "promise."+c.Data["state"])), "Max", deputybot.MaxNoteLen),
		keyboard{{button(b.tx.T(l, "btn.skip"), "c:"+c.Nonce+":skip")}})
}

func (b *Bot) promiseCommentChoice(ctx context.Context, r *request, c *conversation, value string) error {
	if value != "skip" {
		return errStale
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	if err := b.finish(ctx, r); err != nil {
		return err
	}
	b.reply(ctx, r, b.tx.T(r.lang, "promise.thanks"), nil)
	return nil
}

// promiseCommentText takes a line or a photo (the largest size).
func (b *Bot) promiseCommentText(ctx context.Context, r *request, c *conversation) error {
	text, photo := r.msg.Text, ""
	if len(r.msg.Photo) > 0 {
		text, photo = r.msg.Caption, r.msg.Photo[len(r.msg.Photo)-1].FileID
	}
	if text == "" && photo == "" {
		return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
	}
	n, _ := strconv.Atoi(c.Data["n"])
	_, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.CommentPromise(it, r.person, n, text, photo, e))
	})
	if err != nil {
		if deputybot.ErrorCode(err) != deputybot.EINVALID {
			_ = b.finish(ctx, r)
		}
		return err
	}
	if err := b.finish(ctx, r); err != nil {
		return err
	}
	b.reply(ctx, r, b.tx.T(r.lang, "promise.thanks"), nil)
	return nil
}
