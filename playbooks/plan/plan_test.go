package plan

import (
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/inventory/schedule"
	"patchbay/playbooks/book"
)

// fixedWindows reports one state for every site.
type fixedWindows WindowState

func (w fixedWindows) Window(*inventory.Site, time.Time) WindowState { return WindowState(w) }

// history is a History that returns fixed values.
type history struct {
	outcomes  map[string]RingOutcome
	durations map[string]time.Duration
}

func (h history) ExpectedDuration(host, _ string) (time.Duration, bool) {
	d, ok := h.durations[host]
	return d, ok
}

func (h history) RingOutcome(_, ring string) (RingOutcome, bool) {
	o, ok := h.outcomes[ring]
	return o, ok
}

var planAt = time.Date(2026, 12, 10, 3, 0, 0, 0, time.UTC)

func testBook(readOnly bool) *book.Playbook {
	pb := &book.Playbook{Name: "apt", Platforms: []string{"linux-apt", "hyperv", "fortios", "cisco-ios"},
		Steps: []book.Step{{Name: "facts", Action: "facts"}, {Name: "upgrade", Action: "apt.upgrade", Changes: !readOnly}}}
	return pb
}

func siteInventory() *inventory.Inventory {
	host := func(name string, p inventory.Platform, role inventory.Role, ring string) *inventory.Host {
		return &inventory.Host{Name: name, Site: "s", Platform: p, Role: role, Ring: ring}
	}
	inv := &inventory.Inventory{
		Rings: []*inventory.Ring{{Name: "test", SuccessShare: 0.95, Soak: 48 * time.Hour}, {Name: "production"}},
		Sites: []*inventory.Site{{ID: "s", TimeZone: time.UTC, Windows: []schedule.Window{{Days: 0x7f, Start: 0, End: 1440}}}},
		Hosts: []*inventory.Host{
			host("sw", inventory.PlatformCiscoIOS, inventory.RoleCoreSwitch, "test"),
			host("hv", inventory.PlatformHyperV, inventory.RoleHypervisor, "test"),
			host("fw", inventory.PlatformFortiOS, inventory.RoleFirewall, "test"),
			host("ws", inventory.PlatformLinuxApt, inventory.RoleWorkstation, "test"),
			host("vm", inventory.PlatformLinuxApt, inventory.RoleServer, "test"),
			host("mac", inventory.PlatformMacOS, inventory.RoleWorkstation, "test"),
			host("prod", inventory.PlatformLinuxApt, inventory.RoleServer, "production"),
		},
		Devices: []*inventory.Device{{Name: "ecg", Site: "s"}},
	}
	inv.Host("vm").Hypervisor = "hv"
	inv.Host("hv").Guests = []string{"vm"}
	return inv
}

func names(hosts []*Host) string {
	var out []string
	for _, h := range hosts {
		out = append(out, h.Host.Name)
	}
	return strings.Join(out, ",")
}

func TestMakeOrdersSite(t *testing.T) {
	p, err := Make(siteInventory(), testBook(false), Selection{Rings: []string{"test"}}, Options{At: planAt, Windows: fixedWindows{Open: true, Closes: planAt.Add(8 * time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(p.Hosts); got != "vm,mac,ws,hv,fw,sw" {
		t.Errorf("order = %s, want the guest first, the hypervisor after it and the network core last", got)
	}
	for _, h := range p.Hosts {
		if alone := h.Host.Name == "fw" || h.Host.Name == "sw"; h.Alone != alone {
			t.Errorf("%s Alone = %v, want %v", h.Host.Name, h.Alone, alone)
		}
	}
	if mac := p.Find("mac"); mac.Skip == nil || mac.Skip.Reason != ReasonPlatform {
		t.Errorf("mac skip = %v, want platform-not-covered", mac.Skip)
	}
	if len(p.Devices) != 0 {
		t.Errorf("a ring selection listed devices %v", p.Devices)
	}
}

func TestMakeSkipReasons(t *testing.T) {
	inv := siteInventory()
	inv.Exceptions = []*inventory.Exception{{ID: "EXC-7", Hosts: []string{"ws"}, App: "AudioSuite", Reason: "certified build"}}
	inv.Holds = []*inventory.Hold{{ID: "H1", Kind: inventory.HoldKB, Item: "KB5034441", Reason: "boot loop", Scope: inventory.Scope{Kind: inventory.ScopeAll}}}
	closed := fixedWindows{Opens: planAt.Add(19 * time.Hour)}
	short := fixedWindows{Open: true, Closes: planAt.Add(10 * time.Minute)}
	cases := []struct {
		name    string
		host    string
		opts    Options
		reason  Reason
		contain string
	}{
		{"exception", "ws", Options{Windows: short}, ReasonException, "exception EXC-7 (AudioSuite)"},
		{"closed", "vm", Options{Windows: closed}, ReasonWindowClosed, "opens Thu 2026-12-10 22:00 UTC"},
		{"short", "vm", Options{Windows: short}, ReasonWindowShort, "in 10m0s, but the host needs about 30m0s"},
		{"history", "vm", Options{Windows: fixedWindows{Open: true, Closes: planAt.Add(time.Hour)}, History: history{durations: map[string]time.Duration{"vm": 2 * time.Hour}}}, ReasonWindowShort, "needs about 2h0m0s"},
		{"held", "vm", Options{Windows: short, Vars: map[string]string{"updates": "KB5034441"}}, ReasonHeld, "KB5034441 (hold H1: boot loop)"},
		{"credential", "vm", Options{Windows: short, CheckCredential: func(*inventory.Host) error { return errString("variable X is not set") }}, ReasonCredential, "variable X is not set"},
		{"locked", "vm", Options{Windows: short, SiteLock: func(string) string { return "run r1 of dana" }}, ReasonSiteLocked, "locked by run r1 of dana"},
		{"gate", "prod", Options{Windows: short}, ReasonGate, "ring test has no results in cycle"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.At = planAt
			sel := Selection{Hosts: []string{c.host}}
			p, err := Make(inv, testBook(false), sel, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			s := p.Find(c.host).Skip
			if s == nil || s.Reason != c.reason || !strings.Contains(s.Detail, c.contain) {
				t.Errorf("skip = %v, want %s containing %q", s, c.reason, c.contain)
			}
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestExceptedHostRunsReadOnlyBook(t *testing.T) {
	inv := siteInventory()
	inv.Exceptions = []*inventory.Exception{{ID: "EXC-7", Hosts: []string{"ws"}}}
	p, err := Make(inv, testBook(true), Selection{Hosts: []string{"ws"}}, Options{At: planAt, Windows: fixedWindows{}})
	if err != nil {
		t.Fatal(err)
	}
	h := p.Find("ws")
	if h.Skip != nil || !h.ReadOnly || len(h.Steps) != 2 {
		t.Errorf("ws = skip %v, read-only %v, %d steps; want it to run the read-only book", h.Skip, h.ReadOnly, len(h.Steps))
	}
}

func TestGateCriteria(t *testing.T) {
	inv := siteInventory()
	done := planAt.Add(-72 * time.Hour)
	cases := []struct {
		name string
		out  RingOutcome
		want string
	}{
		{"passes", RingOutcome{Succeeded: 19, Failed: 1, Missed: 3, Finished: done}, ""},
		{"share", RingOutcome{Succeeded: 18, Failed: 2, Finished: done}, "success share of ring test is 90 % (18 of 20 reachable hosts), below the 95 % required"},
		{"soak", RingOutcome{Succeeded: 5, Finished: planAt.Add(-24 * time.Hour)}, "soak of ring test ends Fri 2026-12-11 03:00 UTC, 24h0m0s from now"},
		{"holds", RingOutcome{Succeeded: 5, Finished: done, NewHolds: []string{"vm: KB1"}}, "new holds appeared during ring test: vm: KB1"},
		{"health", RingOutcome{Succeeded: 5, Finished: done, HealthFailures: []string{"vm: ehr service"}}, "health checks failed on ring test: vm: ehr service"},
		{"none reachable", RingOutcome{Missed: 4, Finished: done}, "ring test has no reachable host with a result"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Gate(inv, "production", "2026-12", planAt, history{outcomes: map[string]RingOutcome{"test": c.out}})
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Gate = %v, want pass", err)
			case c.want != "" && (err == nil || err.Error() != c.want):
				t.Errorf("Gate = %v, want %q", err, c.want)
			}
		})
	}
	if err := Gate(inv, "test", "2026-12", planAt, nil); err != nil {
		t.Errorf("the first ring has a gate: %v", err)
	}
}

func TestSiteSelectionListsDevices(t *testing.T) {
	p, err := Make(siteInventory(), testBook(false), Selection{Sites: []string{"s"}}, Options{At: planAt, Windows: fixedWindows{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Devices) != 1 || p.Devices[0].Name != "ecg" {
		t.Errorf("devices = %v, want ecg", p.Devices)
	}
	for _, h := range p.Hosts {
		if h.Host.Name == "ecg" {
			t.Error("a medical device became a plan host")
		}
	}
}

func TestSelectionErrors(t *testing.T) {
	inv := siteInventory()
	cases := []struct {
		sel  Selection
		want string
	}{
		{Selection{Sites: []string{"x"}}, `unknown site "x"`},
		{Selection{Rings: []string{"beta"}}, `unknown ring "beta" in --ring; the inventory's rings are test, production`},
		{Selection{Hosts: []string{"[a"}}, `invalid host pattern "[a"`},
	}
	for _, c := range cases {
		_, err := Make(inv, testBook(false), c.sel, Options{Windows: fixedWindows{}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Make(%v) error = %v, want %q", c.sel, err, c.want)
		}
	}
}

func TestSiteWindows(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	w, err := schedule.ParseWindow("mon-thu 22:00-05:00")
	if err != nil {
		t.Fatal(err)
	}
	site := &inventory.Site{ID: "s", TimeZone: ny, Windows: []schedule.Window{w}}
	// Thursday 2026-12-10 03:00 UTC is Wednesday 22:00 in New York.
	open := SiteWindows{}.Window(site, planAt)
	if !open.Open || !open.Closes.Equal(time.Date(2026, 12, 10, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("window at %s = %+v, want open until 10:00 UTC", planAt, open)
	}
	closed := SiteWindows{}.Window(site, planAt.Add(12*time.Hour))
	if closed.Open || !closed.Opens.Equal(time.Date(2026, 12, 11, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("window at 15:00 UTC = %+v, want closed, opening 03:00 UTC next day", closed)
	}
}

func TestMakeExceptionBeforePlatform(t *testing.T) {
	inv := siteInventory()
	inv.Exceptions = []*inventory.Exception{{ID: "EXC-9", Hosts: []string{"mac"}, App: "Viewer", Reason: "certified OS"}}
	p, err := Make(inv, testBook(false), Selection{Hosts: []string{"mac"}}, Options{At: planAt, Windows: fixedWindows{Open: true, Closes: planAt.Add(8 * time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Find("mac").Skip
	if s == nil || s.Reason != ReasonException || s.Exception != "EXC-9" {
		t.Errorf("skip = %v, want exception EXC-9 although the playbook does not cover macos", s)
	}
}

// TestMakeDeclaredReadOnlyKeepsWindow checks that a shell step that is
// read-only only by its author's word still waits for the window: nothing
// checks what the command does, and a reboot at 10:00 stops a clinic.
func TestMakeDeclaredReadOnlyKeepsWindow(t *testing.T) {
	pb := &book.Playbook{Name: "adhoc", Platforms: []string{"linux-apt"},
		Steps: []book.Step{{Name: "run", Action: "shell", ChangesDeclared: true}}}
	closed := fixedWindows{Opens: planAt.Add(19 * time.Hour)}
	p, err := Make(siteInventory(), pb, Selection{Hosts: []string{"vm"}}, Options{At: planAt, Windows: closed})
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Find("vm").Skip; s == nil || s.Reason != ReasonWindowClosed {
		t.Errorf("skip = %v, want window-closed for a declared read-only shell step", s)
	}

	facts := &book.Playbook{Name: "facts", Platforms: []string{"linux-apt"}, Steps: []book.Step{{Name: "facts", Action: "facts"}}}
	p, err = Make(siteInventory(), facts, Selection{Hosts: []string{"vm"}}, Options{At: planAt, Windows: closed})
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Find("vm").Skip; s != nil {
		t.Errorf("skip = %v, want the read-only facts playbook to run outside the window", s)
	}
}

func TestMakeSkipsHeldFirmware(t *testing.T) {
	inv := siteInventory()
	inv.Holds = []*inventory.Hold{{ID: "H-fw", Kind: inventory.HoldFirmware, Item: "fgt_60f-v7.2.10.out", Reason: "IPsec drops",
		Scope: inventory.Scope{Kind: inventory.ScopeAll}, Recheck: inventory.Date{Year: 2027, Month: 1, Day: 15}}}
	pb := testBook(false)
	pb.Variables = map[string]string{"image": "", "version": ""}
	opts := Options{At: planAt, Windows: fixedWindows{Open: true, Closes: planAt.Add(8 * time.Hour)},
		Vars: map[string]string{"image": "images/FGT_60F-v7.2.10.out", "version": "7.2.10"}}

	p, err := Make(inv, pb, Selection{Hosts: []string{"fw", "vm"}}, opts)
	if err != nil {
		t.Fatal(err)
	}

	s := p.Find("fw").Skip
	if s == nil || s.Reason != ReasonHeld {
		t.Fatalf("fw skip = %v, want %s", s, ReasonHeld)
	}
	for _, want := range []string{"H-fw", "IPsec drops", "2027-01-15"} {
		if !strings.Contains(s.Detail, want) {
			t.Errorf("skip detail %q does not name %q", s.Detail, want)
		}
	}
	if s := p.Find("vm").Skip; s != nil {
		t.Errorf("vm skip = %v, want none: a firmware hold applies only to network gear", s)
	}
}
