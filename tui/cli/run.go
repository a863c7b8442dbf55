package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"patchbay/inventory"
	"patchbay/playbooks/actions"
	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner"
	"patchbay/state"
	"patchbay/state/event"
	"patchbay/state/report"
)

// rebootTiming is the reboot action's poll interval and timeouts; tests
// shorten it.
var rebootTiming = actions.DefaultTiming

// runFlags are the flags of run beyond those it shares with plan.
type runFlags struct {
	planFlags
	yes             bool
	concurrency     int
	siteConcurrency int
	resume          string
	retryFailed     string
	retryMissed     string
	gateWait        time.Duration
}

func (a *app) newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run PLAYBOOK",
		Short: "Run a playbook over the selected hosts",
		Long: `run plans like 'patchbay plan', asks for confirmation, then patches the
runnable hosts ring by ring: a later ring starts only after the earlier
ring's gate passed. Every state change, output chunk and decision is
journaled before it is shown.

Concurrency is bounded overall (--concurrency, default 20) and per site
(--site-concurrency, default 2, unless the site sets its own), because a
practice's uplink is thin. When a site's failure budget is spent that site
stops and the others go on; missed hosts (switched off) do not count.

SIGINT and SIGTERM abort cleanly: running steps are cancelled and the run
can be finished later with --resume ID. Three flags continue an earlier
run ID with its playbook. Each takes a host's outcome from the latest run
that selected it, among ID and the runs that resume or retry ID or one
another: the host's final state there, or unfinished when that run stopped
first. --resume ID runs exactly the unfinished hosts, --retry-failed ID
exactly the failed ones and --retry-missed ID exactly the missed ones
(switched off or unreachable). Hosts that ended done, reboot pending or
skipped do not run again.

--emergency ID runs an emergency instead of PLAYBOOK: its playbook over
its hosts not yet patched, in its cycle. Rings still run in order but
behind each ring's emergency soak; holds and exceptions still apply; once
the notices to the sites' contacts are journaled, hosts are patched
outside their maintenance windows, which is journaled. Each host that
finishes done is journaled as patched for the emergency, and the deadline
clock of each site is printed after the summary.

Without a terminal, run needs --yes.

Exit codes: 0 success: no host failed or was missed, and at least one
ended done or reboot pending. Reboot pending counts as a success of the
run because the updates are installed and only the reboot policy delays
the restart; the summary lists those hosts. Skipped hosts beside them do
not change the code. 1 some hosts failed or were missed, or the journal
failed. 2 bad input. 3 refused by policy: window closed, gate not passed,
site locked, nothing runnable, nothing to resume or retry, or every host
skipped. 4 aborted.`,
		Args: cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(commandContext(cmd), args, &f)
		},
	}
	f.register(cmd.Flags())
	fs := cmd.Flags()
	fs.BoolVar(&f.yes, "yes", false, "start without asking for confirmation")
	fs.IntVar(&f.concurrency, "concurrency", runner.DefaultConcurrency, "most hosts patched at once over all sites")
	fs.IntVar(&f.siteConcurrency, "site-concurrency", runner.DefaultSiteConcurrency, "most hosts of one site patched at once, unless the site sets its own")
	fs.StringVar(&f.resume, "resume", "", "finish the run with this id: run only its hosts left unfinished, including by its resumes and retries")
	fs.StringVar(&f.retryFailed, "retry-failed", "", "run again the hosts whose latest outcome in the run with this id, or in its resumes and retries, is failed")
	fs.StringVar(&f.retryMissed, "retry-missed", "", "run again the hosts whose latest outcome in the run with this id, or in its resumes and retries, is missed")
	fs.DurationVar(&f.gateWait, "gate-wait", 0, "wait up to this long for an earlier ring's soak to end within the run, such as 10m (default: do not wait)")
	return cmd
}

// openJournalIfExists opens the journal when the state directory has
// one, and returns nil otherwise.
func (a *app) openJournalIfExists() (*state.Store, error) {
	dir, err := state.ResolveDir(a.stateDir, a.getenv)
	if err != nil {
		return nil, usageErrorf("%w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, state.FileName)); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return a.openJournal(false)
}

func (a *app) run(ctx context.Context, args []string, f *runFlags) error {
	if err := checkRunArgs(args, f); err != nil {
		return err
	}
	inv, err := a.loadFleet()
	if err != nil {
		return err
	}
	if err := checkHostPatterns(inv, f.sel.Hosts); err != nil {
		return err
	}
	store, err := a.openJournal(false)
	if err != nil {
		return err
	}
	defer store.Close()
	prior, err := a.priorRun(ctx, store, f)
	if err != nil {
		return err
	}
	name := prior.playbook
	if name == "" {
		name = firstArg(args)
	}
	if prior.emergency != "" {
		f.emergency, f.resumesEmergency = prior.emergency, true
	}
	in := planInput{inv: inv, store: store}
	if name, in.emergency, err = a.resolveEmergency(ctx, store, &f.planFlags, name); err != nil {
		return err
	}
	p, err := a.makePlan(ctx, name, &f.planFlags, in)
	if err != nil {
		return err
	}
	return a.execute(ctx, store, runTarget{inv: inv, plan: p}, f, prior)
}

func checkRunArgs(args []string, f *runFlags) error {
	earlier, _ := f.continuation()
	switch {
	case countSet(f.resume, f.retryFailed, f.retryMissed) > 1:
		return usageErrorf("--resume, --retry-failed and --retry-missed exclude each other; give one")
	case earlier != "" && len(args) > 0:
		return usageErrorf("--resume, --retry-failed and --retry-missed take the playbook from the earlier run; drop the PLAYBOOK argument")
	case f.emergency != "" && earlier != "":
		return usageErrorf("--resume, --retry-failed and --retry-missed continue the emergency of the earlier run; drop --emergency")
	case f.emergency != "" && len(args) > 0:
		return usageErrorf("--emergency %s takes the playbook from the emergency; drop the PLAYBOOK argument %q", f.emergency, args[0])
	case earlier == "" && f.emergency == "" && len(args) == 0:
		return usageErrorf("name the playbook to run, or an emergency with --emergency ID; patchbay playbooks lists playbooks")
	case f.concurrency < 1 || f.siteConcurrency < 1:
		return usageErrorf("--concurrency and --site-concurrency must be at least 1")
	case f.gateWait < 0:
		return usageErrorf("--gate-wait must not be negative")
	}
	return nil
}

// countSet returns how many of values are not empty.
func countSet(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}

// runTarget is the inventory and the plan a run executes.
type runTarget struct {
	inv  *inventory.Inventory
	plan *plan.Plan
}

// execute confirms, locks the sites and runs the plan.
func (a *app) execute(ctx context.Context, store *state.Store, t runTarget, f *runFlags, prior priorRunInfo) error {
	p := t.plan
	runnable := runnableHosts(p, prior.finished)
	if len(runnable) == 0 {
		writePlan(a.env.Stderr, p)
		return withExit(ExitPolicy, errors.New("nothing runnable: every selected host is skipped or already finished (see the plan above)"))
	}
	err := a.confirmRun(p, len(runnable), f.yes)
	if err != nil {
		return err
	}
	if err := journalInventory(ctx, store, t.inv); err != nil {
		return err
	}
	opts := a.runnerOptions(f, prior)
	if opts.Holds, err = journalHolds(ctx, store, t.inv); err != nil {
		return err
	}
	locks, err := store.LockSites(ctx, state.LockHolder{Run: opts.RunID, Operator: opts.Operator, PID: os.Getpid(), Started: a.now()}, hostSites(p, runnable)...)
	if err != nil {
		return err
	}
	defer locks.Release()
	dialer, closeDialer, err := newDialer(a, t.inv, store)
	if err != nil {
		return err
	}
	defer closeDialer()
	writer := store.NewWriter(state.WriterOptions{})
	defer writer.Close()
	r := runner.New(t.inv, p, dialer, writerJournal(writer), opts)
	err = a.watch(ctx, r, f.asJSON)
	if p.Emergency != nil {
		a.printRunClocks(store, t.inv, p.Emergency.ID)
	}
	return err
}

func runnableHosts(p *plan.Plan, finished map[string]event.HostPhase) []string {
	var names []string
	for _, h := range p.Hosts {
		if _, done := finished[h.Host.Name]; h.Runnable() && !done {
			names = append(names, h.Host.Name)
		}
	}
	return names
}

// hostSites returns the sites of the named plan hosts in plan order. A run
// locks only these, so a site that plan showed as locked by another run,
// and whose hosts are therefore skipped, does not stop the other sites.
func hostSites(p *plan.Plan, names []string) []string {
	var sites []string
	for _, name := range names {
		if h := p.Find(name); h != nil && !slices.Contains(sites, h.Host.Site) {
			sites = append(sites, h.Host.Site)
		}
	}
	return sites
}

// confirmRun requests the operator's confirmation unless --yes. Without a
// terminal nobody can confirm, so the run is rejected.
func (a *app) confirmRun(p *plan.Plan, n int, yes bool) error {
	if yes {
		return nil
	}
	if !isTerminal(a.env.Stdin) {
		return usageErrorf("run needs --yes when standard input is not a terminal")
	}
	writePlan(a.env.Stderr, p)
	if !a.confirm(fmt.Sprintf("Run %s on %s? [y/N] ", p.Playbook.Name, hostCount(n))) {
		return withExit(ExitAborted, errors.New("run cancelled at the confirmation"))
	}
	return nil
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func (a *app) runnerOptions(f *runFlags, prior priorRunInfo) runner.Options {
	osUser := "unknown"
	if u, err := user.Current(); err == nil {
		osUser = u.Username
	}
	// Planning has already rejected invalid --var values, so the error
	// cannot occur here.
	vars, _ := f.variables()
	return runner.Options{
		RunID: runner.NewRunID(a.now()), Operator: osUser, OperatorName: a.operator,
		CycleKind: event.CycleMonthly, Resumes: prior.id, Finished: prior.finished, Rebooting: prior.rebooting,
		Concurrency: f.concurrency, SiteConcurrency: f.siteConcurrency, GateWait: f.gateWait,
		Windows: plan.SiteWindows{}, Now: a.now, Timing: rebootTiming, Vars: vars,
	}
}

// journalInventory journals the inventory files when they changed since
// the last snapshot, so that reports know the fleet of each run's date.
func journalInventory(ctx context.Context, store *state.Store, inv *inventory.Inventory) error {
	if _, err := report.JournalInventory(ctx, store, inv); err != nil {
		return withExit(ExitFailures, err)
	}
	return nil
}

// journalHolds reads the holds the runner set in earlier runs.
func journalHolds(ctx context.Context, store *state.Store, inv *inventory.Inventory) (map[string][]*inventory.Hold, error) {
	recs, err := store.Records(ctx, state.Filter{Kinds: []event.Kind{event.KindHoldSet, event.KindHoldCleared}})
	if err != nil {
		return nil, withExit(ExitFailures, err)
	}
	holds, err := plan.JournalHolds(recs, inv)
	if err != nil {
		return nil, withExit(ExitFailures, err)
	}
	return holds, nil
}

// storeJournal appends each event in its own transaction, which returns
// after the commit.
// NOTE: one transaction per event costs about 0.25 ms here; writerJournal
// groups the events of concurrent hosts, and run uses it.
func storeJournal(store *state.Store) runner.Journal {
	return runner.JournalFunc(func(ctx context.Context, e event.Event) error {
		_, err := store.Append(ctx, e)
		return err
	})
}

// writerJournal queues each event on the store's batching writer and
// returns once it is committed, as runner.Journal requires. Hosts that
// emit at the same time wait on the same flush, so their events share one
// transaction instead of one each.
func writerJournal(w *state.Writer) runner.Journal {
	return runner.JournalFunc(func(ctx context.Context, e event.Event) error {
		if err := w.Write(ctx, e); err != nil {
			return err
		}
		return w.Flush(ctx)
	})
}

// watch runs r, aborting it on SIGINT or SIGTERM, prints its events and
// returns the run's exit status.
func (a *app) watch(ctx context.Context, r *runner.Runner, asJSON bool) error {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	events := r.Subscribe()
	printed := make(chan struct{})
	go func() {
		defer close(printed)
		a.printEvents(events, asJSON)
	}()
	go func() {
		select {
		case <-signals:
			r.Abort()
		case <-printed:
		}
	}()
	sum, err := r.Run(ctx)
	<-printed
	if err != nil {
		return withExit(ExitFailures, err)
	}
	a.printSummary(sum)
	return runExit(sum)
}

// runExit maps a run's summary to the exit status.
func runExit(sum *runner.Summary) error {
	switch {
	case sum.Aborted:
		return withExit(ExitAborted, fmt.Errorf("run %s aborted; finish it with patchbay run --resume %s", sum.Run, sum.Run))
	case sum.Count(event.PhaseFailed)+sum.Count(event.PhaseMissed) > 0:
		return withExit(ExitFailures, fmt.Errorf("run %s finished with %d failed and %d missed hosts", sum.Run, sum.Count(event.PhaseFailed), sum.Count(event.PhaseMissed)))
	case sum.Count(event.PhaseDone)+sum.Count(event.PhaseRebootPending) == 0:
		return withExit(ExitPolicy, fmt.Errorf("run %s patched no host: every host was skipped by policy", sum.Run))
	}
	return nil
}
