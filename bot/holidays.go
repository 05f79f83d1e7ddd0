package bot

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"

	"deputybot"
	"deputybot/texts"
)

// maxUpload bounds a file the bot downloads from Telegram.
const maxUpload = 20 << 20

// download fetches a file a user sent, up to limit bytes.
func (b *Bot) download(ctx context.Context, fileID string, limit int64) ([]byte, error) {
	f, err := b.tg.API().GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("getFile: %w", b.tg.Redact(err))
	}
	if f.FileSize > limit {
		return nil, deputybot.Errorf(deputybot.EINVALID, "err.file_too_big", "Max", limit>>10)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.tg.API().FileDownloadLink(f), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, b.tg.Redact(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download file: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, deputybot.Errorf(deputybot.EINVALID, "err.file_too_big", "Max", limit>>10)
	}
	return data, nil
}

// cmdHolidays shows the holiday calendar and waits for a new one.
func (b *Bot) cmdHolidays(ctx context.Context, r *request) {
	if err := b.begin(ctx, r, "holidays", "file", nil); err != nil {
		b.fail(ctx, r, err)
	}
}

func (b *Bot) holidaysPrompt(ctx context.Context, r *request, c *conversation) {
	cal, err := b.store.Calendar(ctx)
	if err != nil {
		b.fail(ctx, r, err)
		return
	}
	l := r.lang
	var sb strings.Builder
	if len(cal.Days) == 0 {
		sb.WriteString(b.tx.T(l, "holidays.none"))
	} else {
		holidays, workdays := 0, 0
		var upcoming []string
		today := deputybot.DateOf(r.now, b.opts.Location).String()
		for _, d := range cal.Listed() {
			if cal.Days[d] == deputybot.Holiday {
				holidays++
			} else {
				workdays++
			}
			if d >= today && len(upcoming) < 10 {
				upcoming = append(upcoming, b.tx.T(l, "holidays.line", "Date", d,
					"Kind", texts.HTML(b.tx.T(l, "holidays."+string(cal.Days[d]))), "Name", cal.Names[d]))
			}
		}
		sb.WriteString(b.tx.T(l, "holidays.summary", "Holidays", holidays, "Workdays", workdays))
		if len(upcoming) > 0 {
			sb.WriteString("\n" + strings.Join(upcoming, "\n"))
		}
	}
	sb.WriteString("\n\n" + b.tx.T(l, "holidays.format"))
	b.reply(ctx, r, sb.String(), keyboard{b.cancelButton(r, c)})
}

// holidaysFile loads a calendar file; a file with problems changes
// nothing and each problem is shown with its line.
func (b *Bot) holidaysFile(ctx context.Context, r *request, c *conversation) error {
	var text string
	switch {
	case r.msg.Document != nil:
		data, err := b.download(ctx, r.msg.Document.FileID, deputybot.MaxCalendarBytes)
		if err != nil {
			return err
		}
		text = string(data)
	case r.msg.Text != "":
		text = r.msg.Text
	default:
		return deputybot.Errorf(deputybot.EINVALID, "err.file_expected")
	}
	cal, problems, err := b.svc.LoadCalendar(ctx, r.person, text, r.now)
	if len(problems) > 0 {
		lines := make([]string, 0, 21)
		for _, p := range problems[:min(20, len(problems))] {
			lines = append(lines, b.problemLine(r.lang, p.Line, p.Err))
		}
		if len(problems) > 20 {
			lines = append(lines, b.tx.T(r.lang, "import.more_errors", "Count", len(problems)-20))
		}
		b.reply(ctx, r, b.tx.T(r.lang, "holidays.problems", "Count", len(problems))+"\n"+strings.Join(lines, "\n"), nil)
		return deputybot.Errorf(deputybot.EINVALID, "err.calendar_unchanged")
	}
	if err != nil {
		return err
	}
	return b.endWith(ctx, r, b.tx.T(r.lang, "holidays.loaded", "Count", len(cal.Days)))
}

// problemLine is a problem of a calendar, by its line: "第3行：…" (line
// 0: the text as a whole).
func (b *Bot) problemLine(l deputybot.Language, line int, err error) string {
	if line == 0 {
		return b.tx.Err(l, err)
	}
	return b.tx.T(l, "holidays.problem", "Line", line, "Error", texts.HTML(b.tx.Err(l, err)))
}
