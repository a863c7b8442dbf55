package cli

import (
	"context"
	"testing"

	"patchbay/playbooks/plan"
	"patchbay/state"
	"patchbay/tui"
)

// startConsoleRun plans linux-apt-monthly over ring test through the
// console's backend and starts it.
func startConsoleRun(t *testing.T, b *consoleBackend) *tui.Run {
	t.Helper()
	ctx := context.Background()
	if _, err := b.LoadFleet(ctx); err != nil {
		t.Fatalf("load the fleet: %v", err)
	}
	req := tui.PlanRequest{Playbook: "linux-apt-monthly", Selection: plan.Selection{Rings: []string{"test"}}}
	p, err := b.Plan(ctx, req)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	r, err := b.Start(ctx, req, p)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	return r
}

func TestConsoleRunCommitsBeforeShown(t *testing.T) {
	b := newTestConsoleBackend(t, nil)
	r := startConsoleRun(t, b)
	shown := 0
	for e := range r.Events {
		shown++
		recs, err := b.store.Records(context.Background(), state.Filter{Run: r.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) < shown {
			t.Fatalf("event %d (%s) was shown with %d records of run %s committed", shown, e.Payload.Kind(), len(recs), r.ID)
		}
	}
	if result := <-r.Done; result.Err != nil {
		t.Fatalf("run error: %v", result.Err)
	}
	if shown == 0 {
		t.Error("the run showed no events")
	}
}
