package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/state"
	"patchbay/state/event"
)

var reportTime = time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC)

func runReport(t *testing.T, stateDir string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(append([]string{"--state", stateDir, "report"}, args...), Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" },
		Now:    func() time.Time { return reportTime },
	})
	return code, stdout.String(), stderr.String()
}

// seedReportJournal journals the run test fleet on 2026-09-01 and run r1
// on 2026-12-10 12:00 UTC, which patched north-web and north-db.
func seedReportJournal(t *testing.T, dir string, snapshot bool) {
	t.Helper()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if snapshot {
		data, err := os.ReadFile("testdata/run/fleet.yaml")
		if err != nil {
			t.Fatal(err)
		}
		s.SetClock(func() time.Time { return time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC) })
		if _, err := s.SnapshotInventory(ctx, "fleet.yaml", data); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	evs := []event.Event{{Time: at, Run: "r1", Payload: event.RunStarted{Operator: "tech", Playbook: "linux-apt-monthly",
		Selection: "--site north", Sites: []string{"north"}, CycleID: "2026-12", CycleKind: event.CycleMonthly}}}
	for _, host := range []string{"north-web", "north-db"} {
		evs = append(evs,
			event.Event{Time: at, Run: "r1", Host: host, Payload: event.StepStarted{Step: "upgrade packages"}},
			event.Event{Time: at, Run: "r1", Host: host, Payload: event.UpdateResult{Update: "openssl", ResultCode: "succeeded"}},
			event.Event{Time: at, Run: "r1", Host: host, Payload: event.HostState{Phase: event.PhaseDone}})
	}
	evs = append(evs, event.Event{Time: at, Run: "r1", Payload: event.RunFinished{Done: 2}})
	if _, err := s.Append(ctx, evs...); err != nil {
		t.Fatal(err)
	}
}

func TestReportQuarterlyJSON(t *testing.T) {
	dir := t.TempDir()
	seedReportJournal(t, dir, true)
	code, stdout, stderr := runReport(t, dir, "quarterly", "--quarter", "2026Q4", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Head     struct{ Seq int64 }
		Coverage []struct {
			Dimension  string
			Key        string
			QuarterEnd struct{ Current, Patchable int } `json:"quarter_end"`
			Months     []struct{ Current, Patchable int }
		}
		Excluded []struct{ Name string }
		Runs     []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	// 1 snapshot + 1 run started + 3 records per host × 2 + 1 finished.
	if doc.Head.Seq != 9 {
		t.Errorf("head seq = %d, want 9", doc.Head.Seq)
	}
	if len(doc.Coverage) == 0 {
		t.Fatal("no coverage rows")
	}
	// north-audio is excepted, so north-web and north-db are patchable.
	// The fleet's rings have no delay or deployment time, so December's
	// production phase ends at its release (12-08), before r1 (12-10).
	all := doc.Coverage[0]
	if all.QuarterEnd.Current != 2 || all.QuarterEnd.Patchable != 2 {
		t.Errorf("quarter-end coverage = %+v, want 2/2", all.QuarterEnd)
	}
	wantMonths := []int{0, 0, 2}
	for i, m := range all.Months {
		if m.Current != wantMonths[i] || m.Patchable != 2 {
			t.Errorf("month %d coverage = %+v, want %d/2", i, m, wantMonths[i])
		}
	}
	if len(doc.Excluded) != 2 {
		t.Errorf("excluded = %+v, want north-audio and north-ecg", doc.Excluded)
	}
	if len(doc.Runs) != 1 || doc.Runs[0].ID != "r1" {
		t.Errorf("runs = %+v, want r1", doc.Runs)
	}
}

func TestReportQuarterlyFiles(t *testing.T) {
	dir := t.TempDir()
	seedReportJournal(t, dir, true)
	out := filepath.Join(t.TempDir(), "q4.html")
	if code, _, stderr := runReport(t, dir, "quarterly", "--quarter", "2026Q4", "--format", "html", "-o", out); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("report mode = %v, want 0600", info.Mode().Perm())
	}
	page, _ := os.ReadFile(out)
	if !strings.Contains(string(page), "<svg") {
		t.Error("HTML report has no inline SVG chart")
	}

	folder := t.TempDir()
	if code, _, stderr := runReport(t, dir, "quarterly", "--quarter", "2026Q4", "--format", "csv", "-o", folder); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	coverage, err := os.ReadFile(filepath.Join(folder, "coverage.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(coverage), "all,all,2,2,100.0,") {
		t.Errorf("coverage.csv lacks the 2/2 total:\n%s", coverage)
	}
	info, err = os.Stat(filepath.Join(folder, "hosts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("hosts.csv mode = %v, want 0600 as for the other formats", info.Mode().Perm())
	}
}

func TestReportRunMarkdown(t *testing.T) {
	dir := t.TempDir()
	seedReportJournal(t, dir, false)
	code, stdout, stderr := runReport(t, dir, "run", "r1", "--format", "md")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"# Run report r1", "| north-web | done |  | openssl: succeeded |", "| done | 2 |"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("run report lacks %q:\n%s", want, stdout)
		}
	}
}

func TestReportInputErrors(t *testing.T) {
	dir := t.TempDir()
	seedReportJournal(t, dir, true)
	bare := t.TempDir()
	seedReportJournal(t, bare, false)
	cases := []struct {
		name string
		dir  string
		args []string
		want string
	}{
		{"bad quarter", dir, []string{"quarterly", "--quarter", "2026-4"}, "invalid quarter"},
		{"bad format", dir, []string{"quarterly", "--quarter", "2026Q4", "--format", "pdf"}, "invalid --format"},
		{"unknown site", dir, []string{"quarterly", "--quarter", "2026Q4", "--site", "south"}, `site "south"`},
		{"no snapshot", bare, []string{"quarterly", "--quarter", "2026Q4"}, "patchbay run journals the inventory"},
		{"no journal", t.TempDir(), []string{"quarterly", "--quarter", "2026Q4"}, "no journal"},
		{"unknown run", dir, []string{"run", "r9"}, "run not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runReport(t, c.dir, c.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q lacks %q", stderr, c.want)
			}
		})
	}
}

func TestReportRejectsBrokenJournal(t *testing.T) {
	dir := t.TempDir()
	seedReportJournal(t, dir, true)
	tamper(t, dir, `UPDATE records SET payload = replace(payload, 'tech', 'someone') WHERE seq = 2`)

	for _, args := range [][]string{{"quarterly", "--quarter", "2026Q4"}, {"run", "r1"}} {
		code, stdout, stderr := runReport(t, dir, args...)
		if code != ExitFailures {
			t.Errorf("report %s: exit %d, want %d (stderr %q)", args[0], code, ExitFailures, stderr)
		}
		if stdout != "" {
			t.Errorf("report %s: printed a report from a broken journal:\n%s", args[0], stdout)
		}
		if !strings.Contains(stderr, "journal broken at seq 2 (edit)") {
			t.Errorf("report %s: stderr %q does not name the break", args[0], stderr)
		}
	}
}
