package bot

import (
	"context"
	"deputybot"
	"deputybot/texts"
	"slices"
	"strconv"
	"strings"
)

// The office decides a department's request: an extension (to which
// date), or a return (reassign to another department, or return to the
// deputy), or refuses.

func (b *Bot) decidePrompt(ctx context.Context, r *request, c *conversation) {
	l := r.lang
	it, err := b.convItem(ctx, r, c)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	if it.Request == nil {
		_ = b.finish(ctx, r)
		b.fail(ctx, r, deputybot.Errorf(deputybot.ECONFLICT, "err.no_request"))
		return
	}
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	cancel := b.cancelButton(r, c)
	req := it.Request
	label := texts.HTML(b.tx.Label(l, it))
	e, _ := b.env(ctx, r.now)
	switch c.Step {
	case "choose":
		names, _ := b.departmentNames(ctx)
		head := b.tx.T(l, "decide.head_"+string(req.Kind), "Label", label, "Title", it.Title, "Dept", names[it.LeadDept],
			"Reason", req.Reason, "Deadline", b.tx.Date(it.Deadline))
		if req.Late {
			head += "\n" + b.tx.T(l, "decide.late", "Days", b.opts.Rules.ReturnWorkdays)
		}
		var kb keyboard
		switch {
		case req.Kind == deputybot.KindWithholdRequest:
			head = b.tx.T(l, "decide.head_withhold_"+string(req.Scope), "Label", label, "Title", it.Title, "Dept", names[it.LeadDept],
				"Reason", req.Reason)
			kb = keyboard{{button(b.tx.T(l, "btn.withhold"), cb("wh"))}}
		case req.Kind == deputybot.KindExtensionRequest:
			kb = keyboard{{button(b.tx.T(l, "btn.approve"), cb("ok"))}}
		case req.Late:
			// After the return window only the office's explicit
			// exception grants it: the buttons say so.
			kb = keyboard{{button(b.tx.T(l, "btn.reassign_exception"), cb("re:x"))}, {button(b.tx.T(l, "btn.return_deputy_exception"), cb("back:x"))}}
		default:
			kb = keyboard{{button(b.tx.T(l, "btn.reassign"), cb("re"))}, {button(b.tx.T(l, "btn.return_deputy"), cb("back"))}}
		}
		kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.refuse"), cb("no"))}, cancel)
		b.reply(ctx, r, head, kb)
	case "date":
		def, latest := e.ExtensionDeadline(it), e.LatestDeadline(it.Kind, it.AssignedAt)
		if it.Request.Kind == deputybot.KindReturnRequest {
			def, latest = e.ReassignDeadline(it.Kind), e.LatestDeadline(it.Kind, r.now)
		}
		b.reply(ctx, r, b.tx.T(l, "decide.ask_date", "Default", b.tx.Date(def), "Latest", b.tx.Date(latest)),
			keyboard{{button(b.tx.T(l, "btn.use_date", "Date", b.tx.Date(def)), cb("dl:default"))}, cancel})
	case "lead":
		depts, _ := b.activeDepartments(ctx)
		depts = slices.DeleteFunc(depts, func(d *deputybot.Department) bool { return d.ID == it.LeadDept })
		page, _ := strconv.Atoi(c.Data["page"])
		kb := pagedChoices(depts, page, 8, func(d *deputybot.Department) keyboardButton { return button(d.Name, cb("d:"+d.ID)) },
			func(p int) string { return cb("pg:" + strconv.Itoa(p)) })
		b.reply(ctx, r, b.tx.T(l, "decide.ask_lead"), append(kb, cancel))
	}
}

// decide applies the office's decision and ends the dialogue. A late
// return is granted only by the buttons that say it is an exception.
func (b *Bot) decide(ctx context.Context, r *request, c *conversation, d deputybot.Decision) error {
	d.Override = c.Data["exception"] == "1"
	it, kind, err := b.svc.Decide(ctx, r.person, r.id, c.Data["item"], d, r.now)
	if err != nil {
		if deputybot.ErrorCode(err) != deputybot.EINVALID {
			_ = b.finish(ctx, r)
		}
		return err
	}
	// Say what happened: extended to when, handed to whom, returned.
	outcome := "done.extension_refused"
	switch {
	case kind == deputybot.KindWithholdRequest && d.Approve:
		outcome = "done.withheld"
	case kind == deputybot.KindWithholdRequest:
		outcome = "done.withhold_refused"
	case kind == deputybot.KindExtensionRequest && d.Approve:
		outcome = "done.extension_approved"
	case kind == deputybot.KindReturnRequest && d.Approve && d.NewLead != "":
		outcome = "done.reassigned"
	case kind == deputybot.KindReturnRequest && d.Approve:
		outcome = "done.returned_to_deputy"
	case kind == deputybot.KindReturnRequest:
		outcome = "done.return_refused"
	}
	names, _ := b.departmentNames(ctx)
	return b.endWithNext(ctx, r, it, b.tx.T(r.lang, outcome, "Label", texts.HTML(b.tx.Label(r.lang, it)),
		"Dept", names[it.LeadDept], "Deadline", b.tx.Date(it.Deadline)))
}

func (b *Bot) decideText(ctx context.Context, r *request, c *conversation) error {
	if c.Step != "date" {
		return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
	}
	d, err := b.dateAnswer(r, true)
	if err != nil {
		return err
	}
	return b.decide(ctx, r, c, deputybot.Decision{Approve: true, NewLead: c.Data["lead"], Deadline: deputybot.EndOfDay(d, b.opts.Location)})
}

func (b *Bot) decideChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	drop := func() { b.dropKeyboard(ctx, r.chatID, r.callbackMessageID()) }
	switch {
	case kind == "no" && c.Step == "choose":
		drop()
		return b.decide(ctx, r, c, deputybot.Decision{Approve: false})
	case kind == "back" && c.Step == "choose":
		drop()
		if arg == "x" {
			c.Data["exception"] = "1"
		}
		return b.decide(ctx, r, c, deputybot.Decision{Approve: true})
	case kind == "wh" && c.Step == "choose":
		drop()
		return b.decide(ctx, r, c, deputybot.Decision{Approve: true})
	case kind == "ok" && c.Step == "choose":
		drop()
		return b.advance(ctx, r, c, "date")
	case kind == "re" && c.Step == "choose":
		drop()
		if arg == "x" {
			c.Data["exception"] = "1"
		}
		return b.advance(ctx, r, c, "lead")
	case kind == "pg" && c.Step == "lead":
		r.redraw = r.callbackMessageID()
		c.Data["page"] = arg
		return b.advance(ctx, r, c, "lead")
	case kind == "d" && c.Step == "lead":
		if _, err := b.store.Department(ctx, arg); err != nil {
			return errStale
		}
		drop()
		c.Data["lead"] = arg
		return b.advance(ctx, r, c, "date")
	case kind == "dl" && c.Step == "date":
		drop()
		return b.decide(ctx, r, c, deputybot.Decision{Approve: true, NewLead: c.Data["lead"]})
	}
	return errStale
}
