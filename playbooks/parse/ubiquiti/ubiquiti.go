// Package ubiquiti parses `show version` from Ubiquiti EdgeOS routers
// (EdgeRouter, "Version:      v2.0.6" layout) and EdgeSwitch switches
// ("Software Version.......... 1.9.1" dotted layout).
package ubiquiti

import (
	"fmt"
	"strings"

	"patchbay/playbooks/parse"
)

// Version is the part of `show version` that an upgrade checks.
type Version struct {
	Product  string // "EdgeOS" or "EdgeSwitch"
	Version  string // "v2.0.6" on EdgeOS, "1.9.1" on EdgeSwitch, as printed
	Build    string // EdgeOS build ID
	Model    string // "EdgeRouter 6P", "ES-48-500W"
	Serial   string
	Uptime   string // EdgeOS only, as printed
	Hardware string // EdgeSwitch hardware revision
}

// ParseShowVersion parses EdgeOS or EdgeSwitch `show version`, telling
// them apart by their labels. Stray lines such as a paging echo are
// skipped.
func ParseShowVersion(output string) (Version, error) {
	if strings.Contains(output, "Software Version....") {
		return parseEdgeSwitch(output)
	}
	fields := parse.Fields(output, ":")
	v := Version{Product: "EdgeOS", Version: fields["Version"], Build: fields["Build ID"],
		Model: fields["HW model"], Serial: fields["HW S/N"], Uptime: fields["Uptime"]}
	if v.Version == "" {
		return v, fmt.Errorf("show version: no \"Version:\" or \"Software Version\" line in the output")
	}
	return v, nil
}

func parseEdgeSwitch(output string) (Version, error) {
	v := Version{Product: "EdgeSwitch"}
	for _, line := range parse.Lines(output) {
		key, value, ok := strings.Cut(line, "..")
		if !ok {
			continue
		}
		value = strings.TrimSpace(strings.TrimLeft(value, "."))
		switch strings.TrimSpace(key) {
		case "Software Version":
			v.Version = value
		case "Machine Model":
			v.Model = value
		case "Serial Number":
			v.Serial = value
		case "Hardware Revision":
			v.Hardware = value
		}
	}
	if v.Version == "" {
		return v, fmt.Errorf("show version: empty EdgeSwitch Software Version")
	}
	return v, nil
}
