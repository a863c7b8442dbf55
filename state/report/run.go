package report

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"patchbay/state"
	"patchbay/state/event"
	"patchbay/state/report/model"
)

// ErrRunNotFound is returned by BuildRun for a run id the journal does not
// contain.
var ErrRunNotFound = errors.New("run not found in the journal")

// errPastHead stops a scan at the head read before it.
var errPastHead = errors.New("record past the report's head")

// runKinds are the kinds a run report reads; step output is left out.
var runKinds = []event.Kind{
	event.KindRunStarted, event.KindRunFinished, event.KindHostState,
	event.KindUpdateResult, event.KindDecision,
}

// BuildRun reads the records of run id and builds its report.
func BuildRun(ctx context.Context, store *state.Store, id string) (*model.RunReport, error) {
	head, err := store.Head(ctx)
	if err != nil {
		return nil, err
	}
	rb := &runBuilder{hosts: map[string]*model.RunHost{}}
	err = store.Scan(ctx, state.Filter{Run: id, Kinds: runKinds}, func(r event.Record) error {
		if r.Seq > head.Seq {
			return errPastHead
		}
		return rb.apply(r)
	})
	if err != nil && !errors.Is(err, errPastHead) {
		return nil, fmt.Errorf("read run %s: %w", id, err)
	}
	if rb.run == nil {
		return nil, fmt.Errorf("%w: %q; list runs with patchbay status or patchbay journal show", ErrRunNotFound, id)
	}
	return rb.report(head), nil
}

// runBuilder collects one run's records.
type runBuilder struct {
	run       *runInfo
	hosts     map[string]*model.RunHost
	results   map[string]event.HostPhase
	decisions []model.Decision
}

func (rb *runBuilder) apply(r event.Record) error {
	p, err := r.Decode()
	if err != nil {
		return err
	}
	switch p := p.(type) {
	case event.RunStarted:
		rb.run = &runInfo{id: r.Run, started: r.Time, start: p}
	case event.RunFinished:
		if rb.run != nil {
			rb.run.finished, rb.run.ended, rb.run.result = true, r.Time, p
		}
	case event.HostState:
		rb.hostState(r.Host, p)
	case event.UpdateResult:
		h := rb.host(r.Host)
		h.Updates = append(h.Updates, p.Update+": "+p.ResultCode)
	case event.Decision:
		rb.decisions = append(rb.decisions, model.Decision{Time: model.FormatTime(r.Time), Host: r.Host, What: p.What, Reason: p.Reason})
	}
	return nil
}

func (rb *runBuilder) hostState(host string, p event.HostState) {
	h := rb.host(host)
	h.Phase, h.Reason = string(p.Phase), p.Reason
	if p.Phase.Final() {
		if rb.results == nil {
			rb.results = map[string]event.HostPhase{}
		}
		rb.results[host] = p.Phase
	}
}

func (rb *runBuilder) host(name string) *model.RunHost {
	h := rb.hosts[name]
	if h == nil {
		h = &model.RunHost{Host: name}
		rb.hosts[name] = h
	}
	return h
}

func (rb *runBuilder) report(head state.Head) *model.RunReport {
	rep := &model.RunReport{
		Head: model.Head{Seq: head.Seq, Hash: head.Hash},
		Run:  runRow(rb.run, rb.results), Cycle: string(rb.run.start.CycleKind),
		Decisions: rb.decisions,
	}
	for _, h := range rb.hosts {
		rep.Hosts = append(rep.Hosts, *h)
	}
	sort.Slice(rep.Hosts, func(i, j int) bool { return rep.Hosts[i].Host < rep.Hosts[j].Host })
	return rep
}
