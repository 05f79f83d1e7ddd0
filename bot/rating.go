package bot

import (
	"context"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/texts"
)

// The deputy rates a reply twice in one message: the handling (沟通/办理
// 态度) on the first row of buttons, the result (办理结果) on the second.
// A tap on one row marks it (✓) in the message's buttons, which carry
// the choice; the rating is recorded when both rows are chosen. Nothing
// is stored before that, and nothing is lost: the choice stays in the
// message, across restarts.

// ratingCodes are the values as the buttons write them; "-": not chosen.
var ratingCodes = map[byte]deputybot.RatingValue{'s': deputybot.Satisfied, 'b': deputybot.Basic, 'u': deputybot.Unsatisfied}

func ratingCode(v deputybot.RatingValue) byte {
	for c, rv := range ratingCodes {
		if rv == v {
			return c
		}
	}
	return '-'
}

// ratingButtons are the two rows of a reply's rating, nothing chosen.
func (b *Bot) ratingButtons(l deputybot.Language, it *deputybot.Item) keyboard {
	return b.ratingRows(l, it.ID, it.Round, '-', '-')
}

// ratingRows are the two rows with attitude a and result r chosen (or
// '-'): each button carries the other row's choice.
func (b *Bot) ratingRows(l deputybot.Language, id string, round int, a, r byte) keyboard {
	prefix := "rt:" + id + ":" + strconv.Itoa(round) + ":"
	var rows keyboard
	for _, kind := range []string{"attitude", "result"} {
		var row []keyboardButton
		for _, v := range deputybot.RatingValues {
			c := ratingCode(v)
			label := b.tx.T(l, "rating."+kind+"_"+string(v))
			chosen, data := r, string([]byte{a, c})
			if kind == "attitude" {
				chosen, data = a, string([]byte{c, r})
			}
			if chosen == c {
				label = "✓ " + label
			}
			row = append(row, button(label, prefix+data))
		}
		rows = append(rows, row)
	}
	return rows
}

// onRate handles "rt:<item id>:<round>:<attitude><result>" (each s, b,
// u, or - not chosen yet). A message sent before the two ratings has
// "rt:<id>:<round>:<s|b|u>": its one value is the result. An
// unsatisfied rating of either kind asks for the reason first.
func (b *Bot) onRate(ctx context.Context, r *request, arg string) error {
	parts := strings.Split(arg, ":")
	if len(parts) != 3 {
		return errStale
	}
	id := parts[0]
	round, err := strconv.Atoi(parts[1])
	if err != nil {
		return errStale
	}
	code := parts[2]
	if len(code) == 1 {
		code = "-" + code
	}
	if len(code) != 2 {
		return errStale
	}
	a, res := code[0], code[1]
	for _, c := range []byte{a, res} {
		if _, ok := ratingCodes[c]; !ok && c != '-' {
			return errStale
		}
	}
	it, err := b.loadFor(ctx, r, id)
	if err != nil {
		return err
	}
	if err := deputybot.Check(r.person, it, deputybot.ActRate); err != nil {
		return err
	}
	if err := it.RatingOpen(round); err != nil {
		return err
	}
	if a == '-' || res == '-' {
		// One row chosen: marked in the message's own buttons.
		b.markRating(ctx, r, id, round, a, res)
		b.answerQuery(ctx, r.cb.ID, b.tx.T(r.lang, map[bool]string{true: "rate.now_result", false: "rate.now_attitude"}[res == '-']), false)
		r.answered = true
		return nil
	}
	in := deputybot.RatingInput{Attitude: ratingCodes[a], Result: ratingCodes[res]}
	if in.Unsatisfied() {
		return b.begin(ctx, r, "unsatisfied-reason", "reason", map[string]string{"item": id, "round": parts[1],
			"attitude": string(in.Attitude), "result": string(in.Result)})
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	return b.rate(ctx, r, id, round, in)
}

// markRating redraws the pressed message's rating rows with the choice
// made, keeping its other buttons (the reply's document, the card).
func (b *Bot) markRating(ctx context.Context, r *request, id string, round int, a, res byte) {
	msgID := r.callbackMessageID()
	if msgID == 0 {
		return
	}
	rows := b.ratingRows(r.lang, id, round, a, res)
	var kb keyboard
	placed := false
	if m := r.cb.Message.Message; m != nil && m.ReplyMarkup != nil {
		for _, row := range m.ReplyMarkup.InlineKeyboard {
			if len(row) > 0 && strings.HasPrefix(row[0].CallbackData, "rt:") {
				if !placed {
					kb, placed = append(kb, rows...), true
				}
				continue
			}
			kb = append(kb, row)
		}
	}
	if !placed {
		kb = append(kb, rows...)
	}
	b.setKeyboard(ctx, r.chatID, msgID, kb)
}

func (b *Bot) rate(ctx context.Context, r *request, id string, round int, in deputybot.RatingInput) error {
	it, err := b.change(ctx, r, id, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return deputybot.Rate(it, r.person, round, in, e)
	})
	if err != nil {
		return err
	}
	key := "done.rated_closed"
	switch {
	case it.Status == deputybot.StatusRehandling:
		key = "done.rated_rehandling"
	case in.Result == deputybot.Unsatisfied:
		// The last round's unsatisfied rating: recorded, and what
		// follows said.
		key = "done.rated_final_unsatisfied"
	}
	text := b.tx.T(r.lang, key, "Label", texts.HTML(b.tx.Label(r.lang, it)),
		"Rating", texts.HTML(b.ratingText(r.lang, it.RatingOf(round))), "Deadline", b.tx.Date(it.Deadline))
	kb := b.coRatingButtons(ctx, r.lang, it, round)
	if len(kb) > 0 {
		text += "\n\n" + b.tx.T(r.lang, "rate.codepts")
	}
	b.reply(ctx, r, text, kb)
	return nil
}

// ratingText says a rating: its result and, if given, the handling's.
func (b *Bot) ratingText(l deputybot.Language, rt *deputybot.Rating) string {
	if rt == nil {
		return ""
	}
	if rt.Attitude == "" {
		return b.tx.T(l, "rating."+string(rt.Value))
	}
	return b.tx.T(l, "rating.both", "Result", texts.HTML(b.tx.T(l, "rating."+string(rt.Value))),
		"Attitude", texts.HTML(b.tx.T(l, "rating."+string(rt.Attitude))))
}

// coRatingButtons are a row per co-department whose opinion the reply
// drew on and that the deputy has not rated: one tap rates it.
func (b *Bot) coRatingButtons(ctx context.Context, l deputybot.Language, it *deputybot.Item, round int) keyboard {
	rt := it.RatingOf(round)
	if rt == nil {
		return nil
	}
	depts, _ := b.departmentNames(ctx)
	var kb keyboard
	for _, d := range it.CoDeptsToRate(round) {
		if rt.CoRating(d) != nil {
			continue
		}
		var row []keyboardButton
		for _, v := range deputybot.RatingValues {
			row = append(row, button(b.tx.T(l, "rating.co_button", "Dept", texts.Plain(depts[d]), "Rating", b.tx.T(l, "rating."+string(v))),
				"cr:"+it.ID+":"+strconv.Itoa(round)+":"+d+":"+string(ratingCode(v))))
		}
		kb = append(kb, row)
	}
	return kb
}

// onCoRate handles "cr:<item id>:<round>:<dept id>:<s|b|u>": the
// deputy's rating of a co-department's opinion. The row rated leaves the
// message; nothing else is sent (the button's notice says it is kept).
func (b *Bot) onCoRate(ctx context.Context, r *request, arg string) error {
	parts := strings.Split(arg, ":")
	if len(parts) != 4 || len(parts[3]) != 1 {
		return errStale
	}
	round, err := strconv.Atoi(parts[1])
	if err != nil {
		return errStale
	}
	value, ok := ratingCodes[parts[3][0]]
	if !ok {
		return errStale
	}
	it, err := b.change(ctx, r, parts[0], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.RateCoDept(it, r.person, round, parts[2], value, e))
	})
	if err != nil {
		return err
	}
	if id := r.callbackMessageID(); id != 0 {
		b.setKeyboard(ctx, r.chatID, id, b.coRatingButtons(ctx, r.lang, it, round))
	}
	depts, _ := b.departmentNames(ctx)
	b.answerQuery(ctx, r.cb.ID, b.tx.T(r.lang, "rate.co_done", "Dept", texts.Plain(depts[parts[2]]),
		"Rating", b.tx.T(r.lang, "rating."+string(value))), false)
	r.answered = true
	return nil
}
