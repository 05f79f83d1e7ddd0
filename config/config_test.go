package config

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"deputybot"
)

const goodToken = "123456789:AAF3x-abcdefghijklmnopqrstuvwxyz_0"

func env(kv ...string) Lookup {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := Load(env("TELEGRAM_BOT_TOKEN", goodToken), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.TelegramAPIURL != "https://api.telegram.org" || c.MongoURI != "" || !c.Embedded() ||
		c.Database != "deputybot" || c.DataDir != "./data" || c.Location.String() != "Asia/Shanghai" ||
		len(c.AdminIDs) != 0 || c.ReminderSchedule != "0 9 * * *" || c.DigestSchedule != "0 9 * * 1" ||
		c.WebhookURL != "" || c.HTTPAddr != "127.0.0.1:8080" || c.LogLevel != slog.LevelInfo ||
		c.Rules.MotionSigners != 10 || len(c.Rules.Categories) != 9 || len(c.Rules.Sessions) != 0 ||
		c.Rules.SuggestionMonths != 3 || c.Rules.ExtendedMonths != 6 || c.Rules.MotionMonths != 6 ||
		c.Rules.RehandlingDays != 30 || c.Rules.RectificationDays != 15 || c.Rules.ReturnWorkdays != 7 ||
		c.Rules.RatingWorkdays != 15 || c.Rules.UnratedDays != 30 || c.Rules.CoDeptMonths != 1 || !c.Rules.RequireContact ||
		c.OutboxRate != 30 || c.OutboxChatInterval != time.Second || c.CatchUp != 24*time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestGoodValues(t *testing.T) {
	c, err := Load(env(
		"TELEGRAM_BOT_TOKEN", goodToken,
		"TELEGRAM_API_URL", "http://127.0.0.1:8081/",
		"MONGODB_URI", "mongodb://user:pw@db1,db2/?replicaSet=rs0",
		"MONGODB_DATABASE", "wuchang",
		"TIMEZONE", "Europe/Berlin",
		"ADMIN_TELEGRAM_IDS", " 111, 222 ",
		"REMINDER_SCHEDULE", "30 8 * * 1-5",
		"WEBHOOK_URL", "https://bot.example.org/tg",
		"WEBHOOK_SECRET", "s3cr3t_-X",
		"HTTP_ADDR", "off",
		"LOG_LEVEL", "DEBUG",
		"SESSION_DATES", "2026-01-10/2026-01-14, 2027-01-08/2027-01-12",
		"MOTION_COSPONSORS", "5",
		"CATEGORIES", "城建|Urban,教育",
		"SCORE_DEDUCTIONS", "overdue=5, flag=0.5",
		"REPORTING_BODY", "武昌区人民政府",
		"REPORT_SESSION", "区十五届人大六次会议",
	), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.TelegramAPIURL != "http://127.0.0.1:8081" || c.Location.String() != "Europe/Berlin" ||
		len(c.AdminIDs) != 2 || c.AdminIDs[1] != 222 || c.ListenAddr != ":8443" || c.HTTPAddr != "" ||
		c.LogLevel != slog.LevelDebug || c.Embedded() ||
		len(c.Rules.Sessions) != 2 || c.Rules.MotionSigners != 6 || len(c.Rules.Categories) != 2 ||
		c.Rules.Categories[0].Name(deputybot.LangEN) != "Urban" || c.Rules.Categories[1].Name(deputybot.LangEN) != "教育" ||
		c.Rules.Location != c.Location || c.Rules.Deductions.OverdueReply != 5 || c.Rules.Deductions.QualityFlag != 0.5 ||
		c.Rules.Deductions.Unsatisfied != 3 ||
		c.Rules.ReportingBody != "武昌区人民政府" || c.Rules.CongressSession != "区十五届人大六次会议" {
		t.Fatalf("parsed: %+v", c)
	}
}

func TestTokenOnlyRequiredForRun(t *testing.T) {
	if _, err := Load(env(), false); err != nil {
		t.Fatalf("report without token: %v", err)
	}
	_, err := Load(env(), true)
	wantVar(t, err, "TELEGRAM_BOT_TOKEN")
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"token", []string{"TELEGRAM_BOT_TOKEN", "not-a-token"}, "TELEGRAM_BOT_TOKEN"},
		{"token spaces", []string{"TELEGRAM_BOT_TOKEN", "123:abc def ghi jkl mno pqr stu"}, "TELEGRAM_BOT_TOKEN"},
		{"api url", []string{"TELEGRAM_API_URL", "api.telegram.org"}, "TELEGRAM_API_URL"},
		{"api url scheme", []string{"TELEGRAM_API_URL", "ftp://x"}, "TELEGRAM_API_URL"},
		{"mongo uri", []string{"MONGODB_URI", "postgres://x"}, "MONGODB_URI"},
		{"mongo uri option", []string{"MONGODB_URI", "mongodb://h/?maxPoolSize=lots"}, "MONGODB_URI"},
		{"database", []string{"MONGODB_DATABASE", "a.b"}, "MONGODB_DATABASE"},
		{"database long", []string{"MONGODB_DATABASE", strings.Repeat("d", 64)}, "MONGODB_DATABASE"},
		{"timezone", []string{"TIMEZONE", "Mars/Olympus"}, "TIMEZONE"},
		{"timezone local", []string{"TIMEZONE", "Local"}, "TIMEZONE"},
		{"admin", []string{"ADMIN_TELEGRAM_IDS", "123,abc"}, "ADMIN_TELEGRAM_IDS"},
		{"admin negative", []string{"ADMIN_TELEGRAM_IDS", "-5"}, "ADMIN_TELEGRAM_IDS"},
		{"admin empty entry", []string{"ADMIN_TELEGRAM_IDS", "1,,2"}, "ADMIN_TELEGRAM_IDS"},
		{"admin trailing comma", []string{"ADMIN_TELEGRAM_IDS", "1,"}, "ADMIN_TELEGRAM_IDS"},
		{"reminders", []string{"REMINDER_SCHEDULE", "every day"}, "REMINDER_SCHEDULE"},
		{"reminders fields", []string{"REMINDER_SCHEDULE", "0 9 * *"}, "REMINDER_SCHEDULE"},
		{"digest", []string{"DIGEST_SCHEDULE", "0 25 * * 1"}, "DIGEST_SCHEDULE"},
		{"digest tz", []string{"DIGEST_SCHEDULE", "CRON_TZ=UTC 0 9 * * 1"}, "DIGEST_SCHEDULE"},
		{"webhook http", []string{"WEBHOOK_URL", "http://bot.example.org", "WEBHOOK_SECRET", "x"}, "WEBHOOK_URL"},
		{"webhook no secret", []string{"WEBHOOK_URL", "https://bot.example.org"}, "WEBHOOK_SECRET"},
		{"webhook bad secret", []string{"WEBHOOK_URL", "https://bot.example.org", "WEBHOOK_SECRET", "a b"}, "WEBHOOK_SECRET"},
		{"secret without url", []string{"WEBHOOK_SECRET", "abc"}, "WEBHOOK_SECRET"},
		{"listen", []string{"WEBHOOK_URL", "https://b.example.org", "WEBHOOK_SECRET", "x", "LISTEN_ADDR", "8443"}, "LISTEN_ADDR"},
		{"listen without url", []string{"LISTEN_ADDR", ":8443"}, "LISTEN_ADDR"},
		{"http addr", []string{"HTTP_ADDR", "localhost"}, "HTTP_ADDR"},
		{"http port", []string{"HTTP_ADDR", "127.0.0.1:99999"}, "HTTP_ADDR"},
		{"log level", []string{"LOG_LEVEL", "loud"}, "LOG_LEVEL"},
		{"sessions", []string{"SESSION_DATES", "2026-01-10"}, "SESSION_DATES"},
		{"sessions order", []string{"SESSION_DATES", "2026-01-14/2026-01-10"}, "SESSION_DATES"},
		{"sessions date", []string{"SESSION_DATES", "2026-02-30/2026-03-01"}, "SESSION_DATES"},
		{"cosponsors", []string{"MOTION_COSPONSORS", "ten"}, "MOTION_COSPONSORS"},
		{"cosponsors range", []string{"MOTION_COSPONSORS", "-1"}, "MOTION_COSPONSORS"},
		{"categories empty", []string{"CATEGORIES", " , "}, "CATEGORIES"},
		{"categories dup", []string{"CATEGORIES", "教育,教育"}, "CATEGORIES"},
		{"suggestion months", []string{"SUGGESTION_DEADLINE_MONTHS", "0"}, "SUGGESTION_DEADLINE_MONTHS"},
		{"extended shorter", []string{"SUGGESTION_DEADLINE_MONTHS", "6", "EXTENDED_DEADLINE_MONTHS", "3"}, "EXTENDED_DEADLINE_MONTHS"},
		{"motion months", []string{"MOTION_DEADLINE_MONTHS", "x"}, "MOTION_DEADLINE_MONTHS"},
		{"codept", []string{"CODEPT_OPINION_MONTHS", "13"}, "CODEPT_OPINION_MONTHS"},
		{"rehandling", []string{"REHANDLING_DAYS", "0"}, "REHANDLING_DAYS"},
		{"rectification", []string{"RECTIFICATION_DAYS", "-3"}, "RECTIFICATION_DAYS"},
		{"return", []string{"RETURN_WORKDAYS", "61"}, "RETURN_WORKDAYS"},
		{"rating", []string{"RATING_WORKDAYS", "0"}, "RATING_WORKDAYS"},
		{"unrated", []string{"UNRATED_CLOSE_DAYS", "many"}, "UNRATED_CLOSE_DAYS"},
		{"require contact", []string{"REQUIRE_CONTACT_BEFORE_REPLY", "maybe"}, "REQUIRE_CONTACT_BEFORE_REPLY"},
		{"contact needs", []string{"CONTACTS_BEFORE_REPLY", "before,pigeon"}, "CONTACTS_BEFORE_REPLY"},
		{"contact needs without contacts", []string{"REQUIRE_CONTACT_BEFORE_REPLY", "off", "CONTACTS_BEFORE_REPLY", "face"}, "CONTACTS_BEFORE_REPLY"},
		{"outbox rate", []string{"OUTBOX_RATE", "0"}, "OUTBOX_RATE"},
		{"outbox interval", []string{"OUTBOX_CHAT_INTERVAL", "soon"}, "OUTBOX_CHAT_INTERVAL"},
		{"outbox burst", []string{"OUTBOX_CHAT_BURST", "0"}, "OUTBOX_CHAT_BURST"},
		{"motion latest", []string{"MOTION_LATEST_MONTHS", "3"}, "MOTION_LATEST_MONTHS"},
		{"catch-up", []string{"CATCHUP_WINDOW", "-1h"}, "CATCHUP_WINDOW"},
		{"deductions", []string{"SCORE_DEDUCTIONS", "late=2"}, "SCORE_DEDUCTIONS"},
		{"deductions value", []string{"SCORE_DEDUCTIONS", "flag=-1"}, "SCORE_DEDUCTIONS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv := append([]string{"TELEGRAM_BOT_TOKEN", goodToken}, tc.env...)
			_, err := Load(env(kv...), true)
			wantVar(t, err, tc.want)
		})
	}
}

func wantVar(t *testing.T, err error, name string) {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) || ce.Var != name {
		t.Fatalf("got %v, want an error about %s", err, name)
	}
	if !strings.HasPrefix(err.Error(), name+": ") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("message %q should be one line starting with the variable", err)
	}
}

func TestMongoPasswordNotEchoed(t *testing.T) {
	_, err := Load(env("MONGODB_URI", "mongodb://u:hunter2@h/?maxPoolSize=lots"), false)
	wantVar(t, err, "MONGODB_URI")
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("password in message: %v", err)
	}
}
