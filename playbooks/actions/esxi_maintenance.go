package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"patchbay/playbooks/book"
	"patchbay/playbooks/parse/esxi"
)

// esxiMaintenance enters or leaves maintenance mode.
//
// On a standalone host, vSphere enters maintenance mode only once no VM
// runs (the host stays "entering" until then, as VMware's documentation
// of esxcli system maintenanceMode set says), so the action rejects the
// step while VMs run instead of sending a command that would wait. When
// entering fails, it starts the VMs that esxi.guests stopped, so the
// practice gets its servers back.
type esxiMaintenance struct{ spec }

func init() {
	Register(esxiMaintenance{spec{effect: book.Writes, check: checkMaintenanceParams}})
}

func (esxiMaintenance) Name() string { return "esxi.maintenance" }

// maintenanceTimeout is the --timeout, in seconds, given to esxcli when
// entering maintenance mode. No VM runs by then, so entering takes
// seconds; the value is a margin.
const maintenanceTimeout = 300

// ErrVMsRunning means maintenance mode was requested while VMs run on a
// standalone host.
var ErrVMsRunning = errors.New("VMs still running")

func checkMaintenanceParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("enable")
	probs = append(probs, p.CheckRequired("enable")...)
	return append(probs, p.CheckBool("enable")...)
}

func (esxiMaintenance) Run(ctx context.Context, x *Exec, p book.Params) error {
	if !p.Bool("enable", true) {
		if err := setMaintenance(ctx, x, false); err != nil {
			return err
		}
		x.Facts[factEnteredMaintenance] = false
		return nil
	}
	vms, err := listVMs(ctx, x)
	if err != nil {
		return err
	}
	var running []string
	for _, vm := range vms {
		if vm.State == esxi.PoweredOn {
			running = append(running, vm.Name)
		}
	}
	if len(running) > 0 {
		return fmt.Errorf("host %s is standalone and cannot enter maintenance mode while %s run: %w; run esxi.guests with action: stop first",
			x.Host.Name, strings.Join(running, ", "), ErrVMsRunning)
	}
	if err := setMaintenance(ctx, x, true); err != nil {
		restoreService(ctx, x)
		return err
	}
	x.Facts[factEnteredMaintenance] = true
	return nil
}

// setMaintenance runs esxcli system maintenanceMode set and checks the
// result with get. "already enabled" or "already disabled" is success.
func setMaintenance(ctx context.Context, x *Exec, enable bool) error {
	line := fmt.Sprintf("esxcli system maintenanceMode set --enable %t", enable)
	if enable {
		line += fmt.Sprintf(" --timeout %d", maintenanceTimeout)
	}
	out, code, err := x.Stream(ctx, x.command(line))
	if err != nil {
		return err
	}
	if code != 0 && !strings.Contains(out, "already") {
		return fmt.Errorf("%s exited with status %d: %s", line, code, truncate(strings.TrimSpace(out), 300))
	}
	facts := Facts{}
	if err := readMaintenance(ctx, x, facts); err != nil {
		return err
	}
	if facts.Bool(FactMaintenanceMode) != enable {
		return fmt.Errorf("%s returned, but maintenanceMode get still reports %t", line, !enable)
	}
	x.Facts[FactMaintenanceMode] = enable
	return nil
}

// restoreService puts the host back in service after a failed step: it
// leaves the maintenance mode this run entered and starts the VMs this
// run stopped. It records what it could not do as decisions and returns
// nothing, so the step's own error stays the one reported.
func restoreService(ctx context.Context, x *Exec) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
	defer cancel()
	if x.Facts.Bool(factEnteredMaintenance) {
		if err := setMaintenance(ctx, x, false); err != nil {
			x.Report.Decision("restore-failed", fmt.Sprintf("leave maintenance mode: %v; leave it by hand", err))
			return
		}
		x.Facts[factEnteredMaintenance] = false
	}
	if err := startGuests(ctx, x); err != nil {
		x.Report.Decision("restore-failed", fmt.Sprintf("%v; start them by hand", err))
	}
}
