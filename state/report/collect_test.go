package report

import (
	"context"
	"os"
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
	data, err := os.ReadFile("testdata/fleet-v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store.SetClock(func() time.Time { return at("2026-09-01T00:00:00Z") })
	if _, err := store.SnapshotInventory(ctx, "fleet-v1.yaml", data); err != nil {
		t.Fatal(err)
	}
	started, done := at("2026-09-28T00:00:00Z"), at("2026-10-15T00:00:00Z")
	_, err = store.Append(ctx,
		event.Event{Time: started, Run: "long", Payload: event.RunStarted{Operator: "tech", Playbook: apt, Sites: []string{"north"}}},
		event.Event{Time: started, Run: "long", Host: "n-web", Payload: event.StepStarted{Step: "upgrade packages"}},
		event.Event{Time: done, Run: "long", Host: "n-web", Payload: event.HostState{Phase: event.PhaseDone}},
		event.Event{Time: done, Run: "long", Payload: event.RunFinished{Done: 1}},
	)
	if err != nil {
		t.Fatal(err)
	}
	q, err := BuildQuarterly(ctx, store, Options{Quarter: Quarter{2026, 4}, Site: "north", Now: at("2027-01-05T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	// October is measured at 10-18 17:00, after the release of 10-13
	// 17:00 and the done of 10-15: n-web of north's three patchable hosts.
	october := q.Total().Months[0]
	if october.Current != 1 || october.Patchable != 3 {
		t.Errorf("October coverage = %s, want 1/3", october)
	}
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
