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
	store := openExamplesStore(t, at("2026-09-01T00:00:00Z"))
	ctx := context.Background()
	started, done := at("2026-09-28T00:00:00Z"), at("2026-10-15T00:00:00Z")
	_, err := store.Append(ctx,
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

// openExamplesStore opens a new journal, closed when the test ends, that
// holds the example inventory journaled at instant when.
func openExamplesStore(t *testing.T, when time.Time) *state.Store {
	t.Helper()
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	snapshotExamples(t, store, when)
	return store
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

// TestEmergencyScopedToSite checks that a report for one site counts only
// that site's hosts of an emergency declared across several sites.
func TestEmergencyScopedToSite(t *testing.T) {
	store := openExamplesStore(t, at("2026-10-01T00:00:00Z"))
	ctx := context.Background()
	declared := at("2026-11-02T00:00:00Z")
	_, err := store.Append(ctx,
		event.Event{Time: declared, Payload: event.Emergency{ID: "EMG-1", CVEs: []string{"CVE-2024-21412"},
			Deadline: declared.Add(72 * time.Hour), Hosts: []string{"ent-fd-01", "img-read-01", "paeds-exam-01"}}},
		event.Event{Time: declared.Add(2 * time.Hour), Host: "ent-fd-01", Payload: event.EmergencyPatched{ID: "EMG-1"}},
		event.Event{Time: declared.Add(30 * time.Hour), Host: "paeds-exam-01", Payload: event.EmergencyPatched{ID: "EMG-1"}},
	)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		site           string
		hosts, patched int
		met24          bool
	}{
		{"", 3, 2, false},
		{"ent", 1, 1, true},
		{"imaging", 1, 0, false},
		{"paeds", 1, 1, false},
	}
	for _, c := range cases {
		q, err := BuildQuarterly(ctx, store, Options{Quarter: Quarter{2026, 4}, Site: c.site, Now: at("2027-01-05T00:00:00Z")})
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Emergencies) != 1 {
			t.Fatalf("site %q: %d emergencies, want 1", c.site, len(q.Emergencies))
		}
		e := q.Emergencies[0]
		if e.Hosts != c.hosts {
			t.Errorf("site %q: hosts = %d, want %d", c.site, e.Hosts, c.hosts)
		}
		if e.Patched != c.patched {
			t.Errorf("site %q: patched = %d, want %d", c.site, e.Patched, c.patched)
		}
		if e.FromDeclared.Met24 != c.met24 {
			t.Errorf("site %q: met 24 h from declaration = %v, want %v", c.site, e.FromDeclared.Met24, c.met24)
		}
	}
}
