package cli

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"patchbay/remote/lab"
	"patchbay/state/event"
)

// startLab serves the example fleet with fast reboots on a random block
// of 127.0.0.0/8 and returns its inventory and command log paths.
func startLab(t *testing.T, faults string) (inventory, commands string) {
	t.Helper()
	f := startExampleLab(t, faults)
	return f.InventoryPath(), f.CommandLogPath()
}

// startExampleLab starts the lab fleet of the examples with faults and
// returns it, so that a test can also change its hosts.
func startExampleLab(t *testing.T, faults string) *lab.Fleet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := lab.Start(ctx, lab.Options{Dir: t.TempDir(), Inventory: os.DirFS("../../examples"), Faults: faults,
		AddressBase: lab.RandomAddressBase(), Timing: lab.Timing{ShutdownDelay: 20 * time.Millisecond, RebootDuration: 100 * time.Millisecond}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		f.Close()
	})
	saved := rebootTiming
	rebootTiming.Poll = 20 * time.Millisecond
	t.Cleanup(func() { rebootTiming = saved })
	return f
}

func TestRunLabFleetRingByRing(t *testing.T) {
	inv, commands := startLab(t, "img-pacs-01=reboot-loop")
	env := map[string]string{"HOME": t.TempDir()}
	stateDir := t.TempDir()
	run := func(args ...string) cliResult {
		return runPatchCLIEnv(t, env, append([]string{"--state", stateDir, "--inventory", inv, "run"}, args...)...)
	}

	test := run("linux-apt-monthly", "--ring", "test", "--yes", "--json")
	if test.code != ExitOK {
		t.Fatalf("test ring exit = %d; stderr:\n%s", test.code, test.stderr)
	}
	if got := finalPhases(t, test.stdout); got["paeds-files"] != event.PhaseDone || len(got) != 1 {
		t.Errorf("test ring = %v, want paeds-files done", got)
	}

	early := run("linux-apt-monthly", "--ring", "production", "--yes")
	if early.code != ExitPolicy || !strings.Contains(early.stderr, "gate of ring production not passed: soak of ring test ends") {
		t.Errorf("production before the soak: exit %d, stderr:\n%s\nwant exit 3 naming the soak", early.code, early.stderr)
	}

	prod := run("linux-apt-monthly", "--ring", "production", "--yes", "--json", "--override-gate", "--reason", "lab soak shortened by the test")
	if prod.code != ExitOK {
		t.Fatalf("production exit = %d; stderr:\n%s", prod.code, prod.stderr)
	}
	finals := finalPhases(t, prod.stdout)
	for _, host := range []string{"ent-gw", "img-gw"} {
		if finals[host] != event.PhaseDone {
			t.Errorf("%s = %q, want done", host, finals[host])
		}
	}
	if !strings.Contains(prod.stdout, `"what":"override-gate","reason":"lab soak shortened by the test"`) {
		t.Error("the gate override and its reason are not in the events")
	}

	loop := run("linux-dnf-monthly", "--yes", "--override-gate", "--reason", "lab")
	if loop.code != ExitFailures || !strings.Contains(loop.stderr, "pending again after the reboot; held for this host: reboot loop") {
		t.Errorf("reboot loop run: exit %d, stderr:\n%s", loop.code, loop.stderr)
	}
	if !strings.Contains(loop.stderr, "failure budget of site imaging in ring production is spent") {
		t.Errorf("the looping host did not spend its site's budget:\n%s", loop.stderr)
	}

	facts := run("facts", "--yes")
	if facts.code != ExitOK {
		t.Errorf("facts exit = %d; stderr:\n%s", facts.code, facts.stderr)
	}
	checkCommandLog(t, commands)
}

// checkCommandLog checks the lab's command log: the excepted hosts got no
// command that changed them and the medical devices got no command.
func checkCommandLog(t *testing.T, path string) {
	t.Helper()
	entries, err := lab.ReadCommandLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("the command log is empty")
	}
	protected := map[string]bool{"ent-audio-01": true, "img-read-02": true}
	devices := map[string]bool{"ent-audiometer": true, "ent-tympanometer": true, "img-ct-scanner": true,
		"img-ultrasound": true, "paeds-spirometer": true, "paeds-vaccine-fridge": true}
	for _, e := range entries {
		if devices[e.Host] {
			t.Errorf("medical device %s received %q", e.Host, e.Command)
		}
		if protected[e.Host] && e.Changes {
			t.Errorf("excepted host %s was changed by %q", e.Host, e.Command)
		}
	}
}
