package lab

import (
	"context"
	"strings"
)

// esxiPersonality emulates a standalone VMware ESXi 8 host reached as
// root over SSH: vmware -vl, esxcli software profile get and update from
// an offline depot, esxcli system maintenanceMode, and vim-cmd's VM
// listing and power operations. A profile update needs maintenance mode,
// and maintenance mode needs every VM powered off or suspended, because a
// standalone host has no other host to migrate them to.
type esxiPersonality struct{ shell *Shell }

func init() {
	p := &esxiPersonality{}
	p.shell = &Shell{Commands: map[string]CommandFunc{
		"vmware":  runVMware,
		"esxcli":  runEsxcli,
		"vim-cmd": runVimCmd,
		"reboot":  runEsxiReboot,
	}}
	Register("esxi", p)
}

// Facts of the ESXi personality's state.
const (
	factESXiProfile     = "esxi-profile"     // installed image profile
	factESXiMaintenance = "esxi-maintenance" // "true" in maintenance mode
	factESXiVMs         = "esxi-vms"         // the VMs, see vmRecord
)

// ESXiDepot is the offline depot the emulated hosts carry on their
// datastore. Its profiles are the ones the real 8.0U2b depot lists.
const ESXiDepot = "/vmfs/volumes/datastore1/patches/VMware-ESXi-8.0U2b-23305546-depot.zip"

// esxiRelease describes one build: its image profile, the dotted release
// and the marketing name that vmware -vl prints.
type esxiRelease struct {
	profile, release, update string
}

var esxiReleases = map[string]esxiRelease{
	"22380479": {"ESXi-8.0U2-22380479-standard", "8.0.2", "8.0 Update 2"},
	"23305546": {"ESXi-8.0U2b-23305546-standard", "8.0.2", "8.0 Update 2"},
	"23305545": {"ESXi-8.0U2sb-23305545-standard", "8.0.2", "8.0 Update 2"},
}

// depotProfiles are the rows of the depot's profile list, as the real
// depot prints them.
var depotProfiles = []struct{ name, build, modified string }{
	{"ESXi-8.0U2sb-23305545-standard", "23305545", "2024-02-29T00:00:00"},
	{"ESXi-8.0U2sb-23305545-no-tools", "23305545", "2024-02-14T06:50:08"},
	{"ESXi-8.0U2b-23305546-standard", "23305546", "2024-02-29T00:00:00"},
	{"ESXi-8.0U2b-23305546-no-tools", "23305546", "2024-02-14T08:21:05"},
}

// Init gives every host ESXi 8.0U2. Its VMs are those vmsOf derives.
func (p *esxiPersonality) Init(s *State, seed int) {
	s.OS, s.Build = "VMware ESXi", "22380479"
	s.DiskSizeMB, s.FreeDiskMB = 32768, 24576-int64(seed%4)*1024
	s.Facts[factESXiProfile] = esxiReleases[s.Build].profile
	s.Facts[factESXiMaintenance] = "false"
}

func (p *esxiPersonality) Exec(ctx context.Context, x *Exec) (int, error) { return p.shell.Run(ctx, x) }

// Booted records the profile of the build the host booted into and
// leaves every VM powered off, as a host without VM autostart does. The
// host stays in maintenance mode across the reboot.
func (p *esxiPersonality) Booted(s *State) {
	if r, ok := esxiReleases[s.Build]; ok {
		s.Facts[factESXiProfile] = r.profile
	}
	vms := vmsOf(s)
	for i := range vms {
		vms[i].State = "Powered off"
	}
	setVMs(s, vms)
}

// SetESXiVMs replaces the VMs of an ESXi host h with running VMs of the
// given names, numbered from 1, such as the guests the inventory lists.
func SetESXiVMs(h *Host, names ...string) {
	vms := make([]vmRecord, len(names))
	for i, name := range names {
		vms[i] = vmRecord{ID: i + 1, Name: name, GuestOS: "otherGuest64", State: "Powered on"}
	}
	h.Change(func(s *State) { setVMs(s, vms) })
}

// ESXiVMStates returns the power state of each VM of h by name, as
// vim-cmd prints it ("Powered on", "Powered off", "Suspended").
func ESXiVMStates(h *Host) map[string]string {
	states := map[string]string{}
	h.View(func(s *State) {
		for _, vm := range vmsOf(s) {
			states[vm.Name] = vm.State
		}
	})
	return states
}

// InMaintenanceMode reports whether the ESXi host h is in maintenance
// mode.
func InMaintenanceMode(h *Host) bool {
	on := false
	h.View(func(s *State) { on = s.Facts[factESXiMaintenance] == "true" })
	return on
}

func runVMware(_ context.Context, c *Call) (int, error) {
	s := c.Host.Snapshot()
	r := esxiReleases[s.Build]
	if len(c.Args) < 2 {
		c.Errorf("Usage: vmware [-v] [-l]\n")
		return 1, nil
	}
	flags := strings.Join(c.Args[1:], "")
	if strings.Contains(flags, "v") {
		c.Printf("VMware ESXi %s build-%s\n", r.release, s.Build)
	}
	if strings.Contains(flags, "l") {
		c.Printf("VMware ESXi %s\n", r.update)
	}
	return 0, nil
}

func runEsxiReboot(_ context.Context, c *Call) (int, error) {
	if !c.Root {
		c.Errorf("reboot: must be run as root\n")
		return 1, nil
	}
	c.Host.Reboot()
	return 0, nil
}
