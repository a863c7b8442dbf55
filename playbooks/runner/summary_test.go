package runner

import (
	"testing"

	"patchbay/state/event"
)

// runFinished returns the run-finished record among events.
func runFinished(t *testing.T, events []event.Event) event.RunFinished {
	t.Helper()
	for _, ev := range events {
		if p, ok := ev.Payload.(event.RunFinished); ok {
			return p
		}
	}
	t.Fatal("no run-finished record was journaled")
	return event.RunFinished{}
}

func TestRunFinishedCountsRebootPending(t *testing.T) {
	pending, done := newFakeHost("a1", "linux-image-amd64"), newFakeHost("a2", "openssl")
	pending.users = []string{"drsmith"} // the default policy defers the reboot
	inv := testInventory(map[string][]string{"a": {"a1", "a2"}})
	inv.RebootPolicies = nil
	s := &runSetup{inv: inv, pb: builtinPlaybook(t, "linux-apt-monthly"), fleet: newFakeFleet(pending, done)}
	s.run(t)

	got := runFinished(t, s.journal.all())
	if got.Done != 1 {
		t.Errorf("run-finished done = %d, want 1: a reboot-pending host is not done", got.Done)
	}
	if got.RebootPending != 1 {
		t.Errorf("run-finished reboot pending = %d, want 1", got.RebootPending)
	}
}

// TestResumeCountsOnlyItsOwnHosts resumes a run in which a1 ended done and
// a2 failed: the resume runs b1 only, so its summary and record count b1
// alone and count two hosts as finished earlier. b1 is at site b because
// a2's failure spent site a's budget.
func TestResumeCountsOnlyItsOwnHosts(t *testing.T) {
	inv := testInventory(map[string][]string{"a": {"a1", "a2"}, "b": {"b1"}})
	s := &runSetup{inv: inv, pb: retryPlaybook(t, 0),
		fleet: newFakeFleet(newFakeHost("a1", "openssl"), newFakeHost("a2", "openssl"), newFakeHost("b1", "openssl")),
		opts: Options{Resumes: "20261204T000000-00000000", Finished: map[string]event.HostPhase{
			"a1": event.PhaseDone, "a2": event.PhaseFailed}}}
	sum, _ := s.run(t)

	if len(sum.Hosts) != 1 || sum.Hosts["b1"] != event.PhaseDone {
		t.Errorf("summary hosts = %v, want only b1, done", sum.Hosts)
	}
	if sum.FinishedEarlier != 2 {
		t.Errorf("summary finished earlier = %d, want 2", sum.FinishedEarlier)
	}
	if sum.Resumes != "20261204T000000-00000000" {
		t.Errorf("summary resumes = %q, want the earlier run's id", sum.Resumes)
	}
	got := runFinished(t, s.journal.all())
	if got.Done != 1 {
		t.Errorf("run-finished done = %d, want 1", got.Done)
	}
	if got.Failed != 0 {
		t.Errorf("run-finished failed = %d, want 0: a2 failed in the earlier run", got.Failed)
	}
}
