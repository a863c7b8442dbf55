package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"patchbay/inventory"
	"patchbay/playbooks"
	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner"
	"patchbay/remote/lab"
	"patchbay/state"
	"patchbay/state/exposure"
	"patchbay/state/hoststate"
	"patchbay/state/kev"
	"patchbay/tui"
)

// consoleLogFile is the console's log inside the state directory. The
// console owns the terminal, so nothing may print there.
const consoleLogFile = "log/console.log"

// openConsole loads the inventory and opens the journal, then runs the
// full-screen console on them. Both are checked before the console
// takes the terminal, so their errors print as usual.
func (a *app) openConsole(ctx context.Context) error {
	if !isTerminal(a.env.Stdin) || !isTerminal(a.env.Stdout) {
		return usageErrorf("the console needs a terminal on standard input and output; for scripts use the batch commands (patchbay --help)")
	}
	path, inv, err := a.loadInventory()
	if err != nil {
		return err
	}
	store, err := a.openJournal(false)
	if err != nil {
		return err
	}
	defer store.Close()
	logger, closeLog, err := openConsoleLog(store.Dir())
	if err != nil {
		return err
	}
	defer closeLog()
	logger.Info("console opened", "inventory", path, "state", store.Dir())
	b := &consoleBackend{a: a, path: path, inv: inv, store: store, requests: map[string]tui.PlanRequest{}}
	outcome, err := tui.Open(ctx, tui.Options{Backend: b, Logger: logger, Now: a.now})
	logger.Info("console closed", "err", err, "unfinished", outcome.Unfinished, "quit_aborted", outcome.QuitAborted)
	if err != nil {
		return err
	}
	return reportConsoleOutcome(a.env.Stderr, path, store.Dir(), outcome)
}

// openConsoleLog opens the console's log file for appending.
func openConsoleLog(stateDir string) (*slog.Logger, func(), error) {
	path := filepath.Join(stateDir, consoleLogFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, withExit(ExitFailures, fmt.Errorf("create the console log folder: %w", err))
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, withExit(ExitFailures, fmt.Errorf("open the console log: %w", err))
	}
	return slog.New(slog.NewJSONHandler(f, nil)), func() { f.Close() }, nil
}

// consoleBackend gives the console the inventory, the journal and the
// runner, built as the batch commands build them.
type consoleBackend struct {
	a     *app
	path  string
	store *state.Store

	mu  sync.Mutex
	inv *inventory.Inventory
	// requests keeps each started run's request, so that a retry keeps
	// the overrides and their reasons.
	requests map[string]tui.PlanRequest
}

var _ tui.Backend = (*consoleBackend)(nil)

func (b *consoleBackend) inventory() *inventory.Inventory {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.inv
}

// LoadFleet reloads the inventory and derives the fleet's state, the
// catalogue's matches and the emergencies from the journal.
func (b *consoleBackend) LoadFleet(ctx context.Context) (*tui.Fleet, error) {
	path, inv, err := b.a.loadInventory()
	if err != nil {
		return nil, err
	}
	recs, err := b.store.Records(ctx, state.Filter{})
	if err != nil {
		return nil, err
	}
	st, err := hoststate.Derive(recs)
	if err != nil {
		return nil, err
	}
	f := &tui.Fleet{Inventory: inv, InventoryPath: path, StateDir: b.store.Dir(), State: st}
	if f.Findings, err = b.findings(ctx, inv); err != nil {
		return nil, err
	}
	if f.Emergencies, err = replayEmergencies(ctx, b.store); err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.inv, b.path = inv, path
	b.mu.Unlock()
	return f, nil
}

// findings matches the imported catalogue against the fleet, or returns
// nil when none was imported.
func (b *consoleBackend) findings(ctx context.Context, inv *inventory.Inventory) ([]exposure.Finding, error) {
	catalogue, err := kev.Load(b.store.Dir())
	if errors.Is(err, kev.ErrNoCatalogue) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	facts, err := latestFacts(ctx, b.store)
	if err != nil {
		return nil, err
	}
	docs, err := kev.LoadDocuments(b.store.Dir())
	if err != nil {
		return nil, err
	}
	in := exposure.Input{Entries: catalogue.Entries, Documents: docs,
		Hosts: exposureHosts(inv, facts), Devices: exposureDevices(inv)}
	return append([]exposure.Finding{}, exposure.Match(in)...), nil
}

// Playbooks lists the built-in and user playbooks.
func (b *consoleBackend) Playbooks() ([]string, error) {
	list, err := b.a.loadCatalog("")
	if err != nil {
		return nil, err
	}
	names := make([]string, len(list))
	for i, pb := range list {
		names[i] = pb.Name
	}
	return names, nil
}

// Plan plans req now, with the journal's history, as the plan command
// does. For an emergency the playbook, hosts and cycle come from the
// emergency, as with plan --emergency.
func (b *consoleBackend) Plan(ctx context.Context, req tui.PlanRequest) (*plan.Plan, error) {
	inv := b.inventory()
	f := &planFlags{sel: req.Selection, emergency: req.Emergency}
	in := planInput{inv: inv, store: b.store}
	name, target, err := b.a.resolveEmergency(ctx, b.store, f, req.Playbook)
	if err != nil {
		return nil, err
	}
	in.emergency = target
	list, err := b.a.loadCatalog("")
	if err != nil {
		return nil, err
	}
	pb, err := playbooks.Find(list, name)
	if err != nil {
		return nil, err
	}
	opts, err := b.a.planOptions(ctx, f, in, b.a.now())
	if err != nil {
		return nil, err
	}
	opts.Overrides = req.Overrides
	return plan.Make(inv, pb, f.sel, opts)
}

// Start starts p in the background, as the run command does after its
// confirmation.
func (b *consoleBackend) Start(ctx context.Context, req tui.PlanRequest, p *plan.Plan) (*tui.Run, error) {
	return b.start(ctx, req, p, priorRunInfo{})
}

// Retry plans again the hosts of run id that failed, or with unfinished
// set, those an abort left unfinished, and starts them.
func (b *consoleBackend) Retry(ctx context.Context, id string, unfinished bool) (*tui.Run, error) {
	f := &runFlags{retryFailed: id}
	if unfinished {
		f = &runFlags{resume: id}
	}
	prior, err := b.a.priorRun(ctx, b.store, f)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	req := b.requests[id]
	b.mu.Unlock()
	req.Playbook, req.Selection, req.Emergency = prior.playbook, f.sel, prior.emergency
	p, err := b.Plan(ctx, req)
	if err != nil {
		return nil, err
	}
	return b.start(ctx, req, p, prior)
}

// start journals the inventory when it changed, locks the plan's sites
// and launches the run.
func (b *consoleBackend) start(ctx context.Context, req tui.PlanRequest, p *plan.Plan, prior priorRunInfo) (*tui.Run, error) {
	runnable := runnableHosts(p, prior.finished)
	if len(runnable) == 0 {
		return nil, errors.New("nothing runnable: every selected host is skipped or already finished (see the plan)")
	}
	inv := b.inventory()
	if err := journalInventory(ctx, b.store, inv); err != nil {
		return nil, err
	}
	f := &runFlags{concurrency: runner.DefaultConcurrency, siteConcurrency: runner.DefaultSiteConcurrency}
	opts := b.a.runnerOptions(f, prior)
	var err error
	if opts.Holds, err = journalHolds(ctx, b.store, inv); err != nil {
		return nil, err
	}

	holder := state.LockHolder{Run: opts.RunID, Operator: opts.Operator, PID: os.Getpid(), Started: b.a.now()}
	locks, err := b.store.LockSites(ctx, holder, hostSites(p, runnable)...)
	if err != nil {
		return nil, err
	}
	r, err := b.launch(ctx, inv, p, opts, locks)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.requests[r.ID] = req
	b.mu.Unlock()
	return r, nil
}

// launch runs p in a goroutine that journals through the store's
// batching writer and releases the locks when the run ends.
func (b *consoleBackend) launch(ctx context.Context, inv *inventory.Inventory, p *plan.Plan, opts runner.Options, locks *state.SiteLocks) (*tui.Run, error) {
	dialer, closeDialer, err := newDialer(b.a, inv, b.store)
	if err != nil {
		locks.Release()
		return nil, err
	}
	writer := b.store.NewWriter(state.WriterOptions{})
	r := runner.New(inv, p, dialer, writerJournal(writer), opts)
	events := r.Subscribe()
	done := make(chan tui.RunResult, 1)
	go func() {
		sum, err := r.Run(ctx)
		if closeErr := writer.Close(); err == nil {
			err = closeErr
		}
		closeDialer()
		// The locks go before the result is sent, so a retry started as
		// soon as the console sees the result does not find its own
		// sites still locked.
		locks.Release()
		done <- tui.RunResult{Summary: sum, Err: err}
	}()
	return &tui.Run{ID: r.ID(), Playbook: p.Playbook.Name, Plan: p, Started: b.a.now(),
		Events: events, Done: done, Control: r}, nil
}

// Journal reads the last limit records and verifies the whole chain.
func (b *consoleBackend) Journal(ctx context.Context, limit int) (*tui.JournalView, error) {
	head, err := b.store.Head(ctx)
	if err != nil {
		return nil, err
	}
	recs, err := b.store.Records(ctx, state.Filter{After: max(head.Seq-int64(limit), 0)})
	if err != nil {
		return nil, err
	}
	v, err := b.store.Verify(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &tui.JournalView{Records: recs, Verification: v}, nil
}

// labConsole opens the console on the lab fleet, with the lab's
// inventory and state directory. The caller stops the fleet when the
// console closes.
func (a *app) labConsole(ctx context.Context, fleet *lab.Fleet, stateDir string) error {
	a.inventory, a.stateDir = fleet.InventoryPath(), stateDir
	return a.openConsole(ctx)
}
