package cli

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"patchbay/state"
	"patchbay/state/event"
)

const retryFleet = "testdata/run/retry-fleet.yaml"

// Runs of the chain that journalChain writes.
const (
	chainFirst  = "20261210T010000-0000000a" // aborted
	chainResume = "20261210T011000-0000000b" // resumes chainFirst
	chainRetry  = "20261210T012000-0000000c" // retries chainFirst, aborted
)

// journalChain writes a run, its resume and a retry, after which north-v
// and north-x are done, north-y is missed, north-w is failed and north-z
// is unfinished:
//
//	first:  v done, x failed, z failed; y and w unfinished (aborted)
//	resume: y missed, w failed
//	retry:  x done, w failed; z unfinished (aborted)
func journalChain(t *testing.T, dir string) {
	t.Helper()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := func(run, resumes string, hosts ...string) event.Event {
		return event.Event{Time: runTime, Run: run, Payload: event.RunStarted{Playbook: "linux-apt-monthly", Hosts: hosts, CycleID: "2026-12", ResumeOf: resumes}}
	}
	final := func(run, host string, phase event.HostPhase) event.Event {
		return event.Event{Time: runTime, Run: run, Host: host, Payload: event.HostState{Phase: phase}}
	}
	finished := func(run string, aborted bool) event.Event {
		return event.Event{Time: runTime, Run: run, Payload: event.RunFinished{Aborted: aborted, Resumable: aborted}}
	}
	_, err = s.Append(context.Background(),
		start(chainFirst, "", "north-v", "north-w", "north-x", "north-y", "north-z"),
		final(chainFirst, "north-v", event.PhaseDone),
		final(chainFirst, "north-x", event.PhaseFailed),
		final(chainFirst, "north-z", event.PhaseFailed),
		finished(chainFirst, true),
		start(chainResume, chainFirst, "north-w", "north-y"),
		final(chainResume, "north-y", event.PhaseMissed),
		final(chainResume, "north-w", event.PhaseFailed),
		finished(chainResume, false),
		start(chainRetry, chainFirst, "north-w", "north-x", "north-z"),
		final(chainRetry, "north-x", event.PhaseDone),
		final(chainRetry, "north-w", event.PhaseFailed),
		finished(chainRetry, true),
	)
	if err != nil {
		t.Fatal(err)
	}
}

func TestContinueChainRunsLatestOutcome(t *testing.T) {
	cases := []struct {
		flag     string
		want     string
		earlier  int // hosts counted as finished before
		resumeOf string
	}{
		{"--retry-failed", "north-w", 3, chainFirst},
		{"--retry-missed", "north-y", 3, chainFirst},
		{"--resume", "north-z", 4, chainFirst},
	}
	for _, c := range cases {
		t.Run(c.flag, func(t *testing.T) {
			useLabHosts(t, nil)
			dir := t.TempDir()
			journalChain(t, dir)
			res := runPatchCLI(t, "--state", dir, "--inventory", retryFleet, "run", c.flag, chainFirst, "--yes", "--json")
			if res.code != ExitOK {
				t.Fatalf("exit = %d, want %d; stderr:\n%s", res.code, ExitOK, res.stderr)
			}
			finals := finalPhases(t, res.stdout)
			if ran := slices.Sorted(maps.Keys(finals)); !slices.Equal(ran, []string{c.want}) {
				t.Errorf("%s ran %v, want only %s", c.flag, ran, c.want)
			}
			wantLine := "not counted: " + hostCount(c.earlier) + " that had finished before, in run " + c.resumeOf
			if !strings.Contains(res.stderr, wantLine) {
				t.Errorf("summary lacks %q:\n%s", wantLine, res.stderr)
			}
			if !strings.Contains(res.stderr, "1 done, 0 reboot pending, 0 failed, 0 missed, 0 skipped") {
				t.Errorf("summary counts hosts of the earlier runs:\n%s", res.stderr)
			}
		})
	}
}

func TestRetryFailedNothingToRetry(t *testing.T) {
	dir := t.TempDir()
	journalChain(t, dir)
	// The retry's chain is the retry alone, in which north-x ended done,
	// north-w failed and north-z was left unfinished: no host is missed.
	res := runPatchCLI(t, "--state", dir, "--inventory", retryFleet, "run", "--retry-failed", chainRetry+"x", "--yes")
	if res.code != ExitUsage {
		t.Errorf("unknown run: exit = %d, want %d; stderr:\n%s", res.code, ExitUsage, res.stderr)
	}
	res = runPatchCLI(t, "--state", dir, "--inventory", retryFleet, "run", "--retry-missed", chainRetry, "--yes")
	if res.code != ExitPolicy {
		t.Errorf("exit = %d, want %d; stderr:\n%s", res.code, ExitPolicy, res.stderr)
	}
	if !strings.Contains(res.stderr, "nothing to retry: no host of run "+chainRetry+" ended missed") {
		t.Errorf("stderr lacks the reason that nothing runs:\n%s", res.stderr)
	}
}

func TestRunRebootPendingExitsZero(t *testing.T) {
	useLabHosts(t, nil)
	dir := t.TempDir()
	res := runPatchCLI(t, "--state", dir, "--inventory", retryFleet, "run", "linux-apt-monthly", "--hosts", "north-kiosk", "--yes")
	if res.code != ExitOK {
		t.Fatalf("exit = %d, want %d: reboot pending is a success of the run; stderr:\n%s", res.code, ExitOK, res.stderr)
	}
	if !strings.Contains(res.stderr, "0 done, 1 reboot pending") {
		t.Errorf("summary does not count the host as reboot pending:\n%s", res.stderr)
	}
	if !strings.Contains(res.stderr, "reboot pending: north-kiosk") {
		t.Errorf("summary does not list the host that waits for a restart:\n%s", res.stderr)
	}
	checkRunFinished(t, dir, event.RunFinished{Done: 0, RebootPending: 1})
}

// checkRunFinished compares the counts of the journal's only run-finished
// record with want.
func checkRunFinished(t *testing.T, dir string, want event.RunFinished) {
	t.Helper()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.Records(context.Background(), state.Filter{Kinds: []event.Kind{event.KindRunFinished}})
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d run-finished records, %v; want 1", len(recs), err)
	}
	p, err := recs[0].Decode()
	if err != nil {
		t.Fatal(err)
	}
	if got := p.(event.RunFinished); got != want {
		t.Errorf("run finished = %+v, want %+v", got, want)
	}
}
