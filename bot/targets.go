package bot

import (
	"context"
	"deputybot"
	"deputybot/report"
	"deputybot/texts"
	"fmt"
	"strconv"
	"strings"
)

// parseTargetsInput reads typed targets; problems are a domain error
// listing them by line.
func parseTargetsInput(text string) ([]deputybot.Target, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	ts, problems := deputybot.ParseTargets(text)
	if len(problems) > 0 {
		return nil, deputybot.Errorf(deputybot.EINVALID, "err.targets_invalid", "Problems", strings.Join(problems, "; "))
	}
	if len(ts) == 0 {
		return nil, deputybot.Errorf(deputybot.EINVALID, "err.targets_count", "Max", deputybot.MaxTargets)
	}
	return ts, nil
}

// --- a motion's targets: the office sets them, the lead department
// reports progress

func (b *Bot) targetPrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	cancel := b.cancelButton(r, c)
	switch c.Step {
	case "set":
		b.reply(ctx, r, b.tx.T(l, "assign.ask_targets", "Max", deputybot.MaxTargets), keyboard{cancel})
	case "choose":
		it, err := b.convItem(ctx, r, c)
		if err != nil {
			b.fail(ctx, r, err)
			return
		}
		var kb keyboard
		for _, t := range it.Targets {
			kb = append(kb, []keyboardButton{button(fmt.Sprintf("%d. %s (%d/%d)", t.N, t.Name, t.Done, t.Goal), cb("t:"+strconv.Itoa(t.N)))})
		}
		b.reply(ctx, r, b.tx.T(l, "target.ask_which")+"\n"+report.Targets(b.tx, l, it.Targets), append(kb, cancel))
	case "value":
		b.reply(ctx, r, b.tx.T(l, "target.ask_value", "N", c.Data["target"]), keyboard{cancel})
	}
}

func (b *Bot) targetText(ctx context.Context, r *request, c *conversation) error {
	switch c.Step {
	case "set":
		ts, err := parseTargetsInput(r.msg.Text)
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			return deputybot.Errorf(deputybot.EINVALID, "err.text_empty")
		}
		it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.SetTargets(it, r.person, ts, e))
		})
		if err != nil {
			_ = b.finish(ctx, r)
			return err
		}
		return b.endWith(ctx, r, b.tx.T(r.lang, "done.targets", "Label", texts.HTML(b.tx.Label(r.lang, it)))+"\n"+report.Targets(b.tx, r.lang, it.Targets))
	case "value":
		v, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(r.msg.Text), ",", ""))
		if err != nil || v < 0 {
			return deputybot.Errorf(deputybot.EINVALID, "err.target_value")
		}
		n, _ := strconv.Atoi(c.Data["target"])
		it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.UpdateTarget(it, r.person, n, v, e))
		})
		if err != nil {
			if deputybot.ErrorCode(err) != deputybot.EINVALID {
				_ = b.finish(ctx, r)
			}
			return err
		}
		return b.endWith(ctx, r, b.tx.T(r.lang, "done.target_progress", "Label", texts.HTML(b.tx.Label(r.lang, it)))+"\n"+report.Targets(b.tx, r.lang, it.Targets))
	}
	return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
}

func (b *Bot) targetChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	if kind != "t" || c.Step != "choose" {
		return errStale
	}
	it, err := b.convItem(ctx, r, c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(arg)
	if err != nil || it.Target(n) == nil {
		return errStale
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	c.Data["target"] = arg
	return b.advance(ctx, r, c, "value")
}
