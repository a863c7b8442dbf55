package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"patchbay/playbooks/actions"
	"patchbay/playbooks/book"
	"patchbay/playbooks/plan"
	"patchbay/remote"
	"patchbay/state/event"
)

// startHost runs one host if its site may still start hosts, then records
// its final state.
func (r *Runner) startHost(ctx context.Context, h *plan.Host) {
	release := r.acquire(ctx, h.Host.Site)
	if release == nil {
		return
	}
	defer release()
	if reason := r.budget.stopped(h.Host.Site); reason != "" {
		r.skip(h, "budget-spent", reason)
		return
	}
	if reason, detail := r.windowCheck(h); reason != "" {
		staged := stagedHost(h, reason, detail)
		if staged == nil {
			r.skip(h, reason, detail)
			return
		}
		h = staged
	}
	state, detail := r.runHost(ctx, h)
	if state == "" {
		r.decide(h, DecisionHostUnfinished, detail)
		return
	}
	if h.Staged != nil && state == event.PhaseDone {
		r.finishStaged(h)
		return
	}
	r.finish(h, state, detail)
}

// finish records the host's final state and spends the budget.
func (r *Runner) finish(h *plan.Host, state event.HostPhase, detail string) {
	r.emit(h.Host.Name, event.HostState{Phase: state, Reason: detail})
	r.markPatched(h, state)
	r.mu.Lock()
	r.results[h.Host.Name] = state
	r.finishedAt[h.Host.Ring] = r.opts.Now()
	r.mu.Unlock()
	if state != event.PhaseFailed {
		return
	}
	if spent := r.budget.fail(h.Host.Site, h.Host.Ring); spent != nil {
		r.emit("", event.Decision{What: "budget", Reason: spent.reason, Site: h.Host.Site, Ring: h.Host.Ring,
			Budget: &event.Budget{Spent: spent.spent, Limit: spent.limit}})
	}
}

func (r *Runner) skip(h *plan.Host, reason plan.Reason, detail string) {
	r.decide(h, "skip", string(reason)+": "+detail)
	r.finish(h, event.PhaseSkipped, fmt.Sprintf("%s: %s", reason, detail))
}

// decide journals a decision about host h.
func (r *Runner) decide(h *plan.Host, what, reason string) {
	r.emit(h.Host.Name, event.Decision{What: what, Reason: reason, Site: h.Host.Site, Ring: h.Host.Ring})
}

// windowCheck repeats the planner's window check at the moment the host
// starts, because a long run may reach the window's end.
func (r *Runner) windowCheck(h *plan.Host) (plan.Reason, string) {
	if r.plan.IgnoresWindows() || r.plan.Playbook.ReadOnlyByAction() || r.opts.Windows == nil {
		return "", ""
	}
	site := r.inv.Site(h.Host.Site)
	if site == nil {
		return plan.ReasonNoWindow, "site " + h.Host.Site + " is not in the inventory"
	}
	now := r.opts.Now()
	w := r.opts.Windows.Window(site, now)
	if !w.Open {
		return plan.ReasonWindowClosed, fmt.Sprintf("window of site %s closed; it opens %s", site.ID, w.Opens.UTC().Format(time.RFC3339))
	}
	if left := w.Closes.Sub(now); left < h.Expected {
		return plan.ReasonWindowShort, fmt.Sprintf("window of site %s closes in %s, the host needs about %s", site.ID, left.Round(time.Minute), h.Expected)
	}
	return "", ""
}

// mayDisrupt returns an error when the host's site window is closed now,
// for the reboot action.
func (r *Runner) mayDisrupt(h *plan.Host) func() error {
	return func() error {
		if r.plan.IgnoresWindows() || r.opts.Windows == nil {
			return nil
		}
		site := r.inv.Site(h.Host.Site)
		if site == nil {
			return fmt.Errorf("site %s is not in the inventory", h.Host.Site)
		}
		if !r.opts.Windows.Window(site, r.opts.Now()).Open {
			return fmt.Errorf("window of site %s is closed; reboot later or pass --override-window --reason TEXT", site.ID)
		}
		return nil
	}
}

// runHost takes the host through connecting, preflight and its steps. It
// returns the final state, or "" when the run was aborted first.
func (r *Runner) runHost(ctx context.Context, h *plan.Host) (event.HostPhase, string) {
	rep := &reporter{r: r, h: h}
	access := r.inv.Access(h.Host.Name)
	if access == remote.AccessNone {
		return event.PhaseFailed, "policy allows no access to this host"
	}
	rep.Status(event.HostState{Phase: event.PhaseConnecting})
	s, err := r.dialer.Dial(ctx, h.Host)
	if err != nil && remote.Missed(err) && r.opts.Rebooting[h.Host.Name] {
		s, err = r.dialAfterReboot(ctx, h, rep, err)
	}
	if err != nil {
		return r.dialOutcome(ctx, err)
	}
	x := r.newExec(h, rep, remote.Guard(s, h.Host.Name, access))
	defer func() { x.Session.Close() }()
	rep.Status(event.HostState{Phase: event.PhasePreflight})
	state, detail := r.runSteps(ctx, h, x, access)
	r.reportOverrun(h)
	return state, detail
}

// dialAfterReboot keeps dialling a host that an earlier run left in a
// reboot, every Timing.Poll, until it responds or its reboot timeout ends.
func (r *Runner) dialAfterReboot(ctx context.Context, h *plan.Host, rep *reporter, err error) (remote.Session, error) {
	rep.Status(event.HostState{Phase: event.PhaseOffline, Reason: "left rebooting by the resumed run; waiting for it to come back"})
	poll := r.opts.Timing.Poll
	if poll <= 0 {
		poll = actions.DefaultTiming.Poll
	}
	deadline := r.opts.Now().Add(actions.RebootTimeoutOf(h.Host, r.opts.Timing))
	for remote.Missed(err) && r.opts.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(poll):
		}
		var s remote.Session
		if s, err = r.dialer.Dial(ctx, h.Host); err == nil {
			return s, nil
		}
	}
	return nil, err
}

func (r *Runner) dialOutcome(ctx context.Context, err error) (event.HostPhase, string) {
	switch {
	case ctx.Err() != nil:
		return "", errAborted.Error()
	case remote.Missed(err):
		return event.PhaseMissed, err.Error()
	}
	return event.PhaseFailed, err.Error()
}

func (r *Runner) newExec(h *plan.Host, rep *reporter, s remote.Session) *actions.Exec {
	access := r.inv.Access(h.Host.Name)
	return &actions.Exec{
		Host:    h.Host,
		Holds:   append(r.inv.HoldsFor(h.Host), r.opts.Holds[h.Host.Name]...),
		Reboot:  r.inv.RebootPolicyFor(h.Host),
		Session: s,
		Facts:   actions.Facts{},
		Report:  rep,
		Redial: func(ctx context.Context) (remote.Session, error) {
			s, err := r.dialer.Dial(ctx, h.Host)
			if err != nil {
				return nil, err
			}
			return remote.Guard(s, h.Host.Name, access), nil
		},
		MayDisrupt: r.mayDisrupt(h),
		MaxReboots: r.opts.MaxRebootsPerHost,
		Timing:     r.opts.Timing,
		Now:        r.opts.Now,
	}
}

// runSteps runs the host's steps in order and returns the final state.
func (r *Runner) runSteps(ctx context.Context, h *plan.Host, x *actions.Exec, access remote.Access) (event.HostPhase, string) {
	final, detail := event.PhaseDone, ""
	changed := false
	for _, step := range h.Steps {
		if step.Changes && access != remote.AccessFull {
			x.Report.Decision(DecisionStepSkipped, fmt.Sprintf("step %q changes the host, which policy allows only read-only access to", step.Name))
			continue
		}
		err := r.runStep(ctx, h, x, step, changed)
		changed = changed || step.Changes
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return "", errAborted.Error()
		case errors.Is(err, actions.ErrRebootPending):
			final, detail = event.PhaseRebootPending, err.Error()
		case step.OnFailure == book.Continue:
			detail = fmt.Sprintf("step %q failed and was continued past: %v", step.Name, err)
		default:
			return event.PhaseFailed, fmt.Sprintf("step %q: %v", step.Name, err)
		}
	}
	return final, detail
}

// reportOverrun records a host that finished after its window closed. Work
// in progress is not killed at the window's end, but it is reported.
func (r *Runner) reportOverrun(h *plan.Host) {
	if h.WindowCloses.IsZero() {
		return
	}
	if over := r.opts.Now().Sub(h.WindowCloses); over > 0 {
		r.decide(h, DecisionWindowOverrun, fmt.Sprintf("host finished %s after the site's window closed", over.Round(time.Minute)))
	}
}
