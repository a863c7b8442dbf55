package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"patchbay/inventory"
	"patchbay/playbooks/book"
	"patchbay/state/event"
)

// hypervGuests saves or shuts down a Hyper-V host's running VMs before
// it is patched (do: stop) and starts them again after its reboot (do:
// start).
//
// A VM is saved unless the step's policy is shutdown, the hypervisor's
// inventory entry carries the tag vm-shutdown, or the step's shutdown
// list names the VM. The VMs the stop step changed are listed in a file
// on the host, so the start step, even in a resumed run, starts exactly
// those and leaves VMs that were off before the run alone.
type hypervGuests struct{ spec }

func init() {
	Register(hypervGuests{spec{effect: book.Writes, check: checkHypervParams}})
}

func (hypervGuests) Name() string { return "hyperv.guests" }

// TagVMShutdown on a Hyper-V host makes its VMs shut down instead of
// being saved.
const TagVMShutdown = "vm-shutdown"

// hypervNotePath lists the VMs the stop step saved or shut down.
var hypervNotePath = wuFolder + `\hyperv-guests.json`

func checkHypervParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("do", "policy", "shutdown")
	probs = append(probs, p.CheckRequired("do")...)
	probs = append(probs, p.CheckOneOf("do", "stop", "start")...)
	return append(probs, p.CheckOneOf("policy", "save", "shutdown")...)
}

// hypervVM is one VM as the list script prints it.
type hypervVM struct {
	Name  string `json:"Name"`
	State string `json:"State"`
}

// hypervStopped is one entry of the note file.
type hypervStopped struct {
	Name   string `json:"name"`
	Action string `json:"action"` // "saved" or "shut down"
}

const listHyperVVMsScript = `$ErrorActionPreference = 'Stop'
ConvertTo-Json -Compress -InputObject @(Get-VM | Select-Object Name, @{ Name = 'State'; Expression = { [string]$_.State } })
`

func (hypervGuests) Run(ctx context.Context, x *Exec, p book.Params) error {
	if x.Host.Platform != inventory.PlatformHyperV {
		return fmt.Errorf("hyperv.guests on host %s (%s): %w", x.Host.Name, x.Host.Platform, ErrUnsupported)
	}
	if p.String("do", "") == "start" {
		return startHyperVGuests(ctx, x)
	}
	return stopHyperVGuests(ctx, x, p)
}

func listHyperVVMs(ctx context.Context, x *Exec) ([]hypervVM, error) {
	out, err := runPowerShell(ctx, x, listHyperVVMsScript, true)
	if err != nil {
		return nil, fmt.Errorf("list the VMs: %w", err)
	}
	var vms []hypervVM
	if err := lastJSONLine(out, &vms); err != nil {
		var one hypervVM
		if lastJSONLine(out, &one) != nil {
			return nil, fmt.Errorf("list the VMs: %w", err)
		}
		vms = []hypervVM{one}
	}
	return vms, nil
}

func stopHyperVGuests(ctx context.Context, x *Exec, p book.Params) error {
	vms, err := listHyperVVMs(ctx, x)
	if err != nil {
		return err
	}
	note, err := readHyperVNote(ctx, x)
	if err != nil {
		return err
	}
	for _, vm := range vms {
		if vm.State != "Running" {
			continue
		}
		entry, err := stopHyperVVM(ctx, x, vm.Name, hypervGuestPolicy(x, vm.Name, p))
		if err != nil {
			return err
		}
		note = append(note, entry)
		if err := writeHyperVNote(ctx, x, note); err != nil {
			return err
		}
	}
	if len(note) == 0 {
		x.Report.Decision("guests-none-running", "no VM was running, so none was saved or shut down")
	}
	return nil
}

// hypervGuestPolicy returns save or shutdown for one VM.
func hypervGuestPolicy(x *Exec, vm string, p book.Params) string {
	if slices.Contains(p.List("shutdown"), vm) || slices.Contains(x.Host.Tags, TagVMShutdown) {
		return "shutdown"
	}
	return p.String("policy", "save")
}

// stopHyperVVM saves or shuts down one VM.
//
// NOTE: Stop-VM shuts the guest down through its integration services;
// a guest without them makes Stop-VM fail, and that VM then needs the
// save policy or a manual shutdown.
func stopHyperVVM(ctx context.Context, x *Exec, name, policy string) (hypervStopped, error) {
	script := "$ErrorActionPreference = 'Stop'\nSave-VM -Name " + psQuote(name) + "\n"
	entry := hypervStopped{Name: name, Action: "saved"}
	if policy == "shutdown" {
		script = "$ErrorActionPreference = 'Stop'\nStop-VM -Name " + psQuote(name) + " -Confirm:$false\n"
		entry.Action = "shut down"
	}
	if _, err := runPowerShell(ctx, x, script, false); err != nil {
		return entry, fmt.Errorf("VM %s could not be %s: %w", name, entry.Action, err)
	}
	x.Report.Decision("guest-"+strings.ReplaceAll(entry.Action, " ", "-"), fmt.Sprintf("VM %s %s before patching the host", name, entry.Action))
	return entry, nil
}

func readHyperVNote(ctx context.Context, x *Exec) ([]hypervStopped, error) {
	out, err := runPowerShell(ctx, x, "Get-Content -LiteralPath "+psQuote(hypervNotePath)+" -ErrorAction SilentlyContinue\n", true)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", hypervNotePath, err)
	}
	if strings.TrimSpace(out) == "" {
		return nil, nil
	}
	var note []hypervStopped
	if err := lastJSONLine(out, &note); err != nil {
		return nil, fmt.Errorf("read %s: %w; delete the file once the VMs are checked by hand", hypervNotePath, err)
	}
	return note, nil
}

func writeHyperVNote(ctx context.Context, x *Exec, note []hypervStopped) error {
	data, _ := json.Marshal(note)
	script := "$ErrorActionPreference = 'Stop'\nNew-Item -ItemType Directory -Force -Path " + psQuote(wuFolder) + " | Out-Null\n" +
		"Set-Content -LiteralPath " + psQuote(hypervNotePath) + " -Value " + psQuote(string(data)) + " -Encoding UTF8\n"
	if _, err := runPowerShell(ctx, x, script, false); err != nil {
		return fmt.Errorf("write %s: %w", hypervNotePath, err)
	}
	return nil
}

func startHyperVGuests(ctx context.Context, x *Exec) error {
	note, err := readHyperVNote(ctx, x)
	if err != nil {
		return err
	}
	if len(note) == 0 {
		x.Report.Decision("guests-none-to-start", "no VM was saved or shut down by an earlier step")
		return nil
	}
	vms, err := listHyperVVMs(ctx, x)
	if err != nil {
		return err
	}
	for _, entry := range note {
		i := slices.IndexFunc(vms, func(v hypervVM) bool { return v.Name == entry.Name })
		if i >= 0 && vms[i].State == "Running" {
			continue
		}
		script := "$ErrorActionPreference = 'Stop'\nStart-VM -Name " + psQuote(entry.Name) + "\n"
		if _, err := runPowerShell(ctx, x, script, false); err != nil {
			return fmt.Errorf("start VM %s again: %w; start it by hand", entry.Name, err)
		}
		x.Report.Decision("guest-started", fmt.Sprintf("VM %s started again after it was %s", entry.Name, entry.Action))
	}
	x.Report.Status(event.HostState{Phase: event.PhaseVerifying})
	_, err = runPowerShell(ctx, x, "Remove-Item -LiteralPath "+psQuote(hypervNotePath)+" -ErrorAction SilentlyContinue\n", false)
	return err
}
