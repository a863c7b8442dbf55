package runner

import (
	"strings"
	"testing"

	"patchbay/inventory"
	"patchbay/playbooks/book"
	"patchbay/state/event"
)

// resumeWithHealthCheck resumes a run over a1 and a2 of ring test, in
// which a1 had finished done, with a service health check on site a.
func resumeWithHealthCheck(t *testing.T, pb *book.Playbook) (*fakeHost, *Summary) {
	t.Helper()
	a1, a2 := newFakeHost("a1", "openssl"), newFakeHost("a2", "openssl")
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1", "a2"}}), pb: pb, fleet: newFakeFleet(a1, a2),
		opts: Options{Finished: map[string]event.HostPhase{"a1": event.PhaseDone}, Resumes: "20261204T000000-00000000"}}
	s.inv.HealthChecks = []*inventory.HealthCheck{{Name: "ehr", Site: "a", Kind: inventory.CheckService, Target: "ehr-client"}}
	sum, _ := s.run(t)
	return a1, sum
}

func TestResumeChecksHealthOfFinishedHosts(t *testing.T) {
	a1, sum := resumeWithHealthCheck(t, retryPlaybook(t, 0))

	if sum.Hosts["a2"] != event.PhaseDone {
		t.Errorf("a2 = %q after the resume, want done", sum.Hosts["a2"])
	}
	if changed := a1.changingCommands(); len(changed) != 0 {
		t.Errorf("resume sent changing commands to a1, which had finished: %q", changed)
	}
	a1.mu.Lock()
	defer a1.mu.Unlock()
	if len(a1.commands) != 1 || !strings.HasPrefix(a1.commands[0].line, "systemctl is-active") {
		t.Errorf("a1 commands = %+v, want only the read-only health check of its ring", a1.commands)
	}
}

func TestResumeOfReadOnlyRunLeavesFinishedHosts(t *testing.T) {
	a1, sum := resumeWithHealthCheck(t, builtinPlaybook(t, "facts"))

	if sum.Hosts["a2"] != event.PhaseDone {
		t.Errorf("a2 = %q after the resume, want done", sum.Hosts["a2"])
	}
	a1.mu.Lock()
	defer a1.mu.Unlock()
	if len(a1.commands) != 0 {
		t.Errorf("a read-only resume sent %d commands to a1, which had finished: %+v", len(a1.commands), a1.commands)
	}
}
