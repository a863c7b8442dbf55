// Package event defines the typed records that patchbay writes to its
// journal: runs, runner events, host facts, inventory snapshots, catalogue
// imports, emergencies, holds and notices.
//
// The runner and the reports import this package. It holds data types and
// their JSON form only, and imports nothing else from patchbay.
package event

import (
	"encoding/json"
	"fmt"
	"time"
)

// Kind names the type of a record's payload. Kinds are stored in the journal
// and exported, so a published kind never changes its spelling.
type Kind string

// The kinds of journal records, one per payload type.
const (
	KindRunStarted       Kind = "run.started"
	KindRunFinished      Kind = "run.finished"
	KindHostState        Kind = "host.state"
	KindStepStarted      Kind = "step.started"
	KindStepFinished     Kind = "step.finished"
	KindOutput           Kind = "step.output"
	KindDecision         Kind = "decision"
	KindHostFacts        Kind = "host.facts"
	KindUpdateResult     Kind = "update.result"
	KindInventory        Kind = "inventory.snapshot"
	KindCatalogue        Kind = "catalogue.imported"
	KindEmergency        Kind = "emergency.declared"
	KindEmergencyPatched Kind = "emergency.host_patched"
	KindEmergencyClosed  Kind = "emergency.closed"
	KindNotice           Kind = "notice"
	KindHoldSet          Kind = "hold.set"
	KindHoldCleared      Kind = "hold.cleared"
)

// Payload is the typed content of one journal record.
type Payload interface {
	Kind() Kind
}

// Event is a record before the journal gives it a sequence number and a
// hash. Run and Host are empty when the event belongs to no run or host.
type Event struct {
	Time    time.Time
	Run     string
	Host    string
	Payload Payload
}

// Record is an event as stored in the journal.
//
// Origin and OriginSeq identify a record across journals: Origin is the id of
// the journal that first wrote it and OriginSeq its sequence number there.
// A record imported from another journal gets a new local Seq but keeps both.
type Record struct {
	Seq       int64           `json:"seq"`
	Time      time.Time       `json:"time"`
	Kind      Kind            `json:"kind"`
	Run       string          `json:"run,omitempty"`
	Host      string          `json:"host,omitempty"`
	Origin    string          `json:"origin"`
	OriginSeq int64           `json:"origin_seq"`
	Payload   json.RawMessage `json:"payload"`
	PrevHash  string          `json:"prev_hash"`
	Hash      string          `json:"hash"`
}

// Decode parses the record's payload into the type registered for its kind.
func (r Record) Decode() (Payload, error) {
	newPayload, ok := payloadTypes[r.Kind]
	if !ok {
		return nil, fmt.Errorf("decode record %d: unknown kind %q", r.Seq, r.Kind)
	}
	p := newPayload()
	if err := json.Unmarshal(r.Payload, p); err != nil {
		return nil, fmt.Errorf("decode record %d (%s): %w", r.Seq, r.Kind, err)
	}
	return derefPayload(p), nil
}

// KnownKind reports whether k is one of the kinds this package defines.
func KnownKind(k Kind) bool {
	_, ok := payloadTypes[k]
	return ok
}

// Kinds returns every defined kind, in the order of the constants above.
func Kinds() []Kind {
	return append([]Kind(nil), kindOrder...)
}
