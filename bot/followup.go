package bot

import (
	"context"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/report"
	"deputybot/texts"
)

// cmdFollowup is /followup [year]: the office's 回头看 — every item of the
// year whose reply was B or C, each with its promises, the department's
// reports and the deputy's answers; the unkept first.
func (b *Bot) cmdFollowup(ctx context.Context, r *request) {
	l := r.lang
	year := deputybot.Env{Rules: &b.opts.Rules, Now: r.now}.Year()
	if a := strings.TrimSpace(r.args); a != "" {
		y, err := strconv.Atoi(a)
		if err != nil || y < 2000 || y > 2100 {
			b.reply(ctx, r, b.tx.T(l, "followup.usage"), nil)
			return
		}
		year = y
	}
	in, err := b.svc.Snapshot(ctx, r.now, r.person)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	f := report.ComputeFollowup(in, year)
	if len(f.Items) == 0 {
		b.reply(ctx, r, b.tx.T(l, "followup.none", "Year", year), nil)
		return
	}
	depts, _ := b.departmentNames(ctx)
	var sb strings.Builder
	sb.WriteString(b.tx.T(l, "followup.title", "Year", year, "Count", len(f.Items)) + "\n")
	sb.WriteString(b.tx.T(l, "followup.summary", "Promises", f.Promises, "Kept", f.Kept, "Partly", f.Partly,
		"Unkept", f.Unkept, "Waiting", f.Waiting) + "\n")
	// The items with an unkept promise first, then the others.
	var unkept, rest []*deputybot.Item
	for _, it := range f.Items {
		if len(it.UnkeptPromises()) > 0 {
			unkept = append(unkept, it)
		} else {
			rest = append(rest, it)
		}
	}
	for _, it := range append(unkept, rest...) {
		class := ""
		if rp := it.LatestReply(); rp != nil {
			class = string(rp.Class)
		}
		sb.WriteString("\n" + b.tx.T(l, "followup.item", "Label", texts.HTML(b.tx.Label(l, it)), "Title", it.Title,
			"Dept", depts[it.LeadDept], "Class", class) + "\n")
		if len(it.Promises) == 0 {
			sb.WriteString(b.tx.T(l, "followup.no_promises") + "\n")
			continue
		}
		for _, p := range it.Promises {
			line := b.tx.T(l, "reply.promise_line", "N", p.N, "Due", p.Due, "What", p.What) + b.promiseState(l, p)
			if p.Answer == "" {
				line += b.tx.T(l, "followup.waiting")
			}
			sb.WriteString("  " + line + "\n")
		}
	}
	b.send(ctx, r.chatID, strings.TrimRight(sb.String(), "\n"), nil)
}
