// Package bot is deputybot's chat interface: commands, cards, keyboards,
// dialogues and their texts. It asks, shows, and calls the application
// layer (package service); the rules are the domain's, the Bot API is
// package telegram's.
package bot

import (
	"context"
	"log/slog"
	"slices"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"deputybot"
	"deputybot/search"
	"deputybot/service"
	"deputybot/telegram"
	"deputybot/texts"
)

// Store is what the chat interface reads of the record, and the
// dialogues it keeps (its own state). Every change of the record goes
// through the Service.
type Store interface {
	ConversationStore
	ItemReader
	Person(ctx context.Context, id string) (*deputybot.Person, error)
	People(ctx context.Context, f deputybot.PeopleFilter) ([]*deputybot.Person, int, error)
	Department(ctx context.Context, id string) (*deputybot.Department, error)
	Departments(ctx context.Context) ([]*deputybot.Department, error)
	Calendar(ctx context.Context) (*deputybot.Calendar, error)
}

// ItemReader reads items.
type ItemReader interface {
	Item(ctx context.Context, id string) (*deputybot.Item, error)
	ItemDetails(ctx context.Context, id string) (*deputybot.ItemDetails, error)
	ItemsByNumber(ctx context.Context, q deputybot.NumberQuery) ([]*deputybot.Item, error)
	ItemByShareToken(ctx context.Context, token string) (*deputybot.Item, error)
	PersonItems(ctx context.Context, personID string, offset, limit int) ([]*deputybot.Item, int, error)
	ItemsWithStatus(ctx context.Context, statuses ...deputybot.Status) ([]*deputybot.Item, error)
	DepartmentItems(ctx context.Context, deptID string) ([]*deputybot.Item, error)
	// ItemsTexts reads the items' texts (body, replies), by id.
	ItemsTexts(ctx context.Context, ids []string) (map[string]*deputybot.ItemDetails, error)
	// Generation: ok where this process is the record's only writer.
	Generation() (gen uint64, ok bool)
	// GroupItems and ThreadItems are the items of a group handled
	// together and of a thread across years.
	GroupItems(ctx context.Context, group string) ([]*deputybot.Item, error)
	ThreadItems(ctx context.Context, thread string) ([]*deputybot.Item, error)
	// ItemVersions and ItemBodies read what the search index is made of
	// (search.Source).
	ItemVersions(ctx context.Context, fn func(id string, version int)) error
	ItemBodies(ctx context.Context, fn func(id string, version int, title, category, body string)) error
}

// Service is what the chat interface asks the application layer
// (package service) to do: every use case, each deciding by the domain's
// rules who may do what. A cause is the Telegram update being handled:
// handled again after a crash, it changes nothing twice.
type Service interface {
	Env(ctx context.Context, now time.Time) (deputybot.Env, error)
	Snapshot(ctx context.Context, now time.Time, viewer *deputybot.Person) (deputybot.Snapshot, error)
	ReportSnapshot(ctx context.Context, now time.Time, viewer *deputybot.Person) (deputybot.Snapshot, error)
	Act(ctx context.Context, actor *deputybot.Person, cause int64, id string, now time.Time, act service.Action) (*deputybot.Item, error)
	SaveDraft(ctx context.Context, author *deputybot.Person, cause int64, in deputybot.DraftInput, now time.Time) (*deputybot.Item, error)
	DeleteDraft(ctx context.Context, author *deputybot.Person, id string) error
	Assign(ctx context.Context, by *deputybot.Person, cause int64, id string, in deputybot.AssignInput, targets []deputybot.Target, now time.Time) (*deputybot.Item, error)
	ChangeAssignment(ctx context.Context, by *deputybot.Person, cause int64, id string, in deputybot.AssignInput, now time.Time) (*deputybot.Item, error)
	Decide(ctx context.Context, by *deputybot.Person, cause int64, id string, d deputybot.Decision, now time.Time) (*deputybot.Item, deputybot.RequestKind, error)

	Identify(ctx context.Context, u deputybot.TelegramUser, now time.Time) (*deputybot.Person, error)
	Invite(ctx context.Context, by *deputybot.Person, cause int64, req deputybot.InviteRequest, now time.Time) (*service.Invitation, error)
	RenewInvitation(ctx context.Context, by *deputybot.Person, cause int64, personID string, now time.Time) (*service.Invitation, error)
	Join(ctx context.Context, cause int64, token string, u deputybot.TelegramUser, now time.Time) (*deputybot.Person, deputybot.JoinOutcome, error)
	SetName(ctx context.Context, p *deputybot.Person, cause int64, name string) (string, error)
	SetLanguage(ctx context.Context, p *deputybot.Person, lang deputybot.Language) error
	RecordMenu(ctx context.Context, p *deputybot.Person, key string) error
	AddDepartment(ctx context.Context, by *deputybot.Person, cause int64, name string, now time.Time) (*deputybot.Department, error)
	RemovePerson(ctx context.Context, by *deputybot.Person, cause int64, id, successor string, now time.Time) (*deputybot.Person, int, error)
	RenameDepartment(ctx context.Context, by *deputybot.Person, id, name string) (*deputybot.Department, error)
	RetireDepartment(ctx context.Context, by *deputybot.Person, id string, now time.Time) (*deputybot.Department, error)
	LoadCalendar(ctx context.Context, by *deputybot.Person, text string, now time.Time) (*deputybot.Calendar, []deputybot.CalendarProblem, error)
	ImportRoster(ctx context.Context, by *deputybot.Person, cause int64, rows []deputybot.RosterRow, now time.Time) ([]deputybot.RosterResult, error)
}

// Options configure the bot.
type Options struct {
	AdminIDs []int64
	Location *time.Location
	// Rules: co-sponsors needed, session dates, categories.
	Rules  deputybot.Rules
	Clock  deputybot.Clock
	Logger *slog.Logger
	// Search is the item index (a cache of the record); one is made if
	// none is given.
	Search *search.Items
}

// Bot is the chat interface.
type Bot struct {
	opts     Options
	store    Store
	tg       *telegram.Client
	svc      Service
	log      *slog.Logger
	now      deputybot.Clock
	tx       *texts.Texts
	commands []command
	refused  strangers
}

// New returns the bot, which talks to people through tg and acts through
// svc. It writes the service's messages: call svc.SetRenderer(bot).
func New(store Store, svc Service, tg *telegram.Client, o Options) (*Bot, error) {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Rules.Location == nil {
		o.Rules.Location = o.Location
	}
	if len(o.Rules.Categories) == 0 {
		o.Rules.Categories = deputybot.DefaultCategories
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Search == nil {
		o.Search = &search.Items{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	tx, err := texts.Load(o.Location)
	if err != nil {
		return nil, err
	}
	b := &Bot{opts: o, store: store, tg: tg, svc: svc, log: o.Logger, now: o.Clock, tx: tx}
	b.commands = b.commandTable()
	return b, nil
}

// Start prepares the bot to take updates: it clears the strangers' menu
// and has the client start (the updates received but not handled before
// the last stop are handled first). Then the client polls, or serves the
// webhook.
func (b *Bot) Start(ctx context.Context) error {
	if _, err := b.tg.API().DeleteMyCommands(ctx, &tgbot.DeleteMyCommandsParams{}); err != nil {
		b.log.Warn("default command menu not set", "err", b.tg.Redact(err))
	}
	return b.tg.Start(ctx, b)
}

// Texts are the bot's messages.
func (b *Bot) Texts() *texts.Texts { return b.tx }

// Recovered implements telegram.Handler: it apologises.
func (b *Bot) Recovered(ctx context.Context, u *models.Update) { b.apologize(ctx, u, "err.internal") }

// SetAside tells the sender of an update given up on (its handling took
// the service down each time it was tried) that it was not handled: by a
// message even for a button (its query has long expired).
func (b *Bot) SetAside(ctx context.Context, u *models.Update) {
	if q := u.CallbackQuery; q != nil {
		b.send(ctx, q.From.ID, b.tx.T(deputybot.LanguageFromTelegram(q.From.LanguageCode), "err.set_aside"), nil)
		return
	}
	b.apologize(ctx, u, "err.set_aside")
}

// apologize tells the sender of an update whose handler failed badly
// that something went wrong on our side (the text key), in his language
// if Telegram says which.
func (b *Bot) apologize(ctx context.Context, u *models.Update, key string) {
	switch {
	case u.CallbackQuery != nil:
		l := deputybot.LanguageFromTelegram(u.CallbackQuery.From.LanguageCode)
		b.answerQuery(ctx, u.CallbackQuery.ID, texts.Plain(b.tx.T(l, key)), true)
	case u.Message != nil && u.Message.From != nil && u.Message.Chat.Type == "private":
		l := deputybot.LanguageFromTelegram(u.Message.From.LanguageCode)
		b.send(ctx, u.Message.Chat.ID, b.tx.T(l, key), nil)
	}
}

func (b *Bot) isAdmin(telegramID int64) bool { return slices.Contains(b.opts.AdminIDs, telegramID) }

// sender converts Telegram's user.
func sender(u *models.User) deputybot.TelegramUser {
	if u == nil {
		return deputybot.TelegramUser{}
	}
	return deputybot.TelegramUser{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username, LanguageCode: u.LanguageCode}
}
