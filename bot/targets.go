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

// parseTargetsInput reads typed targets; problems are an error listing
// them by line, in the person's language.
func (b *Bot) parseTargetsInput(l deputybot.Language, text string) ([]deputybot.Target, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	ts, problems := deputybot.ParseTargets(text)
	if len(problems) > 0 {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = b.problemLine(l, p.Line, p.Err)
		}
		return nil, deputybot.Errorf(deputybot.EINVALID, "err.targets_invalid", "Problems", texts.HTML(strings.Join(lines, "\n")))
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
			label := fmt.Sprintf("%d. %s (%d/%d)", t.N, t.Name, t.Done, t.Goal)
			if t.Qualitative {
				label = fmt.Sprintf("%d. %s", t.N, t.Name)
				if t.Met() {
					label += " ✓"
				}
			}
			kb = append(kb, []keyboardButton{button(label, cb("t:"+strconv.Itoa(t.N)))})
		}
		b.reply(ctx, r, b.tx.T(l, "target.ask_which")+"\n"+report.Targets(b.tx, l, it.Targets), append(kb, cancel))
	case "value":
		if c.Data["qualitative"] != "" {
			b.reply(ctx, r, b.tx.T(l, "target.ask_met", "N", c.Data["target"]), keyboard{
				{button(b.tx.T(l, "btn.target_met"), cb("met:1")), button(b.tx.T(l, "btn.target_not_met"), cb("met:0"))}, cancel})
			return
		}
		b.reply(ctx, r, b.tx.T(l, "target.ask_value", "N", c.Data["target"]), keyboard{cancel})
	}
}

func (b *Bot) targetText(ctx context.Context, r *request, c *conversation) error {
	switch c.Step {
	case "set":
		ts, err := b.parseTargetsInput(r.lang, r.msg.Text)
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
		return b.endWithNext(ctx, r, it, b.tx.T(r.lang, "done.targets", "Label", texts.HTML(b.tx.Label(r.lang, it)))+"\n"+report.Targets(b.tx, r.lang, it.Targets))
	case "value":
		if c.Data["qualitative"] != "" {
			return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
		}
		v, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(r.msg.Text), ",", ""))
		if err != nil || v < 0 {
			return deputybot.Errorf(deputybot.EINVALID, "err.target_value")
		}
		return b.targetProgress(ctx, r, c, v)
	}
	return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
}

// targetProgress records how far target c.Data["target"] has come.
func (b *Bot) targetProgress(ctx context.Context, r *request, c *conversation, v int) error {
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
	return b.endWithNext(ctx, r, it, b.tx.T(r.lang, "done.target_progress", "Label", texts.HTML(b.tx.Label(r.lang, it)))+"\n"+report.Targets(b.tx, r.lang, it.Targets))
}

func (b *Bot) targetChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	if kind == "met" && c.Step == "value" && c.Data["qualitative"] != "" && (arg == "0" || arg == "1") {
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		v, _ := strconv.Atoi(arg)
		return b.targetProgress(ctx, r, c, v)
	}
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
	if it.Target(n).Qualitative {
		c.Data["qualitative"] = "1"
	}
	return b.advance(ctx, r, c, "value")
}
