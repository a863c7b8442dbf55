package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/state"
	"patchbay/state/emergency"
	"patchbay/state/event"
)

// markKind is a fact about a host that decides whether it is current.
type markKind int

const (
	markPatched       markKind = iota // a run that changed the host ended done
	markFailed                        // a run ended failed on the host
	markUpdateFailed                  // one update failed on the host
	markRebootPending                 // the host waits for a reboot
	markRebootClear                   // facts show no pending reboot
)

// mark is one dated fact about a host. Reason and run are kept only for
// failures, which are few.
type mark struct {
	time   time.Time
	kind   markKind
	run    string
	reason string
}

// snapshot is an inventory as journaled at a time.
type snapshot struct {
	time time.Time
	seq  int64
	inv  *inventory.Inventory
}

// runInfo is the part of one run that the report reads.
type runInfo struct {
	id       string
	started  time.Time
	start    event.RunStarted
	finished bool
	ended    time.Time
	result   event.RunFinished
}

// operator returns the name given with --operator, else the OS user.
func (r *runInfo) operator() string {
	if r.start.OperatorName != "" {
		return r.start.OperatorName
	}
	return r.start.Operator
}

// runnerHold is a hold the runner set in the journal.
type runnerHold struct {
	event.HoldSet
	host    string
	run     string
	set     time.Time
	cleared time.Time
	loops   []loop // each time the runner set it, the first included
}

// loop is one reboot loop that made the runner set a hold.
type loop struct {
	time      time.Time
	run, host string
}

// budgetSpent is a failure budget decision.
type budgetSpent struct {
	time   time.Time
	run    string
	site   string
	reason string
}

// facts are the journal records a report reads, reduced to what the
// figures need. Only the payloads of rare kinds are decoded in full; the
// frequent host states are read by a substring search.
type facts struct {
	head       state.Head
	snapshots  []snapshot
	runs       map[string]*runInfo
	runOrder   []*runInfo
	marks      map[string][]mark // by host
	changing   map[[2]string]bool
	holds      []*runnerHold
	budgets    []budgetSpent
	emergency  []event.Record // records for emergency.Replay
	runResults map[string]map[string]event.HostPhase
	heldBy     map[string]map[string]bool // hosts on which a hold kept an update back, by hold id
}

// rareKinds are the kinds of the report's first pass, read through the
// kind index over the whole journal.
var rareKinds = []event.Kind{
	event.KindRunStarted, event.KindRunFinished, event.KindInventory, event.KindEmergency,
	event.KindEmergencyPatched, event.KindEmergencyClosed, event.KindHoldSet,
	event.KindHoldCleared, event.KindDecision,
}

// hostKinds are the frequent kinds that decide whether a host is current.
// The second pass reads them only from the bound that firstNeeded sets.
// Step output, the bulk of a journal, is never read.
var hostKinds = []event.Kind{event.KindHostState, event.KindStepStarted, event.KindHostFacts, event.KindUpdateResult}

// collect reads the journal up to its current head: every record of the
// rare kinds, then the host records from the first instant the report of
// quarter needs.
func collect(ctx context.Context, store *state.Store, quarter Quarter) (*facts, error) {
	j, err := openReader(ctx, store)
	if err != nil {
		return nil, err
	}
	defer j.close()
	f := &facts{
		head: j.head, runs: map[string]*runInfo{}, marks: map[string][]mark{},
		changing: map[[2]string]bool{}, runResults: map[string]map[string]event.HostPhase{},
		heldBy: map[string]map[string]bool{},
	}
	if err := j.each(ctx, query{kinds: rareKinds}, f.apply); err != nil {
		return nil, fmt.Errorf("read journal for the report: %w", err)
	}
	since, err := f.firstNeeded(quarter)
	if err != nil {
		return nil, err
	}
	if err := j.each(ctx, query{kinds: hostKinds, since: since, scan: true}, f.apply); err != nil {
		return nil, fmt.Errorf("read journal for the report: %w", err)
	}
	f.finish()
	return f, nil
}

// firstNeeded returns the earliest instant whose host records can change
// the report of quarter. Coverage counts only patches after a release of
// the quarter, so records more than a day before the quarter's UTC start
// (zones differ from UTC by at most 14 hours) cannot matter, unless they
// belong to a run still going at that time or a host of an emergency
// that is not yet patched.
func (f *facts) firstNeeded(quarter Quarter) (time.Time, error) {
	start, _ := quarter.Bounds(time.UTC)
	bound := start.Add(-24 * time.Hour)
	for _, r := range f.runOrder {
		if r.started.Before(bound) && (!r.finished || r.ended.After(bound)) {
			bound = r.started
		}
	}
	declared, err := emergency.Replay(f.emergency)
	if err != nil {
		return bound, err
	}
	for _, e := range declared {
		if len(e.Remaining()) > 0 && e.Declared.Before(bound) {
			bound = e.Declared
		}
	}
	return bound, nil
}

func (f *facts) apply(r event.Record) error {
	switch r.Kind {
	case event.KindHostState:
		return f.hostState(r)
	case event.KindStepStarted:
		if !bytes.Contains(r.Payload, []byte(`"read_only":true`)) {
			f.changing[[2]string{r.Run, r.Host}] = true
		}
	case event.KindHostFacts:
		kind := markRebootClear
		if bytes.Contains(r.Payload, []byte(`"pending_reboot":true`)) {
			kind = markRebootPending
		}
		f.addMark(r.Host, mark{time: r.Time, kind: kind})
	case event.KindUpdateResult:
		return f.updateResult(r)
	case event.KindEmergency, event.KindEmergencyPatched, event.KindEmergencyClosed:
		f.keepEmergency(r)
	case event.KindDecision:
		return f.decision(r)
	default:
		return f.decoded(r)
	}
	return nil
}

// decoded handles the kinds whose payloads are decoded in full.
func (f *facts) decoded(r event.Record) error {
	p, err := r.Decode()
	if err != nil {
		return err
	}
	switch p := p.(type) {
	case event.RunStarted:
		run := &runInfo{id: r.Run, started: r.Time, start: p}
		f.runs[r.Run] = run
		f.runOrder = append(f.runOrder, run)
	case event.RunFinished:
		if run := f.runs[r.Run]; run != nil {
			run.finished, run.ended, run.result = true, r.Time, p
		}
	case event.Inventory:
		return f.inventory(r, p)
	case event.HoldSet:
		f.setHold(r, p)
	case event.HoldCleared:
		f.clearHold(r.Time, p)
	}
	return nil
}

func (f *facts) hostState(r event.Record) error {
	phase := stringField(r.Payload, "phase")
	switch event.HostPhase(phase) {
	case event.PhaseDone:
		if f.changing[[2]string{r.Run, r.Host}] {
			f.addMark(r.Host, mark{time: r.Time, kind: markPatched, run: r.Run})
		}
	case event.PhaseFailed:
		var s event.HostState
		if err := json.Unmarshal(r.Payload, &s); err != nil {
			return fmt.Errorf("decode record %d (%s): %w", r.Seq, r.Kind, err)
		}
		f.addMark(r.Host, mark{time: r.Time, kind: markFailed, run: r.Run, reason: s.Reason})
	case event.PhaseRebootPending:
		f.addMark(r.Host, mark{time: r.Time, kind: markRebootPending, run: r.Run})
	default:
		if !event.HostPhase(phase).Final() {
			return nil
		}
	}
	results := f.runResults[r.Run]
	if results == nil {
		results = map[string]event.HostPhase{}
		f.runResults[r.Run] = results
	}
	results[r.Host] = event.HostPhase(phase)
	return nil
}

func (f *facts) updateResult(r event.Record) error {
	failed := bytes.Contains(r.Payload, []byte(`"result_code":"failed"`))
	held := bytes.Contains(r.Payload, []byte(`"result_code":"held"`))
	if !failed && !held {
		return nil
	}
	var u event.UpdateResult
	if err := json.Unmarshal(r.Payload, &u); err != nil {
		return fmt.Errorf("decode record %d (%s): %w", r.Seq, r.Kind, err)
	}
	if held {
		f.keepHeld(r.Host, u)
		return nil
	}
	f.addMark(r.Host, mark{time: r.Time, kind: markUpdateFailed, run: r.Run, reason: "update " + u.Update + " failed"})
	return nil
}

// keepHeld records the hold that kept update u back on host. The actions
// title such a result "held by hold ID", followed on Windows by ": " and
// the hold's reason.
func (f *facts) keepHeld(host string, u event.UpdateResult) {
	rest, ok := strings.CutPrefix(u.Title, "held by hold ")
	if !ok {
		return
	}
	id, _, _ := strings.Cut(rest, ": ")
	if f.heldBy[id] == nil {
		f.heldBy[id] = map[string]bool{}
	}
	f.heldBy[id][host] = true
}

// decision keeps failure budget decisions and emergency attachments.
func (f *facts) decision(r event.Record) error {
	switch stringField(r.Payload, "what") {
	case "budget":
		var d event.Decision
		if err := json.Unmarshal(r.Payload, &d); err != nil {
			return fmt.Errorf("decode record %d (%s): %w", r.Seq, r.Kind, err)
		}
		f.budgets = append(f.budgets, budgetSpent{time: r.Time, run: r.Run, site: d.Site, reason: d.Reason})
	case "emergency-attach":
		f.keepEmergency(r)
	}
	return nil
}

func (f *facts) inventory(r event.Record, p event.Inventory) error {
	source := p.Source
	if source == "" {
		source = "inventory snapshot"
	}
	inv, err := inventory.Parse([]inventory.SourceFile{{Name: source, Data: []byte(p.Content)}}, inventory.Options{Now: r.Time})
	if err != nil {
		return fmt.Errorf("read inventory snapshot of journal record %d: %w", r.Seq, err)
	}
	f.snapshots = append(f.snapshots, snapshot{time: r.Time, seq: r.Seq, inv: inv})
	return nil
}

// setHold records a runner hold. Setting a hold that is already in force
// again, as a second reboot loop of the same update does, keeps the first.
func (f *facts) setHold(r event.Record, p event.HoldSet) {
	for _, h := range f.holds {
		if h.Update == p.Update && h.Scope == p.Scope && h.cleared.IsZero() {
			h.loops = append(h.loops, loop{time: r.Time, run: r.Run, host: r.Host})
			return
		}
	}
	first := loop{time: r.Time, run: r.Run, host: r.Host}
	f.holds = append(f.holds, &runnerHold{HoldSet: p, host: r.Host, run: r.Run, set: r.Time, loops: []loop{first}})
}

func (f *facts) clearHold(t time.Time, p event.HoldCleared) {
	for _, h := range f.holds {
		if h.Update == p.Update && h.Scope == p.Scope && h.cleared.IsZero() {
			h.cleared = t
		}
	}
}

// keepEmergency keeps a copy of r, whose payload the scan reuses, for
// emergency.Replay.
func (f *facts) keepEmergency(r event.Record) {
	r.Payload = append([]byte(nil), r.Payload...)
	f.emergency = append(f.emergency, r)
}

func (f *facts) addMark(host string, m mark) {
	if host != "" {
		f.marks[host] = append(f.marks[host], m)
	}
}

// finish sorts what the journal's seq order may leave out of time order,
// such as records imported from another journal.
func (f *facts) finish() {
	for _, list := range f.marks {
		sort.SliceStable(list, func(i, j int) bool { return list[i].time.Before(list[j].time) })
	}
	sort.SliceStable(f.snapshots, func(i, j int) bool { return f.snapshots[i].time.Before(f.snapshots[j].time) })
}

// snapshotAt returns the inventory in effect at t: the last snapshot
// journaled at or before t, or nil.
func (f *facts) snapshotAt(t time.Time) *inventory.Inventory {
	var inv *inventory.Inventory
	for _, s := range f.snapshots {
		if s.time.After(t) {
			break
		}
		inv = s.inv
	}
	return inv
}

// stringField returns the string value of key in a canonical JSON object,
// found by a substring search, or "" when the key is missing. It decodes
// the object in full when the value holds an escape.
func stringField(payload []byte, key string) string {
	prefix := []byte(`"` + key + `":"`)
	i := bytes.Index(payload, prefix)
	if i < 0 {
		return ""
	}
	rest := payload[i+len(prefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	if bytes.IndexByte(rest[:end], '\\') < 0 {
		return string(rest[:end])
	}
	var m map[string]json.RawMessage
	var s string
	if json.Unmarshal(payload, &m) != nil || json.Unmarshal(m[key], &s) != nil {
		return ""
	}
	return s
}
