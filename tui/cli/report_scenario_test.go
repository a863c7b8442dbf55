package cli

import (
	"context"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks"
	"patchbay/playbooks/actions"
	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner"
	"patchbay/playbooks/runner/labdial"
	"patchbay/remote/lab"
	"patchbay/state"
	"patchbay/state/emergency"
	"patchbay/state/event"
)

// scenario drives the real runner against in-process lab hosts at
// injected instants and journals everything in one store, as the run and
// emergency commands do.
type scenario struct {
	t       *testing.T
	store   *state.Store
	inv     *inventory.Inventory
	dialer  *labdial.Dialer
	pending map[string][]lab.Update // each host's updates at the start, given again each month
	clock   *shiftedClock
}

// shiftedClock is the lab hosts' clock: real time moved to the injected
// instant of the current run, so that boot times differ between runs and
// a reboot is seen to finish.
type shiftedClock struct{ offset atomic.Int64 }

func (c *shiftedClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *shiftedClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// moveTo makes the clock read when now.
func (c *shiftedClock) moveTo(when time.Time) { c.offset.Store(int64(time.Until(when))) }

// scenarioWindows keeps every site's window open, so that runs at any
// injected instant proceed.
type scenarioWindows struct{}

func (scenarioWindows) Window(_ *inventory.Site, at time.Time) plan.WindowState {
	return plan.WindowState{Open: true, Closes: at.Add(24 * time.Hour)}
}

var (
	scenarioLabTiming    = lab.Timing{ShutdownDelay: time.Millisecond, RebootDuration: 20 * time.Millisecond}
	scenarioActionTiming = actions.Timing{Poll: time.Millisecond, Reboot: map[string]time.Duration{"server": 5 * time.Second, "workstation": 5 * time.Second}}
)

func newScenario(t *testing.T) *scenario {
	t.Helper()
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s := &scenario{t: t, store: store, pending: map[string][]lab.Update{}, clock: &shiftedClock{}}
	s.snapshot("testdata/report/fleet-v1.yaml", scenarioAt("2026-09-01T00:00:00Z"))
	s.dialer = &labdial.Dialer{Hosts: map[string]*lab.Handler{}}
	for i, h := range s.inv.Hosts {
		host, err := lab.NewHost(h.Name, string(h.Platform), i, s.clock, scenarioLabTiming)
		if err != nil {
			t.Fatal(err)
		}
		s.dialer.Hosts[h.Name] = &lab.Handler{Host: host, Transport: string(h.Transport.Kind)}
	}
	for name, h := range s.dialer.Hosts {
		s.pending[name] = h.Host.Snapshot().Pending
	}
	return s
}

func scenarioAt(text string) time.Time {
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		panic(err)
	}
	return t
}

// snapshot journals an inventory file at instant when and makes it the
// inventory of later runs.
func (s *scenario) snapshot(path string, when time.Time) {
	s.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		s.t.Fatal(err)
	}
	s.inv, err = inventory.Parse([]inventory.SourceFile{{Name: path, Data: data}}, inventory.Options{Now: when})
	if err != nil {
		s.t.Fatal(err)
	}
	s.store.SetClock(func() time.Time { return when })
	if _, err := s.store.SnapshotInventory(context.Background(), path, data); err != nil {
		s.t.Fatal(err)
	}
}

// release gives every lab host its initial updates again, as a new
// monthly release does.
func (s *scenario) release() {
	for name, h := range s.dialer.Hosts {
		pending := s.pending[name]
		h.Host.Change(func(st *lab.State) { st.Pending = append([]lab.Update(nil), pending...) })
	}
}

// fault sets or clears a fault on a lab host.
func (s *scenario) fault(host string, kind lab.FaultKind, on bool) {
	h := s.dialer.Hosts[host].Host
	f := h.Faults()
	if f == nil {
		f = lab.Faults{}
	}
	if on {
		f[kind] = ""
	} else {
		delete(f, kind)
	}
	h.SetFaults(f)
}

// runSpec is one runner run of the scenario.
type runSpec struct {
	id        string
	when      time.Time
	playbook  string
	sel       plan.Selection
	cycle     string
	kind      event.CycleKind
	overrides plan.Overrides
	operator  string
	abort     bool // abort before the first host starts
}

// run executes one run through the real runner at spec.when and returns
// its summary.
func (s *scenario) run(spec runSpec) *runner.Summary {
	s.t.Helper()
	list, err := playbooks.Catalog()
	if err != nil {
		s.t.Fatal(err)
	}
	pb, err := playbooks.Find(list, spec.playbook)
	if err != nil {
		s.t.Fatal(err)
	}
	recs, err := s.store.Records(context.Background(), state.Filter{})
	if err != nil {
		s.t.Fatal(err)
	}
	history, err := plan.NewJournalHistory(recs, s.inv)
	if err != nil {
		s.t.Fatal(err)
	}
	p, err := plan.Make(s.inv, pb, spec.sel, plan.Options{At: spec.when, Cycle: spec.cycle, Overrides: spec.overrides,
		Windows: scenarioWindows{}, History: history})
	if err != nil {
		s.t.Fatal(err)
	}
	when := spec.when
	s.clock.moveTo(when)
	journal := runner.JournalFunc(func(ctx context.Context, e event.Event) error {
		_, err := s.store.Append(ctx, e)
		return err
	})
	r := runner.New(s.inv, p, s.dialer, journal, runner.Options{
		RunID: spec.id, Operator: "tech", OperatorName: spec.operator, CycleKind: spec.kind,
		Timing: scenarioActionTiming, Windows: scenarioWindows{}, Now: func() time.Time { return when },
	})
	if spec.abort {
		r.Abort()
	}
	sum, err := r.Run(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return sum
}

// append journals events as the emergency command does.
func (s *scenario) append(events ...event.Event) {
	s.t.Helper()
	if _, err := s.store.Append(context.Background(), events...); err != nil {
		s.t.Fatal(err)
	}
}

// declare journals an emergency declaration at instant when.
func (s *scenario) declare(id, cve string, kevAdded, when time.Time, sites []string, hosts ...string) {
	d := emergency.Declared{
		Emergency: event.Emergency{ID: id, CVEs: []string{cve}, Reason: "actively exploited", Deadline: when.Add(72 * time.Hour),
			KEVAdded: kevAdded, Hosts: hosts},
		Playbook: "linux-apt-monthly", Sites: sites, Operator: "tech",
	}
	s.append(event.Event{Time: when, Payload: d})
}

// patched journals the emergency patch records of a run's done hosts.
func (s *scenario) patched(id string, sum *runner.Summary, when time.Time) {
	for _, host := range sum.In(event.PhaseDone) {
		s.append(emergency.Patched(id, host, sum.Run, when))
	}
}

// expect checks a run's final host states, given as sorted host=phase
// pairs, so that the scenario is known before its report is checked.
func (s *scenario) expect(sum *runner.Summary, want ...string) {
	s.t.Helper()
	var got []string
	for host, phase := range sum.Hosts {
		got = append(got, host+"="+string(phase))
	}
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		recs, _ := s.store.Records(context.Background(), state.Filter{Run: sum.Run, Kinds: []event.Kind{event.KindHostState, event.KindStepFinished}})
		var log []string
		for _, r := range recs {
			log = append(log, r.Host+" "+string(r.Payload))
		}
		s.t.Fatalf("run %s ended %v, want %v\n%s", sum.Run, got, want, strings.Join(log, "\n"))
	}
}
