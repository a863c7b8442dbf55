package cli

import (
	"testing"

	"patchbay/state/event"
)

func TestLeftRebootingLatestRunWins(t *testing.T) {
	chain := []chainRun{
		{start: event.RunStarted{Hosts: []string{"ws1", "ws2", "ws3"}},
			finals: map[string]event.HostPhase{"ws3": event.PhaseDone},
			last: map[string]event.HostPhase{"ws1": event.PhaseRebooting, "ws2": event.PhaseOffline,
				"ws3": event.PhaseDone}},
		{start: event.RunStarted{Hosts: []string{"ws2"}},
			finals: map[string]event.HostPhase{},
			last:   map[string]event.HostPhase{"ws2": event.PhaseInstalling}},
	}
	got := leftRebooting(chain)
	if !got["ws1"] {
		t.Error("ws1 was left rebooting by the only run that selected it, want true")
	}
	if got["ws2"] {
		t.Error("ws2 was installing when the latest run stopped, want false")
	}
	if got["ws3"] {
		t.Error("ws3 finished done, want false")
	}
}
