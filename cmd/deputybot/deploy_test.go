package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnitVerifies: deploy/deputybot.service passes `systemd-analyze
// verify` (with ExecStart pointing at a binary that exists here), takes
// the token from an EnvironmentFile, not inline, and runs as its own user
// with a state directory. .ci/run installs systemd where it is missing.
func TestSystemdUnitVerifies(t *testing.T) {
	unit, err := os.ReadFile("../../deploy/deputybot.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[Unit]", "[Service]", "[Install]", "EnvironmentFile=", "DynamicUser=yes", "StateDirectory=deputybot", "NoNewPrivileges=yes", "ProtectSystem=strict"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %s", want)
		}
	}
	if strings.Contains(string(unit), "TELEGRAM_BOT_TOKEN") {
		t.Error("the unit names the token: it belongs in the environment file")
	}
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (.ci/run installs it)")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "deputybot.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/deputybot", self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
