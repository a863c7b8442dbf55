package emergency

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"patchbay/state/event"
)

// Declaration is the operator's input for a new emergency, with the
// catalogue and inventory facts that the notices need.
type Declaration struct {
	ID       string
	CVEs     []CVE
	Reason   string
	Playbook string // empty for a zero-day
	Controls []string
	Operator string
	Now      time.Time
	// Deadline is the time from declaration to the deadline.
	Deadline time.Duration
	Sites    []Site
	// WindowsFixes are the KBs that Microsoft's documents give for the
	// CVEs on the affected Windows hosts.
	WindowsFixes []event.WindowsFix
}

// CVE is one vulnerability of a declaration.
type CVE struct {
	ID    string
	Name  string    // the catalogue's vulnerabilityName, or empty
	Added time.Time // the catalogue's dateAdded, zero when not in it
}

// Site is an affected site with its contacts and affected hosts.
type Site struct {
	ID       string
	Name     string
	TimeZone *time.Location
	Contacts []Contact
	Hosts    []string
}

// Contact is a person who gets the notice.
type Contact struct {
	Name  string
	Email string
}

// ErrInvalidDeclaration is returned, wrapped with the details, for a
// declaration that cannot be journaled.
var ErrInvalidDeclaration = errors.New("invalid emergency declaration")

// Declare checks d and returns the journal events that declare it: the
// declaration, then one notice per site.
func Declare(d Declaration) ([]event.Event, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	payload := Declared{
		Emergency: event.Emergency{
			ID: d.ID, CVEs: d.cveIDs(), Reason: d.Reason,
			Deadline: d.Now.Add(d.Deadline).UTC(), KEVAdded: d.kevAdded(),
			Hosts: d.hosts(), WindowsFixes: d.WindowsFixes,
		},
		Playbook: d.Playbook, Controls: d.Controls, Sites: d.siteIDs(),
		Operator: d.Operator,
	}
	events := []event.Event{{Time: d.Now, Payload: payload}}
	for _, s := range d.Sites {
		events = append(events, event.Event{Time: d.Now, Payload: SiteNotice{
			Notice:     event.Notice{Level: "info", Message: NoticeText(d, s), Site: s.ID},
			Emergency:  d.ID,
			Recipients: recipients(s.Contacts),
		}})
	}
	return events, nil
}

func (d Declaration) validate() error {
	var problems []string
	if d.ID == "" {
		problems = append(problems, "missing emergency ID")
	}
	if len(d.CVEs) == 0 {
		problems = append(problems, "no CVE given")
	}
	for _, c := range d.CVEs {
		if !validCVE(c.ID) {
			problems = append(problems, fmt.Sprintf("%q is not a CVE ID like CVE-2024-21412", c.ID))
		}
	}
	if d.Deadline <= 0 {
		problems = append(problems, fmt.Sprintf("deadline %s is not positive: give a duration such as 72h", d.Deadline))
	}
	if d.Playbook == "" && len(d.Controls) == 0 {
		problems = append(problems, "a zero-day emergency without a playbook needs its compensating controls: add --control")
	}
	if len(d.hosts()) == 0 {
		problems = append(problems, "no affected hosts: import the catalogue and gather facts, or name hosts with --host")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidDeclaration, strings.Join(problems, "; "))
	}
	return nil
}

func validCVE(id string) bool {
	rest, ok := strings.CutPrefix(id, "CVE-")
	year, seq, ok2 := strings.Cut(rest, "-")
	return ok && ok2 && len(year) == 4 && len(seq) >= 4 && len(seq) <= 19 &&
		allDigits(year) && allDigits(seq)
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func (d Declaration) cveIDs() []string {
	ids := make([]string, len(d.CVEs))
	for i, c := range d.CVEs {
		ids[i] = c.ID
	}
	return ids
}

func (d Declaration) kevAdded() time.Time {
	var earliest time.Time
	for _, c := range d.CVEs {
		if !c.Added.IsZero() && (earliest.IsZero() || c.Added.Before(earliest)) {
			earliest = c.Added
		}
	}
	return earliest
}

func (d Declaration) hosts() []string {
	var hosts []string
	for _, s := range d.Sites {
		for _, h := range s.Hosts {
			if !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
	}
	return hosts
}

func (d Declaration) siteIDs() []string {
	ids := make([]string, len(d.Sites))
	for i, s := range d.Sites {
		ids[i] = s.ID
	}
	return ids
}

func recipients(contacts []Contact) []string {
	var list []string
	for _, c := range contacts {
		switch {
		case c.Email != "" && c.Name != "":
			list = append(list, fmt.Sprintf("%s <%s>", c.Name, c.Email))
		case c.Email != "":
			list = append(list, c.Email)
		case c.Name != "":
			list = append(list, c.Name)
		}
	}
	return list
}

// Attach returns the journal event that attaches playbook to e, which makes
// a zero-day emergency runnable.
func Attach(e *Emergency, playbook string, now time.Time) (event.Event, error) {
	if !e.Open() {
		return event.Event{}, fmt.Errorf("attach playbook to emergency %s: %w", e.ID, ErrClosed)
	}
	if strings.TrimSpace(playbook) == "" {
		return event.Event{}, fmt.Errorf("attach playbook to emergency %s: missing playbook name", e.ID)
	}
	return event.Event{Time: now, Payload: Attached{
		Decision:  event.Decision{What: attachWhat, Reason: fmt.Sprintf("playbook %s attached to emergency %s", playbook, e.ID)},
		Emergency: e.ID,
		Playbook:  playbook,
	}}, nil
}

// ErrReasonRequired is returned by Close for an emergency with unpatched
// hosts and no reason.
var ErrReasonRequired = errors.New("a reason is required to close an emergency with unpatched hosts")

// Closing is the operator's input for closing an emergency.
type Closing struct {
	Reason string
	// Operator is the OS user, OperatorName the optional --operator name.
	Operator     string
	OperatorName string
	Now          time.Time
}

// Close returns the journal event that closes e. Closing an emergency
// that still has unpatched hosts requires a reason.
func Close(e *Emergency, c Closing) (event.Event, error) {
	if !e.Open() {
		return event.Event{}, fmt.Errorf("close emergency %s: %w on %s by %s", e.ID, ErrClosed, e.Closed.UTC().Format(time.DateTime), cmp.Or(e.ClosedBy, "an unrecorded operator"))
	}
	if left := e.Remaining(); len(left) > 0 && strings.TrimSpace(c.Reason) == "" {
		return event.Event{}, fmt.Errorf("close emergency %s: %w (%d of %d hosts unpatched: %s): give --reason TEXT",
			e.ID, ErrReasonRequired, len(left), len(e.Hosts), strings.Join(left, ", "))
	}
	return event.Event{Time: c.Now, Payload: event.EmergencyClosed{ID: e.ID, Reason: c.Reason,
		Operator: c.Operator, OperatorName: c.OperatorName}}, nil
}

// Patched returns the journal event that records host as patched for the
// emergency id in run. The runner appends it when the host finishes.
func Patched(id, host, run string, now time.Time) event.Event {
	return event.Event{Time: now, Run: run, Host: host, Payload: event.EmergencyPatched{ID: id, Run: run}}
}

// NextID returns the next free emergency ID for the day of now, such as
// EMG-20261204-2 when one was declared that day already.
func NextID(existing []*Emergency, now time.Time) string {
	prefix := "EMG-" + now.UTC().Format("20060102") + "-"
	n := 1
	for _, e := range existing {
		if strings.HasPrefix(e.ID, prefix) {
			n++
		}
	}
	return fmt.Sprintf("%s%d", prefix, n)
}
