package bot

import (
	"context"
	"deputybot"
	"deputybot/texts"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The office assigns an item: lead department, co-departments, leader in
// charge, key supervision, deadline, a motion's targets, then confirms.

func (b *Bot) assignPrompt(ctx context.Context, r *request, c *conversation) {
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
		depts, err := b.activeDepartments(ctx)
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
		joined, _ := b.joinedContacts(ctx)
		kb := pagedChoices(depts, page, 8, func(d *deputybot.Department) keyboardButton {
			if joined[d.ID] == 0 {
				// Nobody would hear of it: marked, and warned of again
				// at the confirmation.
				d = &deputybot.Department{ID: d.ID, Name: d.Name + " ⚠️"}
			}
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
		if c.Data["change"] != "" {
			names, _ := b.departmentNames(ctx)
			text = b.tx.T(l, "assign.change_title", "Lead", names[c.Data["from"]]) + "\n" + text
		}
		if slices.ContainsFunc(depts, func(d *deputybot.Department) bool { return joined[d.ID] == 0 }) {
			text += "\n" + b.tx.T(l, "assign.unstaffed_mark")
		}
		if c.Step == "lead" {
			part, more := b.assignSimilarPart(ctx, r, c, it)
			text += part
			kb = append(more, kb...)
		}
		if c.Step == "co" {
			text = b.tx.T(l, "assign.ask_co")
			if slices.ContainsFunc(depts, func(d *deputybot.Department) bool { return joined[d.ID] == 0 }) {
				text += "\n" + b.tx.T(l, "assign.unstaffed_mark")
			}
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
		def, latest := assignDeadlines(it, e, c)
		b.reply(ctx, r, b.tx.T(l, "assign.ask_deadline", "Default", b.tx.Date(def), "Latest", b.tx.Date(latest)),
			keyboard{{button(b.tx.T(l, "btn.use_date", "Date", b.tx.Date(def)), cb("dl:default"))}, cancel})
	case "merge":
		b.mergePrompt(ctx, r, c, it)
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
		if i := strings.Index(text, "\n"); c.Data["change"] != "" && i > 0 {
			text = b.tx.T(l, "assign.confirm_change") + text[i:]
		}
		if ts, _ := b.parseTargetsInput(l, c.Data["targets"]); len(ts) > 0 {
			text += "\n" + b.tx.T(l, "assign.targets") + "\n" + b.targetGoals(l, ts)
		}
		// A department no contact has joined would hear nothing.
		joined, _ := b.joinedContacts(ctx)
		var none []string
		for _, id := range append([]string{c.Data["lead"]}, strings.Split(c.Data["co"], ",")...) {
			if id != "" && joined[id] == 0 {
				none = append(none, names[id])
			}
		}
		if len(none) > 0 {
			text += "\n\n" + b.tx.T(l, "assign.unstaffed", "Depts", b.tx.List(l, none), "Dept", none[0])
		}
		b.reply(ctx, r, text, keyboard{{button(b.tx.T(l, "btn.assign"), cb("go"))}, cancel})
	}
}

func (b *Bot) assignText(ctx context.Context, r *request, c *conversation) error {
	if c.Step == "targets" {
		if _, err := b.parseTargetsInput(r.lang, r.msg.Text); err != nil {
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
	it, e, err := b.convItemEnv(ctx, r, c)
	if err != nil {
		return err
	}
	// Check now, so that a wrong date is asked again at once.
	trial := *it
	in := deputybot.AssignInput{Lead: c.Data["lead"], Deadline: deputybot.EndOfDay(d, b.opts.Location)}
	check := deputybot.Assign
	if c.Data["change"] != "" {
		check = deputybot.ChangeAssignment
	}
	if _, err := check(&trial, r.person, in, e); err != nil {
		return err
	}
	c.Data["deadline"] = d.String()
	return b.afterDeadline(ctx, r, c, it)
}

// afterDeadline asks a motion's targets, or goes to the confirmation.
func (b *Bot) afterDeadline(ctx context.Context, r *request, c *conversation, it *deputybot.Item) error {
	if it.Kind == deputybot.KindMotion && c.Data["change"] == "" {
		return b.advance(ctx, r, c, "targets")
	}
	return b.advance(ctx, r, c, "confirm")
}

func (b *Bot) assignChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	drop := func() { b.dropKeyboard(ctx, r.chatID, r.callbackMessageID()) }
	switch {
	case kind == "pg" && (c.Step == "lead" || c.Step == "co" || c.Step == "leader"):
		r.redraw = r.callbackMessageID()
		c.Data["page"] = arg
		return b.advance(ctx, r, c, c.Step)
	case kind == "grp" && c.Step == "lead":
		with, err := b.store.Item(ctx, arg)
		it, err2 := b.convItem(ctx, r, c)
		if err != nil || err2 != nil || !it.Mergeable(with) {
			return errStale
		}
		drop()
		c.Data["with"] = arg
		return b.advance(ctx, r, c, "merge")
	case kind == "mgo" && c.Step == "merge":
		drop()
		return b.mergeChosen(ctx, r, c)
	case kind == "thr" && c.Step == "lead":
		earlier, err := b.store.Item(ctx, arg)
		it, err2 := b.convItem(ctx, r, c)
		if err != nil || err2 != nil || earlier.Seq == 0 || earlier.Year >= it.Year {
			return errStale
		}
		if c.Data["thread"] == arg {
			delete(c.Data, "thread")
		} else {
			c.Data["thread"] = arg
		}
		r.redraw = r.callbackMessageID()
		return b.advance(ctx, r, c, "lead")
	case kind == "d" && c.Step == "lead":
		if _, err := b.store.Department(ctx, arg); err != nil {
			return errStale
		}
		drop()
		c.Data["lead"], c.Data["page"] = arg, "0"
		// The lead is no co-department of its own item.
		c.Data["co"] = strings.Join(slices.DeleteFunc(strings.Split(c.Data["co"], ","), func(s string) bool { return s == arg }), ",")
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
		r.redraw = r.callbackMessageID()
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
		it, e, err := b.convItemEnv(ctx, r, c)
		if err != nil {
			return err
		}
		def, _ := assignDeadlines(it, e, c)
		c.Data["deadline"] = deputybot.DateOf(def, b.opts.Location).String()
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
		if c.Data["change"] != "" {
			it, err := b.svc.ChangeAssignment(ctx, r.person, r.id, c.Data["item"], in, r.now)
			if err != nil {
				_ = b.finish(ctx, r)
				return err
			}
			return b.endWithNext(ctx, r, it, b.tx.T(r.lang, "assign.changed", "Label", texts.HTML(b.tx.Label(r.lang, it)), "Deadline", b.tx.Date(it.Deadline)))
		}
		targets, _ := b.parseTargetsInput(r.lang, c.Data["targets"])
		it, err := b.svc.Assign(ctx, r.person, r.id, c.Data["item"], in, targets, r.now)
		if err != nil {
			_ = b.finish(ctx, r)
			return err
		}
		if it, err = b.linkChosenThread(ctx, r, c, it); err != nil {
			_ = b.finish(ctx, r)
			return err
		}
		return b.endWithNext(ctx, r, it, b.tx.T(r.lang, "done.assigned", "Label", texts.HTML(b.tx.Label(r.lang, it)), "Deadline", b.tx.Date(it.Deadline)))
	}
	return errStale
}

// assignDeadlines are the default and the latest deadline the
// assignment's dialogue offers: a first assignment's, or — changing one —
// the deadline kept (same lead) or a reassignment's (a new lead), as
// deputybot.ChangeAssignment decides them.
func assignDeadlines(it *deputybot.Item, e deputybot.Env, c *conversation) (def, latest time.Time) {
	if c.Data["change"] == "" {
		return e.DefaultDeadline(it.Kind), e.LatestDeadline(it.Kind, e.Now)
	}
	if c.Data["lead"] != it.LeadDept {
		return e.ReassignDeadline(it.Kind), e.LatestDeadline(it.Kind, e.Now)
	}
	return it.Deadline, e.LatestDeadline(it.Kind, it.AssignedAt)
}

// targetGoals lists targets about to be set, each with its goal only.
func (b *Bot) targetGoals(l deputybot.Language, ts []deputybot.Target) string {
	lines := make([]string, len(ts))
	for i, t := range ts {
		lines[i] = b.tx.T(l, "target.goal_line", "N", i+1, "Name", t.Name, "Goal", t.Goal, "Unit", t.Unit)
		if t.Qualitative {
			lines[i] = b.tx.T(l, "target.goal_line_text", "N", i+1, "Name", t.Name)
		}
	}
	return strings.Join(lines, "\n")
}
