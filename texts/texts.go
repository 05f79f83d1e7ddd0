// Package texts writes deputybot's messages in a person's language, from
// the message files in locales/ (go-i18n), as Telegram HTML: every value
// that comes from a person is escaped. The chat interface and the reports
// both write with it.
package texts

import (
	"embed"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"deputybot"
	"deputybot/telegram"
)

//go:embed locales/*.toml
var localeFiles embed.FS

// Texts renders messages in each supported language, and dates in the
// configured time zone.
type Texts struct {
	loc      map[deputybot.Language]*i18n.Localizer
	location *time.Location
	// fixed keeps the messages rendered without arguments, by language
	// and id (the message files do not change while the process runs):
	// each rendering otherwise matches the language again.
	fixed sync.Map
}

// Load reads the message files; dates are shown in location.
func Load(location *time.Location) (*Texts, error) {
	bundle := i18n.NewBundle(language.Chinese)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(localeFiles, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		b, err := localeFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		if _, err := bundle.ParseMessageFileBytes(b, n); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
	}
	if location == nil {
		location = time.UTC
	}
	t := &Texts{loc: map[deputybot.Language]*i18n.Localizer{}, location: location}
	for _, l := range deputybot.Languages {
		t.loc[l] = i18n.NewLocalizer(bundle, string(l))
	}
	return t, nil
}

// Location is the time zone dates are shown in.
func (t *Texts) Location() *time.Location { return t.location }

// HTML marks a value that is already safe HTML (our own markup, or a
// value escaped earlier) so that T does not escape it again.
type HTML string

// T renders message id in lang. args alternate name, value. Every string
// value is HTML-escaped — a person's text can never become markup — unless
// it is HTML. A missing message renders as its id, so a gap shows up in
// tests instead of as an empty message.
//
// A message whose text depends on a number ("1 day", "2 days") has
// plural forms (one, other) and takes that number as Count or Days: the
// form is chosen by the language's plural rules.
func (t *Texts) T(lang deputybot.Language, id string, args ...any) string {
	var data map[string]any
	var plural any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			data[name] = escapeArg(args[i+1])
			if name == "Count" || name == "Days" {
				switch args[i+1].(type) {
				case int, int64:
					plural = args[i+1]
				}
			}
		}
	}
	return t.render(lang, id, data, plural)
}

func (t *Texts) render(lang deputybot.Language, id string, data map[string]any, plural any) string {
	if data == nil && plural == nil {
		key := string(lang) + "\x00" + id
		if s, ok := t.fixed.Load(key); ok {
			return s.(string)
		}
		s := t.localize(lang, id, nil, nil)
		t.fixed.Store(key, s)
		return s
	}
	return t.localize(lang, id, data, plural)
}

func (t *Texts) localize(lang deputybot.Language, id string, data map[string]any, plural any) string {
	loc := t.loc[lang]
	if loc == nil {
		loc = t.loc[deputybot.DefaultLanguage]
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: plural})
	if err != nil && plural != nil {
		// A message with one form for every number.
		s, err = loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	}
	if err != nil {
		return id
	}
	if strings.Contains(s, "<no value>") {
		// A message used without one of its arguments: a bug, but the
		// person still gets a message Telegram accepts.
		s = strings.ReplaceAll(s, "<no value>", "?")
	}
	return s
}

func escapeArg(v any) any {
	switch x := v.(type) {
	case HTML:
		return string(x)
	case string:
		return Esc(x)
	case deputybot.Role, deputybot.Language:
		return Esc(fmt.Sprint(x))
	case fmt.Stringer:
		return Esc(x.String())
	}
	return v
}

// Err renders a domain error for a person: its message in his language,
// or a generic apology for anything that is not a domain error.
func (t *Texts) Err(lang deputybot.Language, err error) string {
	var e *deputybot.Error
	if !errors.As(err, &e) || e.Code == deputybot.EINTERNAL {
		return t.T(lang, "err.internal")
	}
	data := make(map[string]any, len(e.Args))
	var plural any
	for k, v := range e.Args {
		data[k] = escapeArg(v)
		if k == "Count" || k == "Days" {
			plural = v
		}
	}
	return t.render(lang, e.Key, data, plural)
}

// ErrorText is a domain error as plain text (for the command line).
func (t *Texts) ErrorText(l deputybot.Language, err error) string { return Plain(t.Err(l, err)) }

// Esc escapes a person's text for HTML, without the bidirectional
// controls that could make it show something other than it holds.
func Esc(s string) string { return html.EscapeString(deputybot.StripBidi(s)) }

// EscIn is a person's text escaped for a web page in language l, marked
// as Chinese (lang="zh-CN") when the page is not and the text has Han
// characters: a screen reader then reads it in Chinese, and a browser
// picks Chinese glyphs.
func EscIn(l deputybot.Language, s string) string {
	e := Esc(s)
	if l != deputybot.LangZH && strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0 {
		return `<span lang="zh-CN">` + e + `</span>`
	}
	return e
}

// Plain is HTML as the reader sees it: for the places text is shown
// without formatting (button-press notices, files, the command line).
func Plain(s string) string { return telegram.PlainText(s) }

// Date shows t as a local date.
func (t *Texts) Date(x time.Time) string { return x.In(t.location).Format("2006-01-02") }

// Time shows t as a local date and minute.
func (t *Texts) Time(x time.Time) string { return x.In(t.location).Format("2006-01-02 15:04") }

// Label is an item's kind and number, "建议 2026-017", or "建议（草稿）".
func (t *Texts) Label(l deputybot.Language, it *deputybot.Item) string {
	kind := HTML(t.T(l, "kind."+string(it.Kind)))
	if it.Seq == 0 {
		return t.T(l, "item.label_draft", "Kind", kind)
	}
	return t.T(l, "item.label", "Kind", kind, "Number", it.Number())
}

// Status names where an item stands.
// A plain draft has none: its label says it is a draft already.
func (t *Texts) Status(l deputybot.Language, it *deputybot.Item) string {
	switch {
	case it.Status == deputybot.StatusDraft && it.SubmitRequested:
		return t.T(l, "status.waiting_cosponsors")
	case it.Status == deputybot.StatusDraft:
		return ""
	}
	return t.T(l, "status."+string(it.Status))
}

// Line is an item as one line of a list: label, title, status.
func (t *Texts) Line(l deputybot.Language, it *deputybot.Item) string {
	if st := t.Status(l, it); st != "" {
		return t.T(l, "item.line", "Label", HTML(t.Label(l, it)), "Title", it.Title, "Status", HTML(st))
	}
	return t.T(l, "item.line_plain", "Label", HTML(t.Label(l, it)), "Title", it.Title)
}

// Role names a role, as a person holds it.
func (t *Texts) Role(l deputybot.Language, r deputybot.Role) string { return t.T(l, "role."+string(r)) }

// Roles names roles, for a message argument.
func (t *Texts) Roles(l deputybot.Language, rs []deputybot.Role) HTML {
	if len(rs) == 0 {
		return HTML(t.T(l, "role.none"))
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = t.Role(l, r)
	}
	return HTML(strings.Join(parts, t.T(l, "list.sep")))
}

// Method names a contact method. (Its message ids are "method.m_…": a
// message id ending in "other" would be read by go-i18n as a plural
// form.)
func (t *Texts) Method(l deputybot.Language, m deputybot.ContactMethod) string {
	return t.T(l, "method.m_"+string(m))
}

// Due is an open duty's deadline as the ledger sees it now: "12 days
// left", "due today" or "⚠️ 3 days overdue".
func (t *Texts) Due(l deputybot.Language, e deputybot.Env, d deputybot.Duty) string {
	if e.Overdue(d) {
		return t.T(l, "deadline.overdue", "Days", e.DaysOverdue(d), "Date", t.Date(d.Deadline))
	}
	if n := e.DaysLeft(d.Deadline); n > 0 {
		return t.T(l, "deadline.left", "Days", n, "Date", t.Date(d.Deadline))
	}
	return t.T(l, "deadline.today", "Date", t.Date(d.Deadline))
}

// List joins names (a person's text, escaped) with the language's list
// separator.
func (t *Texts) List(l deputybot.Language, names []string) HTML {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = Esc(n)
	}
	return HTML(strings.Join(out, t.T(l, "list.sep")))
}
