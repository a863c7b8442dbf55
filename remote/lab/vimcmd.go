package lab

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// vmRecord is one VM of an emulated ESXi host. The host keeps them in
// State.Facts[factESXiVMs], one "ID|name|guest OS|power state" line each.
type vmRecord struct {
	ID      int
	Name    string
	GuestOS string
	State   string // "Powered on", "Powered off" or "Suspended"
}

// defaultVMs are the VMs of an ESXi host whose inventory lists no guests.
var defaultVMs = []vmRecord{
	{ID: 1, Name: "ehr-db-01", GuestOS: "windows2019srv_64Guest", State: "Powered on"},
	{ID: 2, Name: "ehr-app-01", GuestOS: "windows2019srv_64Guest", State: "Powered on"},
	{ID: 3, Name: "print-01", GuestOS: "debian12_64Guest", State: "Powered off"},
}

// vmsOf returns the host's VMs. Until a command changes them, they are
// the inventory's guests, which the fleet stores in Facts[factGuests],
// all running, or defaultVMs for a host without guests.
func vmsOf(s *State) []vmRecord {
	stored, ok := s.Facts[factESXiVMs]
	if !ok {
		return initialVMs(s)
	}
	var vms []vmRecord
	for _, line := range strings.Split(stored, "\n") {
		parts := strings.Split(line, "|")
		if len(parts) != 4 {
			continue
		}
		id, _ := strconv.Atoi(parts[0])
		vms = append(vms, vmRecord{ID: id, Name: parts[1], GuestOS: parts[2], State: parts[3]})
	}
	return vms
}

func initialVMs(s *State) []vmRecord {
	if s.Facts[factGuests] == "" {
		return slices.Clone(defaultVMs)
	}
	var vms []vmRecord
	for i, name := range strings.Split(s.Facts[factGuests], ",") {
		vms = append(vms, vmRecord{ID: i + 1, Name: name, GuestOS: "otherGuest64", State: "Powered on"})
	}
	return vms
}

func setVMs(s *State, vms []vmRecord) {
	lines := make([]string, len(vms))
	for i, vm := range vms {
		lines[i] = fmt.Sprintf("%d|%s|%s|%s", vm.ID, vm.Name, vm.GuestOS, vm.State)
	}
	s.Facts[factESXiVMs] = strings.Join(lines, "\n")
}

func runningVMs(s State) []string {
	var names []string
	for _, vm := range vmsOf(&s) {
		if vm.State == "Powered on" {
			names = append(names, vm.Name)
		}
	}
	return names
}

// runVimCmd emulates vim-cmd's vmsvc commands and hostsvc/hostsummary.
func runVimCmd(_ context.Context, c *Call) (int, error) {
	if len(c.Args) < 2 {
		c.Errorf("Commands available under /:\nhostsvc/ vmsvc/\n")
		return 1, nil
	}
	switch op := c.Args[1]; op {
	case "vmsvc/getallvms":
		return vimGetAllVMs(c)
	case "hostsvc/hostsummary":
		return vimHostSummary(c)
	case "vmsvc/power.getstate", "vmsvc/power.on", "vmsvc/power.off", "vmsvc/power.shutdown", "vmsvc/power.suspend":
		return vimPower(c, strings.TrimPrefix(op, "vmsvc/power."))
	default:
		c.Errorf("(vim.fault.NotFound) {\n   msg = \"Unknown command: %s\"\n}\n", op)
		return 1, nil
	}
}

func vimGetAllVMs(c *Call) (int, error) {
	s := c.Host.Snapshot()
	c.Printf("Vmid   Name          File                                 Guest OS                 Version   Annotation\n")
	for _, vm := range vmsOf(&s) {
		file := fmt.Sprintf("[datastore1] %s/%s.vmx", vm.Name, vm.Name)
		c.Printf("%-6d %-13s %-36s %-24s vmx-19\n", vm.ID, vm.Name, file, vm.GuestOS)
	}
	return 0, nil
}

// vimHostSummary prints the three fields of HostSummary that patchbay
// reads: rebootRequired, the boot time and the maintenance mode flag.
func vimHostSummary(c *Call) (int, error) {
	s := c.Host.Snapshot()
	c.Printf("(vim.host.Summary) {\n   rebootRequired = %t,\n", s.RebootPending)
	c.Printf("   runtime = (vim.host.RuntimeInfo) {\n")
	c.Printf("      inMaintenanceMode = %s,\n", s.Facts[factESXiMaintenance])
	c.Printf("      bootTime = \"%s\",\n", s.BootTime.UTC().Format("2006-01-02T15:04:05.000Z"))
	c.Printf("   },\n}\n")
	return 0, nil
}

// vimPower runs one power operation on the VM whose id is the argument.
// Powering on is rejected in maintenance mode.
// NOTE: the vim.fault texts are recalled from vim-cmd, not taken from
// captures.
func vimPower(c *Call, op string) (int, error) {
	id := -1
	if len(c.Args) > 2 {
		id, _ = strconv.Atoi(c.Args[2])
	}
	s := c.Host.Snapshot()
	vms := vmsOf(&s)
	i := slices.IndexFunc(vms, func(vm vmRecord) bool { return vm.ID == id })
	if i < 0 {
		c.Errorf("(vim.fault.NotFound) {\n   msg = \"Unable to find a VM corresponding to \"%s\"\"\n}\n", strings.Join(c.Args[2:], " "))
		return 1, nil
	}
	vm := &vms[i]
	switch op {
	case "getstate":
		c.Printf("Retrieved runtime info\n%s\n", vm.State)
		return 0, nil
	case "on":
		return vimPowerOn(c, s, vms, vm)
	}
	return vimPowerDown(c, vms, vm, op)
}

func vimPowerOn(c *Call, s State, vms []vmRecord, vm *vmRecord) (int, error) {
	c.Printf("Powering on VM:\n")
	if s.Facts[factESXiMaintenance] == "true" {
		c.Errorf("Power on failed\n(vim.fault.InvalidState) {\n   msg = \"The operation is not allowed in the current state.\"\n}\n")
		return 1, nil
	}
	if vm.State == "Powered on" {
		c.Errorf("Power on failed\n(vim.fault.InvalidPowerState) {\n   msg = \"The attempted operation cannot be performed in the current state (Powered on).\"\n}\n")
		return 1, nil
	}
	vm.State = "Powered on"
	c.Host.Change(func(s *State) { setVMs(s, vms) })
	return 0, nil
}

func vimPowerDown(c *Call, vms []vmRecord, vm *vmRecord, op string) (int, error) {
	verb := map[string]string{"off": "Powering off VM:", "suspend": "Suspending VM:", "shutdown": ""}[op]
	if verb != "" {
		c.Printf("%s\n", verb)
	}
	if vm.State != "Powered on" {
		c.Errorf("(vim.fault.InvalidPowerState) {\n   msg = \"The attempted operation cannot be performed in the current state (%s).\"\n}\n", vm.State)
		return 1, nil
	}
	vm.State = "Powered off"
	if op == "suspend" {
		vm.State = "Suspended"
	}
	c.Host.Change(func(s *State) { setVMs(s, vms) })
	return 0, nil
}
