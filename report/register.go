package report

import (
	"io"
	"slices"
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
			it.Number(), t("kind." + string(it.Kind)), period, it.Title, in.Env.Rules.CategoryName(it.Category, l),
			names(it.AuthorID), strings.Join(cos, sep), in.DeptName(it.LeadDept), strings.Join(codepts, sep), leader,
			yes(it.Key), t("status." + string(it.Status)),
			date(it.SubmittedAt), date(it.AssignedAt), date(it.Deadline), date(firstReply), date(it.ClosedAt),
			class, rating(it, 1), rating(it, 2), outcome,
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
	for _, d := range Departments(in, year) {
		s := d.Satisfaction
		drows = append(drows, []any{d.Dept.Name, d.Handled, d.Open, d.Overdue, d.OnTime, d.Late, Percent(d.OnTimeRate()), d.Extensions,
			s.Satisfied, s.Basic, s.Unsatisfied, s.Unrated, Percent(d.SatisfactionRate()),
			d.ContactsLogged, d.ContactsConfirmed, d.ContactsDisputed, d.Flags, d.Score})
	}
	sheets = append(sheets, Sheet{
		Name:    t("export.sheet_depts"),
		Headers: strings.Split(t("export.dept_headers"), "|"),
		Widths:  []float64{20},
		Rows:    drows,
	})
	return len(rows), WriteWorkbook(w, sheets)
}
