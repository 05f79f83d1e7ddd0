package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"deputybot"
	"deputybot/texts"
)

// The dialogues of handling: assignment, contact logs, replies, the
// one-answer texts (reasons, opinions, progress), the office's decisions,
// quality flags. Each keeps the item id in its data and applies its
// action only at the end, through the domain rules, which check again.

func (b *Bot) convItem(ctx context.Context, r *request, c *deputybot.Conversation) (*deputybot.Item, error) {
	it, err := b.loadFor(ctx, r, c.Data["item"])
	if err != nil {
		_ = b.finish(ctx, r)
	}
	return it, err
}

// endWith finishes the conversation and confirms what was done.
func (b *Bot) endWith(ctx context.Context, r *request, text string) error {
	if err := b.finish(ctx, r); err != nil {
		return err
	}
	b.reply(ctx, r, text, nil)
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

// --- assignment (office)

func (b *Bot) assignPrompt(ctx context.Context, r *request, c *deputybot.Conversation) {
	l := r.lang
	it, err := b.convItem(ctx, r, c)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	cancel := b.cancelButton(r, c)
	label := texts.HTML(b.tx.Label(l, it))
	switch c.Step {
	case "lead", "co":
		depts, err := b.store.Departments(ctx)
		if err != nil {
			b.fail(ctx, r, err)
			return
		}
		if len(depts) == 0 {
			_ = b.finish(ctx, r)
			b.reply(ctx, r, b.tx.T(l, "invite.no_departments"), nil)
			return
		}
		page, _ := strconv.Atoi(c.Data["page"])
		co := strings.Split(c.Data["co"], ",")
		if c.Step == "co" {
			depts = slices.DeleteFunc(depts, func(d *deputybot.Department) bool { return d.ID == c.Data["lead"] })
		}
		kb := pagedChoices(depts, page, 8, func(d *deputybot.Department) keyboardButton {
			if c.Step == "co" {
				mark := ""
				if slices.Contains(co, d.ID) {
					mark = "✅ "
				}
				return button(mark+d.Name, cb("ct:"+d.ID))
			}
			return button(d.Name, cb("d:"+d.ID))
		}, func(p int) string { return cb("pg:" + strconv.Itoa(p)) })
		text := b.tx.T(l, "assign.ask_lead", "Label", label, "Title", it.Title)
		if c.Step == "co" {
			text = b.tx.T(l, "assign.ask_co")
			kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.done"), cb("next"))})
		}
		b.reply(ctx, r, text, append(kb, cancel))
	case "leader":
		leaders, _, err := b.store.People(ctx, deputybot.PeopleFilter{Role: deputybot.RoleLeader})
		if err != nil {
			b.fail(ctx, r, err)
			return
		}
		leaders = slices.DeleteFunc(leaders, func(p *deputybot.Person) bool { return p.State != deputybot.PersonActive })
		page, _ := strconv.Atoi(c.Data["page"])
		kb := pagedChoices(leaders, page, 10, func(p *deputybot.Person) keyboardButton { return button(p.Name, cb("l:"+p.ID)) },
			func(p int) string { return cb("pg:" + strconv.Itoa(p)) })
		kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.no_leader"), cb("l:-"))}, cancel)
		b.reply(ctx, r, b.tx.T(l, "assign.ask_leader"), kb)
	case "key":
		b.reply(ctx, r, b.tx.T(l, "assign.ask_key"), keyboard{
			{button(b.tx.T(l, "btn.key_yes"), cb("k:1")), button(b.tx.T(l, "btn.key_no"), cb("k:0"))}, cancel})
	case "deadline":
		e, _ := b.env(ctx, r.now)
		def := e.DefaultDeadline(it.Kind)
		b.reply(ctx, r, b.tx.T(l, "assign.ask_deadline", "Default", b.tx.Date(def), "Latest", b.tx.Date(e.LatestDeadline(it.Kind, r.now))),
			keyboard{{button(b.tx.T(l, "btn.use_date", "Date", b.tx.Date(def)), cb("dl:default"))}, cancel})
	case "targets":
		b.reply(ctx, r, b.tx.T(l, "assign.ask_targets", "Max", deputybot.MaxTargets),
			keyboard{{button(b.tx.T(l, "btn.no_targets"), cb("notargets"))}, cancel})
	case "confirm":
		names, _ := b.departmentNames(ctx)
		var co []string
		for _, id := range strings.Split(c.Data["co"], ",") {
			if id != "" {
				co = append(co, names[id])
			}
		}
		leader := b.tx.T(l, "assign.no_leader")
		if c.Data["leader"] != "" {
			leader = texts.Esc(b.names(ctx).of(c.Data["leader"]))
		}
		coText := b.tx.T(l, "assign.no_codepts")
		if len(co) > 0 {
			coText = texts.Esc(strings.Join(co, b.tx.T(l, "list.sep")))
		}
		key := b.tx.T(l, "btn.key_no")
		if c.Data["key"] == "1" {
			key = b.tx.T(l, "btn.key_yes")
		}
		text := b.tx.T(l, "assign.confirm", "Label", label, "Title", it.Title, "Lead", names[c.Data["lead"]],
			"Co", texts.HTML(coText), "Leader", texts.HTML(leader), "Key", texts.HTML(key), "Deadline", c.Data["deadline"])
		if ts, _ := parseTargetsInput(c.Data["targets"]); len(ts) > 0 {
			text += "\n" + b.tx.T(l, "assign.targets") + "\n" + b.tx.Targets(l, ts)
		}
		b.reply(ctx, r, text, keyboard{{button(b.tx.T(l, "btn.assign"), cb("go"))}, cancel})
	}
}

func (b *Bot) assignText(ctx context.Context, r *request, c *deputybot.Conversation) error {
	if c.Step == "targets" {
		if _, err := parseTargetsInput(r.msg.Text); err != nil {
			return err
		}
		c.Data["targets"] = r.msg.Text
		return b.advance(ctx, r, c, "confirm")
	}
	if c.Step != "deadline" {
		return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
	}
	d, err := b.dateAnswer(r, true)
	if err != nil {
		return err
	}
	it, err := b.convItem(ctx, r, c)
	if err != nil {
		return err
	}
	e, err := b.env(ctx, r.now)
	if err != nil {
		return err
	}
	// Check now, so that a wrong date is asked again at once.
	trial := *it
	if _, err := deputybot.Assign(&trial, r.person, deputybot.AssignInput{Lead: c.Data["lead"], Deadline: deputybot.EndOfDay(d, b.opts.Location)}, e); err != nil {
		return err
	}
	c.Data["deadline"] = d.String()
	return b.afterDeadline(ctx, r, c, it)
}

// afterDeadline asks a motion's targets, or goes to the confirmation.
func (b *Bot) afterDeadline(ctx context.Context, r *request, c *deputybot.Conversation, it *deputybot.Item) error {
	if it.Kind == deputybot.KindMotion {
		return b.advance(ctx, r, c, "targets")
	}
	return b.advance(ctx, r, c, "confirm")
}

func (b *Bot) assignChoice(ctx context.Context, r *request, c *deputybot.Conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	drop := func() { b.dropKeyboard(ctx, r.chatID, r.callbackMessageID()) }
	switch {
	case kind == "pg" && (c.Step == "lead" || c.Step == "co" || c.Step == "leader"):
		drop()
		c.Data["page"] = arg
		return b.advance(ctx, r, c, c.Step)
	case kind == "d" && c.Step == "lead":
		if _, err := b.store.Department(ctx, arg); err != nil {
			return errStale
		}
		drop()
		c.Data["lead"], c.Data["page"] = arg, "0"
		return b.advance(ctx, r, c, "co")
	case kind == "ct" && c.Step == "co":
		if _, err := b.store.Department(ctx, arg); err != nil || arg == c.Data["lead"] {
			return errStale
		}
		co := slices.DeleteFunc(strings.Split(c.Data["co"], ","), func(s string) bool { return s == "" })
		if i := slices.Index(co, arg); i >= 0 {
			co = slices.Delete(co, i, i+1)
		} else {
			co = append(co, arg)
		}
		c.Data["co"] = strings.Join(co, ",")
		drop()
		return b.advance(ctx, r, c, "co")
	case kind == "next" && c.Step == "co":
		drop()
		c.Data["page"] = "0"
		return b.advance(ctx, r, c, "leader")
	case kind == "l" && c.Step == "leader":
		if arg != "-" {
			p, err := b.store.Person(ctx, arg)
			if err != nil || !p.HasRole(deputybot.RoleLeader) {
				return errStale
			}
			c.Data["leader"] = arg
		} else {
			delete(c.Data, "leader")
		}
		drop()
		return b.advance(ctx, r, c, "key")
	case kind == "k" && c.Step == "key":
		c.Data["key"] = arg
		drop()
		return b.advance(ctx, r, c, "deadline")
	case kind == "dl" && c.Step == "deadline":
		it, err := b.convItem(ctx, r, c)
		if err != nil {
			return err
		}
		e, err := b.env(ctx, r.now)
		if err != nil {
			return err
		}
		c.Data["deadline"] = deputybot.DateOf(e.DefaultDeadline(it.Kind), b.opts.Location).String()
		drop()
		return b.afterDeadline(ctx, r, c, it)
	case kind == "notargets" && c.Step == "targets":
		drop()
		delete(c.Data, "targets")
		return b.advance(ctx, r, c, "confirm")
	case kind == "go" && c.Step == "confirm":
		drop()
		d, _ := deputybot.ParseDate(c.Data["deadline"])
		var co []string
		for _, id := range strings.Split(c.Data["co"], ",") {
			if id != "" {
				co = append(co, id)
			}
		}
		in := deputybot.AssignInput{Lead: c.Data["lead"], CoDepts: co, Leader: c.Data["leader"], Key: c.Data["key"] == "1",
			Deadline: deputybot.EndOfDay(d, b.opts.Location)}
		targets, _ := parseTargetsInput(c.Data["targets"])
		it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			evs, err := one(deputybot.Assign(it, r.person, in, e))
			if err != nil || len(targets) == 0 {
				return evs, err
			}
			tev, err := deputybot.SetTargets(it, r.person, targets, e)
			return append(evs, tev), err
		})
		if err != nil {
			_ = b.finish(ctx, r)
			return err
		}
		return b.endWith(ctx, r, b.tx.T(r.lang, "done.assigned", "Label", texts.HTML(b.tx.Label(r.lang, it)), "Deadline", b.tx.Date(it.Deadline)))
	}
	return errStale
}

// --- one-answer texts: return reason, opinion, progress, requests, the
// reason of an unsatisfied rating

func (b *Bot) textPrompt(ctx context.Context, r *request, c *deputybot.Conversation) {
	l := r.lang
	cancel := keyboard{b.cancelButton(r, c)}
	switch c.Step {
	case "pgmet":
		cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
		b.reply(ctx, r, b.tx.T(l, "ask.promise_met"), keyboard{
			{button(b.tx.T(l, "btn.promise_met"), cb("met:1")), button(b.tx.T(l, "btn.promise_open"), cb("met:0"))}, cancel[0]})
	case "rr":
		text := b.tx.T(l, "ask.rr")
		if c.Data["late"] == "1" {
			text += "\n" + b.tx.T(l, "ask.rr_late", "Days", b.opts.Rules.ReturnWorkdays)
		}
		b.reply(ctx, r, text, cancel)
	default:
		b.reply(ctx, r, b.tx.T(l, "ask."+c.Step, "Max", deputybot.MaxReasonLen), cancel)
	}
}

func (b *Bot) textAnswer(ctx context.Context, r *request, c *deputybot.Conversation) error {
	if r.msg.Text == "" {
		return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
	}
	text := r.msg.Text
	id := c.Data["item"]
	p := r.person
	var apply func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error)
	done := "done." + c.Step
	switch c.Step {
	case "rd":
		apply = func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.ReturnToDeputy(it, p, text, e))
		}
	case "op":
		apply = func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.SendOpinion(it, det, p, text, e))
		}
	case "ex":
		apply = func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.RequestExtension(it, p, text, e))
		}
	case "rr":
		apply = func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.RequestReturn(it, p, text, e))
		}
	case "ur":
		round, _ := strconv.Atoi(c.Data["round"])
		if strings.TrimSpace(text) == "" {
			return deputybot.Errorf(deputybot.EINVALID, "err.reason_required")
		}
		if err := b.rate(ctx, r, id, round, deputybot.Unsatisfied, text); err != nil {
			_ = b.finish(ctx, r)
			return err
		}
		return b.finish(ctx, r)
	case "pg":
		if err := deputybot.ValidateBody(text); err != nil {
			return err
		}
		c.Data["text"] = text
		return b.advance(ctx, r, c, "pgmet")
	default:
		return errStale
	}
	it, err := b.change(ctx, r, id, apply)
	if err != nil {
		if deputybot.ErrorCode(err) != deputybot.EINVALID {
			_ = b.finish(ctx, r)
		}
		return err
	}
	return b.endWith(ctx, r, b.tx.T(r.lang, done, "Label", texts.HTML(b.tx.Label(r.lang, it))))
}

func (b *Bot) textChoice(ctx context.Context, r *request, c *deputybot.Conversation, value string) error {
	if c.Step != "pgmet" || (value != "met:1" && value != "met:0") {
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
	return b.endWith(ctx, r, b.tx.T(r.lang, "done.pg", "Label", texts.HTML(b.tx.Label(r.lang, it))))
}

// --- contact log (lead department)

func (b *Bot) contactPrompt(ctx context.Context, r *request, c *deputybot.Conversation) {
	l := r.lang
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	cancel := b.cancelButton(r, c)
	switch c.Step {
	case "date":
		b.reply(ctx, r, b.tx.T(l, "contact.ask_date"), keyboard{
			{button(b.tx.T(l, "btn.today"), cb("day:0")), button(b.tx.T(l, "btn.yesterday"), cb("day:1"))}, cancel})
	case "method":
		var row []keyboardButton
		for _, m := range deputybot.ContactMethods {
			row = append(row, button(b.tx.Method(l, m), cb("m:"+string(m))))
		}
		b.reply(ctx, r, b.tx.T(l, "contact.ask_method"), keyboard{row, cancel})
	case "note":
		b.reply(ctx, r, b.tx.T(l, "contact.ask_note", "Max", deputybot.MaxNoteLen), keyboard{
			{button(b.tx.T(l, "btn.skip"), cb("skip"))}, cancel})
	}
}

func (b *Bot) contactText(ctx context.Context, r *request, c *deputybot.Conversation) error {
	switch c.Step {
	case "date":
		d, err := b.dateAnswer(r, false)
		if err != nil {
			return err
		}
		c.Data["date"] = d.String()
		return b.advance(ctx, r, c, "method")
	case "note":
		if r.msg.Text == "" {
			return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
		}
		return b.logContact(ctx, r, c, r.msg.Text)
	}
	return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
}

func (b *Bot) contactChoice(ctx context.Context, r *request, c *deputybot.Conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	switch {
	case kind == "day" && c.Step == "date":
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 || n > 1 {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["date"] = deputybot.DateOf(r.now.AddDate(0, 0, -n), b.opts.Location).String()
		return b.advance(ctx, r, c, "method")
	case kind == "m" && c.Step == "method":
		if !slices.Contains(deputybot.ContactMethods, deputybot.ContactMethod(arg)) {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["method"] = arg
		return b.advance(ctx, r, c, "note")
	case kind == "skip" && c.Step == "note":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.logContact(ctx, r, c, "")
	}
	return errStale
}

func (b *Bot) logContact(ctx context.Context, r *request, c *deputybot.Conversation, note string) error {
	d, _ := deputybot.ParseDate(c.Data["date"])
	in := deputybot.ContactInput{Date: d, Method: deputybot.ContactMethod(c.Data["method"]), Note: note}
	it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.LogContact(it, r.person, in, e))
	})
	if err != nil {
		if deputybot.ErrorCode(err) != deputybot.EINVALID {
			_ = b.finish(ctx, r)
		}
		return err
	}
	return b.endWith(ctx, r, b.tx.T(r.lang, "done.contact", "Label", texts.HTML(b.tx.Label(r.lang, it))))
}

// --- reply and corrected reply (lead department)

func (b *Bot) replyPrompt(ctx context.Context, r *request, c *deputybot.Conversation) {
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

func (b *Bot) replyText(ctx context.Context, r *request, c *deputybot.Conversation) error {
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
		if err := deputybot.ValidateBody(r.msg.Text); err != nil {
			return err
		}
		c.Data["text"] = strings.TrimSpace(r.msg.Text)
		return b.advance(ctx, r, c, "file")
	case "file":
		m := r.msg
		if m.Document == nil {
			return deputybot.Errorf(deputybot.EINVALID, "err.file_expected")
		}
		c.Data["file"], c.Data["fileName"] = m.Document.FileID, m.Document.FileName
		return b.advance(ctx, r, c, "confirm")
	}
	return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
}

func (b *Bot) replyChoice(ctx context.Context, r *request, c *deputybot.Conversation, value string) error {
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
			FileID: c.Data["file"], FileName: c.Data["fileName"]}
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
		return b.endWith(ctx, r, b.tx.T(r.lang, "done.replied", "Label", texts.HTML(b.tx.Label(r.lang, it))))
	}
	return errStale
}

// --- the office's decision on a request

func (b *Bot) decidePrompt(ctx context.Context, r *request, c *deputybot.Conversation) {
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
		if req.Kind == deputybot.KindExtensionRequest {
			kb = keyboard{{button(b.tx.T(l, "btn.approve"), cb("ok"))}}
		} else {
			kb = keyboard{{button(b.tx.T(l, "btn.reassign"), cb("re"))}, {button(b.tx.T(l, "btn.return_deputy"), cb("back"))}}
		}
		kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.refuse"), cb("no"))}, cancel)
		b.reply(ctx, r, head, kb)
	case "date":
		latest := e.LatestDeadline(it.Kind, it.AssignedAt)
		def := latest
		if it.Request.Kind == deputybot.KindReturnRequest {
			def = e.DefaultDeadline(it.Kind)
			latest = e.LatestDeadline(it.Kind, r.now)
		}
		b.reply(ctx, r, b.tx.T(l, "decide.ask_date", "Default", b.tx.Date(def), "Latest", b.tx.Date(latest)),
			keyboard{{button(b.tx.T(l, "btn.use_date", "Date", b.tx.Date(def)), cb("dl:default"))}, cancel})
	case "lead":
		depts, _ := b.store.Departments(ctx)
		depts = slices.DeleteFunc(depts, func(d *deputybot.Department) bool { return d.ID == it.LeadDept })
		page, _ := strconv.Atoi(c.Data["page"])
		kb := pagedChoices(depts, page, 8, func(d *deputybot.Department) keyboardButton { return button(d.Name, cb("d:"+d.ID)) },
			func(p int) string { return cb("pg:" + strconv.Itoa(p)) })
		b.reply(ctx, r, b.tx.T(l, "decide.ask_lead"), append(kb, cancel))
	}
}

// decide applies the office's decision and ends the dialogue.
func (b *Bot) decide(ctx context.Context, r *request, c *deputybot.Conversation, d deputybot.Decision) error {
	d.Override = true // the office's explicit choice, after seeing the "late" warning
	it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.DecideRequest(it, r.person, d, e))
	})
	if err != nil {
		if deputybot.ErrorCode(err) != deputybot.EINVALID {
			_ = b.finish(ctx, r)
		}
		return err
	}
	return b.endWith(ctx, r, b.tx.T(r.lang, "done.decided", "Label", texts.HTML(b.tx.Label(r.lang, it)),
		"Status", texts.HTML(b.tx.Status(r.lang, it)), "Deadline", b.tx.Date(it.Deadline)))
}

func (b *Bot) decideText(ctx context.Context, r *request, c *deputybot.Conversation) error {
	if c.Step != "date" {
		return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
	}
	d, err := b.dateAnswer(r, true)
	if err != nil {
		return err
	}
	return b.decide(ctx, r, c, deputybot.Decision{Approve: true, NewLead: c.Data["lead"], Deadline: deputybot.EndOfDay(d, b.opts.Location)})
}

func (b *Bot) decideChoice(ctx context.Context, r *request, c *deputybot.Conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	drop := func() { b.dropKeyboard(ctx, r.chatID, r.callbackMessageID()) }
	switch {
	case kind == "no" && c.Step == "choose":
		drop()
		return b.decide(ctx, r, c, deputybot.Decision{Approve: false})
	case kind == "back" && c.Step == "choose":
		drop()
		return b.decide(ctx, r, c, deputybot.Decision{Approve: true})
	case kind == "ok" && c.Step == "choose":
		drop()
		return b.advance(ctx, r, c, "date")
	case kind == "re" && c.Step == "choose":
		drop()
		return b.advance(ctx, r, c, "lead")
	case kind == "pg" && c.Step == "lead":
		drop()
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

// --- quality flag (supervisor)

func (b *Bot) flagPrompt(ctx context.Context, r *request, c *deputybot.Conversation) {
	l := r.lang
	cb := func(v string) string { return "c:" + c.Nonce + ":" + v }
	cancel := b.cancelButton(r, c)
	switch c.Step {
	case "category":
		var kb keyboard
		for _, fc := range deputybot.FlagCategories {
			kb = append(kb, []keyboardButton{button(b.tx.T(l, "flag."+string(fc)), cb("fc:"+string(fc)))})
		}
		b.reply(ctx, r, b.tx.T(l, "flag.ask_category"), append(kb, cancel))
	case "deadline":
		def := deputybot.DateOf(r.now, b.opts.Location).Time(time.UTC).AddDate(0, 0, b.opts.Rules.RectificationDays)
		ds := deputybot.DateOf(def, time.UTC).String()
		b.reply(ctx, r, b.tx.T(l, "flag.ask_deadline", "Default", ds), keyboard{{button(b.tx.T(l, "btn.use_date", "Date", ds), cb("dl:default"))}, cancel})
	case "note":
		b.reply(ctx, r, b.tx.T(l, "flag.ask_note", "Max", deputybot.MaxNoteLen), keyboard{{button(b.tx.T(l, "btn.skip"), cb("skip"))}, cancel})
	}
}

func (b *Bot) flagText(ctx context.Context, r *request, c *deputybot.Conversation) error {
	switch c.Step {
	case "deadline":
		d, err := b.dateAnswer(r, true)
		if err != nil {
			return err
		}
		c.Data["deadline"] = d.String()
		return b.advance(ctx, r, c, "note")
	case "note":
		if r.msg.Text == "" {
			return deputybot.Errorf(deputybot.EINVALID, "err.text_expected")
		}
		return b.flag(ctx, r, c, r.msg.Text)
	}
	return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
}

func (b *Bot) flagChoice(ctx context.Context, r *request, c *deputybot.Conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	switch {
	case kind == "fc" && c.Step == "category":
		if !slices.Contains(deputybot.FlagCategories, deputybot.FlagCategory(arg)) {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["category"] = arg
		return b.advance(ctx, r, c, "deadline")
	case kind == "dl" && c.Step == "deadline":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		delete(c.Data, "deadline")
		return b.advance(ctx, r, c, "note")
	case kind == "skip" && c.Step == "note":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.flag(ctx, r, c, "")
	}
	return errStale
}

func (b *Bot) flag(ctx context.Context, r *request, c *deputybot.Conversation, note string) error {
	in := deputybot.FlagInput{Category: deputybot.FlagCategory(c.Data["category"]), Note: note}
	if d, ok := deputybot.ParseDate(c.Data["deadline"]); ok {
		in.Deadline = deputybot.EndOfDay(d, b.opts.Location)
	}
	it, err := b.change(ctx, r, c.Data["item"], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.FlagReply(it, r.person, in, e))
	})
	if err != nil {
		if deputybot.ErrorCode(err) != deputybot.EINVALID {
			_ = b.finish(ctx, r)
		}
		return err
	}
	f := it.Flags[len(it.Flags)-1]
	return b.endWith(ctx, r, b.tx.T(r.lang, "done.flagged", "Label", texts.HTML(b.tx.Label(r.lang, it)), "Deadline", b.tx.Date(f.Deadline)))
}

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

func (b *Bot) targetPrompt(ctx context.Context, r *request, c *deputybot.Conversation) {
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
		b.reply(ctx, r, b.tx.T(l, "target.ask_which")+"\n"+b.tx.Targets(l, it.Targets), append(kb, cancel))
	case "value":
		b.reply(ctx, r, b.tx.T(l, "target.ask_value", "N", c.Data["target"]), keyboard{cancel})
	}
}

func (b *Bot) targetText(ctx context.Context, r *request, c *deputybot.Conversation) error {
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
		return b.endWith(ctx, r, b.tx.T(r.lang, "done.targets", "Label", texts.HTML(b.tx.Label(r.lang, it)))+"\n"+b.tx.Targets(r.lang, it.Targets))
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
		return b.endWith(ctx, r, b.tx.T(r.lang, "done.target_progress", "Label", texts.HTML(b.tx.Label(r.lang, it)))+"\n"+b.tx.Targets(r.lang, it.Targets))
	}
	return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
}

func (b *Bot) targetChoice(ctx context.Context, r *request, c *deputybot.Conversation, value string) error {
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
