package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/state"
)

// lockedState returns a state directory with a journal, in which another
// run holds the lock of site north until the test ends or release is
// called.
func lockedState(t *testing.T) (dir string, release func()) {
	t.Helper()
	dir = t.TempDir()
	store, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	locks, err := store.LockSites(context.Background(), state.LockHolder{Run: "20261210T020000-0000beef", Operator: "dana", Started: runTime}, "north")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(locks.Release)
	return dir, locks.Release
}

func TestPlanShowsLockedSite(t *testing.T) {
	dir, release := lockedState(t)
	locked := "site-locked: site north is locked by run 20261210T020000-0000beef of dana"

	res := runPatchCLI(t, "--state", dir, "--inventory", runFleet, "plan", "linux-apt-monthly")
	if res.code != ExitOK {
		t.Fatalf("exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stdout, locked) {
		t.Errorf("plan lacks %q:\n%s", locked, res.stdout)
	}

	release()
	res = runPatchCLI(t, "--state", dir, "--inventory", runFleet, "plan", "linux-apt-monthly")
	if strings.Contains(res.stdout, "site-locked") {
		t.Errorf("plan shows a released lock:\n%s", res.stdout)
	}
}

func TestRunRejectsLockedSite(t *testing.T) {
	dir, _ := lockedState(t)

	res := runPatchCLI(t, "--state", dir, "--inventory", runFleet, "run", "linux-apt-monthly", "--yes")
	if res.code != ExitPolicy {
		t.Errorf("exit = %d, want %d; stderr:\n%s", res.code, ExitPolicy, res.stderr)
	}
	if !strings.Contains(res.stderr, "is locked by run 20261210T020000-0000beef") {
		t.Errorf("stderr does not name the run holding the lock:\n%s", res.stderr)
	}
}

func TestPlanIgnoresStaleLock(t *testing.T) {
	dir := t.TempDir()
	store, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	// Linux does not allow pid_max above 4194304, so no process has this id.
	stale, err := json.Marshal(state.LockHolder{Run: "20261209T020000-0000dead", Operator: "dana", PID: 4194305, Started: runTime.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "locks"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "locks", "north.lock"), stale, 0o600); err != nil {
		t.Fatal(err)
	}

	res := runPatchCLI(t, "--state", dir, "--inventory", runFleet, "plan", "linux-apt-monthly")
	if res.code != ExitOK {
		t.Fatalf("exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	if strings.Contains(res.stdout, "site-locked") {
		t.Errorf("plan shows the lock of a process that ended:\n%s", res.stdout)
	}
}

func TestRunSkipsOnlyLockedSite(t *testing.T) {
	inv, _ := startLab(t, "")
	dir := t.TempDir()
	store, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	locks, err := store.LockSites(context.Background(), state.LockHolder{Run: "20261210T020000-0000beef", Operator: "dana", Started: runTime}, "imaging")
	if err != nil {
		t.Fatal(err)
	}
	defer locks.Release()

	res := runPatchCLIEnv(t, map[string]string{"HOME": t.TempDir()}, "--state", dir, "--inventory", inv, "run", "linux-apt-monthly",
		"--hosts", "ent-gw,img-gw", "--yes", "--json", "--override-gate", "--reason", "lab")
	if res.code != ExitOK {
		t.Fatalf("exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	finals := finalPhases(t, res.stdout)
	if finals["ent-gw"] != "done" {
		t.Errorf("ent-gw = %q, want done while imaging is locked", finals["ent-gw"])
	}
	if _, ran := finals["img-gw"]; ran {
		t.Errorf("img-gw reached %q, want it skipped by the plan because imaging is locked", finals["img-gw"])
	}
}
