package bot

import (
	"context"
	"deputybot"
	"strconv"
	"strings"
	"time"
)

// Helpers of the dialogues of handling: each keeps the item's id in its
// data and applies its action only at its end, through the service (the
// domain's rules check again).

func (b *Bot) convItem(ctx context.Context, r *request, c *conversation) (*deputybot.Item, error) {
	it, err := b.loadFor(ctx, r, c.Data["item"])
	if err != nil {
		_ = b.finish(ctx, r)
	}
	return it, err
}

// convItemEnv is the conversation's item, and what the rules need now.
func (b *Bot) convItemEnv(ctx context.Context, r *request, c *conversation) (*deputybot.Item, deputybot.Env, error) {
	it, err := b.convItem(ctx, r, c)
	if err != nil {
		return nil, deputybot.Env{}, err
	}
	e, err := b.env(ctx, r.now)
	return it, e, err
}

// endWith finishes the conversation and confirms what was done.
func (b *Bot) endWith(ctx context.Context, r *request, text string) error {
	if err := b.finishDone(ctx, r); err != nil {
		return err
	}
	b.reply(ctx, r, text, nil)
	return nil
}

// endWithNext finishes the conversation and confirms an action on it,
// with the buttons of the item's next steps.
func (b *Bot) endWithNext(ctx context.Context, r *request, it *deputybot.Item, text string) error {
	if err := b.finishDone(ctx, r); err != nil {
		return err
	}
	b.doneWithNext(ctx, r, it, text)
	return nil
}

// parseDate reads a local date typed as 2026-05-03, 2026/5/3 or 5-3
// (this year).
func parseDate(s string, now time.Time, loc *time.Location) (deputybot.Date, bool) {
	s = strings.NewReplacer("/", "-", ".", "-", "年", "-", "月", "-", "日", "").Replace(strings.TrimSpace(s))
	parts := strings.Split(s, "-")
	if len(parts) == 2 {
		parts = append([]string{strconv.Itoa(now.In(loc).Year())}, parts...)
	}
	if len(parts) != 3 {
		return deputybot.Date{}, false
	}
	y, e1 := strconv.Atoi(parts[0])
	m, e2 := strconv.Atoi(parts[1])
	d, e3 := strconv.Atoi(parts[2])
	if e1 != nil || e2 != nil || e3 != nil {
		return deputybot.Date{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return deputybot.Date{}, false
	}
	return deputybot.Date{Year: y, Month: time.Month(m), Day: d}, true
}

// dateAnswer reads a typed date that must lie after today (a deadline) or
// not after today (a contact).
func (b *Bot) dateAnswer(r *request, future bool) (deputybot.Date, error) {
	d, ok := parseDate(r.msg.Text, r.now, b.opts.Location)
	if !ok {
		return d, deputybot.Errorf(deputybot.EINVALID, "err.date_invalid")
	}
	today := deputybot.DateOf(r.now, b.opts.Location)
	if future && !today.Before(d) {
		return d, deputybot.Errorf(deputybot.EINVALID, "err.deadline_past")
	}
	if !future && today.Before(d) {
		return d, deputybot.Errorf(deputybot.EINVALID, "err.contact_future")
	}
	return d, nil
}
