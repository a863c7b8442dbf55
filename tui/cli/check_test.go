package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixedNow is the instant the check and status tests run at: Friday
// 2026-12-04 16:00 UTC, in the reporting weeks of the November cycle.
var fixedNow = time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Now:    func() time.Time { return fixedNow },
		Getenv: func(string) string { return "" },
	})
	return code, stdout.String(), stderr.String()
}

const examplesDir = "../../examples"

func TestCheckExamplesValid(t *testing.T) {
	code, stdout, stderr := runCLI(t, "check", "--inventory", examplesDir)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	// The one warning is credential paeds-winrm's file under ~/, which
	// does not exist where HOME is unset, as in this test.
	want := "inventory ../../examples is valid: 3 sites, 28 hosts, 2 rings, 2 exceptions, 6 medical devices, 2 holds, 1 warning(s)\n"
	if stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	if !strings.Contains(stderr, "warning: credential paeds-winrm: file ~/.config/patchbay/secrets/paeds-winrm: secret file does not exist") {
		t.Errorf("stderr = %q, want the missing secret file warning", stderr)
	}
}

func writeInventory(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "inv.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const badInventory = `sites:
  - id: ent
    time_zone: Mars/Olympus
    windows: ["mon-fri 22:00-05:00"]
    windws: []
`

func TestCheckListsEveryError(t *testing.T) {
	path := writeInventory(t, badInventory)
	code, _, stderr := runCLI(t, "check", "--inventory", path)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	want := []string{
		path + `:2:5: warning: site ent has no owner, so nobody is responsible for its patching: add "owner: NAME"`,
		path + `:3:16: time_zone: "Mars/Olympus" is not an IANA time zone: use a name such as America/New_York or Europe/London`,
		path + `:5:5: unknown key "windws" in site: valid keys are id, name, time_zone, windows, owner, contacts, gateway, concurrency, hosts, devices, exceptions`,
		"patchbay: inventory " + path + " is invalid: 2 error(s); fix them and run patchbay check again",
	}
	got := strings.Split(strings.TrimSpace(stderr), "\n")
	// Errors come first, then warnings, then the summary.
	wantOrder := []string{want[1], want[2], want[0], want[3]}
	if strings.Join(got, "\n") != strings.Join(wantOrder, "\n") {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, strings.Join(wantOrder, "\n"))
	}
}

func TestCheckJSON(t *testing.T) {
	path := writeInventory(t, badInventory)
	code, stdout, _ := runCLI(t, "check", "--json", "--inventory", path)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	var report checkReport
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if report.Valid {
		t.Error("valid = true, want false")
	}
	if len(report.Errors) != 2 || report.Errors[0].Line != 3 || report.Errors[0].Column != 16 {
		t.Errorf("errors = %+v, want two, the first at 3:16", report.Errors)
	}
	if len(report.Warnings) != 1 {
		t.Errorf("warnings = %+v, want one", report.Warnings)
	}
}

func TestCheckNoInventory(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, stderr := runCLI(t, "check")
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	for _, part := range []string{"no inventory found", "patchbay lab", "example"} {
		if !strings.Contains(stderr, part) {
			t.Errorf("stderr does not mention %q:\n%s", part, stderr)
		}
	}
}

func TestCheckUnknownFlag(t *testing.T) {
	code, _, _ := runCLI(t, "check", "--inventroy", examplesDir)
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
}
