package actions

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/state/event"
)

// Exec is the context of one step on one host: the host, its session and
// the reporter an action uses.
type Exec struct {
	Host   *inventory.Host
	Holds  []*inventory.Hold // holds that apply to the host
	Reboot *inventory.RebootPolicy

	// Session is the open session, already wrapped in remote.Guard. The
	// reboot action replaces it after the host comes back.
	Session remote.Session
	// Changes is the step's declaration. Commands are sent with ReadOnly
	// set to its negation, so the guard lets a read-only step reach an
	// excepted host and stops a changing one.
	Changes bool

	// Facts are the host's facts as last read, shared by the steps.
	Facts Facts
	// Installed lists the update ids installed on the host during this
	// run, for reboot loop detection.
	Installed []string

	// Stdout and Stderr receive the output of streamed commands; the
	// runner journals it in chunks.
	Stdout, Stderr io.Writer
	Report         Reporter

	// Redial opens a new guarded session to the host, for the reboot
	// action.
	Redial func(ctx context.Context) (remote.Session, error)
	// MayDisrupt returns an error when a reboot may not start now, for
	// example because the site's window is closed.
	MayDisrupt func() error
	// Reboots counts the reboots of this host in this run, and MaxReboots
	// is the cap.
	Reboots, MaxReboots int
	// Timing holds the reboot timeouts and poll interval.
	Timing Timing
	Now    func() time.Time
}

// Timing is how long the reboot action waits and how often it polls.
type Timing struct {
	// Poll is the pause between two attempts to reach a rebooting host.
	Poll time.Duration
	// Reboot is how long a host may take to go down and come back, by
	// host class. Zero values take DefaultTiming's.
	Reboot map[string]time.Duration
}

// DefaultTiming is the timing used when the runner gives none. The reboot
// timeouts are estimates for the hardware found in small practices.
var DefaultTiming = Timing{
	Poll: 5 * time.Second,
	Reboot: map[string]time.Duration{
		"workstation": 15 * time.Minute,
		"server":      30 * time.Minute,
		"hypervisor":  45 * time.Minute,
		"network":     20 * time.Minute,
	},
}

// Reporter receives what an action wants journaled beside its output.
type Reporter interface {
	// Status reports a change of the host's visible state.
	Status(s event.HostState)
	// Decision records a choice the action made, such as a deferred reboot.
	Decision(kind, detail string)
	// FactsRead records a snapshot of the host's facts.
	FactsRead(f Facts)
	// UpdateResult records the outcome of one update.
	UpdateResult(r event.UpdateResult)
	// HoldSet records a hold the runner set on the host.
	HoldSet(item, reason string)
}

// command returns cmd flagged by the step's declaration.
func (x *Exec) command(line string) remote.Command {
	return remote.Command{Line: line, ReadOnly: !x.Changes}
}

// readCommand returns a command that only reads the host, whatever the
// step declared.
func readCommand(line string) remote.Command {
	return remote.Command{Line: line, ReadOnly: true}
}

// Capture runs cmd and returns its standard output and exit status. A
// non-zero exit is not an error; every other failure is.
func (x *Exec) Capture(ctx context.Context, cmd remote.Command) (string, int, error) {
	var stdout, stderr keptOutput
	err := x.Session.Run(ctx, cmd, &stdout, &stderr)
	var exit *remote.ExitError
	if errors.As(err, &exit) {
		return stdout.String(), exit.Code, nil
	}
	if err != nil {
		return stdout.String(), -1, err
	}
	return stdout.String(), 0, nil
}

// Stream runs cmd with its output going to the journal writers and
// returns its exit status the way Capture does, keeping a copy of stdout.
func (x *Exec) Stream(ctx context.Context, cmd remote.Command) (string, int, error) {
	var stdout keptOutput
	err := x.Session.Run(ctx, cmd, io.MultiWriter(&stdout, x.Stdout), x.Stderr)
	var exit *remote.ExitError
	if errors.As(err, &exit) {
		return stdout.String(), exit.Code, nil
	}
	if err != nil {
		return stdout.String(), -1, err
	}
	return stdout.String(), 0, nil
}

// maxKeptOutput bounds the copy of a stream that Capture and Stream keep
// for parsing. A host that writes more (a runaway loop, a log dumped to
// stdout) would otherwise hold the whole output in memory; the journal
// still counts every byte.
// NOTE: a parser sees only the first 8 MiB; no output parsed here comes
// near that size.
const maxKeptOutput = 8 << 20

// keptOutput keeps the first maxKeptOutput bytes written to it and
// discards the rest.
type keptOutput struct{ buf bytes.Buffer }

func (k *keptOutput) Write(p []byte) (int, error) {
	if room := maxKeptOutput - k.buf.Len(); room > 0 {
		k.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (k *keptOutput) String() string { return k.buf.String() }

// now returns the current instant from the runner's clock.
func (x *Exec) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}
