package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"deputybot"
	"deputybot/report"
	"deputybot/texts"
)

// names looks up people's names once per message.
type names struct {
	b     *Bot
	ctx   context.Context
	cache map[string]string
	depts map[string]string // department names by id
}

func (b *Bot) names(ctx context.Context) *names {
	depts, _ := b.departmentNames(ctx)
	return &names{b: b, ctx: ctx, cache: map[string]string{}, depts: depts}
}

func (n *names) of(id string) string {
	if id == "" {
		return ""
	}
	if name, ok := n.cache[id]; ok {
		return name
	}
	name := "?"
	if p, err := n.b.store.Person(n.ctx, id); err == nil {
		name = p.Name
	}
	n.cache[id] = name
	return name
}

// cardText renders an item's card as of e.Now: every field, the body and
// the timeline, in l.
// viewer, if given, is the person the card is shown to: the deputy's
// phone is on the cards of those who handle the item (CanSeePhone).
func (b *Bot) cardText(ctx context.Context, l deputybot.Language, it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env, viewer *deputybot.Person) string {
	n := b.names(ctx)
	var sb strings.Builder
	head := b.tx.Label(l, it)
	if st := b.tx.Status(l, it); st != "" {
		head += " · " + st
	}
	if tl := e.Timeliness(it); tl.Overdue {
		head += " · " + b.tx.T(l, "pub.overdue_days", "Days", tl.DaysOverdue)
	}
	if it.Period != "" {
		head += " · " + b.tx.T(l, "period."+string(it.Period))
	}
	sb.WriteString("<b>" + head + "</b>\n")
	sb.WriteString("<b>" + texts.Esc(it.Title) + "</b>\n")
	sb.WriteString(b.tx.T(l, "card.category", "Category", b.opts.Rules.CategoryName(it.Category, l)) + "\n")
	sb.WriteString(b.tx.T(l, "card.author", "Name", n.of(it.AuthorID)) + "\n")
	if viewer != nil && deputybot.CanSeePhone(viewer, it) {
		if a, err := b.store.Person(ctx, it.AuthorID); err == nil && a.Phone != "" {
			sb.WriteString(b.tx.T(l, "card.phone", "Phone", a.Phone) + "\n")
		}
	}
	if len(it.CoSponsors) > 0 {
		var cs []string
		for _, c := range it.CoSponsors {
			cs = append(cs, texts.Esc(n.of(c.PersonID))+b.tx.T(l, "cosponsor."+string(c.State)))
		}
		line := b.tx.T(l, "card.cosponsors", "List", texts.HTML(strings.Join(cs, b.tx.T(l, "list.sep"))),
			"Confirmed", it.ConfirmedCoSponsors())
		sb.WriteString(line + "\n")
	}
	if it.Kind == deputybot.KindMotion && it.Status == deputybot.StatusDraft {
		sb.WriteString(b.tx.T(l, "card.motion_needs", "Need", b.opts.Rules.MotionCoSponsors(), "Signers", b.opts.Rules.MotionSigners, "Confirmed", it.ConfirmedCoSponsors()) + "\n")
	}
	if !it.SubmittedAt.IsZero() {
		sb.WriteString(b.tx.T(l, "card.submitted", "At", b.tx.Time(it.SubmittedAt)) + "\n")
	}
	if det != nil && len(det.Attachments) > 0 {
		sb.WriteString(b.tx.T(l, "card.attachments", "Count", len(det.Attachments)) + "\n")
	}
	sb.WriteString(b.handlingSummary(ctx, l, it, n, e))
	sb.WriteString(b.groupThreadLines(ctx, l, it, n, viewer))
	if det != nil {
		sb.WriteString("\n" + texts.Esc(det.Body) + "\n")
		sb.WriteString(b.handlingTexts(ctx, l, it, det, n, e, viewer))
		if len(det.Timeline) > 0 {
			sb.WriteString("\n<b>" + b.tx.T(l, "card.timeline") + "</b>\n")
			for _, ev := range det.Timeline {
				sb.WriteString(b.eventLine(l, n, ev) + "\n")
			}
		}
	}
	return strings.TrimRight(sb.String(), "\n")
}

// eventLine renders one timeline event.
func (b *Bot) eventLine(l deputybot.Language, n *names, ev deputybot.Event) string {
	who := n.of(ev.ActorID)
	if who == "" {
		who = b.tx.T(l, "ev.system")
	} else {
		who = texts.Esc(who)
	}
	args := []any{"Who", texts.HTML(who)}
	for k, v := range ev.Data {
		name := strings.ToUpper(k[:1]) + k[1:]
		switch k {
		case "period", "from", "to":
			if v == string(deputybot.PeriodSession) || v == string(deputybot.PeriodRecess) {
				args = append(args, name, texts.HTML(b.tx.T(l, "period."+v)))
			} else if d, ok := n.depts[v]; ok {
				args = append(args, name, d)
			} else if ev.Type == deputybot.EvLeaderChanged {
				args = append(args, name, n.of(v)) // the leader before
			} else {
				args = append(args, name, v)
			}
		case "lead":
			args = append(args, name, n.depts[v])
		case "codepts":
			var ds []string
			for _, id := range strings.Split(v, ",") {
				if id != "" {
					ds = append(ds, n.depts[id])
				}
			}
			args = append(args, name, strings.Join(ds, texts.Plain(b.tx.T(l, "list.sep"))))
		case "leader":
			args = append(args, name, n.of(v))
		case "value", "attitude":
			args = append(args, name, texts.HTML(b.tx.T(l, "rating."+v)))
		case "stage":
			args = append(args, name, texts.HTML(b.tx.T(l, "stage."+v)))
		case "state":
			key := "promise." + v
			if ev.Type == deputybot.EvPromiseReported {
				key = "promise.dept_" + v
			}
			args = append(args, name, texts.HTML(b.tx.T(l, key)))
		case "class":
			args = append(args, name, texts.HTML(b.tx.T(l, "class."+v)))
		case "method":
			args = append(args, name, texts.HTML(b.tx.Method(l, deputybot.ContactMethod(v))))
		case "category":
			args = append(args, name, texts.HTML(b.tx.T(l, "flag."+v)))
		case "outcome":
			args = append(args, name, texts.HTML(b.tx.T(l, "rating."+v)))
		case "dept":
			args = append(args, name, n.depts[v])
		case "scope":
			args = append(args, name, texts.HTML(b.tx.T(l, "scope."+v)))
		case "met":
			args = append(args, name, texts.HTML(b.tx.T(l, "btn.target_met_"+v)))
		default:
			args = append(args, name, v)
		}
	}
	key := "ev." + ev.Type
	switch {
	case ev.Type == deputybot.EvRated && ev.Data["attitude"] != "":
		key = "ev.rated_both" // the two ratings (schema 7 on)
	case ev.Type == deputybot.EvContactLogged && ev.Data["stage"] != "":
		key = "ev.contact_logged_stage"
	case ev.Type == deputybot.EvCoSponsorJoined && ev.Data["via"] == "similar":
		key = "ev.cosponsor_joined_similar"
	}
	text := b.tx.T(l, key, args...)
	return fmt.Sprintf("%s · %s", b.tx.Time(ev.At), text)
}

// handlingSummary is the card's lines on handling: departments, leader,
// deadline, contacts, pending request, quality flags.
func (b *Bot) handlingSummary(ctx context.Context, l deputybot.Language, it *deputybot.Item, n *names, e deputybot.Env) string {
	var sb strings.Builder
	line := func(key string, args ...any) { sb.WriteString(b.tx.T(l, key, args...) + "\n") }
	if it.Status == deputybot.StatusReturned && it.ReturnReason != "" {
		line("card.returned", "Reason", it.ReturnReason)
	}
	if it.LeadDept == "" {
		return sb.String()
	}
	depts, _ := b.departmentNames(ctx)
	line("card.lead", "Dept", depts[it.LeadDept])
	for _, c := range it.CoDepts {
		// A deadline only while the opinion is still due.
		state := b.tx.T(l, "card.opinion_none")
		if d, ok := it.DeptDuty(c.Dept); ok && d.Kind == deputybot.DutyOpinion {
			state = b.tx.T(l, "card.opinion_due", "Date", texts.HTML(b.tx.Due(l, e, d)))
		}
		if !c.OpinionAt.IsZero() {
			state = b.tx.T(l, "card.opinion_given")
		}
		line("card.codept", "Dept", depts[c.Dept], "State", texts.HTML(state))
	}
	if it.LeaderID != "" {
		line("card.leader", "Name", n.of(it.LeaderID))
	}
	if it.Key {
		line("card.key")
	}
	line("card.assigned", "At", b.tx.Time(it.AssignedAt))
	if d, ok := it.ReplyDuty(); ok {
		line("card.deadline", "Deadline", texts.HTML(b.tx.Due(l, e, d)))
	} else {
		line("card.deadline", "Deadline", b.tx.Date(it.Deadline))
	}
	if it.Round == 2 {
		line("card.round2")
	}
	if it.Extensions > 0 {
		line("card.extensions", "Count", it.Extensions)
	}
	if it.Withheld != nil {
		line("card.withheld")
	} else if r := it.LatestReply(); r != nil && r.Withheld {
		line("card.reply_withheld")
	}
	if it.Request != nil {
		line("card.request_"+string(it.Request.Kind), "Reason", it.Request.Reason)
	}
	for _, c := range it.Contacts {
		note := ""
		if c.Note != "" {
			note = " — " + texts.Esc(c.Note)
		}
		stage := ""
		if c.Stage != "" {
			stage = b.tx.T(l, "card.contact_stage", "Stage", texts.HTML(b.tx.T(l, "stage."+string(c.Stage))))
		}
		line("card.contact", "N", c.N, "Date", c.Date, "Stage", texts.HTML(stage), "Method", texts.HTML(b.tx.Method(l, c.Method)),
			"State", texts.HTML(b.tx.T(l, "contact."+string(c.State))), "Note", texts.HTML(note))
	}
	if it.Handled() {
		// What the handling's contacts lack: the rules' needs before the
		// reply, a face-to-face meeting, a follow-up after it.
		var lacks []string
		if it.WaitingForReply() {
			lacks = b.contactLacks(l, it.MissingContacts(&b.opts.Rules))
		}
		if !it.MetFaceToFace() && !slices.Contains(b.opts.Rules.ContactsBeforeReply, deputybot.NeedFace) {
			lacks = append(lacks, b.tx.T(l, "card.lacks_face"))
		}
		if len(it.Replies) > 0 && !it.FollowedUp() {
			lacks = append(lacks, b.tx.T(l, "card.lacks_after"))
		}
		if len(lacks) > 0 {
			line("card.contacts_lack", "List", texts.HTML(strings.Join(lacks, b.tx.T(l, "list.sep"))))
		}
	}
	for _, d := range it.Ledger() {
		if d.Kind != deputybot.DutyRectify {
			continue
		}
		f := it.Flags[d.Flag-1]
		state := b.tx.T(l, "card.flag_open", "Date", texts.HTML(b.tx.Due(l, e, d)))
		switch {
		case e.Late(d):
			state = b.tx.T(l, "card.flag_resolved_late")
		case d.Done():
			state = b.tx.T(l, "card.flag_resolved")
		}
		line("card.flag", "Category", texts.HTML(b.tx.T(l, "flag."+string(f.Category))), "Round", f.Round, "State", texts.HTML(state))
	}
	if it.Status == deputybot.StatusClosed && it.Outcome != "" {
		line("card.outcome", "Outcome", texts.HTML(b.tx.T(l, "rating."+string(it.Outcome))))
	}
	if len(it.Targets) > 0 {
		line("card.targets")
		sb.WriteString(report.Targets(b.tx, l, it.Targets) + "\n")
	}
	return sb.String()
}

// contactLacks names the contacts needed and missing: "办前沟通".
func (b *Bot) contactLacks(l deputybot.Language, needs []deputybot.ContactNeed) []string {
	var out []string
	for _, need := range needs {
		out = append(out, b.tx.T(l, "card.lacks_"+string(need)))
	}
	return out
}

// handlingTexts are the card's long parts after the body: co-department
// opinions, each round's reply and rating, progress on promises.
func (b *Bot) handlingTexts(ctx context.Context, l deputybot.Language, it *deputybot.Item, det *deputybot.ItemDetails, n *names, e deputybot.Env, viewer *deputybot.Person) string {
	var sb strings.Builder
	depts, _ := b.departmentNames(ctx)
	for _, o := range det.Opinions {
		sb.WriteString("\n<b>" + b.tx.T(l, "card.opinion", "Dept", depts[o.Dept]) + "</b>\n" + texts.Esc(o.Text) + "\n")
	}
	for _, r := range it.Replies {
		t := det.CurrentReplyText(r.Round)
		if t == nil {
			continue
		}
		head := b.tx.T(l, "card.reply", "Round", r.Round, "Class", texts.HTML(b.tx.T(l, "class."+string(r.Class))), "At", b.tx.Time(r.At))
		if e.ReplyLate(it, r.Round) {
			head += " · " + b.tx.T(l, "card.reply_late")
		}
		if r.Corrected > 0 {
			head += " · " + b.tx.T(l, "card.reply_corrected")
		}
		sb.WriteString("\n<b>" + head + "</b>\n" + texts.Esc(t.Text) + "\n")
		if len(t.Answers) > 0 {
			sb.WriteString(b.pointLines(l, det.Points, t.Answers) + "\n")
		}
		if ps := it.RoundPromises(r.Round); len(ps) > 0 {
			sb.WriteString(b.promiseLines(l, ps, true) + "\n")
		}
		if rt := it.RatingOf(r.Round); rt != nil {
			line := b.tx.T(l, "card.rating", "Rating", texts.HTML(b.ratingText(l, rt)))
			if rt.Comment != "" {
				line += " — " + texts.Esc(rt.Comment)
			}
			sb.WriteString(line + "\n")
			if viewer != nil && viewer.OverseesAll() {
				// Co-departments' ratings: for the office and the
				// supervisors.
				for _, cr := range rt.CoDepts {
					sb.WriteString(b.tx.T(l, "card.co_rating", "Dept", depts[cr.Dept],
						"Rating", texts.HTML(b.tx.T(l, "rating."+string(cr.Value)))) + "\n")
				}
			}
		}
	}
	for _, p := range det.Progress {
		key := "card.progress"
		if p.Met {
			key = "card.progress_met"
		}
		sb.WriteString("\n<b>" + b.tx.T(l, key, "At", b.tx.Date(p.At)) + "</b>\n" + texts.Esc(p.Text) + "\n")
	}
	return sb.String()
}
