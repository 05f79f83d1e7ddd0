package bot

import (
	"context"
	"fmt"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"deputybot"
	"deputybot/texts"
)

// command is one slash command. Its menu description is the message
// "cmd.<name>"; allowed decides who sees and may use it (nil: every
// registered person).
type command struct {
	name    string
	allowed func(p *deputybot.Person) bool
	run     func(ctx context.Context, r *request)
	hidden  bool // not in the menu
}

func can(perm deputybot.Permission) func(p *deputybot.Person) bool {
	return func(p *deputybot.Person) bool { return p.Can(perm) }
}

// commandTable lists the commands in menu order (SPEC §6).
func (b *Bot) commandTable() []command {
	return []command{
		// Each role's main work first: the deputy's, the department's,
		// the office's, the supervisors'; then the office's upkeep; the
		// commands everyone has last. (/start opens invitation links and
		// is not in the menu.)
		{name: "new", allowed: can(deputybot.PermFile), run: b.cmdNew},
		{name: "my", allowed: can(deputybot.PermFile), run: b.cmdMy},
		{name: "pending", allowed: can(deputybot.PermPending), run: b.cmdPending},
		{name: "inbox", allowed: can(deputybot.PermInbox), run: b.cmdInbox},
		{name: "assign", allowed: can(deputybot.PermInbox), run: b.cmdAssign},
		{name: "view", allowed: func(p *deputybot.Person) bool { return len(p.Roles) > 0 }, run: b.cmdView},
		{name: "search", allowed: func(p *deputybot.Person) bool { return len(p.Roles) > 0 }, run: b.cmdSearch},
		{name: "stats", allowed: can(deputybot.PermStats), run: b.cmdStats},
		{name: "overdue", allowed: can(deputybot.PermStats), run: b.cmdOverdue},
		{name: "digest", allowed: can(deputybot.PermStats), run: b.cmdDigest},
		{name: "report", allowed: can(deputybot.PermStats), run: b.cmdReport},
		{name: "export", allowed: can(deputybot.PermStats), run: b.cmdExport},
		{name: "followup", allowed: can(deputybot.PermStats), run: b.cmdFollowup},
		{name: "invite", allowed: can(deputybot.PermManagePeople), run: b.cmdInvite},
		{name: "people", allowed: can(deputybot.PermManagePeople), run: b.cmdPeople},
		{name: "departments", allowed: can(deputybot.PermListDepartments), run: b.cmdDepartments},
		{name: "import", allowed: can(deputybot.PermManagePeople), run: b.cmdImport},
		{name: "holidays", allowed: can(deputybot.PermCalendar), run: b.cmdHolidays},
		{name: "help", run: b.cmdHelp},
		{name: "lang", run: b.cmdLang},
		{name: "cancel", run: b.cmdCancel},
		{name: "name", allowed: func(p *deputybot.Person) bool { return len(p.Roles) > 0 }, run: b.cmdName},
		{name: "start", hidden: true, run: b.cmdStart},
	}
}

// visibleCommands are the commands p may use.
func (b *Bot) visibleCommands(p *deputybot.Person) []command {
	var out []command
	for _, c := range b.commands {
		if c.allowed == nil || c.allowed(p) {
			out = append(out, c)
		}
	}
	return out
}

func (b *Bot) runCommand(ctx context.Context, r *request) {
	for _, c := range b.commands {
		if c.name != r.cmd {
			continue
		}
		if c.allowed != nil && !c.allowed(r.person) {
			b.reply(ctx, r, b.tx.T(r.lang, "err.command_not_allowed", "Command", "/"+c.name), nil)
			return
		}
		c.run(ctx, r)
		return
	}
	b.reply(ctx, r, b.tx.T(r.lang, "err.unknown_command", "Command", deputybot.Echo("/"+r.cmd)), nil)
}

// syncCommands shows p the command menu of his roles and language. The
// menu last set is remembered, so Telegram is called only on a change.
func (b *Bot) syncCommands(ctx context.Context, p *deputybot.Person) {
	if p.TelegramID == 0 {
		return
	}
	var names []string
	var list []models.BotCommand
	for _, c := range b.visibleCommands(p) {
		if c.hidden {
			continue
		}
		names = append(names, c.name)
		list = append(list, models.BotCommand{Command: c.name, Description: texts.Plain(b.tx.T(p.Language, "cmd."+c.name))})
	}
	key := string(p.Language) + ":" + strings.Join(names, ",")
	if p.CommandsKey == key {
		return
	}
	err := b.tg.Sender().Call(ctx, func(ctx context.Context) error {
		_, err := b.tg.API().SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
			Commands: list, Scope: &models.BotCommandScopeChat{ChatID: p.TelegramID},
		})
		return err
	})
	if err != nil {
		b.log.Warn("setMyCommands", "person", p.ID, "err", err)
		return
	}
	if err := b.svc.RecordMenu(ctx, p, key); err != nil {
		b.log.Warn("record command menu", "person", p.ID, "err", err)
	}
}

func (b *Bot) cmdHelp(ctx context.Context, r *request) {
	b.reply(ctx, r, b.helpText(r.person), nil)
}

// helpText explains, for p's roles, what p can do.
func (b *Bot) helpText(p *deputybot.Person) string {
	l := p.Language
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s\n", b.tx.T(l, "help.title", "Name", p.Name, "Roles", b.tx.Roles(l, p.Roles)))
	for _, role := range p.Roles {
		if intro := b.tx.T(l, "help.role."+string(role)); intro != "help.role."+string(role) {
			sb.WriteString("\n" + intro + "\n")
		}
	}
	sb.WriteString("\n" + b.tx.T(l, "help.commands") + "\n")
	for _, c := range b.visibleCommands(p) {
		if c.hidden {
			continue
		}
		line := "/" + c.name + " — " + b.tx.T(l, "cmd."+c.name)
		if example := b.tx.T(l, "cmdhelp."+c.name); example != "cmdhelp."+c.name {
			line += b.tx.T(l, "cmdhelp.format", "Example", texts.HTML(example))
		}
		sb.WriteString(line + "\n")
	}
	return strings.TrimRight(sb.String(), "\n")
}
