package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"patchbay/playbooks/actions"
	"patchbay/playbooks/book"
	"patchbay/playbooks/plan"
	"patchbay/playbooks/when"
	"patchbay/remote"
	"patchbay/state/event"
)

// runStep runs one step with its condition, timeout and retries.
func (r *Runner) runStep(ctx context.Context, h *plan.Host, x *actions.Exec, step book.Step, changedBefore bool) error {
	run, err := r.condition(h, x, step)
	if err != nil || !run {
		return err
	}
	action, ok := actions.Lookup(step.Action)
	if !ok {
		return fmt.Errorf("unknown action %q", step.Action)
	}
	params, err := step.Params.Expand(r.vars)
	if err != nil {
		return err
	}
	if step.Action == "facts" && changedBefore {
		x.Report.Status(event.HostState{Phase: event.PhaseVerifying})
	}
	x.Changes = step.Changes
	r.emit(h.Host.Name, event.StepStarted{Step: step.Name, ReadOnly: !step.Changes})
	limiter := &event.OutputLimiter{Step: step.Name}
	x.Stdout = &outputWriter{r: r, host: h.Host.Name, stream: "stdout", limiter: limiter}
	x.Stderr = &outputWriter{r: r, host: h.Host.Name, stream: "stderr", limiter: limiter}
	began := r.opts.Now()
	err = r.attempts(ctx, h, x, step, action, params)
	fin := event.StepFinished{Step: step.Name, Changed: step.Changes, Duration: r.opts.Now().Sub(began), ExitCode: exitCode(err)}
	fin.OutputBytes, fin.StoredBytes = limiter.Sizes()
	if err != nil {
		fin.Error = err.Error()
	}
	r.emit(h.Host.Name, fin)
	return err
}

// condition evaluates the step's when. An error is a failed step, so a typo
// in a condition cannot skip a step silently.
func (r *Runner) condition(h *plan.Host, x *actions.Exec, step book.Step) (bool, error) {
	if step.When == nil {
		return true, nil
	}
	ok, err := step.When.Eval(r.lookup(h, x))
	if err != nil {
		return false, err
	}
	if !ok {
		x.Report.Decision(DecisionStepSkipped, fmt.Sprintf("step %q: condition %q is false", step.Name, step.When))
	}
	return ok, nil
}

// lookup resolves the names conditions may read.
func (r *Runner) lookup(h *plan.Host, x *actions.Exec) when.Lookup {
	return func(name string) (when.Value, bool) {
		root, key, _ := strings.Cut(name, ".")
		switch root {
		case "facts":
			v, ok := x.Facts[key]
			return v, ok
		case "vars":
			v, ok := r.vars[key]
			return v, ok
		}
		return hostValue(h, key)
	}
}

func hostValue(h *plan.Host, key string) (when.Value, bool) {
	switch key {
	case "name":
		return h.Host.Name, true
	case "site":
		return h.Host.Site, true
	case "ring":
		return h.Host.Ring, true
	case "platform":
		return string(h.Host.Platform), true
	case "role":
		return string(h.Host.Role), true
	case "tags":
		return append([]string{}, h.Host.Tags...), true
	case "apps":
		return append([]string{}, h.Host.Apps...), true
	}
	return nil, false
}

// attempts runs the action, retrying transient failures with a back-off
// that doubles after each attempt.
func (r *Runner) attempts(ctx context.Context, h *plan.Host, x *actions.Exec, step book.Step, action actions.Action, params book.Params) error {
	timeout := step.Timeout
	if timeout <= 0 {
		timeout = r.opts.StepTimeout
	}
	backoff := step.Backoff
	for attempt := 0; ; attempt++ {
		sctx, cancel := context.WithTimeout(ctx, timeout)
		err := action.Run(sctx, x, params)
		timedOut := sctx.Err() == context.DeadlineExceeded && ctx.Err() == nil
		cancel()
		if timedOut {
			err = stepTimeoutError(timeout, err)
		}
		if err == nil || !retryable(err) || attempt >= step.Retries || ctx.Err() != nil {
			return err
		}
		x.Report.Decision(DecisionRetry, fmt.Sprintf("step %q attempt %d of %d failed (%v); retrying in %s", step.Name, attempt+1, step.Retries+1, err, backoff))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff *= 2
		if err := r.reconnect(ctx, x, err); err != nil {
			return err
		}
	}
}

// stepTimeoutError says that a step ran out of its timeout. A remote
// timeout error already advises raising the step's timeout, so the advice
// is added only to other errors.
func stepTimeoutError(timeout time.Duration, err error) error {
	if remote.KindOf(err) == remote.KindTimeout {
		return fmt.Errorf("step timed out after %s: %w", timeout, err)
	}
	return fmt.Errorf("step timed out after %s; raise its timeout if the host is slow: %w", timeout, err)
}

// retryable reports whether a failure may pass on its own.
func retryable(err error) bool {
	if actions.IsTransient(err) {
		return true
	}
	switch remote.KindOf(err) {
	case remote.KindTimeout, remote.KindConnectionLost, remote.KindShellLost:
		return true
	}
	return false
}

// reconnect opens a new session before a retry when the failure lost the
// old one.
func (r *Runner) reconnect(ctx context.Context, x *actions.Exec, cause error) error {
	switch remote.KindOf(cause) {
	case remote.KindConnectionLost, remote.KindShellLost, remote.KindTimeout:
	default:
		return nil
	}
	s, err := x.Redial(ctx)
	if err != nil {
		return fmt.Errorf("reconnect after %v: %w", cause, err)
	}
	x.Session.Close()
	x.Session = s
	return nil
}
