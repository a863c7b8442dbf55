package runner

import (
	"testing"

	"patchbay/state/event"
)

// TestResumeKeepsSpentBudget resumes a run in which a1 failed and spent
// site a's budget of 0 before a2 started: the resume must not patch a2.
func TestResumeKeepsSpentBudget(t *testing.T) {
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1", "a2"}}), pb: retryPlaybook(t, 0),
		fleet: newFakeFleet(newFakeHost("a1", "openssl"), newFakeHost("a2", "openssl")),
		opts:  Options{Finished: map[string]event.HostPhase{"a1": event.PhaseFailed}, Resumes: "20261204T000000-00000000"}}
	sum, _ := s.run(t)

	if sum.Hosts["a2"] != event.PhaseSkipped {
		t.Errorf("a2 = %q after the resume, want skipped: site a's budget was spent", sum.Hosts["a2"])
	}
	if n := s.fleet.dialCount("a2"); n != 0 {
		t.Errorf("a2 was dialled %d times after its site's budget was spent", n)
	}
	if n := s.fleet.dialCount("a1"); n != 0 {
		t.Errorf("a1 was dialled %d times, but it had finished in the resumed run", n)
	}
}
