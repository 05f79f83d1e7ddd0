package bot

import (
	"embed"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"deputybot"
)

//go:embed locales/*.toml
var localeFiles embed.FS

// texts renders the bot's messages in a person's language from the
// message files in locales/.
type texts struct {
	loc map[deputybot.Language]*i18n.Localizer
}

func loadTexts() (*texts, error) {
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
	t := &texts{loc: map[deputybot.Language]*i18n.Localizer{}}
	for _, l := range deputybot.Languages {
		t.loc[l] = i18n.NewLocalizer(bundle, string(l))
	}
	return t, nil
}

// rawHTML marks a value that is already safe HTML (our own markup, or a
// value escaped earlier) so that T does not escape it again.
type rawHTML string

// T renders message id in lang. args alternate name, value. Every string
// value is HTML-escaped — a user's text can never become markup — unless
// it is rawHTML. A missing message renders as its id, so a gap shows up
// in tests instead of as an empty message.
func (t *texts) T(lang deputybot.Language, id string, args ...any) string {
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			data[name] = escapeArg(args[i+1])
		}
	}
	return t.render(lang, id, data)
}

func (t *texts) render(lang deputybot.Language, id string, data map[string]any) string {
	loc := t.loc[lang]
	if loc == nil {
		loc = t.loc[deputybot.DefaultLanguage]
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	if strings.Contains(s, "<no value>") {
		// A message used without one of its arguments: a bug, but the
		// user still gets a message Telegram accepts.
		s = strings.ReplaceAll(s, "<no value>", "?")
	}
	return s
}

func escapeArg(v any) any {
	switch x := v.(type) {
	case rawHTML:
		return string(x)
	case string:
		return esc(x)
	case deputybot.Role, deputybot.Language:
		return html.EscapeString(fmt.Sprint(x))
	case fmt.Stringer:
		return html.EscapeString(x.String())
	}
	return v
}

// Err renders a domain error for the user: its message in his language,
// or a generic apology for anything that is not a domain error.
func (t *texts) Err(lang deputybot.Language, err error) string {
	var e *deputybot.Error
	if !errors.As(err, &e) || e.Code == deputybot.EINTERNAL {
		return t.T(lang, "err.internal")
	}
	data := make(map[string]any, len(e.Args))
	for k, v := range e.Args {
		data[k] = escapeArg(v)
	}
	return t.render(lang, e.Key, data)
}

// esc escapes user text for HTML parse mode, without the bidirectional
// controls that could make it show something other than it holds.
func esc(s string) string { return html.EscapeString(deputybot.StripBidi(s)) }

// lines joins non-empty lines.
func lines(ls ...string) string {
	out := ls[:0]
	for _, l := range ls {
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// ErrorText is a domain error as plain text in l (for the command line).
func (b *Bot) ErrorText(l deputybot.Language, err error) string { return plain(b.tx.Err(l, err)) }
