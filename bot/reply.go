package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"deputybot"
	"deputybot/texts"
)

// The lead department replies (or corrects its reply after a quality
// flag): class, text, the dated promises of a B or C reply, an optional
// document, then confirms.

func (b *Bot) replyPrompt(ctx context.Context, r *request, c *conversation) {
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
	case "split":
		points := strings.Split(c.Data["points"], "\n")
		var lines []string
		for i, p := range points {
			lines = append(lines, b.tx.T(l, "reply.point_line", "N", i+1, "Text", p))
		}
		b.reply(ctx, r, b.tx.T(l, "reply.ask_split", "Count", len(points))+"\n"+strings.Join(lines, "\n"), keyboard{
			{button(b.tx.T(l, "btn.answer_points"), cb("pts:answer"))},
			{button(b.tx.T(l, "btn.edit_points"), cb("pts:edit")), button(b.tx.T(l, "btn.no_split"), cb("pts:none"))}, cancel})
	case "points":
		b.reply(ctx, r, b.tx.T(l, "reply.ask_points", "Max", deputybot.MaxPoints), keyboard{cancel})
	case "pclass":
		n, _ := strconv.Atoi(c.Data["pi"])
		points := strings.Split(c.Data["points"], "\n")
		var row []keyboardButton
		for _, cl := range deputybot.ReplyClasses {
			row = append(row, button(string(cl), cb("pc:"+string(cl))))
		}
		b.reply(ctx, r, b.tx.T(l, "reply.ask_point_class", "N", n, "Count", len(points), "Text", points[n-1]),
			keyboard{row, {button(b.tx.T(l, "btn.point_skip"), cb("pc:-"))}, cancel})
	case "ptext":
		b.reply(ctx, r, b.tx.T(l, "reply.ask_point_text", "N", c.Data["pi"], "Max", deputybot.MaxPointAnswer), keyboard{cancel})
	case "promises":
		key, kb := "reply.ask_promises_b", keyboard{cancel}
		if c.Data["class"] == string(deputybot.ClassC) {
			key, kb = "reply.ask_promises_c", keyboard{{button(b.tx.T(l, "btn.no_promises"), cb("nopromises"))}, cancel}
		}
		b.reply(ctx, r, b.tx.T(l, key, "Max", deputybot.MaxPromises), kb)
	case "file":
		b.reply(ctx, r, b.tx.T(l, "reply.ask_file"), keyboard{{button(b.tx.T(l, "btn.skip"), cb("nofile"))}, cancel})
	case "gask":
		var lines []string
		n := b.names(ctx)
		for _, id := range strings.Split(c.Data["grp"], ",") {
			if m, err := b.store.Item(ctx, id); err == nil {
				lines = append(lines, b.tx.T(l, "grp.member", "Label", texts.HTML(b.tx.Label(l, m)), "Title", m.Title, "Author", n.of(m.AuthorID)))
			}
		}
		b.reply(ctx, r, b.tx.T(l, "grp.ask", "Count", len(lines))+"\n"+strings.Join(lines, "\n"), keyboard{
			{button(b.tx.T(l, "btn.group_send"), cb("gsend"))}, {button(b.tx.T(l, "btn.group_not"), cb("gno"))}})
	case "gline":
		m, i, ids, err := b.groupItem(ctx, c)
		if err != nil {
			b.fail(ctx, r, err)
			return
		}
		b.reply(ctx, r, b.tx.T(l, "grp.ask_line", "N", i+1, "Count", len(ids), "Author", b.names(ctx).of(m.AuthorID),
			"Label", texts.HTML(b.tx.Label(l, m)), "Title", m.Title, "Max", maxGroupLine), keyboard{
			{button(b.tx.T(l, "btn.group_no_line"), cb("gl:-"))}, {button(b.tx.T(l, "btn.group_stop"), cb("gno"))}})
	case "confirm":
		file := ""
		if c.Data["fileName"] != "" || c.Data["file"] != "" {
			file = "\n" + b.tx.T(l, "reply.file", "Name", c.Data["fileName"])
		}
		text := b.tx.T(l, "reply.confirm", "Class", texts.HTML(b.tx.T(l, "class."+c.Data["class"]))) + file + "\n\n" + texts.Esc(c.Data["text"])
		if ps, _ := deputybot.ParsePromises(c.Data["promises"]); len(ps) > 0 {
			text += "\n\n" + b.promiseList(l, ps)
		}
		points, answers := convPoints(c)
		send := b.tx.T(l, "btn.send_reply")
		if len(answers) > 0 {
			text += "\n\n" + b.pointLines(l, points, answers)
			if missing := deputybot.Unanswered(points, answers); len(missing) > 0 {
				text += "\n\n" + b.tx.T(l, "reply.unanswered", "Count", len(missing))
				send = b.tx.T(l, "btn.send_unanswered")
			}
		}
		b.send(ctx, r.chatID, text, keyboard{{button(send, cb("send"))}, cancel})
	}
}

func (b *Bot) replyText(ctx context.Context, r *request, c *conversation) error {
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
		text, err := deputybot.CheckReplyText(r.msg.Text)
		if err != nil {
			return err
		}
		c.Data["text"] = text
		return b.toSplit(ctx, r, c)
	case "points":
		if _, err := deputybot.CheckPoints(strings.Split(r.msg.Text, "\n")); err != nil {
			return err
		}
		var ps []string
		for _, p := range strings.Split(r.msg.Text, "\n") {
			if p = deputybot.CleanText(p); p != "" {
				ps = append(ps, p)
			}
		}
		c.Data["points"], c.Data["edited"] = strings.Join(ps, "\n"), "1"
		return b.advance(ctx, r, c, "split")
	case "gline":
		line := deputybot.CleanText(r.msg.Text)
		if line == "" || utf8.RuneCountInString(line) > maxGroupLine {
			return deputybot.Errorf(deputybot.EINVALID, "err.group_line_length", "Max", maxGroupLine)
		}
		return b.sendGroupReply(ctx, r, c, line)
	case "ptext":
		text := deputybot.CleanText(r.msg.Text)
		if text == "" || utf8.RuneCountInString(text) > deputybot.MaxPointAnswer {
			return deputybot.Errorf(deputybot.EINVALID, "err.point_answer_length", "Max", deputybot.MaxPointAnswer)
		}
		c.Data["a"+c.Data["pi"]] = text
		return b.nextPoint(ctx, r, c)
	case "promises":
		ps, err := deputybot.ParsePromises(r.msg.Text)
		if err != nil {
			return err
		}
		e, err := b.env(ctx, r.now)
		if err != nil {
			return err
		}
		if err := deputybot.CheckPromises(deputybot.ReplyClass(c.Data["class"]), ps, e); err != nil {
			return err
		}
		c.Data["promises"] = r.msg.Text
		return b.advance(ctx, r, c, "file")
	case "file":
		// The formal letter: a document, or a scanned page sent as a
		// photo (the largest size Telegram made of it).
		m := r.msg
		switch {
		case m.Document != nil:
			c.Data["file"], c.Data["fileName"], c.Data["fileKind"] = m.Document.FileID, m.Document.FileName, ""
		case len(m.Photo) > 0:
			c.Data["file"], c.Data["fileName"], c.Data["fileKind"] = m.Photo[len(m.Photo)-1].FileID, b.tx.T(r.lang, "reply.photo_name"), "photo"
		default:
			return deputybot.Errorf(deputybot.EINVALID, "err.reply_file_expected")
		}
		return b.advance(ctx, r, c, "confirm")
	}
	return deputybot.Errorf(deputybot.EINVALID, "err.use_buttons")
}

func (b *Bot) replyChoice(ctx context.Context, r *request, c *conversation, value string) error {
	kind, arg, _ := strings.Cut(value, ":")
	switch {
	case kind == "cl" && c.Step == "class":
		if !slices.Contains(deputybot.ReplyClasses, deputybot.ReplyClass(arg)) {
			return errStale
		}
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["class"] = arg
		if c.Data["text"] != "" {
			// The class changed at the confirmation: its promises next.
			return b.afterReplyText(ctx, r, c)
		}
		return b.advance(ctx, r, c, "text")
	case kind == "pts" && c.Step == "split":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		switch arg {
		case "answer":
			c.Data["split"], c.Data["pi"] = "1", "1"
			return b.advance(ctx, r, c, "pclass")
		case "edit":
			return b.advance(ctx, r, c, "points")
		case "none":
			c.Data["split"] = ""
			return b.afterReplyText(ctx, r, c)
		}
		return errStale
	case kind == "pc" && c.Step == "pclass":
		pi := c.Data["pi"]
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		if arg == "-" {
			delete(c.Data, "c"+pi)
			delete(c.Data, "a"+pi)
			return b.nextPoint(ctx, r, c)
		}
		if !slices.Contains(deputybot.ReplyClasses, deputybot.ReplyClass(arg)) {
			return errStale
		}
		c.Data["c"+pi] = arg
		return b.advance(ctx, r, c, "ptext")
	case kind == "nopromises" && c.Step == "promises" && c.Data["class"] == string(deputybot.ClassC):
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		c.Data["promises"] = ""
		return b.advance(ctx, r, c, "file")
	case kind == "nofile" && c.Step == "file":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.advance(ctx, r, c, "confirm")
	case kind == "send" && c.Step == "confirm":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		in, err := replyInputOf(c)
		if err != nil {
			return err
		}
		if points, answers := convPoints(c); len(answers) > 0 {
			// The confirmation said what is left unanswered.
			in.Answers, in.LeaveUnanswered = answers, true
			if c.Data["edited"] == "1" || c.Data["known"] != "1" {
				in.Points = make([]string, len(points))
				for i, p := range points {
					in.Points[i] = p.Text
				}
			}
		}
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
		if !correct && it.InGroup() {
			if open := deputybot.GroupOpen(b.groupMembers(ctx, it.GroupID), it); len(open) > 0 {
				ids := make([]string, len(open))
				for i, m := range open {
					ids[i] = m.ID
				}
				c.Data["grp"], c.Data["gi"], c.Data["gsent"] = strings.Join(ids, ","), "0", "1"
				b.reply(ctx, r, b.tx.T(r.lang, "done.replied", "Label", texts.HTML(b.tx.Label(r.lang, it))), nil)
				return b.advance(ctx, r, c, "gask")
			}
		}
		return b.endWithNext(ctx, r, it, b.tx.T(r.lang, "done.replied", "Label", texts.HTML(b.tx.Label(r.lang, it))))
	case kind == "gsend" && c.Step == "gask":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.advance(ctx, r, c, "gline")
	case kind == "gl" && c.Step == "gline":
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.sendGroupReply(ctx, r, c, "")
	case kind == "gno" && (c.Step == "gask" || c.Step == "gline"):
		b.dropKeyboard(ctx, r.chatID, r.callbackMessageID())
		return b.endGroupReply(ctx, r, c)
	}
	return errStale
}

// maxGroupLine bounds the line a group's reply says to one deputy.
const maxGroupLine = 200

// replyInputOf is the reply the dialogue wrote.
func replyInputOf(c *conversation) (deputybot.ReplyInput, error) {
	ps, err := deputybot.ParsePromises(c.Data["promises"])
	if err != nil {
		return deputybot.ReplyInput{}, err
	}
	return deputybot.ReplyInput{Class: deputybot.ReplyClass(c.Data["class"]), Text: c.Data["text"],
		FileID: c.Data["file"], FileName: c.Data["fileName"], FileKind: c.Data["fileKind"], Promises: ps}, nil
}

// groupItem is the item of the group whose reply is asked now.
func (b *Bot) groupItem(ctx context.Context, c *conversation) (*deputybot.Item, int, []string, error) {
	ids := strings.Split(c.Data["grp"], ",")
	i, _ := strconv.Atoi(c.Data["gi"])
	if i < 0 || i >= len(ids) {
		return nil, i, ids, errStale
	}
	it, err := b.store.Item(ctx, ids[i])
	return it, i, ids, err
}

// sendGroupReply sends the group's reply, adapted by line, to the item
// of the group asked now, then asks the next one's line.
func (b *Bot) sendGroupReply(ctx context.Context, r *request, c *conversation, line string) error {
	m, i, ids, err := b.groupItem(ctx, c)
	if err != nil {
		return err
	}
	in, err := replyInputOf(c)
	if err != nil {
		return err
	}
	done, err := b.change(ctx, r, m.ID, func(it *deputybot.Item, det *deputybot.ItemDetails, e deputybot.Env) ([]deputybot.Event, error) {
		return one(deputybot.SendReply(it, det, r.person, deputybot.AdaptReply(in, line), e))
	})
	switch {
	case err != nil && line != "" && deputybot.ErrorCode(err) == deputybot.EINVALID:
		return err // the line: typed again
	case err != nil:
		b.reply(ctx, r, b.tx.T(r.lang, "grp.failed", "Label", texts.HTML(b.tx.Label(r.lang, m)), "Why", texts.HTML(b.tx.Err(r.lang, err))), nil)
	default:
		c.Data["gsent"] = strconv.Itoa(atoi(c.Data["gsent"]) + 1)
		b.reply(ctx, r, b.tx.T(r.lang, "grp.sent", "Label", texts.HTML(b.tx.Label(r.lang, done)), "Author", b.names(ctx).of(done.AuthorID)), nil)
	}
	if i+1 < len(ids) {
		c.Data["gi"] = strconv.Itoa(i + 1)
		return b.advance(ctx, r, c, "gline")
	}
	return b.endGroupReply(ctx, r, c)
}

// endGroupReply ends the reply's dialogue: how many of the group heard
// the reply, the rest answered one by one.
func (b *Bot) endGroupReply(ctx context.Context, r *request, c *conversation) error {
	it, err := b.store.Item(ctx, c.Data["item"])
	if err != nil {
		_ = b.finish(ctx, r)
		return err
	}
	return b.endWithNext(ctx, r, it, b.tx.T(r.lang, "grp.done", "Count", atoi(c.Data["gsent"]),
		"Left", len(deputybot.GroupOpen(b.groupMembers(ctx, it.GroupID), it))))
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// afterReplyText goes on from the reply's text: a B or C reply's
// promises, else the document.
func (b *Bot) afterReplyText(ctx context.Context, r *request, c *conversation) error {
	if deputybot.ReplyClass(c.Data["class"]).Promise() {
		return b.advance(ctx, r, c, "promises")
	}
	c.Data["promises"] = ""
	return b.advance(ctx, r, c, "file")
}

// promiseList lists promises: "1. 2026-12-31 完成加装".
func (b *Bot) promiseList(l deputybot.Language, ps []deputybot.PromiseInput) string {
	var lines []string
	for i, p := range ps {
		lines = append(lines, b.tx.T(l, "reply.promise_line", "N", i+1, "Due", p.Due.String(), "What", p.What))
	}
	return b.tx.T(l, "reply.promises") + "\n" + strings.Join(lines, "\n")
}

// promiseLines are a reply's promises as recorded; with state, each with
// the department's report and the deputy's answer so far.
func (b *Bot) promiseLines(l deputybot.Language, ps []deputybot.Promise, state bool) string {
	lines := []string{b.tx.T(l, "reply.promises")}
	for _, p := range ps {
		line := b.tx.T(l, "reply.promise_line", "N", p.N, "Due", p.Due, "What", p.What)
		if state {
			line += b.promiseState(l, p)
			if p.Answer == "" && p.DeptSays == "" {
				line += b.tx.T(l, "promise.waiting")
			}
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// promiseState is what a promise's record says after its line: the
// department's report, the deputy's answer with his comment and photo.
func (b *Bot) promiseState(l deputybot.Language, p deputybot.Promise) string {
	var s string
	if p.DeptSays != "" {
		s += b.tx.T(l, "promise.dept_says", "State", texts.HTML(b.tx.T(l, "promise.dept_"+string(p.DeptSays))))
	}
	if p.Answer != "" {
		s += b.tx.T(l, "promise.deputy_says", "State", texts.HTML(b.tx.T(l, "promise."+string(p.Answer))))
		if p.Comment != "" {
			s += " — " + texts.Esc(p.Comment)
		}
		if p.PhotoID != "" {
			s += b.tx.T(l, "promise.photo")
		}
	}
	return s
}

// toSplit goes on from the reply's text: the deputy's text split into
// its requests (as split before, or as the bot proposes), if it has more
// than one; else the promises or the document.
func (b *Bot) toSplit(ctx context.Context, r *request, c *conversation) error {
	det, err := b.store.ItemDetails(ctx, c.Data["item"])
	if err != nil {
		return err
	}
	var points []string
	if len(det.Points) > 0 {
		for _, p := range det.Points {
			points = append(points, p.Text)
		}
		c.Data["known"] = "1"
	} else {
		points = deputybot.ProposePoints(det.Body)
	}
	if len(points) < 2 {
		return b.afterReplyText(ctx, r, c)
	}
	for i, p := range points {
		points[i] = strings.Join(strings.Fields(p), " ")
	}
	c.Data["points"] = strings.Join(points, "\n")
	return b.advance(ctx, r, c, "split")
}

// nextPoint asks about the next request, or goes on when all were.
func (b *Bot) nextPoint(ctx context.Context, r *request, c *conversation) error {
	n, _ := strconv.Atoi(c.Data["pi"])
	if n < len(strings.Split(c.Data["points"], "\n")) {
		c.Data["pi"] = strconv.Itoa(n + 1)
		return b.advance(ctx, r, c, "pclass")
	}
	return b.afterReplyText(ctx, r, c)
}

// convPoints are the dialogue's requests and the answers given so far.
func convPoints(c *conversation) ([]deputybot.Point, []deputybot.PointAnswer) {
	if c.Data["split"] != "1" || c.Data["points"] == "" {
		return nil, nil
	}
	var points []deputybot.Point
	var answers []deputybot.PointAnswer
	for i, p := range strings.Split(c.Data["points"], "\n") {
		n := strconv.Itoa(i + 1)
		points = append(points, deputybot.Point{N: i + 1, Text: p})
		if cl := c.Data["c"+n]; cl != "" && c.Data["a"+n] != "" {
			answers = append(answers, deputybot.PointAnswer{N: i + 1, Class: deputybot.ReplyClass(cl), Text: c.Data["a"+n]})
		}
	}
	return points, answers
}

// pointLines are the requests with their answers: "1. … → A 类：…",
// "2. … → 未单独答复".
func (b *Bot) pointLines(l deputybot.Language, points []deputybot.Point, answers []deputybot.PointAnswer) string {
	lines := []string{b.tx.T(l, "reply.points")}
	for _, p := range points {
		line := b.tx.T(l, "reply.point_line", "N", p.N, "Text", p.Text)
		answer := b.tx.T(l, "reply.point_unanswered")
		for _, a := range answers {
			if a.N == p.N {
				answer = b.tx.T(l, "reply.point_answer", "Class", string(a.Class), "Text", a.Text)
			}
		}
		lines = append(lines, line+"\n    "+answer)
	}
	return strings.Join(lines, "\n")
}
