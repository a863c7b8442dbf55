package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/actions"
	"patchbay/playbooks/runner"
	"patchbay/playbooks/runner/labdial"
	"patchbay/remote"
	"patchbay/remote/lab"
	"patchbay/state"
	"patchbay/state/event"
)

const runFleet = "testdata/run/fleet.yaml"

var runTime = time.Date(2026, 12, 10, 3, 0, 0, 0, time.UTC)

// cliResult is what one command run printed and returned.
type cliResult struct {
	code           int
	stdout, stderr string
}

func runPatchCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	return runPatchCLIEnv(t, nil, args...)
}

// runPatchCLIEnv runs the command line with the environment variables in
// env and no others.
func runPatchCLIEnv(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return runTime },
	})
	return cliResult{code, stdout.String(), stderr.String()}
}

// useLabHosts makes run dial in-process lab hosts, and returns them by name
// once run built its dialer.
func useLabHosts(t *testing.T, faults map[string]lab.Faults) *labdial.Dialer {
	t.Helper()
	saved, savedTiming := newDialer, rebootTiming
	t.Cleanup(func() { newDialer, rebootTiming = saved, savedTiming })
	rebootTiming = actions.Timing{Poll: 5 * time.Millisecond}
	d := &labdial.Dialer{}
	newDialer = func(a *app, inv *inventory.Inventory, store *state.Store) (runner.Dialer, func() error, error) {
		built, err := labdial.New(inv, lab.Timing{ShutdownDelay: time.Millisecond, RebootDuration: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		for name, f := range faults {
			built.Hosts[name].Host.SetFaults(f)
		}
		*d = *built
		return d, func() error { return nil }, nil
	}
	return d
}

func TestRunRefusesWithoutTerminal(t *testing.T) {
	res := runPatchCLI(t, "--state", t.TempDir(), "--inventory", runFleet, "run", "facts")
	if res.code != ExitUsage {
		t.Errorf("exit = %d, want %d", res.code, ExitUsage)
	}
	if !strings.Contains(res.stderr, "run needs --yes when standard input is not a terminal") {
		t.Errorf("stderr = %q", res.stderr)
	}
}

func TestRunBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--yes"}, "name the playbook to run"},
		{[]string{"run", "facts", "--yes", "--override-window"}, "need --reason TEXT"},
		{[]string{"run", "--resume", "a", "--retry-failed", "b"}, "exclude each other"},
		{[]string{"run", "nope", "--yes"}, `no playbook called "nope"`},
		{[]string{"run", "facts", "--yes", "--site", "south"}, `unknown site "south"`},
		{[]string{"run", "--resume", "20261210T030000-00000000", "--yes"}, `no run "20261210T030000-00000000" in the journal`},
	}
	for _, c := range cases {
		res := runPatchCLI(t, append([]string{"--state", t.TempDir(), "--inventory", runFleet}, c.args...)...)
		if res.code != ExitUsage || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, res.code, res.stderr, ExitUsage, c.want)
		}
	}
}

func TestRunPatchesFleetWithJSON(t *testing.T) {
	useLabHosts(t, nil)
	stateDir := t.TempDir()
	res := runPatchCLI(t, "--state", stateDir, "--inventory", runFleet, "run", "linux-apt-monthly", "--yes", "--json")
	if res.code != ExitOK {
		t.Fatalf("exit = %d, stderr:\n%s", res.code, res.stderr)
	}
	finals := finalPhases(t, res.stdout)
	for _, host := range []string{"north-web", "north-db"} {
		if finals[host] != event.PhaseDone {
			t.Errorf("%s ended %q, want done", host, finals[host])
		}
	}
	if _, ok := finals["north-audio"]; ok {
		t.Error("the excepted host took part in a changing run")
	}
	if !strings.Contains(res.stderr, "2 done, 0 reboot pending, 0 failed, 0 missed, 0 skipped") {
		t.Errorf("summary missing from stderr:\n%s", res.stderr)
	}
	checkJournaled(t, stateDir, finals)
}

// finalPhases reads the JSON Lines of run --json and returns each host's
// final phase.
func finalPhases(t *testing.T, out string) map[string]event.HostPhase {
	t.Helper()
	finals := map[string]event.HostPhase{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Host    string          `json:"host"`
			Kind    event.Kind      `json:"kind"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("stdout line is not JSON: %q: %v", sc.Text(), err)
		}
		if line.Kind != event.KindHostState {
			continue
		}
		var st event.HostState
		if err := json.Unmarshal(line.Payload, &st); err != nil {
			t.Fatal(err)
		}
		if st.Phase.Final() {
			finals[line.Host] = st.Phase
		}
	}
	return finals
}

// checkJournaled checks that the journal holds the same final states.
func checkJournaled(t *testing.T, dir string, want map[string]event.HostPhase) {
	t.Helper()
	s, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.Records(context.Background(), state.Filter{Kinds: []event.Kind{event.KindHostState}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]event.HostPhase{}
	for _, rec := range recs {
		p, _ := rec.Decode()
		if st := p.(event.HostState); st.Phase.Final() {
			got[rec.Host] = st.Phase
		}
	}
	for host, phase := range want {
		if got[host] != phase {
			t.Errorf("journal has %s %q, stdout showed %q", host, got[host], phase)
		}
	}
}

func TestRunMissedHostExitsOne(t *testing.T) {
	useLabHosts(t, map[string]lab.Faults{"north-db": {lab.FaultOffline: ""}})
	res := runPatchCLI(t, "--state", t.TempDir(), "--inventory", runFleet, "run", "linux-apt-monthly", "--yes", "--override-gate", "--reason", "test ring is this test")
	if res.code != ExitFailures {
		t.Fatalf("exit = %d, want %d; stderr:\n%s", res.code, ExitFailures, res.stderr)
	}
	if !strings.Contains(res.stderr, "missed (for the next window): north-db") {
		t.Errorf("stderr does not list the missed host:\n%s", res.stderr)
	}
}

func TestRunNothingRunnableIsPolicy(t *testing.T) {
	res := runPatchCLI(t, "--state", t.TempDir(), "--inventory", runFleet, "run", "linux-dnf-monthly", "--yes")
	if res.code != ExitPolicy {
		t.Errorf("exit = %d, want %d; stderr:\n%s", res.code, ExitPolicy, res.stderr)
	}
	if !strings.Contains(res.stderr, "nothing runnable") {
		t.Errorf("stderr = %q", res.stderr)
	}
}

func TestRunRetryFailedHonoursLoopHold(t *testing.T) {
	useLabHosts(t, map[string]lab.Faults{"north-web": {lab.FaultRebootLoop: ""}})
	stateDir := t.TempDir()
	first := runPatchCLI(t, "--state", stateDir, "--inventory", runFleet, "run", "linux-apt-monthly", "--yes", "--json")
	if first.code != ExitFailures {
		t.Fatalf("first run exit = %d; stderr:\n%s", first.code, first.stderr)
	}
	if got := finalPhases(t, first.stdout); got["north-web"] != event.PhaseFailed || got["north-db"] != event.PhaseSkipped {
		t.Fatalf("first run = %v, want north-web failed by the loop and north-db skipped at the gate", got)
	}

	useLabHosts(t, nil)
	res := runPatchCLI(t, "--state", stateDir, "--inventory", runFleet, "run", "--retry-failed", runIDOf(t, first.stdout), "--yes", "--json")
	if res.code != ExitOK {
		t.Fatalf("retry exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	finals := finalPhases(t, res.stdout)
	if len(finals) != 1 || finals["north-web"] != event.PhaseDone {
		t.Errorf("retry = %v, want only north-web, done", finals)
	}
	if !strings.Contains(res.stdout, `"update":"linux-image-amd64 `) || !strings.Contains(res.stdout, `"result_code":"held"`) {
		t.Errorf("the retry did not keep the looping update back:\n%s", res.stdout)
	}
}

func runIDOf(t *testing.T, out string) string {
	t.Helper()
	var line struct {
		Run string `json:"run"`
	}
	first, _, _ := strings.Cut(out, "\n")
	if err := json.Unmarshal([]byte(first), &line); err != nil || line.Run == "" {
		t.Fatalf("no run id in %q", first)
	}
	return line.Run
}

func TestRunResumeKilledRun(t *testing.T) {
	useLabHosts(t, nil)
	stateDir := t.TempDir()
	s, err := state.Open(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	// A run that was killed while north-db was installing: north-web had
	// finished, north-db has no final state and there is no run.finished.
	killed := "20261210T020000-0000dead"
	_, err = s.Append(context.Background(),
		event.Event{Time: runTime, Run: killed, Payload: event.RunStarted{Playbook: "linux-apt-monthly", Hosts: []string{"north-web", "north-db"}, CycleID: "2026-12"}},
		event.Event{Time: runTime, Run: killed, Host: "north-web", Payload: event.HostState{Phase: event.PhaseDone}},
		event.Event{Time: runTime, Run: killed, Host: "north-db", Payload: event.HostState{Phase: event.PhaseInstalling, Index: 1, Total: 3}},
	)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}

	res := runPatchCLI(t, "--state", stateDir, "--inventory", runFleet, "run", "--resume", killed, "--yes", "--json")
	if res.code != ExitOK {
		t.Fatalf("resume exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	finals := finalPhases(t, res.stdout)
	if len(finals) != 1 || finals["north-db"] != event.PhaseDone {
		t.Errorf("resume ran %v, want only north-db, done", finals)
	}
	if !strings.Contains(res.stdout, `"resume_of":"`+killed+`"`) {
		t.Error("the resumed run does not name the run it resumes")
	}
}

// signalDialer sends SIGINT to this process at the first dial, when run
// already listens for it, and then waits like a host that does not answer.
type signalDialer struct {
	once sync.Once
}

func (d *signalDialer) Dial(ctx context.Context, h *inventory.Host) (remote.Session, error) {
	d.once.Do(func() { _ = syscall.Kill(os.Getpid(), syscall.SIGINT) })
	<-ctx.Done() // the abort cancels the dial as it would a slow host
	return nil, ctx.Err()
}

func TestRunSIGINTAbortsResumably(t *testing.T) {
	saved := newDialer
	t.Cleanup(func() { newDialer = saved })
	newDialer = func(a *app, inv *inventory.Inventory, store *state.Store) (runner.Dialer, func() error, error) {
		return &signalDialer{}, func() error { return nil }, nil
	}
	res := runPatchCLI(t, "--state", t.TempDir(), "--inventory", runFleet, "run", "facts", "--yes", "--site-concurrency", "1")
	if res.code != ExitAborted {
		t.Fatalf("exit = %d, want %d; stderr:\n%s", res.code, ExitAborted, res.stderr)
	}
	if !strings.Contains(res.stderr, "aborted; finish it with patchbay run --resume") || !strings.Contains(res.stderr, "3 unfinished") {
		t.Errorf("stderr does not offer the resume:\n%s", res.stderr)
	}
}
