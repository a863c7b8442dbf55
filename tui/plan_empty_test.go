package tui

import (
	"strings"
	"testing"
)

func TestPlanNothingRunnableSaysSo(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	m.Update(playbooksMsg{names: []string{"esxi-update"}})
	press(m, "2")
	cmd := press(m, "p")
	m.Update(cmd())
	if m.plan.plan == nil {
		t.Fatalf("no plan after p: %v", m.plan.planErr)
	}
	if runnable, _ := m.plan.plan.Counts(); runnable != 0 {
		t.Fatalf("plan has %d runnable hosts, want 0 for this test", runnable)
	}
	press(m, "s")
	screen := m.render()
	if strings.Contains(screen, "s starts") {
		t.Errorf("the plan offers s with nothing to run:\n%s", screen)
	}
	if !strings.Contains(screen, "nothing to start") {
		t.Errorf("the plan does not say that nothing can start:\n%s", screen)
	}
}
