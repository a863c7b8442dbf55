package runner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"patchbay/playbooks/plan"
	"patchbay/state/event"
)

// runRing runs the runnable hosts of one ring, after its gate.
func (r *Runner) runRing(ctx context.Context, ring string) {
	hosts := r.hostsOfRing(ring)
	if err := r.passGate(ctx, ring); err != nil {
		for _, h := range hosts {
			r.skip(h, plan.ReasonGate, fmt.Sprintf("gate of ring %s not passed: %v", ring, err))
		}
		return
	}
	bySite := map[string][]*plan.Host{}
	var order []string
	for _, h := range hosts {
		if _, ok := bySite[h.Host.Site]; !ok {
			order = append(order, h.Host.Site)
		}
		bySite[h.Host.Site] = append(bySite[h.Host.Site], h)
	}
	var wg sync.WaitGroup
	for _, site := range order {
		wg.Add(1)
		go func(hosts []*plan.Host) {
			defer wg.Done()
			r.runSite(ctx, hosts)
		}(bySite[site])
	}
	wg.Wait()
	if ctx.Err() == nil {
		r.checkHealth(ctx, ring)
	}
}

func (r *Runner) hostsOfRing(ring string) []*plan.Host {
	var out []*plan.Host
	for _, h := range r.runnable() {
		if h.Host.Ring == ring {
			out = append(out, h)
		}
	}
	return out
}

// passGate checks the gate of ring when the earlier ring ran in this run;
// otherwise the planner checked it. It waits up to GateWait for a soak.
func (r *Runner) passGate(ctx context.Context, ring string) error {
	prev := plan.PreviousRing(r.inv, ring)
	if prev == "" || r.plan.Overrides.Gate != "" || r.plan.Playbook.ReadOnlyByAction() || !r.ranRing(prev) {
		return nil
	}
	err := r.checkGate(ring, prev)
	wait := r.soakLeft(prev)
	if err != nil && wait > 0 && wait <= r.opts.GateWait {
		r.emit("", event.Decision{What: DecisionGate, Ring: ring, Reason: fmt.Sprintf("waiting %s for the soak of ring %s", wait.Round(time.Second), prev)})
		select {
		case <-ctx.Done():
			return errAborted
		case <-time.After(wait):
		}
		err = r.checkGate(ring, prev)
	}
	if err != nil {
		r.emit("", event.Decision{What: DecisionGate, Ring: ring, Reason: "not passed: " + err.Error()})
		return err
	}
	r.emit("", event.Decision{What: DecisionGate, Ring: ring, Reason: "passed: ring " + prev + " met the gate"})
	return nil
}

// ranRing reports whether ring has hosts in this run or in the run it
// resumes.
func (r *Runner) ranRing(ring string) bool {
	for _, h := range r.plan.Hosts {
		if h.Host.Ring == ring && h.Runnable() {
			return true
		}
	}
	return false
}

func (r *Runner) checkGate(ring, prev string) error {
	if r.plan.Emergency != nil {
		return plan.EmergencyGate(r.inv, ring, r.plan.Cycle, r.opts.Now(), r)
	}
	return plan.Gate(r.inv, ring, r.plan.Cycle, r.opts.Now(), r)
}

func (r *Runner) soakLeft(prev string) time.Duration {
	ring := r.inv.Ring(prev)
	r.mu.Lock()
	defer r.mu.Unlock()
	if ring == nil || r.finishedAt[prev].IsZero() {
		return 0
	}
	return r.finishedAt[prev].Add(plan.Soak(ring, r.plan.Emergency != nil)).Sub(r.opts.Now())
}

// ExpectedDuration implements plan.History over the runner's history.
func (r *Runner) ExpectedDuration(host, playbook string) (time.Duration, bool) {
	if r.opts.History == nil {
		return 0, false
	}
	return r.opts.History.ExpectedDuration(host, playbook)
}

// RingOutcome implements plan.History: a ring that ran in this run is
// judged by this run's results, other rings by the history. A host that
// ended "reboot pending" counts as succeeded, because its updates are
// installed and only the policy delays the restart.
func (r *Runner) RingOutcome(cycle, ring string) (plan.RingOutcome, bool) {
	if !r.ranRing(ring) {
		if r.opts.History == nil {
			return plan.RingOutcome{}, false
		}
		return r.opts.History.RingOutcome(cycle, ring)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// NOTE: when every host of ring finished in the run being resumed, the
	// outcome has no finish time and no health failures, so a gate that
	// the resume evaluates again does not wait for that ring's soak.
	out := plan.RingOutcome{Finished: r.finishedAt[ring], NewHolds: r.newHolds[ring], HealthFailures: r.health[ring]}
	for _, h := range r.plan.Hosts {
		if h.Host.Ring != ring || !h.Runnable() {
			continue
		}
		switch r.results[h.Host.Name] {
		case event.PhaseDone, event.PhaseRebootPending:
			out.Succeeded++
		case event.PhaseFailed:
			out.Failed++
		case event.PhaseMissed:
			out.Missed++
		}
	}
	return out, true
}

// runSite runs one site's hosts wave by wave: guests and ordinary hosts,
// then hypervisors, then the gateway, then the firewall and core switch,
// which run one at a time because the site's path goes through them.
func (r *Runner) runSite(ctx context.Context, hosts []*plan.Host) {
	for _, wave := range waves(hosts) {
		var wg sync.WaitGroup
		for _, h := range wave {
			if h.Alone {
				r.startHost(ctx, h)
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.startHost(ctx, h)
			}()
		}
		wg.Wait()
	}
}

// waves groups hosts, sorted by stage, into the groups that may run
// together: stages 0 and 1 together, then each later stage.
func waves(hosts []*plan.Host) [][]*plan.Host {
	var out [][]*plan.Host
	last := -1
	for _, h := range hosts {
		stage := max(h.Stage, 1)
		if stage != last {
			out = append(out, nil)
			last = stage
		}
		out[len(out)-1] = append(out[len(out)-1], h)
	}
	return out
}

// siteSlots returns the semaphore of a site.
func (r *Runner) siteSlots(site string) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch, ok := r.sites[site]
	if !ok {
		n := r.opts.SiteConcurrency
		if s := r.inv.Site(site); s != nil && s.Concurrency > 0 {
			n = s.Concurrency
		}
		ch = make(chan struct{}, n)
		r.sites[site] = ch
	}
	return ch
}

// acquire waits for a site slot and a global slot. It returns a release
// function, or nil when the run was aborted first.
func (r *Runner) acquire(ctx context.Context, site string) func() {
	if !r.control.waitUnpaused(ctx) {
		return nil
	}
	siteCh := r.siteSlots(site)
	select {
	case siteCh <- struct{}{}:
	case <-ctx.Done():
		return nil
	}
	select {
	case r.global <- struct{}{}:
	case <-ctx.Done():
		<-siteCh
		return nil
	}
	if !r.control.waitUnpaused(ctx) {
		<-r.global
		<-siteCh
		return nil
	}
	return func() {
		<-r.global
		<-siteCh
	}
}
