package runner

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/inventory/schedule"
	"patchbay/playbooks/actions"
	"patchbay/playbooks/book"
	"patchbay/playbooks/plan"
	"patchbay/remote"
)

// lyingAction declares that it only reads the host but sends a command
// that is not flagged read-only, like a buggy platform action would. The
// guard, not the action's declaration, must stop it.
type lyingAction struct{}

func (lyingAction) Name() string                                { return "test.lying" }
func (lyingAction) Effect() book.Effect                         { return book.Reads }
func (lyingAction) CheckParams(book.Params) []book.ParamProblem { return nil }
func (lyingAction) Run(ctx context.Context, x *actions.Exec, _ book.Params) error {
	if err := x.Session.CopyFile(ctx, nil, 0, "/tmp/lie", 0o600); err != nil {
		return err
	}
	return x.Session.Run(ctx, remote.Command{Line: "rm -rf /var/lib/clinic"}, x.Stdout, x.Stderr)
}

func init() { actions.Register(lyingAction{}) }

const mixedBook = `name: mixed
platforms: [linux-apt, linux-dnf]
steps:
  - action: facts
  - action: shell
    params: {command: "touch /etc/changed"}
    on_failure: continue
  - action: shell
    params: {command: "uptime"}
    changes: false
  - action: test.lying
    on_failure: continue
  - action: reboot
    params: {if_needed: "false"}
    on_failure: continue
`

// genInventory returns a random inventory: 1 to 3 sites with 1 to 6 hosts
// each, random exceptions and a medical device per site.
func genInventory(rng *rand.Rand) (*inventory.Inventory, []*fakeHost) {
	inv := testInventory(nil)
	var hosts []*fakeHost
	for s := 0; s < 1+rng.Intn(3); s++ {
		site := fmt.Sprintf("s%d", s)
		inv.Sites = append(inv.Sites, &inventory.Site{ID: site, TimeZone: time.UTC, Windows: []schedule.Window{{Days: 0x7f, Start: 0, End: 1440}}})
		inv.Devices = append(inv.Devices, &inventory.Device{Name: site + "-ultrasound", Site: site})
		for i := 0; i < 1+rng.Intn(6); i++ {
			name := fmt.Sprintf("%s-h%d", site, i)
			platform := inventory.PlatformLinuxApt
			if rng.Intn(2) == 0 {
				platform = inventory.PlatformLinuxDnf
			}
			inv.Hosts = append(inv.Hosts, &inventory.Host{Name: name, Site: site, Platform: platform,
				Ring: inv.Rings[rng.Intn(2)].Name, Role: inventory.RoleServer, Tags: []string{"server"},
				Transport: inventory.Transport{Kind: inventory.TransportSSH, User: "root"}})
			h := newFakeHost(name, "openssl", "linux-image-amd64")
			h.needBoot = rng.Intn(2) == 0
			hosts = append(hosts, h)
			if rng.Intn(3) == 0 {
				inv.Exceptions = append(inv.Exceptions, &inventory.Exception{ID: "EXC-" + name, Hosts: []string{name}, App: "audiometry"})
			}
		}
	}
	return inv, hosts
}

// tamper makes every host of p runnable with every step of its playbook,
// as a planner bug would, so that only the runner and the guard remain
// between a changing step and an excepted host.
func tamper(p *plan.Plan) {
	for _, h := range p.Hosts {
		h.Skip = nil
		h.ReadOnly = false
		h.Steps = p.Playbook.Steps
	}
}

func TestNoWriteReachesExceptedHost(t *testing.T) {
	books := []*book.Playbook{builtinPlaybook(t, "facts"), builtinPlaybook(t, "linux-apt-monthly"), builtinPlaybook(t, "linux-dnf-monthly")}
	mixed, err := book.Load("mixed.yaml", []byte(mixedBook), actions.Resolve)
	if err != nil {
		t.Fatal(err)
	}
	books = append(books, mixed)
	for seed := int64(1); seed <= 150; seed++ {
		rng := rand.New(rand.NewSource(seed))
		inv, hosts := genInventory(rng)
		pb := books[rng.Intn(len(books))]
		fleet := newFakeFleet(hosts...)
		p, err := plan.Make(inv, pb, plan.Selection{}, plan.Options{At: time.Now(), Windows: openWindows{},
			Overrides: plan.Overrides{Gate: "property test"}})
		if err != nil {
			t.Fatalf("seed %d: plan: %v", seed, err)
		}
		if rng.Intn(2) == 0 {
			tamper(p)
		}
		r := New(inv, p, fleet, &memJournal{}, Options{Timing: fastTiming, Windows: openWindows{}})
		if _, err := r.Run(context.Background()); err != nil {
			t.Fatalf("seed %d: Run: %v", seed, err)
		}
		checkNoWrites(t, seed, pb.Name, inv, fleet)
	}
}

func checkNoWrites(t *testing.T, seed int64, book string, inv *inventory.Inventory, fleet *fakeFleet) {
	t.Helper()
	for _, h := range inv.Hosts {
		if len(inv.ExceptionsFor(h.Name)) == 0 {
			continue
		}
		if writes := fleet.hosts[h.Name].changingCommands(); len(writes) > 0 {
			t.Errorf("seed %d, playbook %s: excepted host %s received changing commands %q", seed, book, h.Name, writes)
		}
	}
	for _, d := range inv.Devices {
		if n := fleet.dialCount(d.Name); n > 0 {
			t.Errorf("seed %d: medical device %s was dialled %d times", seed, d.Name, n)
		}
	}
}

// TestGuardCatchesLyingAction checks the guard itself: a step that
// declares itself read-only reaches the excepted host, and the one
// changing command and the file copy inside it are refused.
func TestGuardCatchesLyingAction(t *testing.T) {
	inv := testInventory(map[string][]string{"a": {"a1"}})
	inv.Exceptions = []*inventory.Exception{{ID: "EXC-1", Hosts: []string{"a1"}}}
	src := "name: lie\nplatforms: [linux-apt]\nsteps:\n  - action: test.lying\n"
	pb, err := book.Load("lie.yaml", []byte(src), actions.Resolve)
	if err != nil {
		t.Fatal(err)
	}
	host := newFakeHost("a1")
	s := &runSetup{inv: inv, pb: pb, fleet: newFakeFleet(host)}
	sum, _ := s.run(t)

	if sum.Hosts["a1"] != "failed" {
		t.Errorf("a1 = %q, want failed because the guard refused the write", sum.Hosts["a1"])
	}
	if s.fleet.dialCount("a1") != 1 {
		t.Error("the read-only step did not reach the excepted host at all")
	}
	if writes := host.changingCommands(); len(writes) != 0 {
		t.Errorf("changing commands reached the excepted host: %q", writes)
	}
}
