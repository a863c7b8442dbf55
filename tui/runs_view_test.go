package tui

import (
	"testing"
	"time"

	"patchbay/state/event"
)

func TestHeardShowsFinishTime(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	// 03:50 UTC is 22:50 the evening before in New York, the ENT site's zone.
	h := &runHost{name: "ent-fd-01", site: "ent", phase: event.PhaseDone, lastHeard: testNow.Add(-10 * time.Minute)}
	first := stripANSI(m.runs.heardText(h))
	if first != "22:50 EST" {
		t.Errorf("heard of a finished host = %q, want its site-local finish time 22:50 EST", first)
	}
	m.c.clock = testNow.Add(time.Hour)
	if later := stripANSI(m.runs.heardText(h)); later != first {
		t.Errorf("heard of a finished host changed from %q to %q as the clock advanced", first, later)
	}
	if got := stripANSI(m.runs.heardText(&runHost{phase: event.PhaseSkipped})); got != "-" {
		t.Errorf("heard of a host never contacted = %q, want -", got)
	}
}
