// Package officetest opens what deputybot writes as its readers do, with
// LibreOffice (and Poppler for PDFs), for tests. CI installs them
// (.ci/run); a developer without them is told so, and CI without them
// fails.
package officetest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Tools finds LibreOffice and Poppler and returns soffice's path.
func Tools(t testing.TB) (soffice string) {
	t.Helper()
	var missing []string
	for _, name := range []string{"soffice", "pdftotext", "pdftoppm"} {
		p, err := exec.LookPath(name)
		if err != nil {
			missing = append(missing, name)
		}
		if name == "soffice" {
			soffice = p
		}
	}
	if len(missing) == 0 {
		return soffice
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("no %v: .ci/run installs Debian's libreoffice-writer, libreoffice-calc and poppler-utils", missing)
	}
	t.Skipf("no %v on this machine (apt-get install libreoffice-writer libreoffice-calc poppler-utils): documents are opened by CI", missing)
	return ""
}

// Convert writes data as name in a new directory and has LibreOffice
// convert it to format (e.g. "pdf", "xlsx"), with the input filter
// infilter if not empty; it returns the converted file's path.
func Convert(t testing.TB, name string, data []byte, format, infilter string) string {
	t.Helper()
	soffice := Tools(t)
	dir := t.TempDir()
	src := filepath.Join(dir, name)
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// A profile of its own: two conversions at once must not share one.
	args := []string{"-env:UserInstallation=file://" + filepath.Join(dir, "profile"), "--headless"}
	if infilter != "" {
		args = append(args, "--infilter="+infilter)
	}
	args = append(args, "--convert-to", format, "--outdir", dir, src)
	if out, err := exec.CommandContext(ctx, soffice, args...).CombinedOutput(); err != nil {
		t.Fatalf("LibreOffice: %v\n%s", err, out)
	}
	out := strings.TrimSuffix(src, filepath.Ext(src)) + "." + format
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("LibreOffice wrote no %s: %v", format, err)
	}
	return out
}
