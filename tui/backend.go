package tui

import (
	"context"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner"
	"patchbay/state"
	"patchbay/state/emergency"
	"patchbay/state/event"
	"patchbay/state/exposure"
	"patchbay/state/hoststate"
)

// Backend is the console's access to the inventory, the journal and the
// runner. Its methods may block on disk or the network, so the console
// calls them only inside commands, never from Update or View.
type Backend interface {
	// LoadFleet reads the inventory and what the journal knows about it.
	LoadFleet(ctx context.Context) (*Fleet, error)
	// Playbooks lists the names of the playbooks a plan can use.
	Playbooks() ([]string, error)
	// Plan builds the plan of a request without running it.
	Plan(ctx context.Context, req PlanRequest) (*plan.Plan, error)
	// Start confirms nothing: it locks the plan's sites and starts the
	// run in the background.
	Start(ctx context.Context, req PlanRequest, p *plan.Plan) (*Run, error)
	// Retry starts a run of the hosts of run id that failed, or with
	// unfinished set, of those that did not reach a final state.
	Retry(ctx context.Context, id string, unfinished bool) (*Run, error)
	// Journal reads the most recent records and verifies the chain.
	Journal(ctx context.Context, limit int) (*JournalView, error)
}

// PlanRequest is what the operator picked on the plan screen.
type PlanRequest struct {
	Playbook  string
	Selection plan.Selection
	Overrides plan.Overrides
	// Emergency is the id of the emergency to run. Its playbook, hosts
	// and cycle replace Playbook and narrow Selection.
	Emergency string
}

// Fleet is the inventory with the state derived from the journal.
type Fleet struct {
	Inventory     *inventory.Inventory
	InventoryPath string
	StateDir      string
	// State is derived from every journal record; it is empty, not nil,
	// when there is no journal yet.
	State *hoststate.State
	// Findings are the known-exploited catalogue's matches on the fleet,
	// nil when no catalogue was imported.
	Findings    []exposure.Finding
	Emergencies []*emergency.Emergency
}

// Run is a run started from the console. The backend's goroutine runs
// it; the console reads Events until the channel closes, then Done.
type Run struct {
	ID       string
	Playbook string
	Plan     *plan.Plan
	Started  time.Time
	Events   <-chan event.Event
	// Done receives the run's result once, after Events is closed.
	Done    <-chan RunResult
	Control RunControl
}

// RunControl pauses, resumes and aborts a run. *runner.Runner implements
// it.
type RunControl interface {
	Pause()
	Resume()
	Abort()
	Paused() bool
}

var _ RunControl = (*runner.Runner)(nil)

// RunResult is the outcome of a run: its summary, or the journal error
// that stopped it.
type RunResult struct {
	Summary *runner.Summary
	Err     error
}

// JournalView is the tail of the journal with the result of its
// integrity check.
type JournalView struct {
	Records      []event.Record // oldest first
	Verification state.Verification
}
