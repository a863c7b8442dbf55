package esxi

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"patchbay/playbooks/parse"
)

// VM is one row of `vim-cmd vmsvc/getallvms`.
type VM struct {
	ID         int
	Name       string // may contain spaces
	File       string // "[datastore1] ehr-db-01/ehr-db-01.vmx"
	GuestOS    string
	Version    string // "vmx-15"
	Annotation string
}

var vmRow = regexp.MustCompile(`^(\d+)\s+(.+?)\s+(\[[^\]]+\] .+?\.vmx)\s+(\S+)\s+(vmx-\d+)\s*(.*)$`)

// ParseVMs parses `vim-cmd vmsvc/getallvms`. Lines that are not VM rows,
// such as the header or "Skipping invalid VM" warnings, are skipped.
// NOTE: a multi-line annotation is not supported, so its later lines are
// dropped.
func ParseVMs(output string) []VM {
	var vms []VM
	for _, line := range parse.Lines(output) {
		m := vmRow.FindStringSubmatch(strings.TrimRight(line, " "))
		if m == nil {
			continue
		}
		id, _ := strconv.Atoi(m[1])
		vms = append(vms, VM{ID: id, Name: m[2], File: m[3], GuestOS: m[4], Version: m[5],
			Annotation: strings.TrimSpace(m[6])})
	}
	return vms
}

// PowerState is a VM's power state as vim-cmd prints it.
type PowerState string

// Power states.
const (
	PoweredOn  PowerState = "Powered on"
	PoweredOff PowerState = "Powered off"
	Suspended  PowerState = "Suspended"
)

// ParsePowerState parses `vim-cmd vmsvc/power.getstate VMID`.
func ParsePowerState(output string) (PowerState, error) {
	for _, line := range parse.Lines(output) {
		switch state := PowerState(strings.TrimSpace(line)); state {
		case PoweredOn, PoweredOff, Suspended:
			return state, nil
		}
	}
	return "", fmt.Errorf("power.getstate: no power state (Powered on, Powered off, Suspended) in %q", output)
}

// ParseMaintenanceMode parses `esxcli system maintenanceMode get`, which
// prints Enabled or Disabled.
func ParseMaintenanceMode(output string) (bool, error) {
	switch strings.TrimSpace(output) {
	case "Enabled":
		return true, nil
	case "Disabled":
		return false, nil
	}
	return false, fmt.Errorf("maintenanceMode get: unexpected output %q, expected Enabled or Disabled", strings.TrimSpace(output))
}
