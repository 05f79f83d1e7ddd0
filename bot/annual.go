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
	in, err := b.svc.Snapshot(ctx, b.now(), viewer)
	if err != nil {
		return "", err
	}
	return report.RenderAnnual(b.tx, in, year, l, format), nil
}

// cmdReport sends the annual report in chat, as a Markdown file and as a
// Word document the office can edit and print, all from one reading of
// the record.
func (b *Bot) cmdReport(ctx context.Context, r *request) {
	year := deputybot.Env{Rules: &b.opts.Rules, Now: r.now}.Year()
	if r.args != "" {
		y, err := strconv.Atoi(strings.TrimSpace(r.args))
		if err != nil || y < 2000 || y > 2100 {
			b.reply(ctx, r, b.tx.T(r.lang, "annual.usage"), nil)
			return
		}
		year = y
	}
	in, err := b.svc.Snapshot(ctx, b.now(), r.person)
	var docx bytes.Buffer
	if err == nil {
		err = report.AnnualDocx(b.tx, in, year, r.lang, &docx)
	}
	if err != nil {
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
