package cli

import (
	"context"
	"strings"
	"testing"

	"patchbay/state"
	"patchbay/state/event"
)

// inventorySnapshots counts the inventory snapshots in the journal of
// stateDir.
func inventorySnapshots(t *testing.T, stateDir string) int {
	t.Helper()
	s, err := state.Open(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return countSnapshots(t, s)
}

func countSnapshots(t *testing.T, s *state.Store) int {
	t.Helper()
	recs, err := s.Records(context.Background(), state.Filter{Kinds: []event.Kind{event.KindInventory}})
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

func TestRunThenQuarterlyReport(t *testing.T) {
	useLabHosts(t, nil)
	stateDir := t.TempDir()
	first := runPatchCLI(t, "--state", stateDir, "--inventory", runFleet, "run", "linux-apt-monthly", "--yes", "--json")
	if first.code != ExitOK {
		t.Fatalf("run exit = %d, stderr:\n%s", first.code, first.stderr)
	}
	if n := inventorySnapshots(t, stateDir); n != 1 {
		t.Errorf("inventory snapshots after the run = %d, want 1", n)
	}

	res := runPatchCLI(t, "--state", stateDir, "report", "quarterly", "--quarter", "2026Q4", "--format", "json")
	if res.code != ExitOK {
		t.Fatalf("report quarterly exit = %d, stderr:\n%s", res.code, res.stderr)
	}
	for _, host := range []string{"north-web", "north-db"} {
		if !strings.Contains(res.stdout, host) {
			t.Errorf("the quarterly report does not name %s, which the run patched", host)
		}
	}

	again := runPatchCLI(t, "--state", stateDir, "--inventory", runFleet, "run", "facts", "--yes", "--json")
	if again.code != ExitOK {
		t.Fatalf("second run exit = %d, stderr:\n%s", again.code, again.stderr)
	}
	if n := inventorySnapshots(t, stateDir); n != 1 {
		t.Errorf("inventory snapshots after a second run on the same files = %d, want 1", n)
	}
}

func TestConsoleStartJournalsInventory(t *testing.T) {
	b := newTestConsoleBackend(t, nil)
	result, _ := drain(t, startConsoleRun(t, b))
	if result.Err != nil {
		t.Fatalf("run error: %v", result.Err)
	}
	if n := countSnapshots(t, b.store); n != 1 {
		t.Errorf("inventory snapshots after the console's run = %d, want 1", n)
	}
}
