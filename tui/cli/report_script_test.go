package cli

import (
	"testing"

	"patchbay/playbooks/plan"
	"patchbay/remote/lab"
	"patchbay/state/event"
)

// Playbook names of the scenario.
const (
	aptMonthly = "linux-apt-monthly"
	dnfMonthly = "linux-dnf-monthly"
)

// buildScenario journals the quarter 2026Q4 that the expectations in
// quarterly_test.go are computed from. Times are UTC. The ring schedule
// (test: 24 h delay, 24 h deployment; production: 72 h deployment; no
// soak) ends each month's production phase 120 h after the release:
//
//	October  release 2026-10-13 17:00, measured 2026-10-18 17:00
//	November release 2026-11-10 18:00, measured 2026-11-15 18:00
//	December release 2026-12-08 18:00, measured 2026-12-13 18:00
//
// North's quarter ends 2027-01-01 00:00 UTC, West's (Los Angeles) at
// 2027-01-01 08:00 UTC.
func buildScenario(t *testing.T) *scenario {
	s := newScenario(t)
	north := plan.Selection{Sites: []string{"north"}}
	west := plan.Selection{Sites: []string{"west"}}
	hosts := func(names ...string) plan.Selection { return plan.Selection{Hosts: names} }
	monthly := event.CycleMonthly

	// Q3, outside the appendix.
	s.expect(s.run(runSpec{id: "r0", when: scenarioAt("2026-09-20T12:00:00Z"), playbook: aptMonthly, sel: hosts("n-web"), cycle: "2026-09", kind: monthly}), "n-web=done")

	// October: every host done except the kiosk, whose policy never
	// reboots it.
	s.release()
	s.expect(s.run(runSpec{id: "r1a", when: scenarioAt("2026-10-16T12:00:00Z"), playbook: aptMonthly, cycle: "2026-10", kind: monthly, operator: "Ana"}),
		"n-db=done", "n-web=done", "w-app=done", "w-kiosk=reboot-pending")
	s.expect(s.run(runSpec{id: "r1d", when: scenarioAt("2026-10-16T12:00:00Z"), playbook: dnfMonthly, cycle: "2026-10", kind: monthly, operator: "Ana"}),
		"n-files=done", "w-db=done")

	// November: n-files is switched off, w-db loops through reboots, the
	// kiosk again waits for a reboot. West runs after a window override.
	s.release()
	s.fault("n-files", lab.FaultOffline, true)
	s.expect(s.run(runSpec{id: "r2a", when: scenarioAt("2026-11-12T20:00:00Z"), playbook: aptMonthly, sel: north, cycle: "2026-11", kind: monthly, operator: "Ana"}),
		"n-db=done", "n-web=done")
	s.expect(s.run(runSpec{id: "r2d", when: scenarioAt("2026-11-12T20:00:00Z"), playbook: dnfMonthly, sel: north, cycle: "2026-11", kind: monthly, operator: "Ana"}),
		"n-files=missed")
	s.fault("n-files", lab.FaultOffline, false)
	s.fault("w-db", lab.FaultRebootLoop, true)
	s.expect(s.run(runSpec{id: "r3a", when: scenarioAt("2026-11-14T03:00:00Z"), playbook: aptMonthly, sel: west, cycle: "2026-11", kind: monthly, operator: "Ben",
		overrides: plan.Overrides{Window: "clinic closed for a staff day"}}), "w-app=done", "w-kiosk=reboot-pending")
	s.expect(s.run(runSpec{id: "r3d", when: scenarioAt("2026-11-14T03:00:00Z"), playbook: dnfMonthly, sel: west, cycle: "2026-11", kind: monthly, operator: "Ben"}),
		"w-db=failed")
	s.fault("w-db", lab.FaultRebootLoop, false)

	// The PACS review date moves, the kiosk is excepted, the hold lifted.
	s.snapshot("testdata/report/fleet-v2.yaml", scenarioAt("2026-11-20T00:00:00Z"))

	// Emergency E1, patched on every affected host 5 h after the
	// declaration and 44 h after the catalogue date.
	s.declare("E1", "CVE-2026-1111", scenarioAt("2026-12-01T00:00:00Z"), scenarioAt("2026-12-02T15:00:00Z"), []string{"north", "west"}, "n-web", "n-db", "w-app")
	s.release()
	e1 := s.run(runSpec{id: "r4", when: scenarioAt("2026-12-02T20:00:00Z"), playbook: aptMonthly, sel: hosts("n-web", "n-db", "w-app"), cycle: "E1", kind: event.CycleEmergency, operator: "Ana"})
	s.expect(e1, "n-db=done", "n-web=done", "w-app=done")
	s.patched("E1", e1, scenarioAt("2026-12-02T20:00:00Z"))

	// December: every patchable host done, after a gate override.
	s.release()
	gate := plan.Overrides{Gate: "test ring checked by hand"}
	s.expect(s.run(runSpec{id: "r6a", when: scenarioAt("2026-12-10T20:00:00Z"), playbook: aptMonthly, cycle: "2026-12", kind: monthly, operator: "Ben", overrides: gate}),
		"n-db=done", "n-web=done", "w-app=done")
	s.expect(s.run(runSpec{id: "r6d", when: scenarioAt("2026-12-10T20:00:00Z"), playbook: dnfMonthly, cycle: "2026-12", kind: monthly, operator: "Ben"}),
		"n-files=done", "w-db=done")

	// Emergency E2: n-files is patched, w-db loops again, n-db is never
	// run for it. No test host is affected, so the gate is overridden.
	s.declare("E2", "CVE-2026-2222", scenarioAt("2026-11-20T00:00:00Z"), scenarioAt("2026-12-11T09:00:00Z"), []string{"north", "west"}, "n-files", "w-db", "n-db")
	s.release()
	s.fault("w-db", lab.FaultRebootLoop, true)
	e2 := s.run(runSpec{id: "r5", when: scenarioAt("2026-12-12T09:00:00Z"), playbook: dnfMonthly, sel: hosts("n-files", "w-db"), cycle: "E2", kind: event.CycleEmergency, operator: "Ana",
		overrides: plan.Overrides{Gate: "emergency: no test host is affected"}})
	s.expect(e2, "n-files=done", "w-db=failed")
	s.patched("E2", e2, scenarioAt("2026-12-12T09:00:00Z"))
	s.fault("w-db", lab.FaultRebootLoop, false)

	// An aborted run, then n-db loops after the December measurement.
	s.expect(s.run(runSpec{id: "r7", when: scenarioAt("2026-12-15T12:00:00Z"), playbook: aptMonthly, sel: north, cycle: "2026-12", kind: monthly, operator: "Ana", abort: true}))
	s.release()
	s.fault("n-db", lab.FaultRebootLoop, true)
	s.expect(s.run(runSpec{id: "r8", when: scenarioAt("2026-12-20T10:00:00Z"), playbook: aptMonthly, sel: hosts("n-db"), cycle: "2026-12", kind: monthly, operator: "Ana"}),
		"n-db=failed")
	s.fault("n-db", lab.FaultRebootLoop, false)

	// 2027-01-01 03:00 UTC is still 2026-12-31 in Los Angeles: w-db is
	// patched inside West's quarter.
	s.release()
	s.expect(s.run(runSpec{id: "r9", when: scenarioAt("2027-01-01T03:00:00Z"), playbook: dnfMonthly, sel: hosts("w-db"), cycle: "2026-12", kind: monthly, operator: "Ben"}),
		"w-db=done")

	// In 2027Q1 everywhere, so outside every figure.
	s.expect(s.run(runSpec{id: "r10", when: scenarioAt("2027-01-02T12:00:00Z"), playbook: aptMonthly, sel: hosts("n-web", "n-db"), cycle: "2027-01", kind: monthly, operator: "Ana"}),
		"n-db=done", "n-web=done")
	return s
}
