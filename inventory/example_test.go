package inventory

import (
	"testing"

	"patchbay/remote"
)

func loadExamples(t *testing.T) *Inventory {
	t.Helper()
	inv, err := Load("../examples", Options{Now: testNow})
	if err != nil {
		t.Fatalf("Load examples: %v", err)
	}
	return inv
}

func TestExamplesLoad(t *testing.T) {
	inv := loadExamples(t)
	if len(inv.Warnings) != 0 {
		t.Errorf("warnings: %v", inv.Warnings)
	}
	if got := len(inv.Sites); got != 3 {
		t.Errorf("sites = %d, want 3", got)
	}
	if got := len(inv.Exceptions); got != 2 {
		t.Errorf("exceptions = %d, want 2", got)
	}
	if len(inv.Devices) == 0 || len(inv.Holds) == 0 {
		t.Errorf("devices = %d, holds = %d, want some of each", len(inv.Devices), len(inv.Holds))
	}
	checkAccessInvariants(t, inv)
}

func TestExamplesUseEveryPlatform(t *testing.T) {
	inv := loadExamples(t)
	used := map[Platform]bool{}
	for _, h := range inv.Hosts {
		used[h.Platform] = true
	}
	for _, p := range Platforms {
		if !used[p] {
			t.Errorf("no example host has platform %s", p)
		}
	}
}

func TestExamplesAccess(t *testing.T) {
	inv := loadExamples(t)
	cases := []struct {
		host string
		want remote.Access
	}{
		{"ent-fd-01", remote.AccessFull},
		{"ent-audio-01", remote.AccessReadOnly},
		{"img-read-02", remote.AccessReadOnly},
		{"ent-audiometer", remote.AccessNone}, // a medical device
		{"no-such-host", remote.AccessNone},
	}
	for _, tc := range cases {
		if got := inv.Access(tc.host); got != tc.want {
			t.Errorf("Access(%s) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

func TestExamplesTopology(t *testing.T) {
	inv := loadExamples(t)
	esx := inv.Host("img-esx-01")
	if len(esx.Guests) != 2 {
		t.Errorf("img-esx-01 guests = %v, want img-pacs-01 and img-ris-01", esx.Guests)
	}
	order := map[string]int{"img-pacs-01": 0, "img-read-01": 1, "img-esx-01": 2, "img-gw": 3, "img-fw": 4, "img-core": 4}
	for name, want := range order {
		if got := inv.Host(name).Order(); got != want {
			t.Errorf("%s Order = %d, want %d", name, got, want)
		}
	}
	if got := inv.Site("ent").Gateway; got != "ent-gw" {
		t.Errorf("ent gateway = %q, want ent-gw", got)
	}
	if got := inv.RebootPolicyFor(inv.Host("img-ct-console")).Mode; got != RebootNever {
		t.Errorf("img-ct-console reboot mode = %s, want never", got)
	}
	if got := len(inv.HoldsFor(inv.Host("img-pacs-01"))); got != 2 {
		t.Errorf("holds for img-pacs-01 = %d, want 2 (all, app:pacs)", got)
	}
}
