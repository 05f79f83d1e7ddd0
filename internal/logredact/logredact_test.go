package logredact

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestIDsOnlyAtDebug: at INFO and above no Telegram id reaches the log —
// as a chat, a user, a bootstrap admin's person id, in a group or added
// with With — and the same id gets the same reference; DEBUG keeps it.
func TestIDsOnlyAtDebug(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}), "token"))
	log.Info("sent", "chat", int64(7770001234), "person", "admin-7770005678")
	log.Warn("refused", slog.Group("to", "user", int64(7770001234)), "update", 42)
	log.With("chat", int64(7770009999)).Error("failed")
	info := buf.String()
	for _, id := range []string{"7770001234", "7770005678", "7770009999"} {
		if strings.Contains(info, id) {
			t.Errorf("id %s logged at INFO or above:\n%s", id, info)
		}
	}
	ref := New(nil, "token").(*handler).Ref("7770001234")
	if strings.Count(info, ref) != 2 || !strings.Contains(info, "update=42") || !strings.Contains(info, "person=admin-tg:") {
		t.Errorf("references: %s\n%s", ref, info)
	}
	buf.Reset()
	log.Debug("handled", "chat", int64(7770001234))
	if !strings.Contains(buf.String(), "chat=7770001234") {
		t.Errorf("DEBUG lost the id: %s", buf.String())
	}
}
