package plan

import (
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/inventory/schedule"
	"patchbay/playbooks/book"
)

// esxiSite returns a site with the ESXi host esx in ring hvRing and its
// guests g1 and g2 in the rings given.
func esxiSite(hvRing, g1Ring, g2Ring string) *inventory.Inventory {
	host := func(name string, p inventory.Platform, ring string) *inventory.Host {
		return &inventory.Host{Name: name, Site: "s", Platform: p, Role: inventory.RoleServer, Ring: ring}
	}
	inv := &inventory.Inventory{
		Rings: []*inventory.Ring{{Name: "test"}, {Name: "production"}},
		Sites: []*inventory.Site{{ID: "s", TimeZone: time.UTC, Windows: []schedule.Window{{Days: 0x7f, Start: 0, End: 1440}}}},
		Hosts: []*inventory.Host{
			host("esx", inventory.PlatformESXi, hvRing),
			host("g1", inventory.PlatformLinuxApt, g1Ring),
			host("g2", inventory.PlatformLinuxApt, g2Ring),
		},
	}
	inv.Host("esx").Role = inventory.RoleHypervisor
	inv.Host("esx").Guests = []string{"g1", "g2"}
	inv.Host("g1").Hypervisor, inv.Host("g2").Hypervisor = "esx", "esx"
	return inv
}

func guestBook() *book.Playbook {
	return &book.Playbook{Name: "all", Platforms: []string{"linux-apt", "esxi"},
		Steps: []book.Step{{Name: "patch", Action: "shell", Changes: true}}}
}

func makeGuestPlan(t *testing.T, inv *inventory.Inventory) *Plan {
	t.Helper()
	p, err := Make(inv, guestBook(), Selection{}, Options{At: planAt, Overrides: Overrides{Gate: "guest order test"},
		Windows: fixedWindows{Open: true, Closes: planAt.Add(8 * time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGuestsBeforeHypervisor(t *testing.T) {
	inv := esxiSite("production", "production", "production")
	p := makeGuestPlan(t, inv)
	if got := names(p.Hosts); got != "g1,g2,esx" {
		t.Errorf("order = %s, want the guests before their hypervisor", got)
	}
	if !p.Find("esx").Runnable() {
		t.Errorf("esx skipped: %v", p.Find("esx").Skip)
	}
	if err := GuestOrderError(inv, p); err != nil {
		t.Errorf("GuestOrderError = %v for the planner's order", err)
	}
}

func TestGuestOrderRejectsHypervisorFirst(t *testing.T) {
	inv := esxiSite("production", "production", "production")
	p := makeGuestPlan(t, inv)
	p.Hosts[0], p.Hosts[2] = p.Hosts[2], p.Hosts[0]
	err := GuestOrderError(inv, p)
	if err == nil || !strings.Contains(err.Error(), "hypervisor esx before its guest g1") {
		t.Errorf("GuestOrderError = %v, want the hypervisor-first order rejected", err)
	}
}

func TestGuestInLaterRingSkipsHypervisor(t *testing.T) {
	inv := esxiSite("test", "test", "production")
	p := makeGuestPlan(t, inv)
	esx := p.Find("esx")
	if esx.Runnable() || esx.Skip.Reason != ReasonGuestOrder {
		t.Fatalf("esx skip = %v, want guest-order", esx.Skip)
	}
	if !strings.Contains(esx.Skip.Detail, "guest g2 is in ring production") {
		t.Errorf("detail %q does not name g2 and its ring", esx.Skip.Detail)
	}
	if len(esx.Steps) != 0 {
		t.Errorf("skipped hypervisor keeps %d steps", len(esx.Steps))
	}
	if !p.Find("g2").Runnable() || !p.Find("g1").Runnable() {
		t.Errorf("guests must still run")
	}
	if err := GuestOrderError(inv, p); err != nil {
		t.Errorf("GuestOrderError = %v after the skip", err)
	}
}

func TestGuestInEarlierRingKeepsHypervisor(t *testing.T) {
	inv := esxiSite("production", "test", "production")
	p := makeGuestPlan(t, inv)
	if !p.Find("esx").Runnable() {
		t.Errorf("esx skipped: %v", p.Find("esx").Skip)
	}
}

func TestSkippedGuestDoesNotBlock(t *testing.T) {
	inv := esxiSite("test", "test", "production")
	inv.Exceptions = []*inventory.Exception{{ID: "EXC-1", Hosts: []string{"g2"}, App: "pacs", Reason: "certified build"}}
	p := makeGuestPlan(t, inv)
	if !p.Find("esx").Runnable() {
		t.Errorf("esx skipped for an excepted guest: %v", p.Find("esx").Skip)
	}
}
