package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"deputybot"
	"deputybot/service"
	"deputybot/texts"
)

// env is what the workflow rules need now: the rules, the office's
// holiday calendar and the time.
func (b *Bot) env(ctx context.Context, now time.Time) (deputybot.Env, error) {
	return b.svc.Env(ctx, now)
}

// change applies a workflow action to an item as the person who sent the
// update being handled, which is the change's cause (see service.Act).
func (b *Bot) change(ctx context.Context, r *request, id string, f service.Action) (*deputybot.Item, error) {
	return b.svc.Act(ctx, r.person, r.id, id, r.now, f)
}

// one wraps a single-event action for change.
func one(evt deputybot.Event, err error) ([]deputybot.Event, error) {
	if err != nil {
		return nil, err
	}
	return []deputybot.Event{evt}, nil
}

// handlingButtons are the workflow actions p may take on the item now,
// decided by the domain's Check: the card shows only what would work.
func (b *Bot) handlingButtons(l deputybot.Language, p *deputybot.Person, it *deputybot.Item) keyboard {
	var kb keyboard
	var row []keyboardButton
	for _, c := range actionCodes {
		if deputybot.Check(p, it, c.act) != nil || !b.opts.Rules.Offered(c.act) {
			continue
		}
		row = append(row, button(b.tx.T(l, "act."+string(c.act)), "ha:"+it.ID+":"+c.code))
		if len(row) == 2 {
			kb, row = append(kb, row), nil
		}
	}
	if len(row) > 0 {
		kb = append(kb, row)
	}
	if it.Status == deputybot.StatusReplied && deputybot.Check(p, it, deputybot.ActRate) == nil {
		kb = append(kb, b.ratingButtons(l, it)...)
	}
	return kb
}

// atOnce applies an action that asks nothing more, removes the buttons
// pressed and says it is done (done: the message, of the item's label),
// with the buttons of the card's next steps.
func (b *Bot) atOnce(ctx context.Context, r *request, id, done string, act func(*deputybot.Item, deputybot.Env) (deputybot.Event, error)) error {
	it, err := b.change(ctx, r, id, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(act(it, e))
	})
	if err != nil {
		return err
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	b.doneWithNext(ctx, r, it, b.tx.T(r.lang, done, "Label", texts.HTML(b.tx.Label(r.lang, it))))
	return nil
}

// doneWithNext says an action on an item is done, under it the buttons
// of what the person may do next on the item (as its card has them).
func (b *Bot) doneWithNext(ctx context.Context, r *request, it *deputybot.Item, text string) {
	det, err := b.store.ItemDetails(ctx, it.ID)
	if err != nil {
		det = nil // the buttons that need no details
	}
	b.reply(ctx, r, text, b.cardButtons(r, it, det, ""))
}

// onHandlingButton handles "ha:<item id>:<action code>".
func (b *Bot) onHandlingButton(ctx context.Context, r *request, arg string) error {
	id, code, ok := strings.Cut(arg, ":")
	if !ok {
		return errStale
	}
	it, err := b.loadFor(ctx, r, id)
	if err != nil {
		return err
	}
	act, ok := actionOf(code)
	if !ok {
		return errStale
	}
	if err := deputybot.Check(r.person, it, act); err != nil {
		return err
	}
	data := map[string]string{"item": id}
	switch act {
	case deputybot.ActAssign:
		return b.begin(ctx, r, "assign", "lead", data)
	case deputybot.ActRevise:
		// Back to a draft, then the filing dialogue at its preview.
		if _, err := b.change(ctx, r, id, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.Revise(it, r.person, e))
		}); err != nil {
			return err
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.onContinueDraft(ctx, r, id)
	case deputybot.ActChangeAssignment:
		// The assignment's dialogue, from what was decided.
		var co []string
		for _, c := range it.CoDepts {
			co = append(co, c.Dept)
		}
		data["change"], data["from"], data["co"], data["leader"] = "1", it.LeadDept, strings.Join(co, ","), it.LeaderID
		if it.Key {
			data["key"] = "1"
		}
		return b.begin(ctx, r, "assign", "lead", data)
	case deputybot.ActReturnToDeputy:
		return b.begin(ctx, r, "return-to-deputy", "reason", data)
	case deputybot.ActLinkThread:
		return b.offerThreads(ctx, r, it)
	case deputybot.ActUngroup:
		others := len(b.groupMembers(ctx, it.GroupID)) - 1
		return b.atOnce(ctx, r, id, "done.ungrouped", func(it *deputybot.Item, e deputybot.Env) (deputybot.Event, error) {
			return deputybot.Ungroup(it, r.person, others, e)
		})
	case deputybot.ActAccept:
		return b.atOnce(ctx, r, id, "done.accepted", func(it *deputybot.Item, e deputybot.Env) (deputybot.Event, error) {
			return deputybot.Accept(it, r.person, e)
		})
	case deputybot.ActLogContact:
		e, err := b.env(ctx, r.now)
		if err != nil {
			return err
		}
		if err := deputybot.CheckContactLogsToday(it, r.person, e); err != nil {
			return err
		}
		return b.begin(ctx, r, "contact", "date", data)
	case deputybot.ActReply, deputybot.ActCorrect:
		if act == deputybot.ActReply {
			if err := deputybot.ReplyBlocked(it, &b.opts.Rules); err != nil {
				return err
			}
		} else {
			data["correct"] = "1"
		}
		return b.begin(ctx, r, "reply", "class", data)
	case deputybot.ActOpinion:
		return b.begin(ctx, r, "opinion", "text", data)
	case deputybot.ActProgress:
		return b.begin(ctx, r, "progress", "text", data)
	case deputybot.ActReportPromise:
		if ps := it.PromisesUnreported(); len(ps) == 1 {
			data["n"] = strconv.Itoa(ps[0].N)
			return b.begin(ctx, r, "promise-report", "state", data)
		}
		return b.begin(ctx, r, "promise-report", "which", data)
	case deputybot.ActRequestExtend:
		return b.begin(ctx, r, "extension-request", "reason", data)
	case deputybot.ActRequestReturn:
		e, err := b.env(ctx, r.now)
		if err != nil {
			return err
		}
		if !deputybot.ReturnWindowOpen(it, e) {
			data["late"] = "1"
		}
		return b.begin(ctx, r, "return-request", "reason", data)
	case deputybot.ActDecideRequest:
		return b.begin(ctx, r, "decide", "choose", data)
	case deputybot.ActRepublish:
		return b.atOnce(ctx, r, id, "done.republished", func(it *deputybot.Item, e deputybot.Env) (deputybot.Event, error) {
			return deputybot.Republish(it, r.person, e)
		})
	case deputybot.ActWithholdItem:
		data["scope"] = string(deputybot.WithholdItem)
		return b.begin(ctx, r, "withhold-request", "reason", data)
	case deputybot.ActWithholdReply:
		data["scope"] = string(deputybot.WithholdReply)
		return b.begin(ctx, r, "withhold-request", "reason", data)
	case deputybot.ActFlag:
		return b.begin(ctx, r, "flag", "category", data)
	case deputybot.ActTargetProgress:
		return b.begin(ctx, r, "target", "choose", data)
	case deputybot.ActSetTargets:
		return b.begin(ctx, r, "target", "set", data)
	case deputybot.ActSetPeriod:
		to := deputybot.PeriodSession
		if it.Period == deputybot.PeriodSession {
			to = deputybot.PeriodRecess
		}
		it, err := b.change(ctx, r, id, func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
			return one(deputybot.SetPeriod(it, r.person, to, e))
		})
		if err == nil {
			b.reply(ctx, r, b.tx.T(r.lang, "done.period", "Label", texts.HTML(b.tx.Label(r.lang, it)),
				"Period", texts.HTML(b.tx.T(r.lang, "period."+string(it.Period)))), nil)
		}
		return err
	}
	return errStale
}

// onConfirmContact handles "cc:<item id>:<n>:<y|n>".
func (b *Bot) onConfirmContact(ctx context.Context, r *request, arg string) error {
	parts := strings.Split(arg, ":")
	if len(parts) != 3 || (parts[2] != "y" && parts[2] != "n") {
		return errStale
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil {
		return errStale
	}
	yes := parts[2] == "y"
	if !yes {
		// A dispute is weighty (the supervisors see it): asked again,
		// with its reason; Cancel records nothing.
		it, err := b.loadFor(ctx, r, parts[0])
		if err != nil {
			return err
		}
		if err := deputybot.Check(r.person, it, deputybot.ActConfirmContact); err != nil {
			return err
		}
		if n < 1 || n > len(it.Contacts) || it.Contacts[n-1].State != deputybot.ContactPending {
			return deputybot.Errorf(deputybot.ECONFLICT, "err.contact_answered")
		}
		return b.begin(ctx, r, "contact-dispute", "reason", map[string]string{"item": it.ID, "n": parts[1],
			"msg": strconv.Itoa(r.callbackMessageID())})
	}
	it, err := b.change(ctx, r, parts[0], func(it *deputybot.Item, _ *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.ConfirmContact(it, r.person, n, true, "", e))
	})
	if err != nil {
		return err
	}
	b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
	key := "done.contact_disputed"
	if yes {
		key = "done.contact_confirmed"
	}
	b.reply(ctx, r, b.tx.T(r.lang, key, "Label", texts.HTML(b.tx.Label(r.lang, it))), nil)
	return nil
}

// --- /assign and /pending

func (b *Bot) cmdAssign(ctx context.Context, r *request) {
	q, ok := deputybot.ParseNumber(r.args)
	if !ok {
		b.reply(ctx, r, b.tx.T(r.lang, "assign.usage"), nil)
		return
	}
	items, err := b.store.ItemsByNumber(ctx, q)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	items = slices.DeleteFunc(items, func(it *deputybot.Item) bool { return deputybot.Check(r.person, it, deputybot.ActAssign) != nil })
	switch len(items) {
	case 0:
		b.reply(ctx, r, b.tx.T(r.lang, "assign.none", "Given", deputybot.Echo(r.args)), nil)
	case 1:
		if err := b.begin(ctx, r, "assign", "lead", map[string]string{"item": items[0].ID}); err != nil {
			b.fail(ctx, r, err)
		}
	default:
		var row []keyboardButton
		for _, it := range items {
			row = append(row, button(texts.Plain(b.tx.Label(r.lang, it)), "ha:"+it.ID+":as"))
		}
		b.reply(ctx, r, b.tx.T(r.lang, "view.which"), keyboard{row})
	}
}

func (b *Bot) cmdPending(ctx context.Context, r *request) { b.showPage(ctx, r, b.pendingPage) }

func (b *Bot) onPendingPage(ctx context.Context, r *request, arg string) error {
	return b.turnPage(ctx, r, arg, can(deputybot.PermPending), b.pendingPage)
}

// pendingItems is what the contact's department has to do, soonest
// deadline first.
func (b *Bot) pendingItems(ctx context.Context, p *deputybot.Person) ([]service.Work, error) {
	items, err := b.store.DepartmentItems(ctx, p.DepartmentID)
	if err != nil {
		return nil, err
	}
	return service.DepartmentWork(items, p.DepartmentID), nil
}

func (b *Bot) pendingPage(ctx context.Context, r *request, offset int) (string, keyboard, error) {
	items, err := b.pendingItems(ctx, r.person)
	if err != nil {
		return "", nil, err
	}
	if len(items) == 0 {
		return b.tx.T(r.lang, "pending.none"), nil, nil
	}
	e, err := b.env(ctx, r.now)
	if err != nil {
		return "", nil, err
	}
	total := len(items)
	offset = min(offset, (total-1)/listPageSize*listPageSize)
	page := items[offset:min(total, offset+listPageSize)]
	text, kb := numberedPage(b.tx.T(r.lang, "pending.title", "Count", total), len(page), offset, total, "pd", func(i int) (string, string) {
		return b.workLine(r.lang, page[i], e), page[i].Item.ID
	})
	return text, kb, nil
}
