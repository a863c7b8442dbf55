package report

import (
	"context"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/state"
	"patchbay/state/event"
)

// TestRunAcrossQuarterStart checks that host records written before the
// second pass's bound are still read for a run that was going at the
// bound: its changing step started in September, its host ended done in
// October.
func TestRunAcrossQuarterStart(t *testing.T) {
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	snapshotExamples(t, store, at("2026-09-01T00:00:00Z"))
	started, done := at("2026-09-28T00:00:00Z"), at("2026-10-15T00:00:00Z")
	_, err = store.Append(ctx,
		event.Event{Time: started, Run: "long", Payload: event.RunStarted{Operator: "tech", Playbook: "linux-apt-monthly", Sites: []string{"paeds"}}},
		event.Event{Time: started, Run: "long", Host: "paeds-files", Payload: event.StepStarted{Step: "upgrade packages"}},
		event.Event{Time: done, Run: "long", Host: "paeds-files", Payload: event.HostState{Phase: event.PhaseDone}},
		event.Event{Time: done, Run: "long", Payload: event.RunFinished{Done: 1}},
	)
	if err != nil {
		t.Fatal(err)
	}
	q, err := BuildQuarterly(ctx, store, Options{Quarter: Quarter{2026, 4}, Site: "paeds", Now: at("2027-01-05T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	// The example rings end October's production phase 168 h after the
	// release of 10-13 17:00 UTC, at 10-20 17:00, after the done of 10-15:
	// paeds-files of paeds' eight patchable hosts.
	october := q.Total().Months[0]
	if october.Current != 1 || october.Patchable != 8 {
		t.Errorf("October coverage = %s, want 1/8", october)
	}
}

// snapshotExamples journals the example inventory at instant when.
func snapshotExamples(t *testing.T, store *state.Store, when time.Time) {
	t.Helper()
	inv, err := inventory.Load("../../examples", inventory.Options{Now: when})
	if err != nil {
		t.Fatal(err)
	}
	store.SetClock(func() time.Time { return when })
	if _, err := JournalInventory(context.Background(), store, inv); err != nil {
		t.Fatal(err)
	}
}

func at(text string) time.Time {
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		panic(err)
	}
	return t
}

func TestJournalInventoryRoundTrip(t *testing.T) {
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	opts := inventory.Options{Now: at("2026-12-01T00:00:00Z")}
	inv, err := inventory.Load("../../examples", opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	wrote, err := JournalInventory(ctx, store, inv)
	if err != nil || !wrote {
		t.Fatalf("first snapshot: wrote %v, %v", wrote, err)
	}
	if wrote, err := JournalInventory(ctx, store, inv); err != nil || wrote {
		t.Errorf("unchanged inventory: wrote %v, %v; want no second snapshot", wrote, err)
	}
	f, err := collect(ctx, store, Quarter{2026, 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.snapshots) != 1 {
		t.Fatalf("%d snapshots, want 1", len(f.snapshots))
	}
	back := f.snapshots[0].inv
	counts := [][2]int{{len(back.Sites), len(inv.Sites)}, {len(back.Hosts), len(inv.Hosts)}, {len(back.Exceptions), len(inv.Exceptions)},
		{len(back.Devices), len(inv.Devices)}, {len(back.Holds), len(inv.Holds)}, {len(back.Rings), len(inv.Rings)}}
	for i, c := range counts {
		if c[0] != c[1] {
			t.Errorf("count %d: snapshot has %d, inventory %d", i, c[0], c[1])
		}
	}
}
