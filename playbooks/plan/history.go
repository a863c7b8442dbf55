package plan

import (
	"sort"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/state/event"
)

// JournalHistory is a History read from journal records.
type JournalHistory struct {
	durations map[string][]time.Duration      // by host + playbook, newest last
	finals    map[string]map[string]hostFinal // by cycle, then host
	holds     map[string][]event.Record       // by cycle
	health    map[string][]event.Record       // failed health checks, by cycle
	inv       *inventory.Inventory
}

type hostFinal struct {
	phase event.HostPhase
	at    time.Time
}

// maxDurations is how many recent successful runs ExpectedDuration looks
// at per host and playbook.
const maxDurations = 3

// NewJournalHistory reads the runs in recs, which must be in journal
// order. inv maps hosts to rings.
func NewJournalHistory(recs []event.Record, inv *inventory.Inventory) (*JournalHistory, error) {
	h := &JournalHistory{durations: map[string][]time.Duration{}, finals: map[string]map[string]hostFinal{}, holds: map[string][]event.Record{}, health: map[string][]event.Record{}, inv: inv}
	runs := map[string]event.RunStarted{}
	started := map[string]time.Time{} // by run + host
	for _, rec := range recs {
		p, err := rec.Decode()
		if err != nil {
			return nil, err
		}
		switch p := p.(type) {
		case event.RunStarted:
			runs[rec.Run] = p
		case event.HostState:
			h.hostState(rec, p, runs[rec.Run], started)
		case event.HoldSet:
			cycle := runs[rec.Run].CycleID
			h.holds[cycle] = append(h.holds[cycle], rec)
		case event.Decision:
			if p.What == "health" {
				cycle := runs[rec.Run].CycleID
				h.health[cycle] = append(h.health[cycle], rec)
			}
		}
	}
	return h, nil
}

func (h *JournalHistory) hostState(rec event.Record, p event.HostState, run event.RunStarted, started map[string]time.Time) {
	key := rec.Run + "\x00" + rec.Host
	if p.Phase == event.PhaseConnecting {
		started[key] = rec.Time
	}
	if !p.Phase.Final() {
		return
	}
	if h.finals[run.CycleID] == nil {
		h.finals[run.CycleID] = map[string]hostFinal{}
	}
	h.finals[run.CycleID][rec.Host] = hostFinal{phase: p.Phase, at: rec.Time}
	if begin, ok := started[key]; ok && p.Phase == event.PhaseDone {
		dk := rec.Host + "\x00" + run.Playbook
		list := append(h.durations[dk], rec.Time.Sub(begin))
		if len(list) > maxDurations {
			list = list[len(list)-maxDurations:]
		}
		h.durations[dk] = list
	}
}

// ExpectedDuration returns the longest of the host's last three successful
// runs of the playbook.
func (h *JournalHistory) ExpectedDuration(host, playbook string) (time.Duration, bool) {
	list := h.durations[host+"\x00"+playbook]
	if len(list) == 0 {
		return 0, false
	}
	sorted := append([]time.Duration{}, list...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return sorted[len(sorted)-1], true
}

// RingOutcome returns the latest final state of each host of the ring over
// the cycle's runs. A host that ended "reboot pending" counts as
// succeeded, as in the runner.
func (h *JournalHistory) RingOutcome(cycle, ring string) (RingOutcome, bool) {
	var out RingOutcome
	found := false
	for host, f := range h.finals[cycle] {
		ih := h.inv.Host(host)
		if ih == nil || ih.Ring != ring || f.phase == event.PhaseSkipped {
			continue
		}
		found = true
		switch f.phase {
		case event.PhaseDone, event.PhaseRebootPending:
			out.Succeeded++
		case event.PhaseFailed:
			out.Failed++
		case event.PhaseMissed:
			out.Missed++
		}
		if f.at.After(out.Finished) {
			out.Finished = f.at
		}
	}
	for _, rec := range h.holds[cycle] {
		if ih := h.inv.Host(rec.Host); ih != nil && ih.Ring == ring {
			out.NewHolds = append(out.NewHolds, rec.Host)
		}
	}
	for _, rec := range h.health[cycle] {
		if ih := h.inv.Host(rec.Host); ih != nil && ih.Ring == ring {
			out.HealthFailures = append(out.HealthFailures, rec.Host)
		}
	}
	return out, found
}

// FinalStates returns the final state of each host in run id, for a
// resume or a retry of failed hosts.
func FinalStates(recs []event.Record, id string) (map[string]event.HostPhase, bool, error) {
	out := map[string]event.HostPhase{}
	found := false
	for _, rec := range recs {
		if rec.Run != id {
			continue
		}
		found = true
		if rec.Kind != event.KindHostState {
			continue
		}
		p, err := rec.Decode()
		if err != nil {
			return nil, false, err
		}
		if st := p.(event.HostState); st.Phase.Final() {
			out[rec.Host] = st.Phase
		}
	}
	return out, found, nil
}

// JournalHolds returns the holds the runner set on hosts and that were not
// cleared, by host, as inventory holds of the kind the host's platform
// uses: a KB on Windows, a package elsewhere.
func JournalHolds(recs []event.Record, inv *inventory.Inventory) (map[string][]*inventory.Hold, error) {
	active := map[string]map[string]string{} // host → update → reason
	for _, rec := range recs {
		if rec.Kind != event.KindHoldSet && rec.Kind != event.KindHoldCleared {
			continue
		}
		p, err := rec.Decode()
		if err != nil {
			return nil, err
		}
		switch p := p.(type) {
		case event.HoldSet:
			host, ok := strings.CutPrefix(p.Scope, "host:")
			if !ok {
				continue
			}
			if active[host] == nil {
				active[host] = map[string]string{}
			}
			active[host][p.Update] = p.Reason
		case event.HoldCleared:
			if host, ok := strings.CutPrefix(p.Scope, "host:"); ok {
				delete(active[host], p.Update)
			}
		}
	}
	return holdsByHost(active, inv), nil
}

func holdsByHost(active map[string]map[string]string, inv *inventory.Inventory) map[string][]*inventory.Hold {
	out := map[string][]*inventory.Hold{}
	for host, updates := range active {
		h := inv.Host(host)
		if h == nil {
			continue
		}
		kind := inventory.HoldPackage
		if h.Platform.IsWindows() {
			kind = inventory.HoldKB
		}
		for update, reason := range updates {
			out[host] = append(out[host], &inventory.Hold{ID: "journal:" + update, Kind: kind, Item: update, Reason: reason,
				Source: "set by the runner", Scope: inventory.Scope{Kind: inventory.ScopeAll}})
		}
	}
	return out
}
