package faults_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/inventory"
	"patchbay/inventory/credential"
	"patchbay/playbooks/actions"
	"patchbay/playbooks/book"
	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner"
	"patchbay/remote/fleet"
	"patchbay/remote/lab"
	"patchbay/remote/sshremote"
	"patchbay/state"
	"patchbay/state/event"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// labTiming makes lab reboots take a tenth of a second.
var labTiming = lab.Timing{ShutdownDelay: 20 * time.Millisecond, RebootDuration: 100 * time.Millisecond}

// runTiming polls a rebooting host every 20 ms and gives up after 2 s.
var runTiming = actions.Timing{Poll: 20 * time.Millisecond, Reboot: map[string]time.Duration{
	"workstation": 2 * time.Second, "server": 2 * time.Second,
	"hypervisor": 2 * time.Second, "network": 2 * time.Second,
}}

// idleTimeout is the idle deadline of SSH commands in the suite: a command
// that writes nothing for that long is ended.
const idleTimeout = 500 * time.Millisecond

// world is a running lab fleet with the inventory that reaches it and a
// journal on disk.
type world struct {
	t     *testing.T
	fleet *lab.Fleet
	inv   *inventory.Inventory
	store *state.Store
	// configure, when set, changes each SSH configuration before a dial.
	configure func(*sshremote.Config)
}

// startWorld serves the clinic inventory with faults (as lab.ParseFaults
// reads them) and opens a journal in a temporary folder.
func startWorld(t *testing.T, faults string) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := lab.Start(ctx, lab.Options{Dir: t.TempDir(), Inventory: os.DirFS("testdata/inventory"),
		Faults: faults, Timing: labTiming, AddressBase: lab.RandomAddressBase()})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		f.Close()
	})
	inv, err := inventory.Load(f.InventoryPath(), inventory.Options{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &world{t: t, fleet: f, inv: inv, store: store}
}

// dialer returns the real fleet dialer for the lab, with the lab's
// known_hosts and an idle deadline on SSH commands.
func (w *world) dialer() *fleet.Dialer {
	return fleet.New(w.inv, fleet.Options{
		KnownHosts: []string{filepath.Join(w.fleet.Dir(), "known_hosts")},
		Env:        credential.Env{Getenv: func(string) string { return "" }, Home: w.t.TempDir()},
		Configure: func(c *sshremote.Config) {
			c.IdleTimeout = idleTimeout
			if w.configure != nil {
				w.configure(c)
			}
		},
	})
}

// loadPlaybook loads a playbook from testdata/playbooks or the built-in
// catalogue.
func loadPlaybook(t *testing.T, file string) *book.Playbook {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/playbooks", file))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := book.Load(file, data, actions.Resolve)
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

// outcome is what a run returned and journaled.
type outcome struct {
	summary *runner.Summary
	err     error
	records []event.Record
}

// run plans pb over the hosts of the selection and runs it through the
// journal j, or the store's own when j is nil.
func (w *world) run(pb *book.Playbook, sel plan.Selection, j runner.Journal, opts runner.Options) outcome {
	w.t.Helper()
	p, err := plan.Make(w.inv, pb, sel, plan.Options{At: time.Now(), Windows: plan.SiteWindows{}})
	if err != nil {
		w.t.Fatal(err)
	}
	if j == nil {
		j = runner.JournalFunc(func(ctx context.Context, e event.Event) error {
			_, err := w.store.Append(ctx, e)
			return err
		})
	}
	d := w.dialer()
	defer d.Close()
	if opts.RunID == "" {
		opts.RunID = runner.NewRunID(time.Now())
	}
	opts.Timing = runTiming
	opts.Windows = plan.SiteWindows{}
	opts.Concurrency, opts.SiteConcurrency = 20, 20
	r := runner.New(w.inv, p, d, j, opts)
	sum, err := r.Run(context.Background())
	recs, rerr := w.store.Records(context.Background(), state.Filter{Run: opts.RunID})
	if rerr != nil {
		w.t.Fatal(rerr)
	}
	return outcome{summary: sum, err: err, records: recs}
}

// finals returns each host's last journaled phase and its reason.
func (o outcome) finals() map[string]event.HostState {
	out := map[string]event.HostState{}
	for _, rec := range o.records {
		if rec.Kind != event.KindHostState {
			continue
		}
		p, err := rec.Decode()
		if err != nil {
			continue
		}
		out[rec.Host] = p.(event.HostState)
	}
	return out
}

// output returns the journaled output of host, in journal order.
func (o outcome) output(host string) string {
	var b strings.Builder
	for _, rec := range o.records {
		if rec.Kind != event.KindOutput || rec.Host != host {
			continue
		}
		if p, err := rec.Decode(); err == nil {
			b.WriteString(p.(event.Output).Data)
		}
	}
	return b.String()
}

// checkFaulty checks that host ended in phase with a reason that contains
// every one of words.
func checkFaulty(t *testing.T, o outcome, host string, phase event.HostPhase, words ...string) {
	t.Helper()
	got, ok := o.finals()[host]
	if !ok {
		t.Errorf("%s has no journaled state", host)
		return
	}
	if got.Phase != phase {
		t.Errorf("%s ended %s (%q), want %s", host, got.Phase, got.Reason, phase)
	}
	for _, w := range words {
		if !strings.Contains(got.Reason, w) {
			t.Errorf("%s reason = %q, want it to contain %q", host, got.Reason, w)
		}
	}
}

// checkOthersDone checks that every host of names other than those in
// faulty is journaled and summarised as done.
func checkOthersDone(t *testing.T, o outcome, names []string, faulty ...string) {
	t.Helper()
	finals := o.finals()
	for _, name := range names {
		if slices.Contains(faulty, name) {
			continue
		}
		if got := finals[name]; got.Phase != event.PhaseDone {
			t.Errorf("healthy host %s ended %q (%q), want done", name, got.Phase, got.Reason)
		}
		if o.summary != nil && o.summary.Hosts[name] != event.PhaseDone {
			t.Errorf("summary has healthy host %s as %q, want done", name, o.summary.Hosts[name])
		}
	}
}

// checkJournal checks that the journal's hash chain holds.
func (w *world) checkJournal() {
	w.t.Helper()
	v, err := w.store.Verify(context.Background(), nil)
	if err != nil {
		w.t.Fatal(err)
	}
	if v.Break != nil {
		w.t.Errorf("journal chain broken: %v", v.Break)
	}
}

// linuxHosts and windowsHosts are the clinic's hosts by transport.
var (
	linuxHosts   = []string{"lx1", "lx2", "lx3", "lx4"}
	windowsHosts = []string{"ws1", "ws2", "ws3"}
)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
