package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/inventory"
	"patchbay/inventory/schedule"
	"patchbay/playbooks"
	"patchbay/playbooks/actions"
	"patchbay/playbooks/book"
	"patchbay/playbooks/plan"
	"patchbay/state/event"
)

type planWindow = plan.WindowState

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var fastTiming = actions.Timing{Poll: time.Millisecond, Reboot: map[string]time.Duration{"server": 5 * time.Second}}

// testInventory returns sites a and b with linux-apt hosts named by site,
// in ring test, or production when the name ends in "-p".
func testInventory(hosts map[string][]string) *inventory.Inventory {
	inv := &inventory.Inventory{
		Rings: []*inventory.Ring{
			{Name: "test", SuccessShare: 0.95},
			{Name: "production", SuccessShare: 0.95},
		},
		RebootPolicies: []*inventory.RebootPolicy{{Name: "servers", Mode: inventory.RebootAllow, Tags: []string{"server"}}},
	}
	for _, site := range []string{"a", "b"} {
		inv.Sites = append(inv.Sites, &inventory.Site{ID: site, Name: "Site " + site, TimeZone: time.UTC,
			Windows: []schedule.Window{{Days: 0x7f, Start: 0, End: 1440}}})
		for _, name := range hosts[site] {
			ring := "test"
			if strings.HasSuffix(name, "-p") {
				ring = "production"
			}
			inv.Hosts = append(inv.Hosts, &inventory.Host{
				Name: name, Site: site, Platform: inventory.PlatformLinuxApt, Ring: ring,
				Role: inventory.RoleServer, Tags: []string{"server"},
				Transport: inventory.Transport{Kind: inventory.TransportSSH, User: "root"},
			})
		}
	}
	return inv
}

func builtinPlaybook(t *testing.T, name string) *book.Playbook {
	t.Helper()
	list, err := playbooks.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	pb, err := playbooks.Find(list, name)
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

type runSetup struct {
	inv       *inventory.Inventory
	pb        *book.Playbook
	fleet     *fakeFleet
	journal   *memJournal
	opts      Options
	sel       plan.Selection
	overrides plan.Overrides
}

func (s *runSetup) run(t *testing.T) (*Summary, *Runner) {
	t.Helper()
	r := s.runner(t)
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return sum, r
}

func (s *runSetup) runner(t *testing.T) *Runner {
	t.Helper()
	p, err := plan.Make(s.inv, s.pb, s.sel, plan.Options{At: time.Now(), Cycle: "2026-12", Windows: openWindows{}, Overrides: s.overrides})
	if err != nil {
		t.Fatalf("plan.Make: %v", err)
	}
	if s.journal == nil {
		s.journal = &memJournal{}
	}
	opts := s.opts
	opts.Timing = fastTiming
	if opts.Windows == nil {
		opts.Windows = openWindows{}
	}
	return New(s.inv, p, s.fleet, s.journal, opts)
}

func statesOf(events []event.Event, host string) []string {
	var states []string
	for _, ev := range events {
		if st, ok := ev.Payload.(event.HostState); ok && ev.Host == host {
			states = append(states, string(st.Phase))
		}
	}
	return states
}

func decisions(events []event.Event, what string) []event.Decision {
	var out []event.Decision
	for _, ev := range events {
		if d, ok := ev.Payload.(event.Decision); ok && d.What == what {
			out = append(out, d)
		}
	}
	return out
}

func TestRunPatchesAptHost(t *testing.T) {
	web := newFakeHost("a1", "openssl", "linux-image-amd64")
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1"}}), pb: builtinPlaybook(t, "linux-apt-monthly"), fleet: newFakeFleet(web)}
	sum, _ := s.run(t)

	if got := sum.Hosts["a1"]; got != event.PhaseDone {
		t.Fatalf("a1 ended %q, want done; events:\n%s", got, dump(s.journal.all()))
	}
	states := strings.Join(statesOf(s.journal.all(), "a1"), ",")
	for _, want := range []string{"connecting", "preflight", "scanning", "installing", "rebooting", "offline", "settling", "verifying", "done"} {
		if !strings.Contains(states, want) {
			t.Errorf("states %s lack %s", states, want)
		}
	}
	if web.build != 2 || web.boot != 2 {
		t.Errorf("build, boot = %d, %d; want 2, 2", web.build, web.boot)
	}
	last := lastFacts(s.journal.all(), "a1")
	if last.Build != "6.1.0-2-amd64" {
		t.Errorf("verified build = %q, want 6.1.0-2-amd64", last.Build)
	}
	if last.PendingReboot {
		t.Error("reboot still pending after the reboot")
	}
}

func lastFacts(events []event.Event, host string) event.HostFacts {
	var f event.HostFacts
	for _, ev := range events {
		if hf, ok := ev.Payload.(event.HostFacts); ok && ev.Host == host {
			f = hf
		}
	}
	return f
}

func dump(events []event.Event) string {
	var b strings.Builder
	for _, ev := range events {
		fmt.Fprintf(&b, "%s %s %+v\n", ev.Host, ev.Payload.Kind(), ev.Payload)
	}
	return b.String()
}

func TestEventsJournaledBeforeShown(t *testing.T) {
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1", "a2"}}), pb: builtinPlaybook(t, "linux-apt-monthly"),
		fleet: newFakeFleet(newFakeHost("a1", "openssl"), newFakeHost("a2"))}
	s.journal = &memJournal{}
	r := s.runner(t)
	events := r.Subscribe()
	done := make(chan struct{})
	seen := 0
	go func() {
		defer close(done)
		for ev := range events {
			seen++
			if !journaled(s.journal, ev) {
				t.Errorf("event %s %s shown before it was journaled", ev.Payload.Kind(), ev.Host)
			}
		}
	}()
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-done
	if seen != len(s.journal.all()) {
		t.Errorf("subscriber saw %d events, journal has %d", seen, len(s.journal.all()))
	}
}

func journaled(j *memJournal, ev event.Event) bool {
	for _, e := range j.all() {
		if e.Time.Equal(ev.Time) && e.Host == ev.Host && reflect.DeepEqual(e.Payload, ev.Payload) {
			return true
		}
	}
	return false
}

func TestRebootLoopSetsHold(t *testing.T) {
	h := newFakeHost("a1", "linux-image-amd64")
	h.loop = true
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1"}}), pb: builtinPlaybook(t, "linux-apt-monthly"), fleet: newFakeFleet(h)}
	sum, _ := s.run(t)

	if sum.Hosts["a1"] != event.PhaseFailed {
		t.Fatalf("a1 ended %q, want failed", sum.Hosts["a1"])
	}
	var holds []string
	for _, ev := range s.journal.all() {
		if hs, ok := ev.Payload.(event.HoldSet); ok {
			holds = append(holds, hs.Update)
		}
	}
	if strings.Join(holds, ",") != "linux-image-amd64" {
		t.Errorf("holds set = %v, want linux-image-amd64", holds)
	}
	if h.boot != 2 {
		t.Errorf("host rebooted %d times, want once before the loop was stopped", h.boot-1)
	}
}

func TestBudgetStopsOnlyItsSite(t *testing.T) {
	var hosts []*fakeHost
	for _, n := range []string{"a1", "a2", "a3", "b1", "b2"} {
		h := newFakeHost(n, "openssl")
		if strings.HasPrefix(n, "a") {
			h.failApt = 99
		}
		hosts = append(hosts, h)
	}
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1", "a2", "a3"}, "b": {"b1", "b2"}}),
		pb: retryPlaybook(t, 0), fleet: newFakeFleet(hosts...), opts: Options{SiteConcurrency: 1}}
	sum, _ := s.run(t)

	if got := sum.In(event.PhaseFailed); len(got) != 1 {
		t.Errorf("failed hosts = %v, want exactly one: the budget of 0 stops the site at its first failure", got)
	}
	skipped := sum.In(event.PhaseSkipped)
	if len(skipped) != 2 {
		t.Errorf("skipped hosts = %v, want the other two of site a", skipped)
	}
	for _, n := range skipped {
		if s.fleet.dialCount(n) != 0 {
			t.Errorf("%s was dialled after its site stopped", n)
		}
	}
	for _, n := range []string{"b1", "b2"} {
		if sum.Hosts[n] != event.PhaseDone {
			t.Errorf("%s = %q, want done: another site's budget must not stop it", n, sum.Hosts[n])
		}
	}
	if len(decisions(s.journal.all(), "budget")) != 1 {
		t.Errorf("want one budget decision:\n%s", dump(s.journal.all()))
	}
}

// retryPlaybook is an apt playbook without reboot whose upgrade step has
// the given retries and a short back-off.
func retryPlaybook(t *testing.T, retries int) *book.Playbook {
	t.Helper()
	src := "name: apt-quick\nplatforms: [linux-apt]\nsteps:\n  - action: apt.upgrade\n    retries: " +
		string(rune('0'+retries)) + "\n    backoff: 1ms\n"
	pb, err := book.Load("apt-quick.yaml", []byte(src), actions.Resolve)
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func TestMissedHostSpendsNoBudget(t *testing.T) {
	off := newFakeHost("a1", "openssl")
	off.offline = true
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1", "a2"}}), pb: retryPlaybook(t, 0),
		fleet: newFakeFleet(off, newFakeHost("a2", "openssl")), opts: Options{SiteConcurrency: 1}}
	sum, _ := s.run(t)

	if sum.Hosts["a1"] != event.PhaseMissed {
		t.Errorf("a1 = %q, want missed", sum.Hosts["a1"])
	}
	if sum.Hosts["a2"] != event.PhaseDone {
		t.Errorf("a2 = %q, want done: a missed host must not spend the budget", sum.Hosts["a2"])
	}
}

func TestTransientFailureRetried(t *testing.T) {
	h := newFakeHost("a1", "openssl")
	h.failApt = 1
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1"}}), pb: retryPlaybook(t, 2), fleet: newFakeFleet(h)}
	sum, _ := s.run(t)

	if sum.Hosts["a1"] != event.PhaseDone {
		t.Fatalf("a1 = %q, want done after a retry:\n%s", sum.Hosts["a1"], dump(s.journal.all()))
	}
	if n := len(decisions(s.journal.all(), DecisionRetry)); n != 1 {
		t.Errorf("%d retry decisions, want 1", n)
	}
}

func TestRebootDeferredByPolicy(t *testing.T) {
	h := newFakeHost("a1", "linux-image-amd64")
	h.users = []string{"drsmith"}
	inv := testInventory(map[string][]string{"a": {"a1"}})
	inv.RebootPolicies = nil // the default policy defers while a user is logged on
	s := &runSetup{inv: inv, pb: builtinPlaybook(t, "linux-apt-monthly"), fleet: newFakeFleet(h)}
	sum, _ := s.run(t)

	if sum.Hosts["a1"] != event.PhaseRebootPending {
		t.Fatalf("a1 = %q, want reboot-pending", sum.Hosts["a1"])
	}
	if h.boot != 1 {
		t.Error("host was rebooted although a user was logged on")
	}
	d := decisions(s.journal.all(), "reboot-deferred")
	if len(d) != 1 || !strings.Contains(d[0].Reason, "drsmith") {
		t.Errorf("reboot-deferred decisions = %v", d)
	}
}

func TestGateBetweenRings(t *testing.T) {
	cases := []struct {
		name     string
		failTest bool
		wantProd event.HostPhase
		wantGate string
	}{
		{"passes", false, event.PhaseDone, "passed: "},
		{"fails", true, event.PhaseSkipped, "not passed: success share of ring test is 0 %"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			test := newFakeHost("a1", "openssl")
			if c.failTest {
				test.failApt = 99
			}
			s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1", "a2-p"}}), pb: retryPlaybook(t, 0),
				fleet: newFakeFleet(test, newFakeHost("a2-p", "openssl"))}
			s.inv.Rings[0].FailureBudget = inventory.Budget{Count: 5}
			sum, _ := s.run(t)

			if sum.Hosts["a2-p"] != c.wantProd {
				t.Errorf("production host = %q, want %q", sum.Hosts["a2-p"], c.wantProd)
			}
			gates := decisions(s.journal.all(), DecisionGate)
			if len(gates) != 1 || !strings.HasPrefix(gates[0].Reason, c.wantGate) {
				t.Errorf("gate decisions = %+v, want one starting %q", gates, c.wantGate)
			}
		})
	}
}

func TestGateOverrideJournaled(t *testing.T) {
	test := newFakeHost("a1", "openssl")
	test.failApt = 99
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1", "a2-p"}}), pb: retryPlaybook(t, 0),
		fleet: newFakeFleet(test, newFakeHost("a2-p", "openssl")), overrides: plan.Overrides{Gate: "vendor confirmed the fix"}}
	s.inv.Rings[0].FailureBudget = inventory.Budget{Count: 5}
	sum, _ := s.run(t)

	if sum.Hosts["a2-p"] != event.PhaseDone {
		t.Errorf("production host = %q, want done under the override", sum.Hosts["a2-p"])
	}
	d := decisions(s.journal.all(), "override-gate")
	if len(d) != 1 || d[0].Reason != "vendor confirmed the fix" {
		t.Errorf("gate-override decisions = %v", d)
	}
}

func TestWindowClosedAtStart(t *testing.T) {
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1"}}), pb: retryPlaybook(t, 0),
		fleet: newFakeFleet(newFakeHost("a1", "openssl")), opts: Options{Windows: openWindows{closed: true}}}
	sum, _ := s.run(t)

	if sum.Hosts["a1"] != event.PhaseSkipped {
		t.Errorf("a1 = %q, want skipped", sum.Hosts["a1"])
	}
	if s.fleet.dialCount("a1") != 0 {
		t.Error("a1 was dialled although its window closed")
	}
}

func TestAbortThenResume(t *testing.T) {
	names := []string{"a1", "a2", "a3", "a4"}
	var hosts []*fakeHost
	for _, n := range names {
		hosts = append(hosts, newFakeHost(n, "openssl"))
	}
	s := &runSetup{inv: testInventory(map[string][]string{"a": names}), pb: retryPlaybook(t, 0),
		fleet: newFakeFleet(hosts...), opts: Options{SiteConcurrency: 1}}
	r := s.runner(t)
	upgrades := 0
	for _, h := range hosts {
		h.onUpgrade = func() {
			if upgrades++; upgrades == 2 {
				r.Abort()
			}
		}
	}
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Aborted || len(sum.Unfinished) != 3 || sum.Count(event.PhaseDone) != 1 {
		t.Fatalf("summary = %+v, want aborted with one host done and three unfinished", sum)
	}
	finished := sum.Hosts
	dialsBefore := map[string]int{}
	for _, n := range names {
		dialsBefore[n] = s.fleet.dialCount(n)
	}
	for _, h := range hosts {
		h.onUpgrade = nil
	}

	s.opts = Options{Finished: finished, Resumes: sum.Run}
	resumed, _ := s.run(t)
	for _, n := range names {
		_, before := finished[n]
		if got := resumed.Hosts[n]; !before && got != event.PhaseDone {
			t.Errorf("after resume %s = %q, want done", n, got)
		}
		if before && s.fleet.dialCount(n) != dialsBefore[n] {
			t.Errorf("%s finished before the resume but was dialled again", n)
		}
	}
	if resumed.FinishedEarlier != len(finished) {
		t.Errorf("resume counts %d hosts finished earlier, want %d", resumed.FinishedEarlier, len(finished))
	}
}

func TestJournalFailureStopsRun(t *testing.T) {
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1"}}), pb: retryPlaybook(t, 0),
		fleet: newFakeFleet(newFakeHost("a1", "openssl")), journal: &memJournal{fail: errors.New("disk full")}}
	r := s.runner(t)
	_, err := r.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Run error = %v, want the journal failure", err)
	}
	if s.fleet.dialCount("a1") != 0 {
		t.Error("a host was dialled although the run-started event was not journaled")
	}
}

func TestPauseHoldsNewHosts(t *testing.T) {
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1"}}), pb: retryPlaybook(t, 0),
		fleet: newFakeFleet(newFakeHost("a1", "openssl"))}
	r := s.runner(t)
	r.Pause()
	done := make(chan *Summary)
	go func() {
		sum, _ := r.Run(context.Background())
		done <- sum
	}()
	time.Sleep(20 * time.Millisecond)
	if n := s.fleet.dialCount("a1"); n != 0 {
		t.Errorf("a paused run dialled a1 %d times", n)
	}
	r.Resume()
	sum := <-done
	if sum.Hosts["a1"] != event.PhaseDone {
		t.Errorf("a1 = %q after resume, want done", sum.Hosts["a1"])
	}
}

func TestHealthCheckBlocksGate(t *testing.T) {
	s := &runSetup{inv: testInventory(map[string][]string{"a": {"a1", "a2-p"}}), pb: retryPlaybook(t, 0),
		fleet: newFakeFleet(newFakeHost("a1", "openssl"), newFakeHost("a2-p", "openssl"))}
	s.inv.HealthChecks = []*inventory.HealthCheck{
		{Name: "ehr", Site: "a", Kind: inventory.CheckService, Target: "ehr-client"},
		{Name: "dicom", Site: "a", Kind: inventory.CheckTCP, Port: 104},
	}
	var dialed []string
	s.opts.DialTCP = func(ctx context.Context, network, address string) (net.Conn, error) {
		dialed = append(dialed, address)
		return nil, errors.New("connection refused")
	}
	sum, _ := s.run(t)

	if sum.Hosts["a2-p"] != event.PhaseSkipped {
		t.Errorf("production host = %q, want skipped by the failed health checks", sum.Hosts["a2-p"])
	}
	health := decisions(s.journal.all(), DecisionHealth)
	if len(health) != 2 {
		t.Errorf("health decisions = %+v, want the service and the port", health)
	}
	gates := decisions(s.journal.all(), DecisionGate)
	if len(gates) != 1 || !strings.Contains(gates[0].Reason, "health checks failed on ring test: a1: ehr: service ehr-client is not running") {
		t.Errorf("gate decisions = %+v", gates)
	}
	if strings.Join(dialed, ",") != ":104" {
		t.Errorf("TCP checks dialled %v, want the host's address with port 104", dialed)
	}
	for _, c := range s.fleet.hosts["a1"].commands {
		if strings.HasPrefix(c.line, "systemctl") && !c.readOnly {
			t.Error("the health check was not sent as read-only")
		}
	}
}
