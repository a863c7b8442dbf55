package runner

import (
	"errors"
	"sync"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/plan"
	"patchbay/state/event"
)

// siteWithPath returns site a with two workstations, its gateway, its
// firewall and its core switch, each with a pending update.
func siteWithPath() (*inventory.Inventory, []*fakeHost) {
	inv := testInventory(map[string][]string{"a": {"pc1", "pc2", "gw", "fw", "sw"}})
	inv.Host("gw").Role = inventory.RoleGateway
	inv.Host("fw").Role = inventory.RoleFirewall
	inv.Host("sw").Role = inventory.RoleCoreSwitch
	var hosts []*fakeHost
	for _, name := range []string{"pc1", "pc2", "gw", "fw", "sw"} {
		hosts = append(hosts, newFakeHost(name, "openssl"))
	}
	return inv, hosts
}

func TestRunRejectsFirewallBesideOthers(t *testing.T) {
	inv, hosts := siteWithPath()
	fleet := newFakeFleet(hosts...)
	s := &runSetup{inv: inv, pb: builtinPlaybook(t, "linux-apt-monthly"), fleet: fleet}
	r := s.runner(t)
	fw := r.plan.Find("fw")
	fw.Stage, fw.Alone = 1, false

	sum, err := r.Run(t.Context())

	if !errors.Is(err, plan.ErrWrongOrder) {
		t.Fatalf("err = %v, want plan.ErrWrongOrder", err)
	}
	if sum != nil {
		t.Errorf("summary %+v for a run that must not start", sum)
	}
	if len(fleet.dialed) != 0 {
		t.Errorf("hosts %v were dialled", fleet.dialed)
	}
}

// span is when a host ran: its first and last event.
type span struct{ start, end time.Time }

func spans(events []event.Event) map[string]span {
	out := map[string]span{}
	for _, ev := range events {
		if ev.Host == "" {
			continue
		}
		s, ok := out[ev.Host]
		if !ok {
			s.start = ev.Time
		}
		s.end = ev.Time
		out[ev.Host] = s
	}
	return out
}

func TestSitePathRunsLastAndAlone(t *testing.T) {
	inv, hosts := siteWithPath()
	inv.Sites[0].Concurrency = 5
	var mu sync.Mutex
	running, maxRunning := 0, map[string]int{}
	for _, h := range hosts {
		h.onUpgrade = func() {
			mu.Lock()
			running++
			maxRunning[h.name] = max(maxRunning[h.name], running)
			mu.Unlock()
			time.Sleep(30 * time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
		}
	}
	s := &runSetup{inv: inv, pb: builtinPlaybook(t, "linux-apt-monthly"), fleet: newFakeFleet(hosts...)}

	sum, _ := s.run(t)

	for _, name := range []string{"pc1", "pc2", "gw", "fw", "sw"} {
		if sum.Hosts[name] != event.PhaseDone {
			t.Fatalf("%s ended %s:\n%s", name, sum.Hosts[name], dump(s.journal.all()))
		}
	}
	if maxRunning["pc1"] < 2 && maxRunning["pc2"] < 2 {
		t.Error("the workstations never ran together, so the test cannot tell alone from serial")
	}
	for _, name := range []string{"gw", "fw", "sw"} {
		if maxRunning[name] != 1 {
			t.Errorf("%s upgraded while %d hosts of its site upgraded", name, maxRunning[name])
		}
	}
	got := spans(s.journal.all())
	order := []string{"gw", "fw", "sw"}
	for i, name := range order {
		for _, pc := range []string{"pc1", "pc2"} {
			if got[name].start.Before(got[pc].end) {
				t.Errorf("%s started before %s finished", name, pc)
			}
		}
		if i > 0 && got[name].start.Before(got[order[i-1]].end) {
			t.Errorf("%s started before %s came back", name, order[i-1])
		}
	}
}
