package hoststate

import (
	"time"

	"patchbay/state/event"
)

// Apply updates s with one record. Records of kinds this version does not
// know are ignored, so that a newer journal still loads.
func (s *State) Apply(rec event.Record) error {
	s.LastSeq = rec.Seq
	if !event.KnownKind(rec.Kind) {
		return nil
	}
	p, err := rec.Decode()
	if err != nil {
		return err
	}
	if run := s.runs[rec.Run]; run != nil {
		run.LastHeard = rec.Time
	}
	if rec.Host != "" {
		s.host(rec.Host).LastHeard = rec.Time
	}

	switch p := p.(type) {
	case event.RunStarted:
		s.startRun(rec, p)
	case event.RunFinished:
		s.finishRun(rec, p)
	case event.HostState:
		s.hostState(rec, p)
	case event.HostFacts:
		s.hostFacts(rec, p)
	case event.HoldSet:
		s.Holds = append(s.Holds, Hold{HoldSet: p, Set: rec.Time, Run: rec.Run})
	case event.HoldCleared:
		s.clearHold(p)
	case event.Emergency:
		s.declare(rec, p)
	case event.EmergencyPatched:
		if e := s.emergencies[p.ID]; e != nil && rec.Host != "" {
			e.Patched[rec.Host] = rec.Time
		}
	case event.EmergencyClosed:
		if e := s.emergencies[p.ID]; e != nil {
			e.Closed, e.ClosedAt = true, rec.Time
		}
	}
	return nil
}

func (s *State) host(name string) *Host {
	h := s.Hosts[name]
	if h == nil {
		h = &Host{Name: name, LastPatched: map[string]time.Time{}, missed: map[string]bool{}}
		s.Hosts[name] = h
	}
	return h
}

func (s *State) startRun(rec event.Record, p event.RunStarted) {
	run := &Run{ID: rec.Run, Start: p, Started: rec.Time, LastHeard: rec.Time}
	s.runs[rec.Run] = run
	s.Runs = append(s.Runs, run)
}

func (s *State) finishRun(rec event.Record, p event.RunFinished) {
	if run := s.runs[rec.Run]; run != nil {
		run.Finished, run.Result, run.EndedAt = true, p, rec.Time
	}
}

func (s *State) hostState(rec event.Record, p event.HostState) {
	h := s.host(rec.Host)
	h.Phase, h.Reason, h.LastRun = p.Phase, p.Reason, rec.Run
	cycle := ""
	if run := s.runs[rec.Run]; run != nil {
		cycle = run.Start.CycleID
	}

	switch p.Phase {
	case event.PhaseDone:
		h.PendingReboot, h.RebootReason = false, ""
		if cycle != "" {
			h.LastPatched[cycle] = rec.Time
			delete(h.missed, cycle)
		}
	case event.PhaseRebootPending:
		h.PendingReboot, h.RebootReason = true, p.Reason
	case event.PhaseMissed:
		if _, patched := h.LastPatched[cycle]; cycle != "" && !patched {
			h.missed[cycle] = true
		}
	}
}

func (s *State) hostFacts(rec event.Record, p event.HostFacts) {
	h := s.host(rec.Host)
	if p.Build != "" {
		h.Build = p.Build
	}
	h.PendingReboot, h.RebootReason = p.PendingReboot, p.RebootReason
}

func (s *State) clearHold(p event.HoldCleared) {
	kept := s.Holds[:0]
	for _, h := range s.Holds {
		if h.Update != p.Update || h.Scope != p.Scope {
			kept = append(kept, h)
		}
	}
	s.Holds = kept
}

func (s *State) declare(rec event.Record, p event.Emergency) {
	e := &Emergency{Emergency: p, Declared: rec.Time, Patched: map[string]time.Time{}}
	s.emergencies[p.ID] = e
	s.Emergencies = append(s.Emergencies, e)
}
