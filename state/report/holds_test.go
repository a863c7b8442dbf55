package report

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/state"
	"patchbay/state/event"
	"patchbay/state/report/model"
)

// extraHolds adds to the example inventory a package hold and a macOS
// image hold on site paeds and an ESXi image hold on every site.
const extraHolds = `holds:
  - id: pkg-openssl
    package: openssl
    reason: breaks the practice software's TLS client
    source: vendor bulletin
    scope: site:paeds
    recheck: 2027-01-12
  - id: img-sonoma
    firmware: macOS Sonoma 14.7.2
    reason: the imaging viewer is not certified on it
    source: vendor bulletin
    scope: site:paeds
    recheck: 2027-01-12
  - id: img-esxi
    firmware: ESXi-8.0U3-standard
    reason: the storage driver is not certified on it
    source: vendor bulletin
    scope: all
    recheck: 2027-01-12
`

// openHoldsStore journals the example inventory with extraHolds on
// 2026-10-01, and a run in which the macOS hold kept an update back on
// paeds-mac-01.
func openHoldsStore(t *testing.T) *state.Store {
	t.Helper()
	store := journalHolds(t, extraHolds)
	run := at("2026-11-10T03:00:00Z")
	_, err := store.Append(context.Background(),
		event.Event{Time: run, Run: "mac", Payload: event.RunStarted{Operator: "tech", Playbook: "macos-monthly", Sites: []string{"paeds"}, Hosts: []string{"paeds-mac-01"}}},
		event.Event{Time: run, Run: "mac", Host: "paeds-mac-01", Payload: event.UpdateResult{Update: "macOS Sonoma 14.7.2-23H311", Title: "held by hold img-sonoma", ResultCode: "held"}},
		event.Event{Time: run, Run: "mac", Host: "paeds-mac-01", Payload: event.HostState{Phase: event.PhaseDone}},
		event.Event{Time: run, Run: "mac", Payload: event.RunFinished{Done: 1}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// journalHolds journals the example inventory with the holds document
// added, on 2026-10-01, in a new store.
func journalHolds(t *testing.T, holds string) *state.Store {
	t.Helper()
	dir := copyExamples(t)
	if err := os.WriteFile(filepath.Join(dir, "holds.yaml"), []byte(holds), 0o600); err != nil {
		t.Fatal(err)
	}

	when := at("2026-10-01T00:00:00Z")
	inv, err := inventory.Load(dir, inventory.Options{Now: when})
	if err != nil {
		t.Fatal(err)
	}
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	store.SetClock(func() time.Time { return when })
	if _, err := JournalInventory(context.Background(), store, inv); err != nil {
		t.Fatal(err)
	}
	return store
}

// copyExamples copies the example inventory files into a new folder and
// returns it.
func copyExamples(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	examples, err := filepath.Glob("../../examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range examples {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// holdDeferred returns the deferred hosts of the hold on update in q.
func holdDeferred(t *testing.T, q *model.Quarterly, update string) []string {
	t.Helper()
	for _, h := range q.Holds {
		if h.Update == update {
			return h.Deferred
		}
	}
	t.Fatalf("no hold on %q in the report", update)
	return nil
}

func TestHoldDefersOnlyMatchingPlatforms(t *testing.T) {
	store := openHoldsStore(t)
	q, err := BuildQuarterly(context.Background(), store, Options{Quarter: Quarter{2026, 4}, Site: "paeds", Now: at("2027-01-05T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		update string
		want   []string
	}{
		// A KB hold reaches the Windows hosts only, not Linux, gear or macOS.
		{"KB5034441", []string{"paeds-exam-01", "paeds-exam-02", "paeds-fd-01"}},
		// A package hold reaches the Linux hosts: the gateway and the file server.
		{"openssl", []string{"paeds-files", "paeds-gw"}},
		// macOS honours an image hold by update label, and the journal
		// shows that this one kept an update back on paeds-mac-01.
		{"macOS Sonoma 14.7.2", []string{"paeds-mac-01"}},
	}
	for _, c := range cases {
		got := slices.Sorted(slices.Values(holdDeferred(t, q, c.update)))
		if !slices.Equal(got, c.want) {
			t.Errorf("hold on %s defers %v, want %v", c.update, got, c.want)
		}
	}
}

func TestFirmwareHoldDefersOnlyESXi(t *testing.T) {
	store := openHoldsStore(t)
	q, err := BuildQuarterly(context.Background(), store, Options{Quarter: Quarter{2026, 4}, Now: at("2027-01-05T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	got := holdDeferred(t, q, "ESXi-8.0U3-standard")
	if !slices.Equal(got, []string{"img-esx-01"}) {
		t.Errorf("firmware hold defers %v, want only the ESXi host img-esx-01", got)
	}
}

func TestHoldTableNamesSinceSource(t *testing.T) {
	store := openHoldsStore(t)
	q, err := BuildQuarterly(context.Background(), store, Options{Quarter: Quarter{2026, 4}, Site: "paeds", Now: at("2027-01-05T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range q.Tables() {
		if table.Name != "holds" {
			continue
		}
		if !slices.Contains(table.Columns, "since (first snapshot or runner record)") {
			t.Errorf("holds columns = %q, want a since column that names its source", table.Columns)
		}
		return
	}
	t.Error("no holds table in the report")
}

func TestGearFirmwareHoldDefersFromJournal(t *testing.T) {
	store := journalHolds(t, `holds:
  - id: fgt-7210
    firmware: FGT_60F-v7.2.10.out
    reason: IPsec tunnels drop after the upgrade
    source: vendor bulletin
    scope: all
    recheck: 2027-01-12
`)
	run := at("2026-11-10T03:00:00Z")
	_, err := store.Append(context.Background(),
		event.Event{Time: run, Run: "fw", Payload: event.RunStarted{Operator: "tech", Playbook: "fortios-firmware", Sites: []string{"ent"}, Hosts: []string{"ent-fw"}}},
		event.Event{Time: run, Run: "fw", Host: "ent-fw", Payload: event.UpdateResult{Update: "FGT_60F-v7.2.10.out", Title: "held by hold fgt-7210: IPsec tunnels drop after the upgrade", ResultCode: "held"}},
		event.Event{Time: run, Run: "fw", Host: "ent-fw", Payload: event.HostState{Phase: event.PhaseFailed}},
		event.Event{Time: run, Run: "fw", Payload: event.RunFinished{Failed: 1}},
	)
	if err != nil {
		t.Fatal(err)
	}
	q, err := BuildQuarterly(context.Background(), store, Options{Quarter: Quarter{2026, 4}, Now: at("2027-01-05T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	// The journal puts ent-fw in, and no other gear. The ESXi host counts
	// for every firmware hold in its scope, whether it names ESXi or not.
	got := slices.Sorted(slices.Values(holdDeferred(t, q, "FGT_60F-v7.2.10.out")))
	if !slices.Equal(got, []string{"ent-fw", "img-esx-01"}) {
		t.Errorf("firmware hold defers %v, want ent-fw, whose run the hold stopped, and the ESXi host img-esx-01", got)
	}
}
