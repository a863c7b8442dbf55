package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/state"
	"patchbay/state/event"
)

var journalTime = time.Date(2026, 12, 8, 23, 0, 0, 0, time.UTC)

func runJournal(t *testing.T, stateDir string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(append([]string{"--state", stateDir, "journal"}, args...), Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" },
		Now:    func() time.Time { return journalTime },
	})
	return code, stdout.String(), stderr.String()
}

// seedJournal appends a run with n host events to the journal in dir.
func seedJournal(t *testing.T, dir, run string, n int) state.Head {
	t.Helper()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs := []event.Event{{Time: journalTime, Run: run, Payload: event.RunStarted{Operator: "tech", Playbook: "windows-monthly"}}}
	for i := 1; i < n; i++ {
		evs = append(evs, event.Event{Time: journalTime.Add(time.Duration(i) * time.Second), Run: run,
			Host: fmt.Sprintf("ws-%d", i), Payload: event.HostState{Phase: event.PhaseDone}})
	}
	recs, err := s.Append(context.Background(), evs...)
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	return state.Head{Seq: last.Seq, Hash: last.Hash}
}

// tamper runs SQL on the journal after dropping its append-only triggers.
func tamper(t *testing.T, dir string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, state.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts = append([]string{"DROP TRIGGER records_no_update", "DROP TRIGGER records_no_delete"}, stmts...)
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestJournalVerifyIntact(t *testing.T) {
	dir := t.TempDir()
	head := seedJournal(t, dir, "r1", 4)
	code, stdout, stderr := runJournal(t, dir, "verify", "--expect-head", head.String())
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "4 records, head "+head.String()) {
		t.Errorf("stdout = %q, want the record count and head", stdout)
	}
}

func TestJournalVerifyReportsEdit(t *testing.T) {
	dir := t.TempDir()
	seedJournal(t, dir, "r1", 4)
	tamper(t, dir, `UPDATE records SET host = 'ws-9' WHERE seq = 3`)
	code, _, stderr := runJournal(t, dir, "verify")
	if code != ExitFailures {
		t.Errorf("exit %d, want %d", code, ExitFailures)
	}
	if !strings.Contains(stderr, "seq 3 (edit)") {
		t.Errorf("stderr = %q, want the edited seq", stderr)
	}
}

func TestJournalVerifyExpectHeadCut(t *testing.T) {
	dir := t.TempDir()
	head := seedJournal(t, dir, "r1", 5)
	tamper(t, dir, `DELETE FROM records WHERE seq >= 4`)

	code, _, _ := runJournal(t, dir, "verify")
	if code != ExitOK {
		t.Errorf("cut journal without --expect-head: exit %d, want 0", code)
	}
	code, stdout, _ := runJournal(t, dir, "verify", "--json", "--expect-head", head.String())
	if code != ExitFailures {
		t.Errorf("exit %d, want %d", code, ExitFailures)
	}
	var out struct {
		OK    bool         `json:"ok"`
		Head  state.Head   `json:"head"`
		Break *state.Break `json:"break"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v: %s", err, stdout)
	}
	if out.OK || out.Break == nil || out.Break.Kind != state.BreakCut || out.Head.Seq != 3 {
		t.Errorf("result = %+v, want a cut after seq 3", out)
	}
}

func TestJournalInputErrors(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runJournal(t, dir, "verify"); code != ExitUsage || !strings.Contains(stderr, "no journal at") {
		t.Errorf("verify without a journal: exit %d, stderr %q", code, stderr)
	}
	seedJournal(t, dir, "r1", 2)
	cases := [][]string{
		{"verify", "--expect-head", "12"},
		{"export", "--format", "csv"},
		{"show", "--kind", "bogus"},
		{"import", filepath.Join(dir, "missing.jsonl")},
	}
	for _, args := range cases {
		if code, _, _ := runJournal(t, dir, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

func TestJournalExportImportRoundTrip(t *testing.T) {
	office, laptop := t.TempDir(), t.TempDir()
	seedJournal(t, office, "office-run", 3)
	seedJournal(t, laptop, "field-run", 4)
	file := filepath.Join(t.TempDir(), "laptop.jsonl")

	if code, _, stderr := runJournal(t, laptop, "export", "--format", "jsonl", "-o", file); code != ExitOK {
		t.Fatalf("export: exit %d, %s", code, stderr)
	}
	code, stdout, stderr := runJournal(t, office, "import", file)
	if code != ExitOK {
		t.Fatalf("import: exit %d, %s", code, stderr)
	}
	if !strings.Contains(stdout, "4 records, 4 added, 0 already present") {
		t.Errorf("import output = %q", stdout)
	}
	_, stdout, _ = runJournal(t, office, "import", file)
	if !strings.Contains(stdout, "0 added, 4 already present") {
		t.Errorf("second import output = %q", stdout)
	}
	code, stdout, _ = runJournal(t, office, "verify")
	if code != ExitOK || !strings.Contains(stdout, "7 records") {
		t.Errorf("verify after import: exit %d, %q", code, stdout)
	}
}

func TestJournalShowFilters(t *testing.T) {
	dir := t.TempDir()
	seedJournal(t, dir, "r1", 3)
	seedJournal(t, dir, "r2", 2)

	_, stdout, _ := runJournal(t, dir, "show", "--run", "r2")
	if n := strings.Count(stdout, "\n"); n != 2 {
		t.Errorf("show --run r2 printed %d lines, want 2:\n%s", n, stdout)
	}
	_, stdout, _ = runJournal(t, dir, "show", "--kind", "run.started", "--json")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("show --kind run.started printed %d lines, want 2", len(lines))
	}
	var rec event.Record
	if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil || rec.Run != "r2" {
		t.Errorf("second record = %+v, %v; want run r2", rec, err)
	}
	_, stdout, _ = runJournal(t, dir, "show", "--host", "ws-1")
	want := "2 2026-12-08T23:00:01.000Z host.state run=r1 host=ws-1 {\"phase\":\"done\"}\n"
	if !strings.HasPrefix(stdout, want) {
		t.Errorf("show --host ws-1 = %q, want it to start with %q", stdout, want)
	}
}

func TestJournalShowRunArgument(t *testing.T) {
	dir := t.TempDir()
	seedJournal(t, dir, "r1", 3)
	seedJournal(t, dir, "r2", 2)

	code, stdout, stderr := runJournal(t, dir, "show", "r2")
	if code != ExitOK {
		t.Fatalf("show r2 exit = %d, want %d; stderr: %s", code, ExitOK, stderr)
	}
	if n := strings.Count(stdout, "\n"); n != 2 {
		t.Errorf("show r2 printed %d lines, want 2:\n%s", n, stdout)
	}
	if strings.Contains(stdout, "run=r1") {
		t.Errorf("show r2 printed records of r1:\n%s", stdout)
	}
	code, _, stderr = runJournal(t, dir, "show", "r2", "--run", "r1")
	if code != ExitUsage {
		t.Errorf("show r2 --run r1 exit = %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(stderr, "give the run id once") {
		t.Errorf("show r2 --run r1 stderr = %q, want it to name the conflict", stderr)
	}
}

func TestJournalTailLastRecords(t *testing.T) {
	dir := t.TempDir()
	seedJournal(t, dir, "r1", 5)
	_, stdout, _ := runJournal(t, dir, "tail", "-n", "2")
	if !strings.HasPrefix(stdout, "4 ") || strings.Count(stdout, "\n") != 2 {
		t.Errorf("tail -n 2 = %q, want seq 4 and 5", stdout)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestJournalTailFollowsNewRecords(t *testing.T) {
	dir := t.TempDir()
	seedJournal(t, dir, "r1", 2)
	var out syncBuffer
	a := &app{env: Env{Stdout: &out, Getenv: func(string) string { return "" }}, stateDir: dir}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.tailJournal(ctx, 10, true) }()

	seedJournal(t, dir, "r2", 1)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "run=r2") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("tail --follow returned %v", err)
	}
	if !strings.Contains(out.String(), "3 ") || !strings.Contains(out.String(), "run=r2") {
		t.Errorf("followed output = %q, want the record of r2", out.String())
	}
}

func TestSiteLockedExitsWithPolicy(t *testing.T) {
	err := fmt.Errorf("run: %w", &state.SiteLockedError{Site: "clinic-a", Holder: state.LockHolder{Run: "r1"}})
	if code := exitCode(err); code != ExitPolicy {
		t.Errorf("exit code = %d, want %d", code, ExitPolicy)
	}
}
