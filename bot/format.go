package bot

import "time"

// formatDate shows t as a date in the configured time zone.
func (b *Bot) formatDate(t time.Time) string { return t.In(b.opts.Location).Format("2006-01-02") }

// formatTime shows t as a date and minute in the configured time zone.
func (b *Bot) formatTime(t time.Time) string {
	return t.In(b.opts.Location).Format("2006-01-02 15:04")
}
