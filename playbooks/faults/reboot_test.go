package faults_test

import (
	"testing"

	"patchbay/playbooks"
	"patchbay/playbooks/book"
	"patchbay/playbooks/runner"
	"patchbay/state/event"
)

// builtin returns the built-in playbook called name.
func builtin(t *testing.T, name string) *book.Playbook {
	t.Helper()
	list, err := playbooks.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	pb, err := playbooks.Find(list, name)
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func TestRebootFaults(t *testing.T) {
	cases := []struct {
		name, faults, host, reason string
		holdSet                    bool
	}{
		{"never comes back", "lx2=reboot-never-returns", "lx2", "reboot", false},
		{"loop", "lx3=reboot-loop", "lx3", "pending again after the reboot", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := startWorld(t, tc.faults)
			o := w.run(builtin(t, "linux-apt-monthly"), linuxOnly, nil, runner.Options{})
			checkFaulty(t, o, tc.host, event.PhaseFailed, tc.reason)
			checkOthersDone(t, o, linuxHosts, tc.host)
			if got := hasKind(o, tc.host, event.KindHoldSet); got != tc.holdSet {
				t.Errorf("hold set on %s = %v, want %v", tc.host, got, tc.holdSet)
			}
			w.checkJournal()
		})
	}
}

// hasKind reports whether the run journaled a record of kind for host.
func hasKind(o outcome, host string, kind event.Kind) bool {
	for _, rec := range o.records {
		if rec.Host == host && rec.Kind == kind {
			return true
		}
	}
	return false
}
