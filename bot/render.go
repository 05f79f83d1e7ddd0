package bot

import (
	"context"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/report"
	"deputybot/service"
	"deputybot/texts"
)

// The bot writes the messages the use cases send (service.Renderer):
// notices of changes, reminders, digests. Who gets which is decided in
// the domain and the service; here only what they read.

var _ service.Renderer = (*Bot)(nil)

// Notice implements service.Renderer: what one notice of a change says to
// one person (SPEC §4, event notifications).
func (b *Bot) Notice(ctx context.Context, to service.Recipient, n deputybot.Notice, c service.Change) (string, string, deputybot.Batch) {
	text, kb := b.notice(ctx, to, n, c)
	l, it := to.Lang, c.Item
	line := func(key string, args ...any) string {
		return b.tx.T(l, key, append([]any{"Label", texts.HTML(b.tx.Label(l, it)), "Title", it.Title}, args...)...)
	}
	var batch deputybot.Batch
	switch n.What {
	case deputybot.NoteNewItem:
		names := b.names(ctx)
		batch = deputybot.Batch{Group: "new-item", Head: b.tx.T(l, "batch.new_items"), Line: line("batch.new_item", "Author", names.of(it.AuthorID))}
	case deputybot.NoteAssignedDeputy:
		names := b.names(ctx)
		batch = deputybot.Batch{Group: "assigned-deputy", Head: b.tx.T(l, "batch.assigned_deputy"),
			Line: line("batch.assigned_deputy_line", "Dept", names.depts[it.LeadDept], "Deadline", b.tx.Date(it.Deadline)) + b.groupedNote(l, it)}
	case deputybot.NoteAssignedLead:
		batch = deputybot.Batch{Group: "assigned-lead", Head: b.tx.T(l, "batch.assigned_lead"), Line: line("batch.assigned_lead_line", "Deadline", b.tx.Date(it.Deadline))}
	case deputybot.NoteAssignedCo:
		var deadline string
		if cd := it.CoDept(n.Dept); cd != nil {
			deadline = b.tx.Date(cd.Deadline)
		}
		names := b.names(ctx)
		batch = deputybot.Batch{Group: "assigned-co", Head: b.tx.T(l, "batch.assigned_co"),
			Line: line("batch.assigned_co_line", "Lead", names.depts[it.LeadDept], "Deadline", deadline)}
	default:
		return text, kb, batch
	}
	batch.Open = "it:" + it.ID
	return text, kb, batch
}

// NameChanged implements service.Renderer: the office is told that a
// person changed the name he is shown by.
func (b *Bot) NameChanged(ctx context.Context, to service.Recipient, p *deputybot.Person, old string) (string, deputybot.Batch) {
	l := to.Lang
	args := []any{"Old", old, "Name", p.Name, "Roles", b.tx.Roles(l, p.Roles)}
	return b.tx.T(l, "name.office", args...), deputybot.Batch{Group: "names", Head: b.tx.T(l, "batch.names"), Line: b.tx.T(l, "batch.name_line", args...)}
}

// notice is a notice's message when it goes alone.
func (b *Bot) notice(ctx context.Context, to service.Recipient, n deputybot.Notice, c service.Change) (string, string) {
	l, it, ev := to.Lang, c.Item, n.Event
	names := b.names(ctx)
	dept := func(id string) string { return names.depts[id] }
	label := texts.HTML(b.tx.Label(l, it))
	card := keyboard{{button(b.tx.T(l, "btn.view"), "it:"+it.ID)}}
	t := func(id string, args ...any) string { return b.tx.T(l, id, args...) }
	switch n.What {
	case deputybot.NoteCoSponsorRequest:
		text := t("cosponsor.request", "Author", names.of(it.AuthorID), "Kind", texts.HTML(t("kind."+string(it.Kind)+"_noun"))) +
			"\n\n" + b.cardText(ctx, l, it, c.Details, c.Env, nil)
		return text, keyboard{{
			button(t("btn.cosponsor_yes"), "cs:"+it.ID+":y"),
			button(t("btn.cosponsor_no"), "cs:"+it.ID+":n"),
		}}.json()
	case deputybot.NoteNewItem:
		return t("office.new_item", "Label", label, "Title", it.Title, "Author", names.of(it.AuthorID),
			"Period", texts.HTML(t("period."+string(it.Period)))), card.json()
	case deputybot.NoteWithdrawn:
		return t("office.withdrawn", "Label", label, "Title", it.Title), ""
	case deputybot.NoteCoSponsorAnswer:
		k := "cosponsor.author_confirmed"
		if ev.Type == deputybot.EvCoSponsorDeclined {
			k = "cosponsor.author_declined"
		}
		text := t(k, "Name", names.of(ev.ActorID), "Label", label, "Title", it.Title, "Confirmed", it.ConfirmedCoSponsors())
		if it.Status != deputybot.StatusDraft && it.SubmittedAt.Equal(ev.At) { // this answer submitted it
			text += "\n" + t("cosponsor.author_submitted", "Label", label)
		}
		return text, ""
	case deputybot.NoteAssignedDeputy:
		return t("note.assigned_deputy", "Label", label, "Title", it.Title, "Dept", dept(it.LeadDept), "Deadline", b.tx.Date(it.Deadline)) +
			b.groupedNote(l, it), card.json()
	case deputybot.NoteAssignedLead:
		return t("note.assigned_lead", "Label", label, "Title", it.Title, "Deadline", b.tx.Date(it.Deadline)), card.json()
	case deputybot.NoteAssignedCo:
		var deadline string
		if cd := it.CoDept(n.Dept); cd != nil {
			deadline = b.tx.Date(cd.Deadline)
		}
		return t("note.assigned_co", "Label", label, "Title", it.Title, "Lead", dept(it.LeadDept), "Deadline", deadline), card.json()
	case deputybot.NoteReturned:
		return t("note.returned", "Label", label, "Title", it.Title, "Reason", it.ReturnReason),
			keyboard{{button(t("act.revise"), "ha:"+it.ID+":rv")}, card[0]}.json()
	case deputybot.NoteReturnGranted:
		return t("note.request_granted_return", "Label", label, "Title", it.Title), ""
	case deputybot.NoteContactConfirm:
		ct := it.Contacts[len(it.Contacts)-1]
		text := t("note.contact_confirm", "Dept", dept(ct.Dept), "Label", label, "Title", it.Title,
			"Date", ct.Date, "Method", texts.HTML(b.tx.Method(l, ct.Method)))
		if ct.Note != "" {
			text += "\n" + t("note.contact_note", "Note", ct.Note)
		}
		nn := strconv.Itoa(ct.N)
		return text, keyboard{{button(t("btn.contact_yes"), "cc:"+it.ID+":"+nn+":y"),
			button(t("btn.contact_no"), "cc:"+it.ID+":"+nn+":n")}}.json()
	case deputybot.NoteContactDisputed:
		text := t("note.contact_disputed", "Label", label, "Title", it.Title, "Deputy", names.of(it.AuthorID))
		if reason := ev.Data["reason"]; reason != "" {
			text += "\n" + t("note.dispute_reason", "Reason", reason)
		}
		return text, card.json()
	case deputybot.NoteContactConfirmed:
		return t("note.contact_confirmed", "Label", label, "Title", it.Title, "Deputy", names.of(it.AuthorID), "N", ev.Data["n"]), card.json()
	case deputybot.NoteGrouped:
		return t("note.grouped", "Label", label, "Title", it.Title), card.json()
	case deputybot.NoteUngrouped:
		return t("note.ungrouped", "Label", label, "Title", it.Title, "Deadline", b.tx.Date(it.Deadline)), card.json()
	case deputybot.NoteThreadThree:
		return t("note.thread_three", "Label", label, "Title", it.Title, "Years", strings.ReplaceAll(ev.Data["years"], ",", t("list.sep"))), card.json()
	case deputybot.NoteReplyCoSponsor:
		return t("note.reply_cosponsor", "Label", label, "Title", it.Title, "Author", names.of(it.AuthorID)), card.json()
	case deputybot.NoteSubmittedCoSponsor:
		return t("note.submitted_cosponsor", "Label", label, "Title", it.Title, "Author", names.of(it.AuthorID)), card.json()
	case deputybot.NoteAssignmentChanged:
		var co []string
		for _, c := range it.CoDepts {
			co = append(co, dept(c.Dept))
		}
		coText := t("assign.no_codepts")
		if len(co) > 0 {
			coText = texts.Esc(strings.Join(co, t("list.sep")))
		}
		return t("note.assignment_changed", "Label", label, "Title", it.Title, "Lead", dept(it.LeadDept), "Co", texts.HTML(coText),
			"Deadline", b.tx.Date(it.Deadline)), card.json()
	case deputybot.NoteAssignmentDropped:
		return t("note.assignment_dropped", "Label", label, "Title", it.Title, "Lead", dept(it.LeadDept)), ""
	case deputybot.NoteCorrectedFlagger:
		f := it.LastFlag()
		if f == nil {
			break
		}
		text := t("note.corrected_flagger", "Dept", dept(it.LeadDept), "Label", label, "Title", it.Title,
			"Category", texts.HTML(t("flag."+string(f.Category))))
		if c.Details != nil {
			if rt := c.Details.CurrentReplyText(f.Round); rt != nil {
				text += "\n\n" + texts.Esc(rt.Text)
			}
		}
		return text, card.json()
	case deputybot.NoteReply:
		return b.replyNotice(l, it, c.Details, names, ev.Type == deputybot.EvCorrected)
	case deputybot.NoteOpinion:
		return t("note.opinion", "Dept", dept(ev.Data["dept"]), "Label", label, "Title", it.Title), card.json()
	case deputybot.NoteRequest:
		req := it.Request
		text := t("note."+ev.Type, "Dept", dept(it.LeadDept), "Label", label, "Title", it.Title, "Reason", req.Reason)
		if req.Late {
			text += "\n" + t("decide.late", "Days", b.opts.Rules.ReturnWorkdays)
		}
		return text, keyboard{{button(t("act.decide_request"), "ha:"+it.ID+":"+actionCode(deputybot.ActDecideRequest))}}.json()
	case deputybot.NoteExtendedDeputy:
		return t("note.extended_deputy", "Label", label, "Title", it.Title, "Deadline", b.tx.Date(it.Deadline)), card.json()
	case deputybot.NoteExtensionApproved:
		return t("note.extension_approved", "Label", label, "Deadline", b.tx.Date(it.Deadline)), card.json()
	case deputybot.NoteRepublished:
		return t("note.republished", "Label", label, "Title", it.Title), card.json()
	case deputybot.NoteWithheld:
		return t("note.withheld_"+ev.Data["scope"], "Label", label, "Title", it.Title), card.json()
	case deputybot.NoteRequestRefused:
		return t("note."+ev.Type, "Label", label, "Deadline", b.tx.Date(it.Deadline)), card.json()
	case deputybot.NoteReassignedFrom:
		return t("note.reassigned_old", "Label", label, "Title", it.Title, "Dept", dept(it.LeadDept)), ""
	case deputybot.NoteReassignedDeputy:
		return t("note.reassigned_deputy", "Label", label, "Title", it.Title, "Dept", dept(it.LeadDept),
			"Deadline", b.tx.Date(it.Deadline)), card.json()
	case deputybot.NoteRated:
		round, _ := strconv.Atoi(ev.Data["round"])
		text := t("note.rated", "Label", label, "Title", it.Title, "Rating", texts.HTML(b.ratingText(l, it.RatingOf(round))))
		if comment := ev.Data["comment"]; comment != "" {
			text += "\n" + t("note.rating_comment", "Comment", comment)
		}
		return text, card.json()
	case deputybot.NoteUnsatisfied:
		return t("note.unsatisfied_office", "Label", label, "Title", it.Title, "Dept", dept(it.LeadDept),
			"Comment", ev.Data["comment"], "Round", ev.Data["round"]), card.json()
	case deputybot.NoteRehandling:
		return t("note.rehandling", "Label", label, "Title", it.Title, "Deadline", b.tx.Date(it.Deadline)), card.json()
	case deputybot.NoteClosed:
		return t("note.closed", "Label", label, "Title", it.Title, "Outcome", texts.HTML(t("rating."+string(it.Outcome)))), card.json()
	case deputybot.NoteFlagged:
		f := it.Flags[len(it.Flags)-1]
		text := t("note.flagged", "Label", label, "Title", it.Title,
			"Category", texts.HTML(t("flag."+string(f.Category))), "Deadline", b.tx.Date(f.Deadline))
		if f.Note != "" {
			text += "\n" + t("note.flag_note", "Note", f.Note)
		}
		return text, card.json()
	case deputybot.NoteTargetProgress:
		num, _ := strconv.Atoi(ev.Data["n"])
		text := t("note.target_progress", "Dept", dept(it.LeadDept), "Label", label, "Title", it.Title)
		if tg := it.Target(num); tg != nil {
			text += "\n" + report.Targets(b.tx, l, []deputybot.Target{*tg})
		}
		return text, card.json()
	case deputybot.NoteProgress:
		pr := c.Details.Progress[len(c.Details.Progress)-1]
		key := "note.progress"
		if pr.Met {
			key = "note.progress_met"
		}
		return t(key, "Dept", dept(it.LeadDept), "Label", label, "Title", it.Title) + "\n\n" + texts.Esc(pr.Text), card.json()
	case deputybot.NoteStatus:
		return t("note.leader_status", "Label", label, "Title", it.Title,
			"From", texts.HTML(t("status."+string(n.From))), "To", texts.HTML(b.tx.Status(l, it))), card.json()
	}
	b.log.Error("a notice without a text", "what", n.What)
	return t("err.internal"), ""
}

// replyNotice is a round's reply (or its correction) for the deputy,
// with the rating buttons while it can still be rated.
func (b *Bot) replyNotice(l deputybot.Language, it *deputybot.Item, det *deputybot.ItemDetails, names *names, corrected bool) (string, string) {
	r := it.LatestReply()
	if corrected {
		f := it.Flags[len(it.Flags)-1]
		for i := range it.Replies {
			if it.Replies[i].Round == f.Round {
				r = &it.Replies[i]
			}
		}
	}
	text := det.CurrentReplyText(r.Round)
	key := "note.reply"
	if corrected {
		key = "note.reply_corrected"
	}
	msg := b.tx.T(l, key, "Dept", names.depts[it.LeadDept], "Label", texts.HTML(b.tx.Label(l, it)), "Title", it.Title,
		"Class", texts.HTML(b.tx.T(l, "class."+string(r.Class))))
	if len(r.CoDepts) > 0 {
		var ds []string
		for _, d := range r.CoDepts {
			ds = append(ds, names.depts[d])
		}
		msg += "\n" + b.tx.T(l, "note.reply_codepts", "Depts", b.tx.List(l, ds))
	}
	msg += "\n\n" + texts.Esc(text.Text)
	if len(text.Answers) > 0 {
		msg += "\n\n" + b.pointLines(l, det.Points, text.Answers)
	}
	if ps := it.RoundPromises(r.Round); len(ps) > 0 {
		msg += "\n\n" + b.promiseLines(l, ps, false)
	}
	var kb keyboard
	if text.FileID != "" {
		kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.reply_file"), "rf:"+it.ID+":"+strconv.Itoa(r.Round))})
	}
	if it.Status == deputybot.StatusReplied && it.RatingOpen(it.Round) == nil {
		if r.Round >= deputybot.FinalRound {
			msg += "\n\n" + b.tx.T(l, "note.final_round", "Round", r.Round)
		}
		msg += "\n\n" + b.tx.T(l, "note.please_rate")
		kb = append(kb, b.ratingButtons(l, it)...)
	}
	return msg, kb.json()
}

// Reminder implements service.Renderer.
// All the reminders of one run to one person go as one message: its
// lines are the reminders' own sentences.
func (b *Bot) Reminder(ctx context.Context, to service.Recipient, r deputybot.Reminder, it *deputybot.Item, e deputybot.Env) (string, string, deputybot.Batch) {
	text, kb := b.reminder(ctx, to, r, it, e)
	if to.Instead != "" {
		names := b.names(ctx)
		text = b.tx.T(to.Lang, "remind.instead", "Dept", names.depts[to.Instead]) + " " + text
	}
	if r.Kind == deputybot.RemindPromiseAsk {
		// The deputy's question goes alone, with its buttons.
		return text, kb, deputybot.Batch{}
	}
	return text, kb, deputybot.Batch{Group: "remind", Head: b.tx.T(to.Lang, "batch.reminders"), Line: text, Open: "it:" + it.ID}
}

// reminder is a reminder's message when it goes alone.
func (b *Bot) reminder(ctx context.Context, to service.Recipient, r deputybot.Reminder, it *deputybot.Item, e deputybot.Env) (string, string) {
	l := to.Lang
	depts, _ := b.departmentNames(ctx)
	label := texts.HTML(b.tx.Label(l, it))
	view := keyboard{{button(b.tx.T(l, "btn.view"), "it:"+it.ID)}}
	switch r.Kind {
	case deputybot.RemindRate:
		return b.tx.T(l, "remind.rate", "Label", label, "Title", it.Title, "Days", b.opts.Rules.UnratedDays),
			append(b.ratingButtons(l, it), view[0]).json()
	case deputybot.RemindPromise:
		p := it.Promise(r.Promise)
		if p == nil {
			// Replaced by a corrected reply since the run began: the
			// department is asked about what its card shows.
			p = &deputybot.Promise{Due: b.tx.Date(r.Deadline)}
		}
		return b.tx.T(l, "remind.promise", "Label", label, "Title", it.Title, "Due", p.Due, "What", p.What),
			keyboard{{button(b.tx.T(l, "act.report_promise"), "ha:"+it.ID+":"+actionCode(deputybot.ActReportPromise))}, view[0]}.json()
	case deputybot.RemindPromiseAsk:
		p := it.Promise(r.Promise)
		if p == nil {
			p = &deputybot.Promise{N: r.Promise, Due: b.tx.Date(r.Deadline)}
		}
		return b.promiseQuestion(l, it, *p, depts[it.LeadDept])
	case deputybot.RemindEscalate:
		return b.tx.T(l, "remind.escalate", "Label", label, "Title", it.Title, "Dept", depts[it.LeadDept], "Days", e.DaysOverdue(r.Duty()),
			"Deadline", b.tx.Date(r.Deadline)), view.json()
	}
	return b.tx.T(l, "remind."+r.Kind, "Label", label, "Title", it.Title, "When", texts.HTML(b.tx.Due(l, e, r.Duty()))), view.json()
}

// groupedNote tells a deputy his item is handled with others of the same
// content (merged into a group): "" otherwise.
func (b *Bot) groupedNote(l deputybot.Language, it *deputybot.Item) string {
	if !it.InGroup() || it.GroupID == it.ID {
		return ""
	}
	return b.tx.T(l, "note.assigned_grouped")
}
