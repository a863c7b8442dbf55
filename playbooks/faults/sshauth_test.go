package faults_test

import (
	"testing"

	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner"
	"patchbay/state/event"
)

func TestLegacyAlgorithmsOptIn(t *testing.T) {
	w := startWorld(t, "")
	hosts := append([]string{"lx5"}, linuxHosts...)
	o := w.run(loadPlaybook(t, "echo.yaml"), plan.Selection{Hosts: hosts}, nil, runner.Options{})
	checkOthersDone(t, o, hosts)
	w.checkJournal()
}

func TestLegacyAlgorithmsWithoutOptIn(t *testing.T) {
	w := startWorld(t, "")
	w.inv.Host("lx5").Transport.LegacyAlgorithms = false
	hosts := append([]string{"lx5"}, linuxHosts...)
	o := w.run(loadPlaybook(t, "echo.yaml"), plan.Selection{Hosts: hosts}, nil, runner.Options{})
	checkFaulty(t, o, "lx5", event.PhaseFailed, "legacy")
	checkOthersDone(t, o, hosts, "lx5")
	w.checkJournal()
}
