package plan

import (
	"errors"
	"slices"
	"testing"
	"time"

	"patchbay/inventory"
)

// orderPlan returns a plan for a site with a workstation, a gateway, a
// firewall and a core switch, as Make orders it.
func orderPlan(t *testing.T) *Plan {
	t.Helper()
	hosts := []*inventory.Host{
		{Name: "fw", Site: "a", Role: inventory.RoleFirewall, Platform: inventory.PlatformFortiOS},
		{Name: "gw", Site: "a", Role: inventory.RoleGateway, Platform: inventory.PlatformLinuxApt},
		{Name: "pc", Site: "a", Role: inventory.RoleWorkstation, Platform: inventory.PlatformLinuxApt},
		{Name: "sw", Site: "a", Role: inventory.RoleCoreSwitch, Platform: inventory.PlatformCiscoIOS},
	}
	inv := &inventory.Inventory{Sites: []*inventory.Site{{ID: "a"}}, Hosts: hosts}
	return &Plan{At: time.Now(), Hosts: selectHosts(inv, Selection{})}
}

func TestCheckOrderAcceptsMadeOrder(t *testing.T) {
	p := orderPlan(t)
	if err := CheckOrder(p); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range p.Hosts {
		names = append(names, h.Host.Name)
	}
	if want := []string{"pc", "gw", "fw", "sw"}; !slices.Equal(names, want) {
		t.Errorf("order %v, want %v", names, want)
	}
}

func TestCheckOrderRejectsFirewallWithOthers(t *testing.T) {
	p := orderPlan(t)
	fw := p.Find("fw")
	fw.Stage, fw.Alone = 1, false
	err := CheckOrder(p)
	if !errors.Is(err, ErrWrongOrder) {
		t.Fatalf("err = %v, want ErrWrongOrder", err)
	}
}

func TestCheckOrderRejectsFirewallNotAlone(t *testing.T) {
	p := orderPlan(t)
	p.Find("fw").Alone = false
	if err := CheckOrder(p); !errors.Is(err, ErrWrongOrder) {
		t.Fatalf("err = %v, want ErrWrongOrder", err)
	}
}

func TestCheckOrderRejectsFirewallFirst(t *testing.T) {
	p := orderPlan(t)
	p.Hosts[0], p.Hosts[2] = p.Hosts[2], p.Hosts[0] // fw before pc
	if err := CheckOrder(p); !errors.Is(err, ErrWrongOrder) {
		t.Fatalf("err = %v, want ErrWrongOrder", err)
	}
}

func TestCheckOrderIgnoresSkippedHosts(t *testing.T) {
	p := orderPlan(t)
	fw := p.Find("fw")
	fw.Stage, fw.Alone = 1, false
	fw.Skip = &Skip{Reason: ReasonException, Detail: "excepted"}
	if err := CheckOrder(p); err != nil {
		t.Errorf("a skipped host failed the check: %v", err)
	}
}
