package runner

import (
	"testing"
	"time"

	"patchbay/playbooks/actions"
	"patchbay/state/event"
)

// TestResumeWaitsForRebootingHost checks that a host an earlier run left
// in a reboot is dialled again until it responds, instead of being counted
// missed on its first refused connection.
func TestResumeWaitsForRebootingHost(t *testing.T) {
	host := newFakeHost("a1", "openssl")
	host.downDials = 3
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1"}}), pb: retryPlaybook(t, 0),
		fleet: newFakeFleet(host), opts: Options{
			Rebooting: map[string]bool{"a1": true},
			Timing:    actions.Timing{Poll: time.Millisecond},
		}}
	sum, _ := s.run(t)
	if got := sum.Hosts["a1"]; got != event.PhaseDone {
		t.Errorf("a1 = %q, want done after the reboot ended", got)
	}
	if n := s.fleet.dialCount("a1"); n < 4 {
		t.Errorf("a1 was dialled %d times, want at least 4 (three refused, then one that answered)", n)
	}
}

// TestRefusedHostNotRebootingIsMissed checks that a refused host that no
// earlier run left rebooting is still missed at once.
func TestRefusedHostNotRebootingIsMissed(t *testing.T) {
	host := newFakeHost("a1", "openssl")
	host.downDials = 3
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1"}}), pb: retryPlaybook(t, 0),
		fleet: newFakeFleet(host), opts: Options{Timing: actions.Timing{Poll: time.Millisecond}}}
	sum, _ := s.run(t)
	if got := sum.Hosts["a1"]; got != event.PhaseMissed {
		t.Errorf("a1 = %q, want missed", got)
	}
	if n := s.fleet.dialCount("a1"); n != 1 {
		t.Errorf("a1 was dialled %d times, want 1", n)
	}
}
