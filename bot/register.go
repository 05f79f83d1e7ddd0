package bot

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"deputybot"
	"deputybot/report"
	"deputybot/texts"
)

// Register writes the register (台账) of a year as an XLSX workbook: one
// row per item with every field a supervisor filters on, and a sheet
// summing up each department. Headers are in lang. It holds the items
// viewer may see (nil: all).
func (b *Bot) Register(ctx context.Context, l deputybot.Language, year int, w io.Writer, viewer *deputybot.Person) (int, error) {
	in, err := b.digestInput(ctx, b.now(), viewer)
	if err != nil {
		return 0, err
	}
	loc := b.opts.Location
	var items []*deputybot.Item
	for _, it := range in.Items {
		if it.Status != deputybot.StatusDraft && it.Year == year {
			items = append(items, it)
		}
	}
	slices.SortFunc(items, func(a, c *deputybot.Item) int {
		if a.Kind != c.Kind {
			return strings.Compare(string(c.Kind), string(a.Kind)) // suggestions, then motions
		}
		return a.Seq - c.Seq
	})
	n := b.names(ctx)
	t := func(id string, args ...any) string { return texts.Plain(b.tx.T(l, id, args...)) }
	date := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.In(loc).Format("2006-01-02")
	}
	yes := func(v bool) string {
		if v {
			return t("export.yes")
		}
		return ""
	}
	rating := func(it *deputybot.Item, round int) string {
		if r := it.RatingOf(round); r != nil {
			return t("rating." + string(r.Value))
		}
		return ""
	}
	sep := t("list.sep")
	var rows [][]any
	for _, it := range items {
		var cos, codepts []string
		for _, c := range it.CoSponsors {
			if c.State == deputybot.CoSponsorConfirmed {
				cos = append(cos, n.of(c.PersonID))
			}
		}
		for _, c := range it.CoDepts {
			codepts = append(codepts, n.depts[c.Dept])
		}
		var firstReply time.Time
		class := ""
		if len(it.Replies) > 0 {
			firstReply = it.Replies[0].At
			class = string(it.LatestReply().Class)
		}
		confirmed := 0
		for _, c := range it.Contacts {
			if c.State == deputybot.ContactConfirmed {
				confirmed++
			}
		}
		outcome := ""
		if it.Status == deputybot.StatusClosed {
			outcome = t("rating." + string(it.Outcome))
		}
		reply, waiting := it.ReplyPart()
		overdue := waiting && in.Env.Overdue(reply.Deadline)
		late := len(it.Replies) > 0 && it.Replies[0].Late
		period := ""
		if it.Period != "" {
			period = t("period." + string(it.Period))
		}
		leader := ""
		if it.LeaderID != "" {
			leader = n.of(it.LeaderID)
		}
		rows = append(rows, []any{
			it.Code(), t("kind." + string(it.Kind)), period, it.Title, b.opts.Rules.CategoryName(it.Category, l),
			n.of(it.AuthorID), strings.Join(cos, sep), n.depts[it.LeadDept], strings.Join(codepts, sep), leader,
			yes(it.Key), t("status." + string(it.Status)),
			date(it.SubmittedAt), date(it.AssignedAt), date(it.Deadline), date(firstReply), date(it.ClosedAt),
			class, rating(it, 1), rating(it, 2), outcome,
			len(it.Contacts), confirmed, it.Extensions, len(it.Flags), yes(overdue), yes(late),
		})
	}
	sheets := []report.Sheet{{
		Name:    t("export.sheet_items"),
		Headers: strings.Split(t("export.headers"), "|"),
		Widths:  []float64{12, 8, 10, 40, 12, 10, 20, 16, 20, 10, 8, 14, 11, 11, 11, 11, 11, 8, 10, 10, 10, 8, 8, 8, 8, 8, 8},
		Rows:    rows,
	}}
	var drows [][]any
	for _, d := range report.Departments(in, year) {
		s := d.Satisfaction
		drows = append(drows, []any{d.Dept.Name, d.Handled, d.Open, d.Overdue, d.OnTime, d.Late, pct(d.OnTimeRate()), d.Extensions,
			s.Satisfied, s.Basic, s.Unsatisfied, s.Unrated, pct(d.SatisfactionRate()),
			d.ContactsLogged, d.ContactsConfirmed, d.ContactsDisputed, d.Flags, d.Score})
	}
	sheets = append(sheets, report.Sheet{
		Name:    t("export.sheet_depts"),
		Headers: strings.Split(t("export.dept_headers"), "|"),
		Widths:  []float64{20},
		Rows:    drows,
	})
	return len(rows), report.WriteWorkbook(w, sheets)
}

// cmdExport sends the register of a year (default: this year) as a file.
func (b *Bot) cmdExport(ctx context.Context, r *request) {
	year := r.now.In(b.opts.Location).Year()
	if r.args != "" {
		y, err := strconv.Atoi(strings.TrimSpace(r.args))
		if err != nil || y < 2000 || y > 2100 {
			b.reply(ctx, r, b.tx.T(r.lang, "export.usage"), nil)
			return
		}
		year = y
	}
	var buf strings.Builder
	count, err := b.Register(ctx, r.lang, year, &buf, r.person)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	name := fmt.Sprintf("register-%d.xlsx", year)
	if err := b.sendFile(ctx, r.chatID, name, []byte(buf.String()), b.tx.T(r.lang, "export.caption", "Year", year, "Count", count)); err != nil {
		b.fail(ctx, r, err)
	}
}
