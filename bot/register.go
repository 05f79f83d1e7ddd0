package bot

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"deputybot"
	"deputybot/report"
)

// Register writes the register of a year, over the items viewer may see
// (nil: all).
func (b *Bot) Register(ctx context.Context, l deputybot.Language, year int, w io.Writer, viewer *deputybot.Person) (int, error) {
	in, err := b.svc.Snapshot(ctx, b.now(), viewer)
	if err != nil {
		return 0, err
	}
	n := b.names(ctx)
	return report.Register(b.tx, in, year, l, n.of, w)
}

// cmdExport sends the register of a year (default: this year) as a file.
func (b *Bot) cmdExport(ctx context.Context, r *request) {
	year := deputybot.Env{Rules: &b.opts.Rules, Now: r.now}.Year()
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
