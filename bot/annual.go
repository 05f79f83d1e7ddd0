package bot

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/report"
)

// AnnualReport renders the annual handling report of year in lang and
// format, over the items viewer may see (nil: all).
func (b *Bot) AnnualReport(ctx context.Context, l deputybot.Language, year int, format string, viewer *deputybot.Person) (string, error) {
	in, err := b.svc.ReportSnapshot(ctx, b.now(), viewer)
	if err != nil {
		return "", err
	}
	return report.RenderAnnual(b.tx, in, year, l, format), nil
}

// cmdReport sends the report to the congress in chat, as a Markdown
// file and as a Word document the office can edit and print, all from one
// reading of the record; "/report 2026 附件" (annex) sends the
// departments' figures with their scores instead, to those who oversee
// everything.
func (b *Bot) cmdReport(ctx context.Context, r *request) {
	year := deputybot.Env{Rules: &b.opts.Rules, Now: r.now}.Year()
	annex := false
	for _, a := range strings.Fields(r.args) {
		switch y, err := strconv.Atoi(a); {
		case err == nil && y >= 2000 && y <= 2100:
			year = y
		case a == "附件" || strings.EqualFold(a, "annex"):
			annex = true
		default:
			b.reply(ctx, r, b.tx.T(r.lang, "annual.usage"), nil)
			return
		}
	}
	if annex && !r.person.OverseesAll() {
		b.reply(ctx, r, b.tx.T(r.lang, "annual.annex_forbidden"), nil)
		return
	}
	in, err := b.svc.ReportSnapshot(ctx, b.now(), r.person)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	var docx bytes.Buffer
	if annex {
		if err := report.AnnexDocx(b.tx, in, year, r.lang, &docx); err != nil {
			b.fail(ctx, r, err)
			return
		}
		b.send(ctx, r.chatID, report.RenderAnnualVersion(b.tx, in, year, r.lang, report.FormatHTML, report.Annex), nil)
		name := fmt.Sprintf("report-%d-annex-%s.docx", year, r.lang)
		if err := b.sendFile(ctx, r.chatID, name, docx.Bytes(), b.tx.T(r.lang, "annual.annex_caption", "Year", year)); err != nil {
			b.log.Warn("report file not sent", "err", err)
		}
		return
	}
	if err := report.AnnualDocx(b.tx, in, year, r.lang, &docx); err != nil {
		b.fail(ctx, r, err)
		return
	}
	b.send(ctx, r.chatID, report.RenderAnnual(b.tx, in, year, r.lang, report.FormatHTML), nil)
	name := fmt.Sprintf("report-%d-%s", year, r.lang)
	md := report.RenderAnnual(b.tx, in, year, r.lang, report.FormatMarkdown)
	if err := b.sendFile(ctx, r.chatID, name+".md", []byte(md), b.tx.T(r.lang, "annual.file_caption", "Year", year)); err != nil {
		b.log.Warn("report file not sent", "err", err)
	}
	if err := b.sendFile(ctx, r.chatID, name+".docx", docx.Bytes(), b.tx.T(r.lang, "annual.docx_caption", "Year", year)); err != nil {
		b.log.Warn("report file not sent", "err", err)
	}
}
