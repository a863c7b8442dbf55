package state

import (
	"context"
	"testing"

	"patchbay/state/event"
)

func TestSnapshotInventoryOnlyWhenChanged(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	steps := []struct {
		content string
		want    bool
	}{
		{"sites: [a]\n", true},
		{"sites: [a]\n", false},
		{"sites: [a, b]\n", true},
		{"sites: [a]\n", true},
	}
	for i, step := range steps {
		wrote, err := s.SnapshotInventory(ctx, "inventory.yaml", []byte(step.content))
		if err != nil {
			t.Fatal(err)
		}
		if wrote != step.want {
			t.Errorf("step %d: wrote = %v, want %v", i, wrote, step.want)
		}
	}
	recs, err := s.Records(ctx, Filter{Kinds: []event.Kind{event.KindInventory}})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d inventory snapshots, want 3", len(recs))
	}
	p, err := recs[1].Decode()
	if err != nil {
		t.Fatal(err)
	}
	if inv := p.(event.Inventory); inv.Content != "sites: [a, b]\n" || inv.Source != "inventory.yaml" {
		t.Errorf("second snapshot = %+v", inv)
	}
}

func TestOSUserNotEmpty(t *testing.T) {
	if OSUser() == "" {
		t.Error("OSUser returned an empty name")
	}
}
