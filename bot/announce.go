package bot

import (
	"context"
	"slices"
	"strconv"

	"deputybot"
	"deputybot/texts"
)

// announce returns the messages that tell the people concerned what a
// change did (SPEC §4, event notifications): the deputy, the co-sponsors,
// the departments' contacts, the office, the leader in charge. det is the
// item's details after the change.
//
// The person who acted is not told of his own action: he has the bot's
// direct answer.
func (b *Bot) announce(ctx context.Context, actor *deputybot.Person, before, it *deputybot.Item, det *deputybot.ItemDetails, evs []deputybot.Event) []deputybot.OutboxMessage {
	out := b.notices(ctx, actor)
	notify, notifyPeople := out.to, out.toPeople
	n := b.names(ctx)
	depts, _ := b.departmentNames(ctx)
	dept := func(id string) string { return depts[id] }
	author := []string{it.AuthorID}
	lead := b.contactsOf(ctx, it.LeadDept)
	office := b.officeRecipients(ctx)
	card := func(l deputybot.Language) keyboard {
		return keyboard{{button(b.tx.T(l, "btn.view"), "it:"+it.ID)}}
	}
	label := func(l deputybot.Language) texts.HTML { return texts.HTML(b.tx.Label(l, it)) }
	submitted := slices.ContainsFunc(evs, func(ev deputybot.Event) bool { return ev.Type == deputybot.EvSubmitted })
	for _, ev := range evs {
		switch ev.Type {
		case deputybot.EvSubmitted, deputybot.EvSubmitRequested:
			// The co-sponsors are asked when the author submits.
			var asked []string
			for _, c := range it.CoSponsors {
				if was := before.CoSponsor(c.PersonID); c.Asked && (was == nil || !was.Asked) {
					asked = append(asked, c.PersonID)
				}
			}
			authorName := n.of(it.AuthorID)
			notifyPeople(asked, func(l deputybot.Language) (string, keyboard) {
				text := b.tx.T(l, "cosponsor.request", "Author", authorName, "Kind", texts.HTML(b.tx.T(l, "kind."+string(it.Kind)))) +
					"\n\n" + b.cardText(ctx, l, it, det)
				return text, keyboard{{
					button(b.tx.T(l, "btn.cosponsor_yes"), "cs:"+it.ID+":y"),
					button(b.tx.T(l, "btn.cosponsor_no"), "cs:"+it.ID+":n"),
				}}
			})
			if ev.Type == deputybot.EvSubmitted {
				notify(office, func(l deputybot.Language) (string, keyboard) {
					return b.tx.T(l, "office.new_item", "Label", label(l), "Title", it.Title, "Author", authorName,
						"Period", texts.HTML(b.tx.T(l, "period."+string(it.Period)))), card(l)
				})
			}
		case deputybot.EvWithdrawn:
			notify(office, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "office.withdrawn", "Label", label(l), "Title", it.Title), nil
			})
		case deputybot.EvCoSponsorConfirm, deputybot.EvCoSponsorJoined, deputybot.EvCoSponsorDeclined:
			// The author hears of every answer, and of the submission it
			// caused.
			name := n.of(ev.ActorID)
			k := "cosponsor.author_confirmed"
			if ev.Type == deputybot.EvCoSponsorDeclined {
				k = "cosponsor.author_declined"
			}
			notifyPeople(author, func(l deputybot.Language) (string, keyboard) {
				text := b.tx.T(l, k, "Name", name, "Label", label(l), "Title", it.Title, "Confirmed", it.ConfirmedCoSponsors())
				if submitted {
					text += "\n" + b.tx.T(l, "cosponsor.author_submitted", "Label", label(l), "Code", it.Code())
				}
				return text, nil
			})
		case deputybot.EvAssigned:
			notifyPeople(author, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.assigned_deputy", "Label", label(l), "Title", it.Title, "Dept", dept(it.LeadDept),
					"Deadline", b.tx.Date(it.Deadline)), card(l)
			})
			notify(lead, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.assigned_lead", "Label", label(l), "Title", it.Title, "Deadline", b.tx.Date(it.Deadline)), card(l)
			})
			for _, c := range it.CoDepts {
				notify(b.contactsOf(ctx, c.Dept), func(l deputybot.Language) (string, keyboard) {
					return b.tx.T(l, "note.assigned_co", "Label", label(l), "Title", it.Title, "Lead", dept(it.LeadDept),
						"Deadline", b.tx.Date(c.Deadline)), card(l)
				})
			}
		case deputybot.EvReturned:
			notifyPeople(author, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.returned", "Label", label(l), "Title", it.Title, "Reason", it.ReturnReason), card(l)
			})
			if before.LeadDept != "" {
				notify(lead, func(l deputybot.Language) (string, keyboard) {
					return b.tx.T(l, "note.request_granted_return", "Label", label(l), "Title", it.Title), nil
				})
			}
		case deputybot.EvContactLogged:
			c := it.Contacts[len(it.Contacts)-1]
			notifyPeople(author, func(l deputybot.Language) (string, keyboard) {
				text := b.tx.T(l, "note.contact_confirm", "Dept", dept(c.Dept), "Label", label(l), "Title", it.Title,
					"Date", c.Date, "Method", texts.HTML(b.tx.Method(l, c.Method)))
				if c.Note != "" {
					text += "\n" + b.tx.T(l, "note.contact_note", "Note", c.Note)
				}
				nn := strconv.Itoa(c.N)
				return text, keyboard{{button(b.tx.T(l, "btn.contact_yes"), "cc:"+it.ID+":"+nn+":y"),
					button(b.tx.T(l, "btn.contact_no"), "cc:"+it.ID+":"+nn+":n")}}
			})
		case deputybot.EvContactDisputed:
			notify(lead, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.contact_disputed", "Label", label(l), "Title", it.Title, "Deputy", n.of(it.AuthorID)), card(l)
			})
		case deputybot.EvReplied, deputybot.EvCorrected:
			b.replyToDeputy(ctx, out, it, det, ev.Type == deputybot.EvCorrected)
		case deputybot.EvOpinion:
			from := dept(ev.Data["dept"])
			notify(lead, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.opinion", "Dept", from, "Label", label(l), "Title", it.Title), card(l)
			})
		case deputybot.EvExtensionAsked, deputybot.EvReturnAsked:
			req := it.Request
			notify(office, func(l deputybot.Language) (string, keyboard) {
				text := b.tx.T(l, "note."+ev.Type, "Dept", dept(it.LeadDept), "Label", label(l), "Title", it.Title, "Reason", req.Reason)
				if req.Late {
					text += "\n" + b.tx.T(l, "decide.late", "Days", b.opts.Rules.ReturnWorkdays)
				}
				return text, keyboard{{button(b.tx.T(l, "act.decide_request"), "ha:"+it.ID+":dr")}}
			})
		case deputybot.EvExtensionApproved:
			notifyPeople(author, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.extended_deputy", "Label", label(l), "Title", it.Title, "Deadline", b.tx.Date(it.Deadline)), card(l)
			})
			notify(lead, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.extension_approved", "Label", label(l), "Deadline", b.tx.Date(it.Deadline)), card(l)
			})
		case deputybot.EvExtensionRefused, deputybot.EvReturnRefused:
			notify(lead, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note."+ev.Type, "Label", label(l), "Deadline", b.tx.Date(it.Deadline)), card(l)
			})
		case deputybot.EvReassigned:
			notify(b.contactsOf(ctx, before.LeadDept), func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.reassigned_old", "Label", label(l), "Title", it.Title, "Dept", dept(it.LeadDept)), nil
			})
			notify(lead, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.assigned_lead", "Label", label(l), "Title", it.Title, "Deadline", b.tx.Date(it.Deadline)), card(l)
			})
			notifyPeople(author, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.reassigned_deputy", "Label", label(l), "Title", it.Title, "Dept", dept(it.LeadDept),
					"Deadline", b.tx.Date(it.Deadline)), card(l)
			})
		case deputybot.EvRated:
			value := deputybot.RatingValue(ev.Data["value"])
			comment := ev.Data["comment"]
			notify(lead, func(l deputybot.Language) (string, keyboard) {
				text := b.tx.T(l, "note.rated", "Label", label(l), "Title", it.Title, "Rating", texts.HTML(b.tx.T(l, "rating."+string(value))))
				if comment != "" {
					text += "\n" + b.tx.T(l, "note.rating_comment", "Comment", comment)
				}
				return text, card(l)
			})
			if value == deputybot.Unsatisfied {
				notify(office, func(l deputybot.Language) (string, keyboard) {
					return b.tx.T(l, "note.unsatisfied_office", "Label", label(l), "Title", it.Title, "Dept", dept(it.LeadDept),
						"Comment", comment, "Round", ev.Data["round"]), card(l)
				})
			}
		case deputybot.EvRehandling:
			notify(lead, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.rehandling", "Label", label(l), "Title", it.Title, "Deadline", b.tx.Date(it.Deadline)), card(l)
			})
		case deputybot.EvClosed:
			notifyPeople(author, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.closed", "Label", label(l), "Title", it.Title, "Outcome", texts.HTML(b.tx.T(l, "rating."+string(it.Outcome)))), card(l)
			})
		case deputybot.EvFlagged:
			f := it.Flags[len(it.Flags)-1]
			notify(lead, func(l deputybot.Language) (string, keyboard) {
				text := b.tx.T(l, "note.flagged", "Label", label(l), "Title", it.Title,
					"Category", texts.HTML(b.tx.T(l, "flag."+string(f.Category))), "Deadline", b.tx.Date(f.Deadline))
				if f.Note != "" {
					text += "\n" + b.tx.T(l, "note.flag_note", "Note", f.Note)
				}
				return text, card(l)
			})
		case deputybot.EvTargetProgress:
			n, _ := strconv.Atoi(ev.Data["n"])
			t := it.Target(n)
			if t == nil {
				continue
			}
			tt := *t
			to := append([]string{it.AuthorID}, it.LeaderID)
			notifyPeople(to, func(l deputybot.Language) (string, keyboard) {
				return b.tx.T(l, "note.target_progress", "Dept", dept(it.LeadDept), "Label", label(l), "Title", it.Title) + "\n" +
					b.tx.Targets(l, []deputybot.Target{tt}), card(l)
			})
		case deputybot.EvProgress:
			if len(det.Progress) == 0 {
				continue
			}
			pr := det.Progress[len(det.Progress)-1]
			notifyPeople(author, func(l deputybot.Language) (string, keyboard) {
				key := "note.progress"
				if pr.Met {
					key = "note.progress_met"
				}
				return b.tx.T(l, key, "Dept", dept(it.LeadDept), "Label", label(l), "Title", it.Title) + "\n\n" + texts.Esc(pr.Text), card(l)
			})
		}
	}
	// The leader in charge hears of every change of status.
	if it.LeaderID != "" && it.Status != before.Status {
		notifyPeople([]string{it.LeaderID}, func(l deputybot.Language) (string, keyboard) {
			return b.tx.T(l, "note.leader_status", "Label", label(l), "Title", it.Title,
				"From", texts.HTML(b.tx.T(l, "status."+string(before.Status))), "To", texts.HTML(b.tx.Status(l, it))), card(l)
		})
	}
	return out.msgs
}

// contactsOf are the active contacts of a department.
func (b *Bot) contactsOf(ctx context.Context, dept string) []recipient {
	if dept == "" {
		return nil
	}
	people, err := b.store.DepartmentContacts(ctx, dept)
	if err != nil {
		b.log.Error("list contacts", "err", err)
		return nil
	}
	var to []recipient
	for _, p := range people {
		if r, ok := recipientOf(p); ok {
			to = append(to, r)
		}
	}
	return to
}

// replyToDeputy sends the deputy a round's reply (or its correction)
// with the rating buttons, while it can still be rated.
func (b *Bot) replyToDeputy(ctx context.Context, out *notices, it *deputybot.Item, det *deputybot.ItemDetails, corrected bool) {
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
	depts, _ := b.departmentNames(ctx)
	out.toPeople([]string{it.AuthorID}, func(l deputybot.Language) (string, keyboard) {
		key := "note.reply"
		if corrected {
			key = "note.reply_corrected"
		}
		msg := b.tx.T(l, key, "Dept", depts[it.LeadDept], "Label", texts.HTML(b.tx.Label(l, it)), "Title", it.Title,
			"Class", texts.HTML(b.tx.T(l, "class."+string(r.Class))))
		if len(r.CoDepts) > 0 {
			var names []string
			for _, d := range r.CoDepts {
				names = append(names, depts[d])
			}
			msg += "\n" + b.tx.T(l, "note.reply_codepts", "Depts", joinNames(l, b, names))
		}
		msg += "\n\n" + texts.Esc(text.Text)
		var kb keyboard
		if text.FileID != "" {
			kb = append(kb, []keyboardButton{button(b.tx.T(l, "btn.reply_file"), "rf:"+it.ID+":"+strconv.Itoa(r.Round))})
		}
		if it.Status == deputybot.StatusReplied && it.RatingOf(it.Round) == nil {
			msg += "\n\n" + b.tx.T(l, "note.please_rate")
			kb = append(kb, b.ratingButtons(l, it))
		}
		return msg, kb
	})
}

func joinNames(l deputybot.Language, b *Bot, names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += texts.Plain(b.tx.T(l, "list.sep"))
		}
		out += n
	}
	return out
}
