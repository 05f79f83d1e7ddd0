package bot

import (
	"time"

	"deputybot"
)

// formatDate shows t as a date in the configured time zone.
func (b *Bot) formatDate(t time.Time) string { return t.In(b.opts.Location).Format("2006-01-02") }

// formatTime shows t as a date and minute in the configured time zone.
func (b *Bot) formatTime(t time.Time) string {
	return t.In(b.opts.Location).Format("2006-01-02 15:04")
}

// methodText names a contact method. (Its message ids are "method.m_…":
// a message id ending in "other" would be read by go-i18n as a plural
// form.)
func (b *Bot) methodText(l deputybot.Language, m deputybot.ContactMethod) string {
	return b.tx.T(l, "method.m_"+string(m))
}
