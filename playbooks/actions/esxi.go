package actions

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/parse/esxi"
)

// Facts only ESXi hosts fill.
const (
	FactESXiProfile     = "esxi_profile"     // installed image profile
	FactMaintenanceMode = "maintenance_mode" // the host is in maintenance mode
	FactVMs             = "vms"              // names of the host's VMs, by VM id
	FactVMsRunning      = "vms_running"      // names of the powered-on VMs
	// factStoppedVMs names the VMs that esxi.guests stopped in this run,
	// in the order it stopped them, so that it starts only those again.
	factStoppedVMs = "esxi_stopped_vms"
	// factEnteredMaintenance is set when esxi.maintenance entered
	// maintenance mode in this run.
	factEnteredMaintenance = "esxi_entered_maintenance"
	// factTargetBuild is the build that the installed image profile
	// boots, for esxi.verify.
	factTargetBuild = "esxi_target_build"
)

func init() {
	RegisterPlatform(inventory.PlatformESXi, Platform{
		ReadFacts:  readESXiFacts,
		ReadBootID: readESXiBootID,
		Reboot:     "reboot",
		Class:      "hypervisor",
	})
}

var bootTimeField = regexp.MustCompile(`bootTime = "([^"]+)"`)

// readESXiBootID reads the boot time from vim-cmd hostsvc/hostsummary.
func readESXiBootID(ctx context.Context, x *Exec) (string, error) {
	out, err := readLinux(ctx, x, "vim-cmd hostsvc/hostsummary")
	if err != nil {
		return "", err
	}
	m := bootTimeField.FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("vim-cmd hostsvc/hostsummary printed no bootTime field")
	}
	return m[1], nil
}

func readESXiFacts(ctx context.Context, x *Exec) (Facts, error) {
	f := Facts{FactUsers: []string{}, FactAppsRunning: []string{}}
	if err := readESXiVersion(ctx, x, f); err != nil {
		return nil, err
	}
	if err := readESXiBoot(ctx, x, f); err != nil {
		return nil, err
	}
	out, err := readLinux(ctx, x, "esxcli software profile get")
	if err != nil {
		return nil, err
	}
	profile, err := esxi.ParseProfileGet(out)
	if err != nil {
		return nil, err
	}
	f[FactESXiProfile] = profile.Name
	if err := readMaintenance(ctx, x, f); err != nil {
		return nil, err
	}
	if err := readVMFacts(ctx, x, f); err != nil {
		return nil, err
	}
	// NOTE: pending updates depend on a depot, which facts do not know,
	// so ESXi hosts report none here; esxi.profile_update reads the depot.
	setUpdates(f, []string{})
	carryRebootPending(x, f)
	return f, nil
}

// readESXiVersion fills the OS and build facts from vmware -vl.
func readESXiVersion(ctx context.Context, x *Exec, f Facts) error {
	out, err := readLinux(ctx, x, "vmware -vl")
	if err != nil {
		return err
	}
	v, err := esxi.ParseVersion(out)
	if err != nil {
		return err
	}
	f[FactOS] = "VMware ESXi " + v.Release
	if v.Update != "" {
		f[FactOS] = "VMware ESXi " + v.Update
	}
	f[FactBuild] = v.Release + " build-" + strconv.Itoa(v.Build)
	return nil
}

func readESXiBoot(ctx context.Context, x *Exec, f Facts) error {
	boot, err := readESXiBootID(ctx, x)
	if err != nil {
		return err
	}
	f[FactBootID] = boot
	t, err := time.Parse(time.RFC3339, boot)
	if err != nil {
		return fmt.Errorf("vim-cmd hostsvc/hostsummary: bootTime %q is not an RFC 3339 time", boot)
	}
	f[FactUptimeHours] = float64(int(x.now().Sub(t).Hours()*10)) / 10
	return nil
}

func readMaintenance(ctx context.Context, x *Exec, f Facts) error {
	out, err := readLinux(ctx, x, "esxcli system maintenanceMode get")
	if err != nil {
		return err
	}
	on, err := esxi.ParseMaintenanceMode(out)
	f[FactMaintenanceMode] = on
	return err
}

func readVMFacts(ctx context.Context, x *Exec, f Facts) error {
	vms, err := listVMs(ctx, x)
	if err != nil {
		return err
	}
	names, running := []string{}, []string{}
	for _, vm := range vms {
		names = append(names, vm.Name)
		if vm.State == esxi.PoweredOn {
			running = append(running, vm.Name)
		}
	}
	f[FactVMs], f[FactVMsRunning] = names, running
	return nil
}

// vmState is one VM with its power state.
type vmState struct {
	esxi.VM
	State esxi.PowerState
}

// listVMs reads the host's VMs and the power state of each.
func listVMs(ctx context.Context, x *Exec) ([]vmState, error) {
	out, err := readLinux(ctx, x, "vim-cmd vmsvc/getallvms")
	if err != nil {
		return nil, err
	}
	var vms []vmState
	for _, vm := range esxi.ParseVMs(out) {
		state, err := powerState(ctx, x, vm.ID)
		if err != nil {
			return nil, err
		}
		vms = append(vms, vmState{VM: vm, State: state})
	}
	return vms, nil
}

func powerState(ctx context.Context, x *Exec, id int) (esxi.PowerState, error) {
	out, err := readLinux(ctx, x, fmt.Sprintf("vim-cmd vmsvc/power.getstate %d", id))
	if err != nil {
		return "", err
	}
	return esxi.ParsePowerState(out)
}

// orderVMs returns vms in patching order: the host's guests in the order
// the inventory lists them, matched by VM name without regard to case,
// then the VMs the inventory does not know, by VM id.
func orderVMs(guests []string, vms []vmState) []vmState {
	var out []vmState
	used := map[int]bool{}
	for _, g := range guests {
		for _, vm := range vms {
			if !used[vm.ID] && strings.EqualFold(vm.Name, g) {
				out = append(out, vm)
				used[vm.ID] = true
			}
		}
	}
	for _, vm := range vms {
		if !used[vm.ID] {
			out = append(out, vm)
		}
	}
	return out
}
