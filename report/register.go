package report

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"deputybot"
	"deputybot/texts"
)

// Names finds a person's name by id.
type Names func(personID string) string

// Register writes the register (台账) of a year as an XLSX workbook: one
// row per item of in with every field a supervisor filters on, and a
// sheet summing up each department. Headers are in lang. It returns how
// many items it holds.
func Register(tx *texts.Texts, in deputybot.Snapshot, year int, l deputybot.Language, names Names, w io.Writer) (int, error) {
	loc := tx.Location()
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
	t := func(id string, args ...any) string { return texts.Plain(tx.T(l, id, args...)) }
	// Empty cells are empty, not empty strings; dates are dates.
	date := func(x time.Time) any {
		if x.IsZero() {
			return nil
		}
		y, m, d := x.In(loc).Date()
		return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	}
	text := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	yes := func(v bool) any {
		if v {
			return t("export.yes")
		}
		return nil
	}
	rating := func(it *deputybot.Item, round int) any {
		if r := it.RatingOf(round); r != nil {
			return t("rating." + string(r.Value))
		}
		return nil
	}
	sep := t("list.sep")
	var rows [][]any
	for _, it := range items {
		var cos, codepts []string
		for _, c := range it.CoSponsors {
			if c.State == deputybot.CoSponsorConfirmed {
				cos = append(cos, names(c.PersonID))
			}
		}
		for _, c := range it.CoDepts {
			codepts = append(codepts, in.DeptName(c.Dept))
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
			leader = names(it.LeaderID)
		}
		rows = append(rows, []any{
			it.Number(), t("kind." + string(it.Kind)), text(period), it.Title, in.Env.Rules.CategoryName(it.Category, l),
			names(it.AuthorID), text(strings.Join(cos, sep)), text(in.DeptName(it.LeadDept)), text(strings.Join(codepts, sep)), text(leader),
			yes(it.Key), t("status." + string(it.Status)),
			date(it.SubmittedAt), date(it.AssignedAt), date(it.Deadline), date(firstReply), date(it.ClosedAt),
			text(class), rating(it, 1), rating(it, 2), text(outcome),
			len(it.Contacts), confirmed, it.Extensions, len(it.Flags), yes(overdue), yes(late),
		})
	}
	sheets := []Sheet{{
		Name:    t("export.sheet_items"),
		Headers: strings.Split(t("export.headers"), "|"),
		Widths:  []float64{12, 8, 10, 40, 12, 10, 20, 16, 20, 10, 8, 14, 11, 11, 11, 11, 11, 8, 10, 10, 10, 8, 8, 8, 8, 8, 8},
		Rows:    rows,
	}}
	var drows [][]any
	total := DeptStats{}
	for _, d := range Departments(in, year) {
		s := d.Satisfaction
		drows = append(drows, []any{d.Dept.Name, d.Handled, d.Open, d.Overdue, d.OnTime, d.Late, share(d.OnTimeRate()), d.Extensions,
			s.Satisfied, s.Basic, s.Unsatisfied, s.Unrated, share(d.SatisfactionRate()),
			d.ContactsLogged, d.ContactsConfirmed, d.ContactsDisputed, d.Flags, d.Score})
		total.add(*d)
	}
	s := total.Satisfaction
	sheets = append(sheets, Sheet{
		Name:    t("export.sheet_depts"),
		Headers: strings.Split(t("export.dept_headers"), "|"),
		Widths:  []float64{20},
		Rows:    drows,
		// The score is each department's own: it has no total.
		Totals: []any{t("export.total"), total.Handled, total.Open, total.Overdue, total.OnTime, total.Late, share(total.OnTimeRate()), total.Extensions,
			s.Satisfied, s.Basic, s.Unsatisfied, s.Unrated, share(total.SatisfactionRate()),
			total.ContactsLogged, total.ContactsConfirmed, total.ContactsDisputed, total.Flags, nil},
	})
	author := in.Env.Rules.ReportingBody
	if author == "" {
		author = "deputybot"
	}
	return len(rows), WriteWorkbook(w, Workbook{Sheets: sheets, Author: author, Title: t("export.caption", "Year", year, "Count", len(rows)), Created: in.Env.Now})
}

// share is a rate ("92.81", or "—" for none) as a Share cell, or nil.
func share(rate string) any {
	v, err := strconv.ParseFloat(rate, 64)
	if err != nil {
		return nil
	}
	return Share(v / 100)
}
