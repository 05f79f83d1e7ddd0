package bot

import (
	"context"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/texts"
)

// Text sent outside any dialogue is not thrown away. A deputy who types
// under a reply ("不满意，答复没有明确时间表") is asked whether it is his
// reason for an unsatisfied rating of the reply waiting for his rating;
// the text is kept in a conversation of its own until he answers.

// awaitingRating are the person's items whose current reply he may rate
// now.
func (b *Bot) awaitingRating(ctx context.Context, p *deputybot.Person) ([]*deputybot.Item, error) {
	items, _, err := b.store.PersonItems(ctx, p.ID, 0, 1000)
	if err != nil {
		return nil, err
	}
	var out []*deputybot.Item
	for _, it := range items {
		if it.Status == deputybot.StatusReplied && deputybot.Check(p, it, deputybot.ActRate) == nil && it.RatingOpen(it.Round) == nil {
			out = append(out, it)
		}
	}
	return out, nil
}

// keepTyped offers text typed outside a dialogue for what it may be
// meant for; it reports whether it did.
func (b *Bot) keepTyped(ctx context.Context, r *request) bool {
	text := deputybot.CleanText(r.msg.Text)
	if text == "" || r.person == nil || !r.person.HasRole(deputybot.RoleDeputy) {
		return false
	}
	items, err := b.awaitingRating(ctx, r.person)
	if err != nil || len(items) == 0 {
		return false
	}
	if len(items) > maxTypedChoices {
		items = items[:maxTypedChoices]
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	err = b.begin(ctx, r, "typed", "reason", map[string]string{"text": text, "items": strings.Join(ids, ",")})
	return err == nil
}

// maxTypedChoices bounds the items offered for one typed text.
const maxTypedChoices = 8

func (b *Bot) typedPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	if c.Step == "attitude" {
		// The result is unsatisfied (his reason typed); the handling's
		// rating is asked as the rating message asks it.
		var row []keyboardButton
		for _, v := range deputybot.RatingValues {
			row = append(row, button(b.tx.T(l, "rating.attitude_"+string(v)), "c:"+c.Nonce+":a:"+string(ratingCode(v))))
		}
		b.reply(ctx, r, b.tx.T(l, "typed.ask_attitude"), keyboard{row, b.cancelButton(r, c)})
		return
	}
	var kb keyboard
	for i, id := range strings.Split(c.Data["items"], ",") {
		it, err := b.store.Item(ctx, id)
		if err != nil {
			continue
		}
		kb = append(kb, []keyboardButton{button(b.tx.T(l, "typed.as_reason", "Label", texts.Plain(b.tx.Label(l, it))), "c:"+c.Nonce+":u:"+strconv.Itoa(i))})
	}
	kb = append(kb, []keyboardButton{button(b.tx.T(l, "typed.not_reason"), "c:"+c.Nonce+":x")})
	b.reply(ctx, r, b.tx.T(l, "typed.ask", "Text", c.Data["text"]), kb)
}

// typedText: another message while the question is open replaces the
// text kept (the person said it again, better).
func (b *Bot) typedText(ctx context.Context, r *request, c *conversation) error {
	if c.Step == "attitude" {
		return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
	}
	text := deputybot.CleanText(r.msg.Text)
	if text == "" {
		return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
	}
	c.Data["text"] = c.Data["text"] + "\n" + text
	return b.advance(ctx, r, c, "reason")
}

func (b *Bot) typedChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	if kind == "a" && c.Step == "attitude" && len(arg) == 1 {
		v, ok := ratingCodes[arg[0]]
		if !ok {
			return errStale
		}
		it, err := b.loadFor(ctx, r, c.Data["item"])
		if err != nil {
			_ = b.finish(ctx, r)
			return err
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		if err := b.finish(ctx, r); err != nil {
			return err
		}
		return b.rate(ctx, r, it.ID, it.Round, deputybot.RatingInput{Attitude: v, Result: deputybot.Unsatisfied, Comment: c.Data["text"]})
	}
	ids := strings.Split(c.Data["items"], ",")
	i, err := strconv.Atoi(arg)
	if kind != "u" || err != nil || i < 0 || i >= len(ids) {
		return errStale
	}
	it, err := b.loadFor(ctx, r, ids[i])
	if err != nil {
		_ = b.finish(ctx, r)
		return err
	}
	if _, err := deputybot.CheckRatingComment(deputybot.Unsatisfied, c.Data["text"]); err != nil {
		return err
	}
	if err := it.RatingOpen(it.Round); err != nil {
		_ = b.finish(ctx, r)
		return err
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	c.Data["item"] = it.ID
	return b.advance(ctx, r, c, "attitude")
}
