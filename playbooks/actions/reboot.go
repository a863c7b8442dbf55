package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/book"
	"patchbay/remote"
	"patchbay/state/event"
)

// rebootAction restarts the host and waits until it is back and settled.
//
// It issues the platform's reboot command without waiting on the dying
// connection, then polls. The host goes offline (a dial fails), comes back
// (a dial and a command succeed) and is settled once its boot id differs
// from before and its facts read again. The reboot policy may defer the
// reboot, which ends the host as "reboot pending".
type rebootAction struct{ spec }

func init() {
	Register(rebootAction{spec{effect: book.Writes, check: checkRebootParams}})
}

func (rebootAction) Name() string { return "reboot" }

func checkRebootParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("if_needed", "timeout")
	probs = append(probs, p.CheckBool("if_needed")...)
	return append(probs, p.CheckDuration("timeout")...)
}

func (rebootAction) Run(ctx context.Context, x *Exec, p book.Params) error {
	plat, err := PlatformOf(x.Host)
	if err != nil {
		return err
	}
	if p.Bool("if_needed", true) && !x.Facts.Bool(FactRebootPending) {
		x.Report.Decision("reboot-not-needed", "no reboot is pending")
		return nil
	}
	if err := deferReboot(x); err != nil {
		return err
	}
	if x.Reboots >= x.MaxReboots {
		return fmt.Errorf("host %s rebooted %d times in this run: %w", x.Host.Name, x.Reboots, ErrRebootCap)
	}
	before, err := plat.ReadBootID(ctx, x)
	if err != nil {
		return fmt.Errorf("read boot time before reboot: %w", err)
	}
	issueReboot(ctx, x, plat)
	timeout := p.Duration("timeout", rebootTimeout(x, plat))
	if err := waitBack(ctx, x, plat, before, timeout); err != nil {
		return err
	}
	return settle(ctx, x, plat)
}

// deferReboot applies the reboot policy and the window. It returns
// ErrRebootPending when the reboot must wait.
func deferReboot(x *Exec) error {
	if x.MayDisrupt != nil {
		if err := x.MayDisrupt(); err != nil {
			x.Report.Decision("reboot-deferred", err.Error())
			return fmt.Errorf("%w: %v", ErrRebootPending, err)
		}
	}
	reason := policyReason(x)
	if reason == "" {
		return nil
	}
	x.Report.Decision("reboot-deferred", reason)
	return fmt.Errorf("%w: %s", ErrRebootPending, reason)
}

// policyReason returns why the host's reboot policy defers the reboot now,
// or "" when it allows it. It reads the facts, so the facts step should
// run shortly before.
func policyReason(x *Exec) string {
	pol := x.Reboot
	if pol == nil {
		pol = inventory.DefaultRebootPolicy
	}
	switch pol.Mode {
	case inventory.RebootNever:
		return fmt.Sprintf("reboot policy %q never reboots automatically", pol.Name)
	case inventory.RebootDefer:
		if users := x.Facts.Strings(FactUsers); pol.DeferUserLoggedOn && len(users) > 0 {
			return fmt.Sprintf("reboot policy %q defers while a user is logged on (%s)", pol.Name, strings.Join(users, ", "))
		}
		if _, known := x.Facts[FactAppsRunning]; !known && len(pol.DeferApps) > 0 {
			return fmt.Sprintf("reboot policy %q defers while %s runs, and the running applications are unknown", pol.Name, strings.Join(pol.DeferApps, " or "))
		}
		for _, app := range x.Facts.Strings(FactAppsRunning) {
			if containsString(pol.DeferApps, app) {
				return fmt.Sprintf("reboot policy %q defers while %s runs", pol.Name, app)
			}
		}
	}
	return ""
}

// issueReboot sends the reboot command and does not wait for its end: a
// dropped connection or a timeout is what a reboot looks like from here.
func issueReboot(ctx context.Context, x *Exec, plat Platform) {
	x.Reboots++
	x.Report.Status(event.HostState{Phase: event.PhaseRebooting})
	cmdCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	err := x.Session.Run(cmdCtx, remote.Command{Line: sudo(x.Host, plat.Reboot)}, x.Stdout, x.Stderr)
	if err != nil && ctx.Err() == nil {
		x.Report.Decision("reboot-issued", "the connection ended as the host went down: "+err.Error())
	}
	x.Session.Close()
}

func rebootTimeout(x *Exec, plat Platform) time.Duration {
	return rebootTimeoutFor(x.Host, plat.Class, x.Timing)
}

// RebootTimeoutOf returns how long host h may take to go down and come
// back, from its class in t, else from DefaultTiming.
func RebootTimeoutOf(h *inventory.Host, t Timing) time.Duration {
	plat, _ := PlatformOf(h)
	return rebootTimeoutFor(h, plat.Class, t)
}

func rebootTimeoutFor(h *inventory.Host, class string, t Timing) time.Duration {
	switch {
	case h.Platform.IsNetworkGear():
		class = "network"
	case h.Platform.IsHypervisor():
		class = "hypervisor"
	case h.Role == inventory.RoleWorkstation:
		class = "workstation"
	}
	if d := t.Reboot[class]; d > 0 {
		return d
	}
	if d := DefaultTiming.Reboot[class]; d > 0 {
		return d
	}
	return DefaultTiming.Reboot["server"]
}

// waitBack polls the host until it reports a boot id other than before,
// or until timeout.
func waitBack(ctx context.Context, x *Exec, plat Platform, before string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	poll := x.Timing.Poll
	if poll <= 0 {
		poll = DefaultTiming.Poll
	}
	offline := false
	for {
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("host %s did not come back within %s after the reboot; check its console", x.Host.Name, timeout)
			}
			return ctx.Err()
		case <-time.After(poll):
		}
		back, err := probeBoot(ctx, x, plat, before)
		if err != nil && !offline {
			offline = true
			x.Report.Status(event.HostState{Phase: event.PhaseOffline})
		}
		if back {
			return nil
		}
	}
}

// probeBoot dials the host and reads its boot id. It returns true, with the
// new session in x.Session, once the id differs from before.
func probeBoot(ctx context.Context, x *Exec, plat Platform, before string) (bool, error) {
	s, err := x.Redial(ctx)
	if err != nil {
		return false, err
	}
	x.Session = s
	id, err := plat.ReadBootID(ctx, x)
	if err == nil && id != before && id != "" {
		return true, nil
	}
	s.Close()
	if err == nil {
		err = errors.New("boot time unchanged")
	}
	return false, err
}

// settle reads the facts after the reboot and detects a reboot loop: an
// update installed in this run that is pending again.
func settle(ctx context.Context, x *Exec, plat Platform) error {
	x.Report.Status(event.HostState{Phase: event.PhaseSettling})
	f, err := plat.ReadFacts(ctx, x)
	if err != nil {
		return fmt.Errorf("read facts after the reboot: %w", err)
	}
	x.Facts.Merge(f)
	x.Report.FactsRead(x.Facts)
	var again []string
	for _, id := range x.Facts.Strings(FactUpdates) {
		if containsString(x.Installed, id) {
			again = append(again, id)
		}
	}
	if len(again) == 0 {
		return nil
	}
	for _, id := range again {
		x.Report.HoldSet(id, "pending again after the reboot that should have finished it")
		x.Report.UpdateResult(event.UpdateResult{Update: id, Title: "pending again after a reboot", ResultCode: "held"})
	}
	return fmt.Errorf("%s pending again after the reboot; held for this host: %w", strings.Join(again, ", "), ErrRebootLoop)
}
