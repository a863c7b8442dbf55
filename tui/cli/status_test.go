package cli

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestStatusExamplesGolden(t *testing.T) {
	code, stdout, stderr := runCLI(t, "status", "--inventory", examplesDir)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	checkStatusGolden(t, "examples.golden", stdout)
}

// checkStatusGolden compares got with testdata/status/name, which -update
// rewrites.
func checkStatusGolden(t *testing.T, name, got string) {
	t.Helper()
	golden := filepath.Join("testdata", "status", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("status output differs from %s:\n%s", golden, got)
	}
}

func statusJSON(t *testing.T, args ...string) statusReport {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"status", "--json", "--inventory", examplesDir}, args...)...)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	var report statusReport
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	return report
}

func TestStatusAtOpenWindow(t *testing.T) {
	// 23:00 EST on Friday: ENT's Friday window (22:00-08:00) is open, the
	// imaging centre's (23:00 MST) has not opened yet.
	report := statusJSON(t, "--at", "2026-12-04T23:00:00-05:00")
	windows := map[string]windowStatus{}
	for _, s := range report.Sites {
		windows[s.ID] = s.Window
	}
	if !windows["ent"].Open {
		t.Error("ent window closed, want open")
	}
	if want := time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC); !windows["ent"].ClosesAt.Equal(want) {
		t.Errorf("ent window closes %s, want 08:00 EST (%s)", windows["ent"].ClosesAt, want)
	}
	if windows["imaging"].Open {
		t.Error("imaging window open, want closed until 23:00 MST")
	}
	if !windows["paeds"].Open {
		t.Error("paeds window closed, want open (21:00-06:00 CST)")
	}
}

func TestStatusFlagsOverdueReview(t *testing.T) {
	report := statusJSON(t, "--site", "ent", "--at", "2026-12-22T12:00:00Z")
	if len(report.Sites) != 1 || report.Sites[0].ID != "ent" {
		t.Fatalf("sites = %+v, want only ent", report.Sites)
	}
	exceptions := report.Sites[0].Exceptions
	if len(exceptions) != 1 || !exceptions[0].Overdue {
		t.Errorf("exceptions = %+v, want ent-audiometry-build overdue", exceptions)
	}
	if got := report.Phase.Name; got != "reporting" {
		t.Errorf("phase = %s, want reporting (production's deployment ended 2026-12-15)", got)
	}
}

func TestStatusPhaseDuringProduction(t *testing.T) {
	report := statusJSON(t, "--at", "2026-12-14T12:00:00Z")
	if got := report.Phase.Name; got != "production deploying" {
		t.Errorf("phase = %s, want production deploying", got)
	}
	if want := time.Date(2026, 12, 15, 18, 0, 0, 0, time.UTC); !report.Phase.Until.Equal(want) {
		t.Errorf("phase until %s, want %s", report.Phase.Until, want)
	}
}

func TestStatusRejectsBadInput(t *testing.T) {
	cases := map[string][]string{
		`patchbay: unknown site "ortho": see patchbay status without --site for the site IDs`:                      {"--site", "ortho"},
		`patchbay: invalid --at "tomorrow": write RFC 3339 such as 2026-12-08T22:00:00-05:00, or YYYY-MM-DD HH:MM`: {"--at", "tomorrow"},
	}
	for want, args := range cases {
		code, _, stderr := runCLI(t, append([]string{"status", "--inventory", examplesDir}, args...)...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
		if strings.TrimSpace(stderr) != want {
			t.Errorf("%v: stderr = %q, want %q", args, stderr, want)
		}
	}
}
