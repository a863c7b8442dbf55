package runner

import (
	"errors"
	"time"

	"patchbay/playbooks/actions"
	"patchbay/playbooks/plan"
	"patchbay/remote"
	"patchbay/state/event"
)

// reporter turns an action's reports into journal records for one host.
type reporter struct {
	r *Runner
	h *plan.Host
}

func (p *reporter) Status(s event.HostState) { p.r.emit(p.h.Host.Name, s) }

func (p *reporter) Decision(what, reason string) { p.r.decide(p.h, what, reason) }

func (p *reporter) FactsRead(f actions.Facts) { p.r.emit(p.h.Host.Name, hostFacts(f)) }

func (p *reporter) UpdateResult(u event.UpdateResult) { p.r.emit(p.h.Host.Name, u) }

// HoldSet journals a hold on one update for this host, and counts it as a
// new hold against the gate of the host's ring.
func (p *reporter) HoldSet(item, reason string) {
	p.r.emit(p.h.Host.Name, event.HoldSet{Update: item, Reason: reason, Scope: "host:" + p.h.Host.Name})
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	ring := p.h.Host.Ring
	p.r.newHolds[ring] = append(p.r.newHolds[ring], p.h.Host.Name+": "+item)
}

// hostFacts converts the facts the actions read to the journal's snapshot.
func hostFacts(f actions.Facts) event.HostFacts {
	hf := event.HostFacts{
		OS:            f.Text(actions.FactOS),
		Build:         f.Text(actions.FactBuild),
		Installed:     f.Strings(actions.FactInstalled),
		PendingReboot: f.Bool(actions.FactRebootPending),
		RebootReason:  f.Text(actions.FactRebootReason),
	}
	if h, ok := f[actions.FactUptimeHours].(float64); ok {
		hf.Uptime = time.Duration(h * float64(time.Hour))
	}
	if mb, ok := f[actions.FactFreeDiskMB].(float64); ok {
		hf.FreeDisk = int64(mb) << 20
	}
	return hf
}

// outputWriter journals a step's output as it arrives, up to the step's
// output cap.
type outputWriter struct {
	r       *Runner
	host    string
	stream  string
	limiter *event.OutputLimiter
}

func (w *outputWriter) Write(b []byte) (int, error) {
	w.r.outputMu.Lock()
	out, ok := w.limiter.Add(w.stream, b)
	w.r.outputMu.Unlock()
	if ok {
		w.r.emit(w.host, out)
	}
	return len(b), nil
}

// exitCode returns the remote exit status inside err, 0 for nil and -1
// for a failure without one.
func exitCode(err error) int {
	var exit *remote.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.Code
	}
	return -1
}
