package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStateDirFileIsInputError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"verify"}, {"tail"}} {
		code, _, stderr := runJournal(t, file, args...)
		if code != ExitUsage {
			t.Errorf("journal %s: exit %d, want %d", args[0], code, ExitUsage)
		}
		if !strings.Contains(stderr, file) {
			t.Errorf("journal %s: stderr %q does not name %s", args[0], stderr, file)
		}
	}
}

func TestStateDirWorldWritableRejected(t *testing.T) {
	dir := t.TempDir()
	seedJournal(t, dir, "r1", 2)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runJournal(t, dir, "verify")
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing from a rejected journal", stdout)
	}
	if !strings.Contains(stderr, "chmod 700 "+dir) {
		t.Errorf("stderr = %q, want the chmod fix", stderr)
	}
}

func TestStateDirKEVImportInputError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runKEV(t, file, "", "kev", "import", kevCatalogueFile)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d; stderr %q", code, ExitUsage, stderr)
	}
}
