package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFileCredentialInventory writes an inventory with one file
// credential, secrets/winrm relative to the inventory, and returns the
// inventory path and the secret file path.
func writeFileCredentialInventory(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "inv.yaml")
	src := "credentials:\n  - {name: office-winrm, file: secrets/winrm}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	return path, filepath.Join(dir, "secrets", "winrm")
}

func writeSecretFile(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte("not-a-real-password"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestCheckReadableCredentialFile(t *testing.T) {
	inv, secret := writeFileCredentialInventory(t)
	writeSecretFile(t, secret, 0o644)

	code, stdout, stderr := runCLI(t, "check", "--inventory", inv)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want no valid summary", stdout)
	}
	want := "credential office-winrm: file " + secret + " has mode 0644"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if !strings.Contains(stderr, "chmod 600 "+secret) {
		t.Errorf("stderr = %q, want the chmod fix", stderr)
	}
	if strings.Contains(stderr, "not-a-real-password") {
		t.Errorf("stderr echoes the secret: %q", stderr)
	}
}

func TestCheckMissingCredentialFile(t *testing.T) {
	inv, secret := writeFileCredentialInventory(t)

	code, stdout, _ := runCLI(t, "check", "--json", "--inventory", inv)
	if code != ExitOK {
		t.Errorf("exit %d, want %d", code, ExitOK)
	}
	var report checkReport
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if !report.Valid {
		t.Errorf("report invalid, want valid with a warning")
	}
	if len(report.Errors) != 0 {
		t.Errorf("errors = %+v, want none", report.Errors)
	}
	if len(report.Warnings) != 1 {
		t.Fatalf("warnings = %+v, want one", report.Warnings)
	}
	w := report.Warnings[0]
	if !strings.Contains(w.Message, secret) {
		t.Errorf("warning %q does not name %s", w.Message, secret)
	}
	if !strings.Contains(w.Message, "technician's laptop") {
		t.Errorf("warning %q does not say why it is only a warning", w.Message)
	}
	if w.Line != 2 {
		t.Errorf("warning line %d, want 2, the credential's line", w.Line)
	}
}

func TestCheckPrivateCredentialFile(t *testing.T) {
	inv, secret := writeFileCredentialInventory(t)
	writeSecretFile(t, secret, 0o600)

	code, stdout, stderr := runCLI(t, "check", "--inventory", inv)
	if code != ExitOK {
		t.Errorf("exit %d, want %d; stderr %q", code, ExitOK, stderr)
	}
	if !strings.Contains(stdout, "is valid") || !strings.Contains(stdout, "0 warning(s)") {
		t.Errorf("stdout = %q, want a valid inventory without warnings", stdout)
	}
}
