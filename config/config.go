// Package config loads deputybot's configuration from environment
// variables and checks every value before anything starts: a bad value
// stops the program with a message that names the variable.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"deputybot"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
)

// Config is the validated configuration.
type Config struct {
	BotToken       string
	TelegramAPIURL string
	MongoURI       string // empty: the embedded store
	Database       string
	DataDir        string
	Location       *time.Location
	AdminIDs       []int64
	// Schedules are cron specs in local time (Location).
	ReminderSchedule string
	DigestSchedule   string
	WebhookURL       string // empty: long polling
	WebhookSecret    string
	ListenAddr       string // webhook listener
	HTTPAddr         string // health and metrics; empty: off
	PublicAddr       string // the public site (SPEC §9); empty: not served
	LogLevel         slog.Level
	LogFormat        string // text or json
	// HealthPollMaxAge: /healthz fails when no getUpdates (or webhook
	// call) succeeded for this long; HealthOutboxMaxAge: when a message
	// due to be sent waited this long.
	HealthPollMaxAge   time.Duration
	HealthOutboxMaxAge time.Duration
	// BackupSchedule (cron, local time; empty: none) takes a backup of
	// the embedded store into BackupDir, keeping the newest BackupKeep.
	BackupSchedule string
	BackupDir      string
	BackupKeep     int
	// Rules: SESSION_DATES, MOTION_COSPONSORS, CATEGORIES, deadlines.
	Rules deputybot.Rules
	// OutboxRate (messages per second overall) and OutboxChatInterval
	// (least time between two messages to one chat) pace notifications.
	OutboxRate         float64
	OutboxChatInterval time.Duration
	// OutboxChatBurst: messages one chat may get at once before
	// OutboxChatInterval applies.
	OutboxChatBurst int
	// OutboxBatchWindow: notices of one kind to one person within this
	// time go as one message (0: each at once).
	OutboxBatchWindow time.Duration
	// CatchUp: scheduled runs missed while the service was down are run at
	// start if they are younger than this.
	CatchUp time.Duration
}

// Error is a configuration error; its message names the variable.
type Error struct {
	Var     string
	Problem string
}

func (e *Error) Error() string { return e.Var + ": " + e.Problem }

// Lookup returns an environment variable and whether it is set.
type Lookup func(name string) (string, bool)

// Defaults of SPEC §7.
const (
	DefaultTelegramAPIURL   = "https://api.telegram.org"
	DefaultDatabase         = "deputybot"
	DefaultDataDir          = "./data"
	DefaultTimezone         = "Asia/Shanghai"
	DefaultReminderSchedule = "0 9 * * *"
	DefaultDigestSchedule   = "0 9 * * 1"
	DefaultHTTPAddr         = "127.0.0.1:8080"
	DefaultListenAddr       = ":8443"
)

// Defaults of the health checks.
const (
	DefaultHealthPollMaxAge   = 5 * time.Minute
	DefaultHealthOutboxMaxAge = 10 * time.Minute
)

// Load reads and validates the configuration. requireToken is true for
// the commands that talk to Telegram (run).
func Load(env Lookup, requireToken bool) (*Config, error) {
	get := func(name, def string) string {
		if v, ok := env(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	c := &Config{
		BotToken:         get("TELEGRAM_BOT_TOKEN", ""),
		TelegramAPIURL:   strings.TrimRight(get("TELEGRAM_API_URL", DefaultTelegramAPIURL), "/"),
		MongoURI:         get("MONGODB_URI", ""),
		Database:         get("MONGODB_DATABASE", DefaultDatabase),
		DataDir:          get("DATA_DIR", DefaultDataDir),
		ReminderSchedule: get("REMINDER_SCHEDULE", DefaultReminderSchedule),
		DigestSchedule:   get("DIGEST_SCHEDULE", DefaultDigestSchedule),
		WebhookURL:       get("WEBHOOK_URL", ""),
		WebhookSecret:    get("WEBHOOK_SECRET", ""),
		ListenAddr:       get("LISTEN_ADDR", ""),
	}
	checks := []func() error{
		func() error { return checkToken(c.BotToken, requireToken) },
		func() error { return checkHTTPURL("TELEGRAM_API_URL", c.TelegramAPIURL, false) },
		func() error { return checkMongoURI(c.MongoURI) },
		func() error { return checkDatabase(c.Database) },
		func() (err error) {
			c.Location, err = loadLocation(get("TIMEZONE", DefaultTimezone))
			return err
		},
		func() (err error) {
			c.AdminIDs, err = parseAdminIDs(get("ADMIN_TELEGRAM_IDS", ""))
			return err
		},
		func() error { return checkCron("REMINDER_SCHEDULE", c.ReminderSchedule) },
		func() error { return checkCron("DIGEST_SCHEDULE", c.DigestSchedule) },
		func() error { return c.checkWebhook() },
		func() (err error) {
			c.HTTPAddr, err = httpAddr(env)
			return err
		},
		func() (err error) {
			c.LogLevel, err = parseLogLevel(get("LOG_LEVEL", "info"))
			return err
		},
		func() error {
			switch c.LogFormat = strings.ToLower(get("LOG_FORMAT", "text")); c.LogFormat {
			case "text", "json":
				return nil
			}
			return &Error{"LOG_FORMAT", fmt.Sprintf("%q is not text or json", c.LogFormat)}
		},
		func() (err error) {
			c.BackupSchedule = get("BACKUP_SCHEDULE", "")
			c.BackupDir = get("BACKUP_DIR", filepath.Join(c.DataDir, "backups"))
			if c.BackupKeep, err = parseCount("BACKUP_KEEP", get("BACKUP_KEEP", ""), 7, 1, 1000); err != nil {
				return err
			}
			if c.BackupSchedule == "" {
				return nil
			}
			if !c.Embedded() {
				return &Error{"BACKUP_SCHEDULE", "backs up the embedded store; with MONGODB_URI, back up MongoDB with its own tools (mongodump)"}
			}
			return checkCron("BACKUP_SCHEDULE", c.BackupSchedule)
		},
		func() (err error) {
			if c.HealthPollMaxAge, err = parseDuration("HEALTH_POLL_MAX_AGE", get("HEALTH_POLL_MAX_AGE", DefaultHealthPollMaxAge.String()), time.Minute, 24*time.Hour); err != nil {
				return err
			}
			c.HealthOutboxMaxAge, err = parseDuration("HEALTH_OUTBOX_MAX_AGE", get("HEALTH_OUTBOX_MAX_AGE", DefaultHealthOutboxMaxAge.String()), time.Minute, 7*24*time.Hour)
			return err
		},
		func() (err error) {
			rate, err := parseCount("OUTBOX_RATE", get("OUTBOX_RATE", ""), 30, 1, 1000)
			c.OutboxRate = float64(rate)
			if err != nil {
				return err
			}
			if c.OutboxChatInterval, err = parseDuration("OUTBOX_CHAT_INTERVAL", get("OUTBOX_CHAT_INTERVAL", "1s"), 0, time.Minute); err != nil {
				return err
			}
			if c.OutboxChatBurst, err = parseCount("OUTBOX_CHAT_BURST", get("OUTBOX_CHAT_BURST", ""), 3, 1, 20); err != nil {
				return err
			}
			if c.OutboxBatchWindow, err = parseDuration("OUTBOX_BATCH_WINDOW", get("OUTBOX_BATCH_WINDOW", "1m"), 0, 10*time.Minute); err != nil {
				return err
			}
			c.CatchUp, err = parseDuration("CATCHUP_WINDOW", get("CATCHUP_WINDOW", "24h"), 0, 30*24*time.Hour)
			return err
		},
		func() (err error) {
			c.Rules = deputybot.DefaultRules(c.Location)
			if c.Rules.Sessions, err = parseSessions(get("SESSION_DATES", "")); err != nil {
				return err
			}
			// MOTION_SIGNERS counts the lead deputy, as the law does;
			// MOTION_COSPONSORS (the co-sponsors besides him) is the
			// older way to say it, still taken.
			if c.Rules.MotionSigners, err = parseCount("MOTION_SIGNERS", get("MOTION_SIGNERS", ""), deputybot.DefaultMotionSigners, 1, deputybot.MaxCoSponsors+1); err != nil {
				return err
			}
			if co := get("MOTION_COSPONSORS", ""); co != "" {
				n, err := parseCount("MOTION_COSPONSORS", co, 0, 0, deputybot.MaxCoSponsors)
				if err != nil {
					return err
				}
				c.Rules.MotionSigners = n + 1
			}
			if v := get("CATEGORIES", ""); v != "" {
				if c.Rules.Categories, err = parseCategories(v); err != nil {
					return err
				}
			}
			return c.loadDeadlines(get)
		},
		func() error {
			v := strings.TrimSpace(get("PUBLIC_ADDR", ""))
			if v == "" || v == "off" {
				return nil
			}
			if !c.Rules.Disclosure.Enabled {
				return &Error{"PUBLIC_ADDR", "is set but PUBLIC_DISCLOSURE is off: set PUBLIC_DISCLOSURE=on to publish the record"}
			}
			c.PublicAddr = v
			return checkAddr("PUBLIC_ADDR", v)
		},
		// After the rules' defaults, which would reset them.
		func() error {
			for _, f := range []struct {
				name string
				max  int
				to   *string
			}{
				{"REPORTING_BODY", 60, &c.Rules.ReportingBody},
				{"REPORT_SESSION", 60, &c.Rules.CongressSession},
				{"REPORT_VENUE", 80, &c.Rules.ReportVenue},
				{"REPORTER", 60, &c.Rules.Reporter},
			} {
				*f.to = get(f.name, "")
				if len([]rune(*f.to)) > f.max {
					return &Error{f.name, "is longer than " + strconv.Itoa(f.max) + " characters"}
				}
			}
			if v := strings.TrimSpace(get("REPORT_DATE", "")); v != "" {
				d, ok := deputybot.ParseDate(v)
				if !ok {
					return &Error{"REPORT_DATE", fmt.Sprintf("%q is not a date (YYYY-MM-DD)", v)}
				}
				c.Rules.ReportDate = d
			}
			return nil
		},
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Telegram's tokens are "<bot id>:<secret>", the secret being 30-odd
// characters of [A-Za-z0-9_-].
var tokenRE = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{20,}$`)

func checkToken(token string, required bool) error {
	if token == "" {
		if required {
			return &Error{"TELEGRAM_BOT_TOKEN", "is not set (get one from @BotFather)"}
		}
		return nil
	}
	if !tokenRE.MatchString(token) {
		return &Error{"TELEGRAM_BOT_TOKEN", "is malformed (expected <digits>:<secret>, as @BotFather gives it)"}
	}
	return nil
}

func checkHTTPURL(name, raw string, httpsOnly bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && (httpsOnly || u.Scheme != "http")) {
		want := "an http:// or https:// URL"
		if httpsOnly {
			want = "an https:// URL"
		}
		return &Error{name, fmt.Sprintf("%q is not %s", raw, want)}
	}
	return nil
}

func checkMongoURI(uri string) error {
	if uri == "" {
		return nil
	}
	if _, err := connstring.ParseAndValidate(uri); err != nil {
		// The driver's message may contain the password; say only what is wrong.
		msg := err.Error()
		if u, perr := url.Parse(uri); perr == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok && pw != "" {
				msg = strings.ReplaceAll(msg, pw, "***")
			}
		}
		return &Error{"MONGODB_URI", "is not a valid MongoDB connection string: " + msg}
	}
	return nil
}

// MongoDB database names: at most 63 bytes, none of /\. "$ and no NUL.
func checkDatabase(name string) error {
	if len(name) > 63 || strings.ContainsAny(name, "/\\. \"$*<>:|?\x00") {
		return &Error{"MONGODB_DATABASE", fmt.Sprintf("%q is not a valid database name (at most 63 characters, none of /\\. \"$*<>:|?)", name)}
	}
	return nil
}

func loadLocation(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, &Error{"TIMEZONE", fmt.Sprintf("unknown time zone %q (use an IANA name such as Asia/Shanghai)", name)}
	}
	return loc, nil
}

func parseAdminIDs(s string) ([]int64, error) {
	var ids []int64
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, &Error{"ADMIN_TELEGRAM_IDS", fmt.Sprintf("entry %d is empty (%q): ids are separated by single commas", i+1, s)}
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return nil, &Error{"ADMIN_TELEGRAM_IDS", fmt.Sprintf("%q is not a Telegram user id (a positive number; ask @userinfobot for yours)", part)}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func checkCron(name, spec string) error {
	if _, err := cron.ParseStandard(spec); err != nil {
		return &Error{name, fmt.Sprintf("%q is not a cron schedule (five fields, e.g. \"0 9 * * 1\"): %v", spec, err)}
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return &Error{name, "must not set its own time zone: schedules follow TIMEZONE"}
	}
	return nil
}

// Telegram's secret_token: 1 to 256 characters of [A-Za-z0-9_-].
var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (c *Config) checkWebhook() error {
	if c.WebhookURL == "" {
		if c.WebhookSecret != "" {
			return &Error{"WEBHOOK_SECRET", "is set but WEBHOOK_URL is not"}
		}
		if c.ListenAddr != "" {
			return &Error{"LISTEN_ADDR", "is set but WEBHOOK_URL is not"}
		}
		return nil
	}
	if err := checkHTTPURL("WEBHOOK_URL", c.WebhookURL, true); err != nil {
		return err
	}
	if c.WebhookSecret == "" {
		return &Error{"WEBHOOK_SECRET", "is required with WEBHOOK_URL (1-256 characters of A-Z a-z 0-9 _ -), so that only Telegram can post updates"}
	}
	if !secretRE.MatchString(c.WebhookSecret) {
		return &Error{"WEBHOOK_SECRET", "must be 1-256 characters of A-Z a-z 0-9 _ -"}
	}
	if c.ListenAddr == "" {
		c.ListenAddr = DefaultListenAddr
	}
	return checkAddr("LISTEN_ADDR", c.ListenAddr)
}

// httpAddr reads HTTP_ADDR; set to "off" (or explicitly empty) it
// disables the health and metrics listener.
func httpAddr(env Lookup) (string, error) {
	v, ok := env("HTTP_ADDR")
	v = strings.TrimSpace(v)
	switch {
	case !ok:
		return DefaultHTTPAddr, nil
	case v == "" || v == "off":
		return "", nil
	}
	return v, checkAddr("HTTP_ADDR", v)
}

func checkAddr(name, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		var n int
		n, err = strconv.Atoi(port)
		if err == nil && (n < 0 || n > 65535) {
			err = fmt.Errorf("port out of range")
		}
	}
	if err != nil {
		return &Error{name, fmt.Sprintf("%q is not a host:port address", addr)}
	}
	return nil
}

func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, &Error{"LOG_LEVEL", fmt.Sprintf("%q is not one of debug, info, warn, error", s)}
	}
	return l, nil
}

// loadDeadlines reads the configurable deadlines of SPEC §3.2.
func (c *Config) loadDeadlines(get func(name, def string) string) error {
	r := &c.Rules
	for _, d := range []struct {
		name   string
		v      *int
		lo, hi int
	}{
		{"SUGGESTION_DEADLINE_MONTHS", &r.SuggestionMonths, 1, 12},
		{"EXTENDED_DEADLINE_MONTHS", &r.ExtendedMonths, 1, 24},
		{"MOTION_DEADLINE_MONTHS", &r.MotionMonths, 1, 24},
		{"MOTION_LATEST_MONTHS", &r.MotionLatestMonths, 1, 36},
		{"CODEPT_OPINION_MONTHS", &r.CoDeptMonths, 1, 12},
		{"REHANDLING_DAYS", &r.RehandlingDays, 1, 365},
		{"RECTIFICATION_DAYS", &r.RectificationDays, 1, 365},
		{"RETURN_WORKDAYS", &r.ReturnWorkdays, 0, 60},
		{"RATING_WORKDAYS", &r.RatingWorkdays, 1, 120},
		{"UNRATED_CLOSE_DAYS", &r.UnratedDays, 1, 365},
	} {
		n, err := parseCount(d.name, get(d.name, ""), *d.v, d.lo, d.hi)
		if err != nil {
			return err
		}
		*d.v = n
	}
	if r.ExtendedMonths < r.SuggestionMonths {
		return &Error{"EXTENDED_DEADLINE_MONTHS", "must not be shorter than SUGGESTION_DEADLINE_MONTHS"}
	}
	if r.MotionLatestMonths < r.MotionMonths {
		return &Error{"MOTION_LATEST_MONTHS", "must not be shorter than MOTION_DEADLINE_MONTHS"}
	}
	if v := get("SCORE_DEDUCTIONS", ""); v != "" {
		if err := parseDeductions(v, &r.Deductions); err != nil {
			return err
		}
	}
	var err error
	if r.RequireContact, err = parseSwitch("REQUIRE_CONTACT_BEFORE_REPLY", get("REQUIRE_CONTACT_BEFORE_REPLY", "true")); err != nil {
		return err
	}
	if r.ContactsBeforeReply, err = parseContactNeeds(get("CONTACTS_BEFORE_REPLY", "")); err != nil {
		return err
	}
	if len(r.ContactsBeforeReply) > 0 && !r.RequireContact {
		return &Error{"CONTACTS_BEFORE_REPLY", "needs REQUIRE_CONTACT_BEFORE_REPLY on"}
	}
	if r.Disclosure.Enabled, err = parseSwitch("PUBLIC_DISCLOSURE", get("PUBLIC_DISCLOSURE", "off")); err != nil {
		return err
	}
	names, err := parseSwitch("PUBLIC_DEPUTY_NAMES", get("PUBLIC_DEPUTY_NAMES", "on"))
	r.Disclosure.HideDeputies = !names
	return err
}

// parseSwitch reads an on/off variable.
func parseSwitch(name, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, &Error{name, fmt.Sprintf("%q is not on or off", v)}
}

// parseContactNeeds reads "before,face": the contacts a reply needs
// besides one of any kind (empty: none besides).
func parseContactNeeds(v string) ([]deputybot.ContactNeed, error) {
	var out []deputybot.ContactNeed
	for _, part := range strings.Split(v, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		if part == "" || part == "any" {
			continue
		}
		n := deputybot.ContactNeed(part)
		if !slices.Contains(deputybot.ContactNeeds, n) {
			return nil, &Error{"CONTACTS_BEFORE_REPLY", fmt.Sprintf("unknown need %q (use any, or a list of before, during, face)", part)}
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// parseDeductions reads "overdue=2,unsatisfied=3,flag=1,nocontact=2"
// (any subset; the others keep their defaults).
func parseDeductions(s string, d *deputybot.Deductions) error {
	fields := map[string]*float64{"overdue": &d.OverdueReply, "unsatisfied": &d.Unsatisfied, "flag": &d.QualityFlag, "nocontact": &d.ReplyWithoutContact}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		f := fields[strings.TrimSpace(k)]
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || f == nil || err != nil || n < 0 || n > 100 {
			return &Error{"SCORE_DEDUCTIONS", fmt.Sprintf("%q: write name=points with names overdue, unsatisfied, flag, nocontact and points from 0 to 100", part)}
		}
		*f = n
	}
	return nil
}

// parseSessions reads "2026-01-10/2026-01-14,2027-01-08/2027-01-12".
func parseSessions(s string) ([]deputybot.DateRange, error) {
	var out []deputybot.DateRange
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		from, to, ok := strings.Cut(part, "/")
		f, ok1 := deputybot.ParseDate(from)
		t, ok2 := deputybot.ParseDate(to)
		if !ok || !ok1 || !ok2 || t.Before(f) {
			return nil, &Error{"SESSION_DATES", fmt.Sprintf("%q is not a date range (YYYY-MM-DD/YYYY-MM-DD, first day before last)", part)}
		}
		out = append(out, deputybot.DateRange{From: f, To: t})
	}
	return out, nil
}

func parseDuration(name, s string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < lo || d > hi {
		return 0, &Error{name, fmt.Sprintf("%q is not a duration from %s to %s (e.g. 1s, 24h)", s, lo, hi)}
	}
	return d, nil
}

func parseCount(name, s string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, &Error{name, fmt.Sprintf("%q is not a number from %d to %d", s, lo, hi)}
	}
	return n, nil
}

// parseCategories reads "城市建设|Urban construction,教育|Education,...":
// a Chinese name, optionally with an English one. The Chinese name is the
// key stored on items.
func parseCategories(s string) ([]deputybot.Category, error) {
	var out []deputybot.Category
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		zh, en, _ := strings.Cut(part, "|")
		zh, en = strings.TrimSpace(zh), strings.TrimSpace(en)
		if zh == "" {
			continue
		}
		if len(zh) > 40 || len(en) > 60 || seen[zh] {
			return nil, &Error{"CATEGORIES", fmt.Sprintf("%q: names must be unique and short (name|English name, comma-separated)", part)}
		}
		seen[zh] = true
		out = append(out, deputybot.Category{Key: zh, NameZH: zh, NameEN: en})
	}
	if len(out) == 0 {
		return nil, &Error{"CATEGORIES", "lists no category"}
	}
	return out, nil
}

// Embedded reports whether the configuration uses the embedded store.
func (c *Config) Embedded() bool { return c.MongoURI == "" }
