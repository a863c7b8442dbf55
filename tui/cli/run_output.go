package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"patchbay/playbooks/runner"
	"patchbay/state/event"
)

// jsonEvent is one line of `run --json`.
type jsonEvent struct {
	Time    time.Time     `json:"time"`
	Run     string        `json:"run"`
	Host    string        `json:"host,omitempty"`
	Kind    event.Kind    `json:"kind"`
	Payload event.Payload `json:"payload"`
}

// printEvents writes the run's events: JSON Lines on stdout with --json,
// and on stderr the host state changes and decisions when stderr is a
// terminal, or only final states and decisions otherwise.
func (a *app) printEvents(events <-chan event.Event, asJSON bool) {
	enc := json.NewEncoder(a.env.Stdout)
	progress := isTerminal(a.env.Stderr)
	for e := range events {
		if asJSON {
			_ = enc.Encode(jsonEvent{Time: e.Time, Run: e.Run, Host: e.Host, Kind: e.Payload.Kind(), Payload: e.Payload})
		}
		if line := humanLine(e, progress); line != "" {
			fmt.Fprintln(a.env.Stderr, line)
		}
	}
}

// hostCount returns "1 host" or "N hosts".
func hostCount(n int) string {
	if n == 1 {
		return "1 host"
	}
	return fmt.Sprintf("%d hosts", n)
}

// humanLine returns the stderr line for e, or "" for events not shown.
func humanLine(e event.Event, progress bool) string {
	stamp := e.Time.Local().Format("15:04:05")
	switch p := e.Payload.(type) {
	case event.RunStarted:
		return fmt.Sprintf("%s run %s: %s on %s", stamp, e.Run, p.Playbook, hostCount(len(p.Hosts)))
	case event.HostState:
		if !progress && !p.Phase.Final() {
			return ""
		}
		return fmt.Sprintf("%s %-20s %s", stamp, e.Host, phaseText(p))
	case event.Decision:
		who := e.Host
		if who == "" {
			who = strings.TrimSpace(p.Site + " " + p.Ring)
		}
		return fmt.Sprintf("%s %-20s %s: %s", stamp, who, p.What, p.Reason)
	case event.HoldSet:
		return fmt.Sprintf("%s %-20s hold set on %s: %s", stamp, e.Host, p.Update, p.Reason)
	}
	return ""
}

func phaseText(p event.HostState) string {
	text := string(p.Phase)
	switch {
	case p.Phase == event.PhaseDownloading:
		text = fmt.Sprintf("downloading %d %%", p.Percent)
	case p.Phase == event.PhaseInstalling && p.Total > 0:
		text = fmt.Sprintf("installing %d/%d", p.Index, p.Total)
	}
	if p.Reason != "" {
		text += ": " + p.Reason
	}
	return text
}

// printSummary writes the counts and the hosts that need attention. The
// counts cover only the hosts this run contacted or skipped.
func (a *app) printSummary(sum *runner.Summary) {
	w := a.env.Stderr
	fmt.Fprintf(w, "run %s: %d done, %d reboot pending, %d failed, %d missed, %d skipped",
		sum.Run, sum.Count(event.PhaseDone), sum.Count(event.PhaseRebootPending), sum.Count(event.PhaseFailed),
		sum.Count(event.PhaseMissed), sum.Count(event.PhaseSkipped))
	if len(sum.Unfinished) > 0 {
		fmt.Fprintf(w, ", %d unfinished", len(sum.Unfinished))
	}
	fmt.Fprintln(w)
	if sum.FinishedEarlier > 0 {
		fmt.Fprintf(w, "  not counted: %s that had finished before, in run %s or a run that continues it\n", hostCount(sum.FinishedEarlier), sum.Resumes)
	}
	listHosts(w, "failed", sum.In(event.PhaseFailed))
	listHosts(w, "missed (for the next window)", sum.In(event.PhaseMissed))
	listHosts(w, "reboot pending", sum.In(event.PhaseRebootPending))
	listHosts(w, "staged (the other steps wait for the window)", sum.Staged)
	listHosts(w, "unfinished (patchbay run --resume "+sum.Run+")", sum.Unfinished)
}

func listHosts(w io.Writer, label string, hosts []string) {
	if len(hosts) > 0 {
		fmt.Fprintf(w, "  %s: %s\n", label, strings.Join(hosts, ", "))
	}
}
