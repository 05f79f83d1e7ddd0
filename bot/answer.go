package bot

import (
	"context"
	"strconv"

	"deputybot"
	"deputybot/texts"
)

// Dialogues of one answer: the person is asked for a text (a reason, an
// opinion), which is checked as the domain checks it and acts at once.
// Reporting progress asks a second question: is the promise met?

// answerDialogue is one of them.
type answerDialogue struct {
	ask   string // the question's message id
	check func(string) (string, error)
	// act applies the answer; done is the confirmation's message id ("":
	// act answers itself).
	act  func(b *Bot, ctx context.Context, r *request, c *conversation, text string) (*deputybot.Item, error)
	done string
}

// answerDialogues are the dialogues of one answer, by name.
var answerDialogues = map[string]answerDialogue{
	"return-to-deputy": {ask: "ask.rd", check: deputybot.CheckReason, done: "done.rd",
		act: func(b *Bot, ctx context.Context, r *request, c *conversation, text string) (*deputybot.Item, error) {
			return b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
				return one(deputybot.ReturnToDeputy(it, r.person, text, e))
			})
		}},
	"opinion": {ask: "ask.op", check: deputybot.CheckReplyText, done: "done.op",
		act: func(b *Bot, ctx context.Context, r *request, c *conversation, text string) (*deputybot.Item, error) {
			return b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
				return one(deputybot.SendOpinion(it, det, r.person, text, e))
			})
		}},
	"extension-request": {ask: "ask.ex", check: deputybot.CheckReason, done: "done.ex",
		act: func(b *Bot, ctx context.Context, r *request, c *conversation, text string) (*deputybot.Item, error) {
			return b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
				return one(deputybot.RequestExtension(it, r.person, text, e))
			})
		}},
	"return-request": {ask: "ask.rr", check: deputybot.CheckReason, done: "done.rr",
		act: func(b *Bot, ctx context.Context, r *request, c *conversation, text string) (*deputybot.Item, error) {
			return b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
				return one(deputybot.RequestReturn(it, r.person, text, e))
			})
		}},
	"withhold-request": {ask: "ask.wh", check: deputybot.CheckReason, done: "done.wh",
		act: func(b *Bot, ctx context.Context, r *request, c *conversation, text string) (*deputybot.Item, error) {
			return b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
				return one(deputybot.RequestWithhold(it, r.person, deputybot.WithholdScope(c.Data["scope"]), text, e))
			})
		}},
	"contact-dispute": {ask: "ask.cd", check: deputybot.CheckReason, done: "done.contact_disputed",
		act: func(b *Bot, ctx context.Context, r *request, c *conversation, text string) (*deputybot.Item, error) {
			n, _ := strconv.Atoi(c.Data["n"])
			it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
				return one(deputybot.ConfirmContact(it, r.person, n, false, text, e))
			})
			if err == nil {
				if id, _ := strconv.Atoi(c.Data["msg"]); id != 0 {
					b.dropKeyboard(ctx, r.chatID, id)
				}
			}
			return it, err
		}},
	"unsatisfied-reason": {ask: "ask.ur",
		check: func(s string) (string, error) { return deputybot.CheckRatingComment(deputybot.Unsatisfied, s) },
		act: func(b *Bot, ctx context.Context, r *request, c *conversation, text string) (*deputybot.Item, error) {
			round, _ := strconv.Atoi(c.Data["round"])
			in := deputybot.RatingInput{Attitude: deputybot.RatingValue(c.Data["attitude"]),
				Result: deputybot.RatingValue(c.Data["result"]), Comment: text}
			if in.Result == "" {
				// A dialogue begun before the two ratings: its rating
				// was the result, unsatisfied; the handling is not known,
				// and rated as the result.
				in.Result, in.Attitude = deputybot.Unsatisfied, deputybot.Unsatisfied
			}
			return nil, b.rate(ctx, r, c.Data["item"], round, in)
		}},
}

func (b *Bot) answerPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	text := b.tx.T(l, answerDialogues[c.Flow].ask, "Max", deputybot.MaxReasonLen)
	if c.Flow == "return-request" && c.Data["late"] == "1" {
		text += "\n" + b.tx.T(l, "ask.rr_late", "Days", b.opts.Rules.ReturnWorkdays)
	}
	if c.Flow == "withhold-request" {
		text = b.tx.T(l, "ask.wh_"+c.Data["scope"]) + "\n" + text
	}
	b.reply(ctx, r, text, keyboard{b.cancelButton(r, c)})
}

func (b *Bot) answerText(ctx context.Context, r *request, c *conversation) error {
	d := answerDialogues[c.Flow]
	if r.msg.Text == "" {
		return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
	}
	text, err := d.check(r.msg.Text)
	if err != nil {
		return err // asked again
	}
	it, err := d.act(b, ctx, r, c, text)
	if err != nil {
		if deputybot.ErrorCode(err) != deputybot.EINVALID {
			_ = b.finish(ctx, r)
		}
		return err
	}
	if d.done == "" {
		return b.finish(ctx, r)
	}
	return b.endWithNext(ctx, r, it, b.tx.T(r.lang, d.done, "Label", texts.HTML(b.tx.Label(r.lang, it))))
}

// --- progress on a B/C promise: the text, then whether the promise is met

func (b *Bot) progressPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	cancel := b.cancelButton(r, c)
	switch c.Step {
	case "text":
		b.reply(ctx, r, b.tx.T(l, "ask.pg", "Max", deputybot.MaxReplyLen), keyboard{cancel})
	case "met":
		cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
		b.reply(ctx, r, b.tx.T(l, "ask.promise_met"), keyboard{
			{button(b.tx.T(l, "btn.promise_met"), cb("met:1")), button(b.tx.T(l, "btn.promise_open"), cb("met:0"))}, cancel})
	}
}

func (b *Bot) progressText(ctx context.Context, r *request, c *conversation) error {
	if c.Step != "text" {
		return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
	}
	text, err := deputybot.CheckReplyText(r.msg.Text)
	if err != nil {
		return err
	}
	c.Data["text"] = text
	return b.advance(ctx, r, c, "met")
}

func (b *Bot) progressChoice(ctx context.Context, r *request, c *conversation, value string) error {
	if c.Step != "met" || (value != "met:1" && value != "met:0") {
		return errStale
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	met := value == "met:1"
	text := c.Data["text"]
	it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.PostProgress(it, det, r.person, text, met, e))
	})
	if err != nil {
		_ = b.finish(ctx, r)
		return err
	}
	return b.endWithNext(ctx, r, it, b.tx.T(r.lang, "done.pg", "Label", texts.HTML(b.tx.Label(r.lang, it))))
}
