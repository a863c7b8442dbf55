package cli

import (
	"cmp"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"patchbay/state/event"
)

// localLayout formats instants in site-local time with the zone's
// abbreviation, so that DST is visible.
const localLayout = "Mon 2006-01-02 15:04 MST"

func printStatus(w io.Writer, r statusReport) {
	fmt.Fprintf(w, "at %s · cycle: %s until %s (release %s)\n",
		r.At.Format(time.RFC3339), r.Phase.Name, r.Phase.Until.Format(localLayout), r.Phase.Release.Format(localLayout))
	for _, run := range r.UnfinishedRuns {
		fmt.Fprintf(w, "unfinished run %s: %s on %s, started %s, last heard %s; unless it is still running, finish it with patchbay run --resume %s\n",
			run.ID, run.Playbook, listOrNone(run.Sites), run.Started.UTC().Format(time.RFC3339), run.LastHeard.UTC().Format(time.RFC3339), run.ID)
	}
	for _, s := range r.Sites {
		fmt.Fprintln(w)
		printSite(w, s, r.At)
	}
}

func printSite(w io.Writer, s siteStatus, at time.Time) {
	owner := s.Owner
	if owner == "" {
		owner = "NONE (patching has no owner)"
	}
	fmt.Fprintf(w, "%s (%s) · %s · owner: %s\n", s.Name, s.ID, s.TimeZone, owner)
	fmt.Fprintf(w, "  window: %s\n", windowText(s.Window, at))
	for _, r := range s.Rings {
		fmt.Fprintf(w, "  %-12s %s\n", r.Ring+":", listOrNone(r.Hosts))
	}
	for _, e := range s.Exceptions {
		flag := ""
		if e.Overdue {
			flag = " OVERDUE"
		}
		app := ""
		if e.App != "" {
			app = " (" + e.App + ")"
		}
		fmt.Fprintf(w, "  exception %s: %s%s, owner %s, review by %s%s\n",
			e.ID, strings.Join(e.Hosts, ", "), app, e.Owner, e.ReviewBy, flag)
	}
	for _, d := range s.Devices {
		fmt.Fprintf(w, "  medical device %s: %s, firmware %s (tracked only)\n", d.Name, d.Model, d.Firmware)
	}
	for _, h := range s.Holds {
		flag := ""
		if h.Overdue {
			flag = " OVERDUE"
		}
		fmt.Fprintf(w, "  hold %s: %s %s (scope %s), re-check %s%s\n", h.ID, h.Kind, h.Item, h.Scope, h.Recheck, flag)
	}
	for _, h := range s.RunnerHolds {
		fmt.Fprintf(w, "  runner hold on %s: %s, %s (since %s)\n", h.Host, h.Item, h.Reason, h.Since.In(s.location).Format(localLayout))
	}
	printHostStates(w, s)
	for _, e := range s.Emergencies {
		left := e.Remaining
		if e.Overdue {
			left = "OVERDUE, " + left
		}
		fmt.Fprintf(w, "  emergency %s (%s): deadline %s (%s), patched %d/%d\n",
			e.ID, strings.Join(e.CVEs, ", "), e.Deadline.In(s.location).Format(localLayout), left, e.Patched, e.Total)
	}
}

// printHostStates prints one line per host the journal has a state for,
// sorted by name.
func printHostStates(w io.Writer, s siteStatus) {
	names := make([]string, 0, len(s.HostStates))
	for name := range s.HostStates {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  host %s: %s\n", name, hostStateText(s.HostStates[name], s.location))
	}
}

func hostStateText(st HostState, loc *time.Location) string {
	parts := []string{cmp.Or(st.State, "no run yet")}
	if st.Reason != "" {
		parts[0] += " (" + st.Reason + ")"
	}
	if st.Build != "" {
		parts = append(parts, "build "+st.Build)
	}
	if st.LastRun != "" {
		parts = append(parts, "last run "+st.LastRun)
	}
	if st.RebootPending && st.State != string(event.PhaseRebootPending) {
		parts = append(parts, strings.TrimSuffix("reboot pending: "+st.RebootReason, ": "))
	}
	if !st.LastSeen.IsZero() {
		parts = append(parts, "last heard "+st.LastSeen.In(loc).Format(localLayout))
	}
	return strings.Join(parts, ", ")
}

func windowText(w windowStatus, at time.Time) string {
	var b strings.Builder
	if w.Open {
		fmt.Fprintf(&b, "open until %s (%s left)", w.ClosesAt.Format(localLayout), w.ClosesAt.Sub(at).Round(time.Minute))
	} else {
		b.WriteString("closed")
	}
	if !w.NextStart.IsZero() {
		fmt.Fprintf(&b, "; next %s to %s", w.NextStart.Format(localLayout), w.NextEnd.Format(localLayout))
	}
	return b.String()
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}
