package cli

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestJournalExportRejectsBroken(t *testing.T) {
	dir := t.TempDir()
	seedJournal(t, dir, "r1", 4)
	tamper(t, dir, `UPDATE records SET host = 'ws-9' WHERE seq = 3`)
	file := filepath.Join(t.TempDir(), "export.jsonl")

	code, stdout, stderr := runJournal(t, dir, "export", "-o", file)
	if code != ExitFailures {
		t.Errorf("exit %d, want %d", code, ExitFailures)
	}
	if !strings.Contains(stderr, "seq 3 (edit)") {
		t.Errorf("stderr = %q, want the broken seq", stderr)
	}
	if !strings.Contains(stderr, "--allow-broken") {
		t.Errorf("stderr = %q, want the --allow-broken option named", stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("export file written for a broken journal (stat: %v)", err)
	}

	code, stdout, _ = runJournal(t, dir, "export")
	if code != ExitFailures {
		t.Errorf("export to stdout: exit %d, want %d", code, ExitFailures)
	}
	if stdout != "" {
		t.Errorf("export to stdout wrote %d bytes of a broken journal", len(stdout))
	}
}

func TestJournalExportAllowBroken(t *testing.T) {
	dir := t.TempDir()
	seedJournal(t, dir, "r1", 4)
	tamper(t, dir, `UPDATE records SET host = 'ws-9' WHERE seq = 3`)

	code, stdout, stderr := runJournal(t, dir, "export", "--allow-broken")
	if code != ExitOK {
		t.Errorf("exit %d, want %d; stderr %q", code, ExitOK, stderr)
	}
	if !strings.Contains(stderr, "warning: exporting a broken journal") {
		t.Errorf("stderr = %q, want a warning", stderr)
	}
	if !strings.Contains(stderr, "seq 3 (edit)") {
		t.Errorf("stderr = %q, want the broken seq", stderr)
	}
	if lines := strings.Count(stdout, "\n"); lines != 5 {
		t.Errorf("export has %d lines, want a header and 4 records", lines)
	}
}

func TestJournalImportStdin(t *testing.T) {
	office, laptop := t.TempDir(), t.TempDir()
	seedJournal(t, office, "office-run", 3)
	seedJournal(t, laptop, "field-run", 4)
	code, export, stderr := runJournal(t, laptop, "export")
	if code != ExitOK {
		t.Fatalf("export: exit %d, %s", code, stderr)
	}

	var stdout, errOut bytes.Buffer
	code = Main([]string{"--state", office, "journal", "import", "-"}, Env{
		Stdin: strings.NewReader(export), Stdout: &stdout, Stderr: &errOut,
		Getenv: func(string) string { return "" },
		Now:    func() time.Time { return journalTime },
	})
	if code != ExitOK {
		t.Fatalf("import -: exit %d, %s", code, errOut.String())
	}
	if !strings.Contains(stdout.String(), "imported stdin") {
		t.Errorf("output = %q, want the input named stdin", stdout.String())
	}
	if !strings.Contains(stdout.String(), "4 records, 4 added") {
		t.Errorf("output = %q, want 4 records added", stdout.String())
	}
}
