package config

import (
	"fmt"
	"io"
)

// Variable is one environment variable deputybot reads.
type Variable struct {
	Name    string
	Default string // as people write it; "" when unset means off or none
	Meaning string
}

// Variables lists every environment variable with its default: `deputybot
// --help` prints it, and tests hold it to what Load reads and to the
// README's table.
var Variables = []Variable{
	{"TELEGRAM_BOT_TOKEN", "(required to run)", "the token from @BotFather"},
	{"ADMIN_TELEGRAM_IDS", "", "Telegram user ids of the bootstrap administrators (the office role), comma-separated"},
	{"TELEGRAM_API_URL", DefaultTelegramAPIURL, "Bot API server (a self-hosted one, or a test server)"},
	{"MONGODB_URI", "", "MongoDB connection string; unset: the embedded store in DATA_DIR"},
	{"MONGODB_DATABASE", DefaultDatabase, "database name"},
	{"DATA_DIR", DefaultDataDir, "where the embedded store keeps its files (owner-only)"},
	{"TIMEZONE", DefaultTimezone, "IANA time zone of deadlines, dates and schedules"},
	{"REMINDER_SCHEDULE", DefaultReminderSchedule, "cron schedule (local time) of deadline reminders"},
	{"DIGEST_SCHEDULE", DefaultDigestSchedule, "cron schedule (local time) of the weekly digest"},
	{"CATCHUP_WINDOW", "24h", "scheduled runs missed while stopped are made up at start if younger than this"},
	{"WEBHOOK_URL", "", "public https:// URL Telegram posts updates to; unset: long polling"},
	{"WEBHOOK_SECRET", "", "required with WEBHOOK_URL: 1-256 of A-Z a-z 0-9 _ -"},
	{"LISTEN_ADDR", DefaultListenAddr, "where the webhook listener listens (with WEBHOOK_URL)"},
	{"HTTP_ADDR", DefaultHTTPAddr, "/healthz, /readyz and /metrics; off disables"},
	{"HEALTH_POLL_MAX_AGE", DefaultHealthPollMaxAge.String(), "unhealthy when no getUpdates (or webhook call) succeeded for this long"},
	{"HEALTH_OUTBOX_MAX_AGE", DefaultHealthOutboxMaxAge.String(), "unhealthy when a message due to be sent waited this long"},
	{"BACKUP_SCHEDULE", "", "cron schedule (local time) of backups of the embedded store; unset: none"},
	{"BACKUP_DIR", "(DATA_DIR/backups)", "where scheduled backups go"},
	{"BACKUP_KEEP", "7", "how many scheduled backups are kept (the oldest are removed)"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
	{"LOG_FORMAT", "text", "text, or json for log shippers"},
	{"OUTBOX_RATE", "30", "most messages a second the bot sends (Telegram's limit)"},
	{"OUTBOX_CHAT_INTERVAL", "1s", "average time between two messages to one chat"},
	{"OUTBOX_CHAT_BURST", "3", "messages one chat may get at once"},
	{"OUTBOX_BATCH_WINDOW", "1m", "notices of one kind to one person within this time (new assignments, new items) go as one message; 0: each at once"},
	{"PUBLIC_DISCLOSURE", "off", "on: the record's public part is published (the site on PUBLIC_ADDR, `deputybot publish`) and departments may ask to withhold"},
	{"PUBLIC_ADDR", "", "where the public site is served (behind your TLS proxy), e.g. 127.0.0.1:8081; needs PUBLIC_DISCLOSURE=on; unset: not served"},
	{"PUBLIC_DEPUTY_NAMES", "on", "off: the public site does not name the deputies"},
	{"REPORTING_BODY", "", "who reports, e.g. 武昌区人民政府: the author of the register and the annual report"},
	{"REPORT_SESSION", "", "the congress session the annual report covers, e.g. 区十五届人大六次会议 (its subject: 以来议案建议办理情况)"},
	{"REPORT_VENUE", "", "the meeting the annual report is made to, e.g. 武汉市武昌区第十六届人民代表大会第一次会议 (the line under its title)"},
	{"REPORT_DATE", "(the day it is made)", "the day of that meeting, YYYY-MM-DD"},
	{"REPORTER", "", "who makes the report, e.g. 武昌区人民政府办公室主任 李远华"},
	{"SCORE_DEDUCTIONS", "overdue=2,unsatisfied=3,flag=1,nocontact=2", "points a department loses per late item, unsatisfied rating, quality flag, reply without a confirmed contact"},
	{"SESSION_DATES", "", "the congress sessions, 2026-01-10/2026-01-14,...: items filed on those dates are session items"},
	{"MOTION_SIGNERS", "10", "deputies who must sign a motion, the lead deputy counted (the law's 代表十人以上联名)"},
	{"MOTION_COSPONSORS", "", "older form: confirmed co-sponsors besides the lead deputy (sets MOTION_SIGNERS to this + 1)"},
	{"SUGGESTION_DEADLINE_MONTHS", "3", "a suggestion's reply deadline after assignment"},
	{"EXTENDED_DEADLINE_MONTHS", "6", "the latest a suggestion's deadline may be extended to"},
	{"MOTION_DEADLINE_MONTHS", "6", "a motion's reply deadline"},
	{"MOTION_LATEST_MONTHS", "12", "the latest a motion's reply may be extended to, from its assignment"},
	{"CODEPT_OPINION_MONTHS", "1", "a co-department's deadline for its opinion"},
	{"REHANDLING_DAYS", "30", "the new deadline after an unsatisfied rating"},
	{"RECTIFICATION_DAYS", "15", "the default deadline of a corrected reply after a quality flag"},
	{"RETURN_WORKDAYS", "7", "working days after assignment in which a department may ask to return an item"},
	{"RATING_WORKDAYS", "15", "working days after a reply before the deputy is asked again to rate"},
	{"UNRATED_CLOSE_DAYS", "30", "days after that reminder before the item closes as unrated"},
	{"REQUIRE_CONTACT_BEFORE_REPLY", "true", "a department must log a contact with the deputy before replying"},
	{"CONTACTS_BEFORE_REPLY", "any", "what else a reply needs: a list of before (a contact before the work, 办前), during (办中), face (one face to face)"},
	{"CATEGORIES", "(built-in list)", "categories offered when filing: 城市建设|Urban construction,教育|Education,..."},
}

// PrintVariables writes the variables as an aligned table.
func PrintVariables(w io.Writer) {
	width := 0
	for _, v := range Variables {
		width = max(width, len(v.Name))
	}
	for _, v := range Variables {
		def := v.Default
		if def == "" {
			def = "unset"
		}
		fmt.Fprintf(w, "  %-*s  %s\n  %-*s  default: %s\n", width, v.Name, v.Meaning, width, "", def)
	}
}
