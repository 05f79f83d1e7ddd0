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

// Register writes the register (台账) of a year as an XLSX workbook: a
// sheet to print (the ten columns a supervisor reads, titled, dated, on
// A4 landscape at reading size), one row per item of in with every field
// a supervisor filters on, and a sheet summing up each department. Headers are in lang. It returns how
// many items it holds.
func Register(tx *texts.Texts, in deputybot.Snapshot, year int, l deputybot.Language, names Names, w io.Writer) (int, error) {
	loc := tx.Location()
	var items []*deputybot.Item
	for _, it := range in.Items {
		if InYear(it, year) {
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
	// Flags are 1 or 0: a column sums to how many.
	flag := func(v bool) any {
		if v {
			return 1
		}
		return 0
	}
	rating := func(it *deputybot.Item, round int) any {
		if r := it.RatingOf(round); r != nil {
			return t("rating." + string(r.Value))
		}
		return nil
	}
	sep := t("list.sep")
	var rows, paper [][]any
	lateReplies := 0
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
		tl := in.Env.Timeliness(it)
		period := ""
		if it.Period != "" {
			period = t("period." + string(it.Period))
		}
		leader := ""
		if it.LeaderID != "" {
			leader = names(it.LeaderID)
		}
		// What the deputy said of it: the outcome once closed, else his
		// latest rating.
		said := text(outcome)
		if said == nil {
			if n := len(it.Ratings); n > 0 {
				said = t("rating." + string(it.Ratings[n-1].Value))
			}
		}
		if tl.Late {
			lateReplies++
		}
		label, status, author, lead := texts.Plain(tx.Label(l, it)), t("status."+string(it.Status)), names(it.AuthorID), text(in.DeptName(it.LeadDept))
		paper = append(paper, []any{
			label, it.Title, author, lead, date(it.Deadline), status, date(firstReply), flag(tl.Late), said, tl.DaysOverdue,
		})
		rows = append(rows, []any{
			label, t("kind." + string(it.Kind)), text(period), it.Title, in.Env.Rules.CategoryName(it.Category, l),
			author, text(strings.Join(cos, sep)), lead, text(strings.Join(codepts, sep)), text(leader),
			flag(it.Key), status,
			date(it.SubmittedAt), date(it.AssignedAt), date(it.Deadline), date(firstReply), date(it.ClosedAt),
			text(class), rating(it, 1), rating(it, 2), text(outcome),
			len(it.Contacts), confirmed, it.Extensions, len(it.Flags), flag(tl.Overdue), tl.DaysOverdue, flag(tl.Late),
		})
	}
	whole := in.Scope.Whole()
	title := t("export.print_title", "Year", year)
	if !whole {
		title = t("export.print_title_scoped", "Name", in.Scope.Person, "Year", year)
	}
	if b := in.Env.Rules.ReportingBody; b != "" && whole {
		title = t("export.print_title_by", "Body", b, "Year", year)
	}
	totals := make([]any, 10)
	totals[0], totals[1], totals[7] = t("export.total"), t("export.print_count", "Count", len(paper)), lateReplies
	sheets := []Sheet{{
		// The ten columns a supervisor reads, for paper; the whole
		// record is on the next sheet, to filter.
		Name:    t("export.sheet_print"),
		Headers: strings.Split(t("export.print_headers"), "|"),
		Widths:  paperWidths(paper),
		Rows:    paper,
		Totals:  totals,
		Paper: &Paper{
			Title: title,
			Note:  t("export.print_note", "Date", LongDate(l, deputybot.DateOf(in.Env.Now, loc)), "Count", len(paper)),
			Wrap:  []int{1, 2, 3, 5, 8},
		},
	}, {
		Name:    t("export.sheet_items"),
		Headers: strings.Split(t("export.headers"), "|"),
		Widths:  []float64{14, 8, 10, 40, 12, 10, 20, 16, 20, 10, 8, 14, 11, 11, 11, 11, 11, 8, 10, 10, 10, 8, 8, 8, 8, 8, 8, 8},
		Rows:    rows,
	}}
	var drows [][]any
	depts := Departments(in, year)
	// Scores compare departments over the whole district: a register of
	// one person's items has none.
	row := func(name any, d *DeptStats, score any) []any {
		y, o := &d.Year, d.Year.Outcomes
		r := []any{name, y.Handled, y.Replied, y.OnTime, y.Late, y.Overdue, share(y.OnTimeRate()), y.Extensions,
			o.Satisfied, o.Basic, o.Unsatisfied, o.Unrated, share(o.SatisfactionRate()),
			y.ContactsLogged, y.ContactsConfirmed, y.ContactsDisputed, y.FlagTotal, d.OpinionsLate}
		for _, f := range QualityFigures {
			r = append(r, share(y.RateOf(f)))
		}
		if whole {
			r = append(r, score)
		}
		return r
	}
	for _, d := range depts {
		drows = append(drows, row(d.Dept.Name, d, d.Score))
	}
	headers := strings.Split(t("export.dept_headers"), "|")
	score := headers[len(headers)-1]
	headers = headers[:len(headers)-1]
	for _, f := range QualityFigures {
		headers = append(headers, texts.Plain(Label(tx, l, f)))
	}
	if whole {
		headers = append(headers, score)
	}
	total := Totals(depts)
	sheets = append(sheets, Sheet{
		Name:    t("export.sheet_depts"),
		Headers: headers,
		Widths:  []float64{20},
		Rows:    drows,
		// The score is each department's own: it has no total.
		Totals: row(t("export.total"), &total, nil),
	})
	author := in.Env.Rules.ReportingBody
	if author == "" {
		author = "deputybot"
	}
	caption := t("export.caption", "Year", year, "Count", len(rows))
	if !whole {
		caption = t("export.caption_scoped", "Name", in.Scope.Person, "Year", year, "Count", len(rows))
	}
	return len(rows), WriteWorkbook(w, Workbook{Sheets: sheets, Author: author, Title: caption, Created: in.Env.Now,
		Footer: t("export.footer")})
}

// paperWidths are the print sheet's column widths: the number column as
// wide as its longest label (it does not wrap), the others fixed, the
// title's widest.
func paperWidths(rows [][]any) []float64 {
	number := 10.0
	for _, r := range rows {
		if s, ok := r[0].(string); ok {
			number = max(number, TextWidth(s)+1.5)
		}
	}
	return []float64{number, 40, 10, 18, 11, 10, 11, 9, 10, 9}
}

// share is a rate ("92.81", or "—" for none) as a Share cell, or nil.
func share(rate string) any {
	v, err := strconv.ParseFloat(rate, 64)
	if err != nil {
		return nil
	}
	return Share(v / 100)
}
