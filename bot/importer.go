package bot

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"

	"deputybot"
	"deputybot/roster"
	"deputybot/texts"
)

// ImportSummary is what importing a roster file did.
type ImportSummary struct {
	Created, Skipped int
	Errors           []string // "row 7: …", in the importer's language
	Links            []byte   // CSV of the new invitations: name, role, department, phone, link, expires
}

const importBatch = 500

// csvRow is a row of a CSV file for a spreadsheet: every cell
// neutralised (deputybot.SpreadsheetCell).
func csvRow(cells ...string) []string {
	for i, c := range cells {
		cells[i] = deputybot.SpreadsheetCell(c)
	}
	return cells
}

// ImportRoster reads a roster file (CSV or XLSX) and has the service
// invite the people in it, in batches, as by (nil: the command line) for
// the update cause. Problems are reported by row in lang; nothing is
// dropped silently.
func (b *Bot) ImportRoster(ctx context.Context, by *deputybot.Person, cause int64, l deputybot.Language, data []byte) (*ImportSummary, error) {
	sum := &ImportSummary{}
	var links bytes.Buffer
	links.WriteString("\ufeff") // Excel opens UTF-8 CSV correctly with a BOM
	w := csv.NewWriter(&links)
	_ = w.Write(strings.Split(texts.Plain(b.tx.T(l, "import.links_headers")), "|"))
	depts, _ := b.departmentNames(ctx)
	var batch []deputybot.RosterRow
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		now := b.now()
		results, err := b.svc.ImportRoster(ctx, by, cause, batch, now)
		if err != nil {
			return err
		}
		for _, r := range results {
			switch {
			case r.Err != nil:
				sum.Errors = append(sum.Errors, texts.Plain(b.tx.T(l, "import.row_error", "Line", r.Row.Line, "Error", texts.HTML(b.tx.Err(l, r.Err)))))
			case r.Skipped:
				sum.Skipped++
			default:
				sum.Created++
				p := r.Person
				dept := depts[p.DepartmentID]
				if dept == "" && p.DepartmentID != "" {
					depts, _ = b.departmentNames(ctx)
					dept = depts[p.DepartmentID]
				}
				_ = w.Write(csvRow(p.Name, texts.Plain(b.tx.Role(l, p.Roles[0])), dept, p.Phone, b.inviteLink(r.Token),
					b.tx.Date(now.Add(deputybot.InvitationValidity))))
			}
		}
		batch = batch[:0]
		return nil
	}
	// The whole file is read before anything is stored: a file refused
	// half way (too many rows, broken) changes nothing.
	var rows []deputybot.RosterRow
	err := roster.Read(data, func(row deputybot.RosterRow) error {
		rows = append(rows, row)
		return nil
	})
	switch {
	case errors.Is(err, roster.ErrFormat):
		return nil, deputybot.Errorf(deputybot.EINVALID, "err.roster_format")
	case errors.Is(err, roster.ErrTooBig):
		return nil, deputybot.Errorf(deputybot.EINVALID, "err.roster_too_big", "Max", roster.MaxUnzipped>>20)
	case errors.Is(err, roster.ErrTooManyRows):
		return nil, deputybot.Errorf(deputybot.EINVALID, "err.roster_too_many", "Max", roster.MaxRows)
	case err != nil:
		return nil, err
	}
	for len(rows) > 0 {
		n := min(len(rows), importBatch)
		batch = append(batch[:0], rows[:n]...)
		rows = rows[n:]
		if err := flush(); err != nil {
			return nil, err
		}
	}
	w.Flush()
	sum.Links = links.Bytes()
	return sum, nil
}

// summaryText tells what an import did; at most 20 problems are listed.
func (b *Bot) summaryText(l deputybot.Language, s *ImportSummary) string {
	text := b.tx.T(l, "import.summary", "Created", s.Created, "Skipped", s.Skipped, "Errors", len(s.Errors))
	if len(s.Errors) > 0 {
		shown := s.Errors
		if len(shown) > 20 {
			shown = shown[:20]
		}
		text += "\n" + texts.Esc(strings.Join(shown, "\n"))
		if len(s.Errors) > 20 {
			text += "\n" + b.tx.T(l, "import.more_errors", "Count", len(s.Errors)-20)
		}
	}
	return text
}

func (b *Bot) cmdImport(ctx context.Context, r *request) {
	if err := b.begin(ctx, r, "import", "file", nil); err != nil {
		b.fail(ctx, r, err)
	}
}

func (b *Bot) importPrompt(ctx context.Context, r *request, c *conversation) {
	b.reply(ctx, r, b.tx.T(r.lang, "import.ask_file"), keyboard{b.cancelButton(r, c)})
}

func (b *Bot) importFile(ctx context.Context, r *request, c *conversation) error {
	if r.msg.Document == nil {
		return deputybot.Errorf(deputybot.EINVALID, "err.roster_file_expected")
	}
	data, err := b.download(ctx, r.msg.Document.FileID, maxUpload)
	if err != nil {
		return err
	}
	sum, err := b.ImportRoster(ctx, r.person, r.id, r.lang, data)
	if err != nil {
		return err
	}
	if err := b.finish(ctx, r); err != nil {
		return err
	}
	b.send(ctx, r.chatID, b.summaryText(r.lang, sum), nil)
	if sum.Created > 0 {
		name := "invitations-" + r.now.In(b.opts.Location).Format("20060102-1504") + ".csv"
		if err := b.sendFile(ctx, r.chatID, name, sum.Links, b.tx.T(r.lang, "import.links_caption", "Count", sum.Created)); err != nil {
			return err
		}
	}
	if len(sum.Errors) > 20 {
		var buf bytes.Buffer
		for _, e := range sum.Errors {
			buf.WriteString(e + "\n")
		}
		_ = b.sendFile(ctx, r.chatID, "import-problems.txt", buf.Bytes(), b.tx.T(r.lang, "import.errors_caption", "Count", len(sum.Errors)))
	}
	return nil
}
