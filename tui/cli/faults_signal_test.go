package cli

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"go.uber.org/goleak"

	"patchbay/inventory"
	"patchbay/playbooks/runner"
	"patchbay/remote"
	"patchbay/remote/lab"
	"patchbay/state"
	"patchbay/state/event"
)

// signallingDialer sends sig to this process when the nth host is dialled,
// so the signal lands while earlier hosts run and later ones wait.
type signallingDialer struct {
	runner.Dialer
	sig   syscall.Signal
	n     int32
	dials atomic.Int32
}

func (d *signallingDialer) Dial(ctx context.Context, h *inventory.Host) (remote.Session, error) {
	if d.dials.Add(1) == d.n {
		_ = syscall.Kill(os.Getpid(), d.sig)
	}
	return d.Dialer.Dial(ctx, h)
}

func TestRunSignalsLeaveResumableJournal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) { checkSignalledRun(t, sig) })
	}
}

// checkSignalledRun runs facts over the lab fleet, sends sig during the
// run, then checks the exit status, the journal's chain and that --resume
// runs only hosts that did not finish.
func checkSignalledRun(t *testing.T, sig syscall.Signal) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	f, err := lab.Start(ctx, lab.Options{Dir: t.TempDir(), Inventory: os.DirFS("../../examples"), AddressBase: lab.RandomAddressBase()})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	defer func() {
		cancel()
		f.Close()
	}()
	saved := newDialer
	defer func() { newDialer = saved }()
	newDialer = func(a *app, inv *inventory.Inventory, store *state.Store) (runner.Dialer, func() error, error) {
		d, closeDialer, err := saved(a, inv, store)
		if err != nil {
			return nil, nil, err
		}
		return &signallingDialer{Dialer: d, sig: sig, n: 3}, closeDialer, nil
	}
	env := map[string]string{"HOME": t.TempDir()}
	stateDir := t.TempDir()
	run := func(args ...string) cliResult {
		return runPatchCLIEnv(t, env, append([]string{"--state", stateDir, "--inventory", f.InventoryPath()}, args...)...)
	}

	first := run("run", "facts", "--yes", "--json", "--site-concurrency", "1", "--concurrency", "1")
	if first.code != ExitAborted {
		t.Fatalf("signalled run exit = %d, want %d; stderr:\n%s", first.code, ExitAborted, first.stderr)
	}
	m := regexp.MustCompile(`patchbay run --resume ([0-9T]+-[0-9a-f]+)`).FindStringSubmatch(first.stderr)
	if m == nil {
		t.Fatalf("stderr does not offer the resume:\n%s", first.stderr)
	}
	if v := run("journal", "verify"); v.code != ExitOK {
		t.Errorf("journal verify after %s: exit %d\n%s%s", sig, v.code, v.stdout, v.stderr)
	}
	before := commandsByHost(t, f.CommandLogPath())

	newDialer = saved
	resumed := run("run", "--resume", m[1], "--yes", "--json")
	if resumed.code != ExitOK {
		t.Fatalf("resume exit = %d; stderr:\n%s", resumed.code, resumed.stderr)
	}
	after := commandsByHost(t, f.CommandLogPath())
	finished := finalPhases(t, first.stdout)
	for host, n := range before {
		if _, done := finished[host]; done && after[host] != n {
			t.Errorf("resume sent %d more commands to %s, which had finished", after[host]-n, host)
		}
	}
	if len(finished) == 0 {
		t.Errorf("no host finished before %s, so the signal did not land mid-run", sig)
	}
	for host := range stepHosts(t, resumed.stdout) {
		if _, done := finished[host]; done {
			t.Errorf("resume ran a step on %s, which had finished", host)
		}
	}
	rest := finalPhases(t, resumed.stdout)
	if len(rest) == 0 {
		t.Error("the resume finished no host")
	}
	for host := range rest {
		if _, twice := finished[host]; twice {
			t.Errorf("%s finished in the signalled run and again in the resume", host)
		}
	}
	if v := run("journal", "verify"); v.code != ExitOK {
		t.Errorf("journal verify after the resume: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
}

// commandsByHost counts the lab's logged commands per host, read-only ones
// included, because facts is read-only and so its resume sends no health
// check to a host that had finished.
func commandsByHost(t *testing.T, path string) map[string]int {
	t.Helper()
	entries, err := lab.ReadCommandLog(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range entries {
		out[e.Host]++
	}
	return out
}

// stepHosts returns the hosts that the JSON events of a run started a
// step on.
func stepHosts(t *testing.T, out string) map[string]bool {
	t.Helper()
	hosts := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e struct {
			Host string     `json:"host"`
			Kind event.Kind `json:"kind"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("stdout line is not JSON: %q: %v", line, err)
		}
		if e.Kind == event.KindStepStarted {
			hosts[e.Host] = true
		}
	}
	return hosts
}
