package runner

import (
	"context"

	"patchbay/state/event"
)

// Journal keeps the run's events. The runner journals every event before
// subscribers see it, so an event shown is an event kept.
type Journal interface {
	// Append records e durably and returns after it is committed. It is
	// called from many goroutines at once.
	Append(ctx context.Context, e event.Event) error
}

// JournalFunc adapts a function to Journal.
type JournalFunc func(ctx context.Context, e event.Event) error

// Append calls f.
func (f JournalFunc) Append(ctx context.Context, e event.Event) error { return f(ctx, e) }

// Decision kinds the runner journals in event.Decision.What, beside the
// "skip", "override-window", "override-gate", "budget" and "hold" kinds
// that the event package names.
const (
	DecisionGate           = "gate"            // a ring's gate passed or not, or the runner waits for a soak
	DecisionHealth         = "health"          // a health check failed on a host after patching
	DecisionRetry          = "retry"           // a step is retried after a transient failure
	DecisionStepSkipped    = "step-skipped"    // a step's condition was false, or policy forbids it
	DecisionWindowOverrun  = "window-overrun"  // a host finished after its window closed
	DecisionHostUnfinished = "host-unfinished" // an abort stopped the host before a final state
)
