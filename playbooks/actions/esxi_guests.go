package actions

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"patchbay/playbooks/book"
	"patchbay/playbooks/parse/esxi"
)

// esxiGuests stops or starts the VMs of a standalone ESXi host around its
// maintenance mode.
//
// stop shuts down (or suspends, or powers off) every running VM: first
// the host's guests in the order the inventory lists them, then the VMs
// the inventory does not know. It waits for each one to be off before the
// next, because guests listed later may depend on earlier ones. start
// powers on the VMs that stop stopped in this run, in reverse order, and
// leaves the ones that were off before alone.
type esxiGuests struct{ spec }

func init() {
	Register(esxiGuests{spec{effect: book.Writes, check: checkGuestParams}})
}

func (esxiGuests) Name() string { return "esxi.guests" }

// DefaultGuestTimeout is how long esxi.guests waits for one VM to stop.
// It is an estimate for a Windows server guest that installs updates at
// shutdown.
const DefaultGuestTimeout = 10 * time.Minute

func checkGuestParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("action", "mode", "timeout")
	probs = append(probs, p.CheckRequired("action")...)
	probs = append(probs, p.CheckOneOf("action", "stop", "start")...)
	probs = append(probs, p.CheckOneOf("mode", "shutdown", "suspend", "off")...)
	return append(probs, p.CheckDuration("timeout")...)
}

func (esxiGuests) Run(ctx context.Context, x *Exec, p book.Params) error {
	if p.String("action", "") == "start" {
		return startGuests(ctx, x)
	}
	return stopGuests(ctx, x, p.String("mode", "shutdown"), p.Duration("timeout", DefaultGuestTimeout))
}

func stopGuests(ctx context.Context, x *Exec, mode string, timeout time.Duration) error {
	vms, err := listVMs(ctx, x)
	if err != nil {
		return err
	}
	for _, name := range missingGuests(x.Host.Guests, vms) {
		x.Report.Decision("guest-not-found", fmt.Sprintf("guest %s from the inventory is not a VM on this host", name))
	}
	stopped := []string{}
	x.Facts[factStoppedVMs] = stopped
	for _, vm := range orderVMs(x.Host.Guests, vms) {
		if vm.State != esxi.PoweredOn {
			continue
		}
		if err := stopVM(ctx, x, vm, mode, timeout); err != nil {
			startGuests(context.WithoutCancel(ctx), x)
			return err
		}
		stopped = append(stopped, vm.Name)
		x.Facts[factStoppedVMs] = stopped
	}
	x.Report.Decision("guests-stopped", fmt.Sprintf("%s %d VMs in order: %s", mode, len(stopped), strings.Join(stopped, ", ")))
	return nil
}

func missingGuests(guests []string, vms []vmState) []string {
	var missing []string
	for _, g := range guests {
		if !slices.ContainsFunc(vms, func(vm vmState) bool { return strings.EqualFold(vm.Name, g) }) {
			missing = append(missing, g)
		}
	}
	return missing
}

// stopVM runs the power operation of mode and waits until the VM is off
// or suspended.
func stopVM(ctx context.Context, x *Exec, vm vmState, mode string, timeout time.Duration) error {
	line := fmt.Sprintf("vim-cmd vmsvc/power.%s %d", mode, vm.ID)
	if _, code, err := x.Stream(ctx, x.command(line)); err != nil || code != 0 {
		return fmt.Errorf("%s of VM %s (id %d) failed with status %d: %v", mode, vm.Name, vm.ID, code, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		state, err := powerState(ctx, x, vm.ID)
		if err != nil {
			return err
		}
		if state != esxi.PoweredOn {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("VM %s (id %d) still runs %s after %s; check its VMware Tools or use mode: off", vm.Name, vm.ID, mode, timeout)
		}
		if err := pause(ctx, x); err != nil {
			return err
		}
	}
}

// pause waits one poll interval.
func pause(ctx context.Context, x *Exec) error {
	poll := x.Timing.Poll
	if poll <= 0 {
		poll = DefaultTiming.Poll
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(poll):
		return nil
	}
}

// startGuests powers on, in reverse order, the VMs that stopGuests
// stopped in this run.
func startGuests(ctx context.Context, x *Exec) error {
	stopped := x.Facts.Strings(factStoppedVMs)
	if len(stopped) == 0 {
		x.Report.Decision("guests-not-started", "no VM was stopped in this run, so none is started")
		return nil
	}
	vms, err := listVMs(ctx, x)
	if err != nil {
		return err
	}
	var failed []string
	for i := len(stopped) - 1; i >= 0; i-- {
		if err := startVM(ctx, x, vms, stopped[i]); err != nil {
			failed = append(failed, err.Error())
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("start VMs: %s", strings.Join(failed, "; "))
	}
	x.Facts[factStoppedVMs] = []string{}
	return nil
}

func startVM(ctx context.Context, x *Exec, vms []vmState, name string) error {
	i := slices.IndexFunc(vms, func(vm vmState) bool { return vm.Name == name })
	if i < 0 {
		return fmt.Errorf("VM %s is gone from the host", name)
	}
	if vms[i].State == esxi.PoweredOn {
		return nil
	}
	line := fmt.Sprintf("vim-cmd vmsvc/power.on %d", vms[i].ID)
	if _, code, err := x.Stream(ctx, x.command(line)); err != nil || code != 0 {
		return fmt.Errorf("power on VM %s (id %d) failed with status %d: %v", name, vms[i].ID, code, err)
	}
	return nil
}
