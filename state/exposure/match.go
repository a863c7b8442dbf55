package exposure

import (
	"fmt"
	"slices"
	"strings"

	"patchbay/state/kev"
	"patchbay/state/msrc"
)

// Status is the exposure of one host or device to one catalogue entry.
type Status string

// Statuses. Excepted hosts and medical devices are listed with their
// compensating controls and are never patch targets.
const (
	StatusExposed         Status = "exposed"
	StatusPossiblyExposed Status = "possibly exposed"
	StatusNotExposed      Status = "not exposed"
	StatusExcepted        Status = "excepted"
	StatusDevice          Status = "medical device"
)

// Host is the view of one inventory host that matching reads.
type Host struct {
	Name     string
	Site     string
	Platform string // an inventory platform name, such as "windows"
	// Build is the OS build with its revision from the latest facts, such
	// as "10.0.19045.4045", or empty when no facts were gathered.
	Build string
	// Installed lists installed software names from the latest facts.
	Installed []string
	// Exception is the exception covering the host, or nil.
	Exception *Exception
}

// Exception is the part of an inventory exception that a finding shows.
type Exception struct {
	ID       string
	App      string
	Controls []string
}

// Device is a tracked medical device.
type Device struct {
	Name, Site, Vendor, Model, Firmware string
	Controls                            []string
}

// Finding is one entry matched to one host or device.
type Finding struct {
	CVE    string `json:"cve"`
	Host   string `json:"host"`
	Site   string `json:"site"`
	Status Status `json:"status"`
	// Build is the host's OS build, FixedBuild the first build with the
	// fix, KB the update that brings it and Product the document's product
	// family, for Windows hosts.
	Build      string `json:"build,omitempty"`
	FixedBuild string `json:"fixed_build,omitempty"`
	KB         string `json:"kb,omitempty"`
	Product    string `json:"product,omitempty"`
	// Reason explains the status in one sentence.
	Reason      string   `json:"reason"`
	ExceptionID string   `json:"exception,omitempty"`
	Controls    []string `json:"controls,omitempty"`
}

// Input is everything Match reads.
type Input struct {
	Entries   []kev.Entry
	Documents []*msrc.Document
	Hosts     []Host
	Devices   []Device
}

// Match returns a finding for every host whose platform or installed
// software a catalogue entry concerns, and for every medical device of
// the entry's vendor, in entry order and then host order.
func Match(in Input) []Finding {
	var findings []Finding
	for _, e := range in.Entries {
		rule, ok := Lookup(e.Vendor, e.Product)
		if !ok {
			// NOTE: a vendor added to the catalogue after 2025.08.25 has
			// no rule yet, so only its product name is looked for.
			rule = Rule{Software: []string{e.Product}}
		}
		for _, h := range in.Hosts {
			if f, ok := matchHost(e, rule, h, in.Documents); ok {
				findings = append(findings, f)
			}
		}
		for _, d := range in.Devices {
			if strings.EqualFold(strings.TrimSpace(d.Vendor), e.Vendor) {
				findings = append(findings, deviceFinding(e, d))
			}
		}
	}
	return findings
}

func matchHost(e kev.Entry, rule Rule, h Host, docs []*msrc.Document) (Finding, bool) {
	f := Finding{CVE: e.CVE, Host: h.Name, Site: h.Site, Build: h.Build}
	switch {
	case slices.Contains(rule.Platforms, h.Platform) && isWindows(h.Platform):
		windowsStatus(&f, h, docs)
	case slices.Contains(rule.Platforms, h.Platform):
		f.Status = StatusPossiblyExposed
		f.Reason = fmt.Sprintf("the host runs %s, and patchbay compares versions only for Windows builds", h.Platform)
	default:
		name := installedMatch(h.Installed, rule.Software)
		if name == "" {
			return Finding{}, false
		}
		f.Status = StatusPossiblyExposed
		f.Reason = fmt.Sprintf("installed software %q matches %s %s, and its version is not compared", name, e.Vendor, e.Product)
	}
	if h.Exception != nil && f.Status != StatusNotExposed {
		f.Reason = fmt.Sprintf("under exception %s (%s), not a patch target: %s", h.Exception.ID, h.Exception.App, f.Reason)
		f.Status = StatusExcepted
		f.ExceptionID = h.Exception.ID
		f.Controls = h.Exception.Controls
	}
	return f, true
}

// installedMatch returns the first installed name containing one of names,
// compared case-insensitively, or "".
func installedMatch(installed, names []string) string {
	for _, item := range installed {
		lower := strings.ToLower(item)
		for _, name := range names {
			if name != "" && strings.Contains(lower, strings.ToLower(name)) {
				return item
			}
		}
	}
	return ""
}

func deviceFinding(e kev.Entry, d Device) Finding {
	return Finding{
		CVE: e.CVE, Host: d.Name, Site: d.Site, Status: StatusDevice,
		Reason: fmt.Sprintf("medical device %s %s (firmware %s) is patched only through its vendor",
			d.Vendor, d.Model, d.Firmware),
		Controls: d.Controls,
	}
}
