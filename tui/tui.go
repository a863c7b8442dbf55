// Package tui is patchbay's full-screen console, built on Bubble Tea: the
// fleet, plan and launch, live runs, emergencies, the exception register
// and the journal, each a small component behind one contract.
//
// The console does no I/O of its own: everything that reads the disk or
// the network goes through the Backend, called only inside commands, so
// Update stays a pure state transition that tests call directly. Runner
// events arrive as messages from a command that reads one event and
// re-arms itself. The command line in tui/cli builds the Backend; this
// package does not build inventories, journals or runners.
package tui

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"
)

// Open runs the console on the terminal and returns, when the operator
// quits or ctx ends, the runs it leaves unfinished. The terminal's colour
// support, and NO_COLOR, decide how colours are drawn; every coloured
// state also has a word or mark.
func Open(ctx context.Context, opts Options) (Outcome, error) {
	if opts.Backend == nil {
		return Outcome{}, errors.New("open the console: no backend")
	}
	m := New(ctx, opts)
	p := tea.NewProgram(m, tea.WithContext(ctx))
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = nil
	}
	return m.Outcome(), err
}
