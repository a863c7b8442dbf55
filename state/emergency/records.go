package emergency

import (
	"encoding/json"
	"fmt"
	"time"

	"patchbay/state/event"
)

// Declared is the journal payload of a declaration. It is event.Emergency
// with the fields that type lacks, written under the same kind, so readers
// that decode event.Emergency still work and ignore the extra fields.
type Declared struct {
	event.Emergency
	Playbook string   `json:"playbook,omitempty"`
	Controls []string `json:"controls,omitempty"`
	Sites    []string `json:"sites,omitempty"`
	// Operator is who declared the emergency.
	Operator string `json:"operator,omitempty"`
}

// Kind implements event.Payload.
func (Declared) Kind() event.Kind { return event.KindEmergency }

// Attached is the journal payload that attaches a playbook to an
// emergency. It is an event.Decision with two extra fields.
type Attached struct {
	event.Decision
	Emergency string `json:"emergency"`
	Playbook  string `json:"playbook"`
}

// Kind implements event.Payload.
func (Attached) Kind() event.Kind { return event.KindDecision }

// attachWhat marks a Decision record as a playbook attachment.
const attachWhat = "emergency-attach"

// SiteNotice is the journal payload of the notice to one site's contacts.
// It is an event.Notice with the emergency ID and the recipients.
type SiteNotice struct {
	event.Notice
	Emergency  string   `json:"emergency"`
	Recipients []string `json:"recipients,omitempty"`
}

// Kind implements event.Payload.
func (SiteNotice) Kind() event.Kind { return event.KindNotice }

// Kinds lists the journal kinds that Replay reads.
var Kinds = []event.Kind{
	event.KindEmergency, event.KindEmergencyPatched, event.KindEmergencyClosed,
	event.KindDecision, event.KindNotice,
}

// Replay rebuilds the emergencies from journal records in seq order.
// Records of other kinds, and decisions and notices about other things,
// are skipped.
func Replay(recs []event.Record) ([]*Emergency, error) {
	var list []*Emergency
	byID := map[string]*Emergency{}
	for _, r := range recs {
		if err := apply(r, &list, byID); err != nil {
			return nil, fmt.Errorf("replay journal record %d (%s): %w", r.Seq, r.Kind, err)
		}
	}
	return list, nil
}

func apply(r event.Record, list *[]*Emergency, byID map[string]*Emergency) error {
	switch r.Kind {
	case event.KindEmergency:
		var d Declared
		if err := json.Unmarshal(r.Payload, &d); err != nil {
			return err
		}
		e := d.emergency(r.Time)
		*list = append(*list, e)
		byID[e.ID] = e
	case event.KindEmergencyPatched:
		var p event.EmergencyPatched
		if err := json.Unmarshal(r.Payload, &p); err != nil {
			return err
		}
		if e := byID[p.ID]; e != nil {
			e.markPatched(r.Host, r.Time)
		}
	case event.KindEmergencyClosed:
		var c event.EmergencyClosed
		if err := json.Unmarshal(r.Payload, &c); err != nil {
			return err
		}
		if e := byID[c.ID]; e != nil {
			e.Closed, e.CloseReason, e.ClosedBy = r.Time, c.Reason, closedBy(c)
		}
	case event.KindDecision:
		return applyAttach(r, byID)
	case event.KindNotice:
		return applyNotice(r, byID)
	}
	return nil
}

func applyAttach(r event.Record, byID map[string]*Emergency) error {
	var a Attached
	if err := json.Unmarshal(r.Payload, &a); err != nil {
		return err
	}
	if e := byID[a.Emergency]; a.What == attachWhat && e != nil {
		e.Playbook = a.Playbook
	}
	return nil
}

func applyNotice(r event.Record, byID map[string]*Emergency) error {
	var n SiteNotice
	if err := json.Unmarshal(r.Payload, &n); err != nil {
		return err
	}
	if e := byID[n.Emergency]; e != nil {
		if e.Notices == nil {
			e.Notices = map[string]string{}
		}
		e.Notices[n.Site] = n.Message
	}
	return nil
}

func (d Declared) emergency(declared time.Time) *Emergency {
	return &Emergency{
		ID: d.ID, CVEs: d.CVEs, Reason: d.Reason, Declared: declared,
		Deadline: d.Deadline, KEVAdded: d.KEVAdded, Hosts: d.Hosts,
		Sites: d.Sites, Playbook: d.Playbook, Controls: d.Controls,
		Operator: d.Operator, WindowsFixes: d.WindowsFixes,
	}
}

// closedBy returns the OS user with the --operator name in brackets, or
// whichever of the two was recorded.
func closedBy(c event.EmergencyClosed) string {
	switch {
	case c.Operator != "" && c.OperatorName != "":
		return fmt.Sprintf("%s (%s)", c.Operator, c.OperatorName)
	case c.Operator != "":
		return c.Operator
	}
	return c.OperatorName
}

func (e *Emergency) markPatched(host string, t time.Time) {
	if host == "" {
		return
	}
	if e.Patched == nil {
		e.Patched = map[string]time.Time{}
	}
	if _, ok := e.Patched[host]; !ok {
		e.Patched[host] = t
	}
}

// Find returns the emergency with id from list.
func Find(list []*Emergency, id string) (*Emergency, error) {
	for _, e := range list {
		if e.ID == id {
			return e, nil
		}
	}
	return nil, fmt.Errorf("%w: %q (list them with patchbay emergency list)", ErrNotFound, id)
}
