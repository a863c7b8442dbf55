package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner/labdial"
	"patchbay/remote/lab"
	"patchbay/state/event"
)

func TestPlaybooksAgainstLabHosts(t *testing.T) {
	timing := lab.Timing{ShutdownDelay: time.Millisecond, RebootDuration: 30 * time.Millisecond}
	inv := testInventory(map[string][]string{"a": {"apt1"}, "b": {"dnf1"}})
	inv.Host("dnf1").Platform = inventory.PlatformLinuxDnf
	dialer, err := labdial.New(inv, timing)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"linux-apt-monthly", "linux-dnf-monthly"} {
		pb := builtinPlaybook(t, name)
		p, err := plan.Make(inv, pb, plan.Selection{}, plan.Options{At: time.Now(), Windows: openWindows{}})
		if err != nil {
			t.Fatal(err)
		}
		journal := &memJournal{}
		r := New(inv, p, dialer, journal, Options{Timing: fastTiming, Windows: openWindows{}})
		sum, err := r.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for host, phase := range sum.Hosts {
			if phase == event.PhaseSkipped {
				continue
			}
			if phase != event.PhaseDone {
				t.Errorf("%s on %s ended %s:\n%s", name, host, phase, dump(journal.all()))
				continue
			}
			if !strings.Contains(strings.Join(statesOf(journal.all(), host), ","), "settling") {
				t.Errorf("%s on %s did not reboot:\n%s", name, host, dump(journal.all()))
			}
		}
	}
}
