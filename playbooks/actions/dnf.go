package actions

import (
	"context"
	"fmt"
	"strings"

	"patchbay/playbooks/book"
	"patchbay/playbooks/parse/linuxpkg"
	"patchbay/state/event"
)

// dnfUpgrade upgrades a RHEL-family host's packages. check-update exiting
// 100 means updates exist, not a failure. Held packages are excluded with
// --exclude, and `needs-restarting -r` decides whether a reboot is needed.
type dnfUpgrade struct{ spec }

func init() {
	Register(dnfUpgrade{spec{effect: book.Writes, check: func(p book.Params) []book.ParamProblem {
		return p.CheckKnown("security_only")
	}}})
}

func (dnfUpgrade) Name() string { return "dnf.upgrade" }

func (dnfUpgrade) Run(ctx context.Context, x *Exec, p book.Params) error {
	x.Report.Status(event.HostState{Phase: event.PhaseScanning})
	out, code, err := x.Capture(ctx, readCommand("dnf -q check-update"))
	if err != nil {
		return err
	}
	check, err := linuxpkg.ParseCheckUpdate(out, code)
	if err != nil {
		return Transient(fmt.Errorf("dnf check-update: %w; check the host's repositories and network", err))
	}
	if !check.Available {
		x.Report.Decision("nothing-to-install", "dnf check-update found no updates")
		return readDnfReboot(ctx, x, x.Facts)
	}
	excludes, todo := dnfExcludes(x, check.Updates)
	if len(todo) == 0 {
		x.Report.Decision("nothing-to-install", "every update is held")
		return readDnfReboot(ctx, x, x.Facts)
	}
	if err := dnfInstall(ctx, x, excludes, len(todo)); err != nil {
		return err
	}
	for _, u := range todo {
		x.Installed = append(x.Installed, u.Name)
		x.Report.UpdateResult(event.UpdateResult{Update: u.Name + " " + u.Version, ResultCode: "succeeded"})
	}
	return readDnfReboot(ctx, x, x.Facts)
}

// dnfExcludes returns the --exclude arguments for held packages and the
// updates that remain.
func dnfExcludes(x *Exec, updates []linuxpkg.RPMUpdate) ([]string, []linuxpkg.RPMUpdate) {
	var excludes []string
	var todo []linuxpkg.RPMUpdate
	for _, u := range updates {
		hold := packageHold(x.Holds, u.Name, u.Version)
		if hold == nil {
			todo = append(todo, u)
			continue
		}
		excludes = append(excludes, "--exclude="+u.Name)
		x.Report.UpdateResult(event.UpdateResult{Update: u.Name + " " + u.Version, Title: "held by hold " + hold.ID, ResultCode: "held"})
	}
	return excludes, todo
}

func dnfInstall(ctx context.Context, x *Exec, excludes []string, total int) error {
	x.Report.Status(event.HostState{Phase: event.PhaseInstalling, Total: total})
	counter := &lineCounter{prefix: "Upgrading ", onLine: func(n int) {
		x.Report.Status(event.HostState{Phase: event.PhaseInstalling, Index: min(n, total), Total: total})
	}}
	stdout := x.Stdout
	x.Stdout = teeWriter(stdout, counter)
	defer func() { x.Stdout = stdout }()
	args := strings.TrimSpace("dnf -y upgrade " + strings.Join(excludes, " "))
	_, code, err := x.Stream(ctx, x.command(sudo(x.Host, args)))
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("dnf upgrade exited with status %d; see its output for the failing transaction", code)
	}
	return nil
}
