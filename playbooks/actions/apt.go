package actions

import (
	"context"
	"fmt"
	"strings"

	"patchbay/inventory"
	"patchbay/playbooks/book"
	"patchbay/playbooks/parse/linuxpkg"
	"patchbay/state/event"
)

// aptUpgrade upgrades a Debian or Ubuntu host's packages without prompts.
//
// It refreshes the package lists, puts held packages on apt-mark hold for
// the duration of the upgrade, upgrades with DEBIAN_FRONTEND=noninteractive
// and a conffile policy (keep the local file, or take the package's), and
// reads /var/run/reboot-required afterwards.
type aptUpgrade struct{ spec }

func init() {
	Register(aptUpgrade{spec{effect: book.Writes, check: checkAptParams}})
}

func (aptUpgrade) Name() string { return "apt.upgrade" }

func checkAptParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("conffile", "dist_upgrade")
	probs = append(probs, p.CheckOneOf("conffile", "keep-old", "take-new")...)
	return append(probs, p.CheckBool("dist_upgrade")...)
}

// aptLine returns an apt-get command line with the non-interactive front
// end, run through sudo unless the host is reached as root.
func aptLine(h *inventory.Host, args string) string {
	line := "DEBIAN_FRONTEND=noninteractive apt-get " + args
	if h.Transport.User == "root" {
		return line
	}
	return "sudo -n env " + line
}

func (aptUpgrade) Run(ctx context.Context, x *Exec, p book.Params) error {
	x.Report.Status(event.HostState{Phase: event.PhaseScanning})
	if err := aptRefresh(ctx, x); err != nil {
		return err
	}
	upgrades, err := aptUpgradable(ctx, x)
	if err != nil {
		return err
	}
	held, err := aptHold(ctx, x, upgrades)
	if err != nil {
		return err
	}
	defer aptUnhold(context.WithoutCancel(ctx), x, held)
	todo := withoutHeld(upgrades, held)
	if len(todo) == 0 {
		x.Report.Decision("nothing-to-install", "no upgradable package outside the holds")
		return readAptReboot(ctx, x, x.Facts)
	}
	if err := aptInstall(ctx, x, p, len(todo)); err != nil {
		return err
	}
	left, err := aptUpgradable(ctx, x)
	if err != nil {
		return err
	}
	aptResults(x, todo, left)
	return readAptReboot(ctx, x, x.Facts)
}

// aptResults records which upgrades were installed and which apt kept
// back, by comparing the upgradable lists before and after. Only installed
// packages count for reboot loop detection.
func aptResults(x *Exec, todo, left []linuxpkg.AptUpgrade) {
	still := map[string]bool{}
	for _, u := range left {
		still[u.Name] = true
	}
	for _, u := range todo {
		if still[u.Name] {
			x.Report.UpdateResult(event.UpdateResult{Update: u.Name + " " + u.Version, Title: "kept back by apt", ResultCode: "kept-back"})
			continue
		}
		x.Installed = append(x.Installed, u.Name)
		x.Report.UpdateResult(event.UpdateResult{Update: u.Name + " " + u.Version, ResultCode: "succeeded"})
	}
	setUpdates(x.Facts, names(left))
}

func names(upgrades []linuxpkg.AptUpgrade) []string {
	out := make([]string, len(upgrades))
	for i, u := range upgrades {
		out[i] = u.Name
	}
	return out
}

func aptRefresh(ctx context.Context, x *Exec) error {
	_, code, err := x.Stream(ctx, x.command(aptLine(x.Host, "update")))
	if err != nil {
		return err
	}
	if code != 0 {
		return Transient(fmt.Errorf("apt-get update exited with status %d; check the host's sources and network", code))
	}
	return nil
}

func aptUpgradable(ctx context.Context, x *Exec) ([]linuxpkg.AptUpgrade, error) {
	out, err := readLinux(ctx, x, "apt list --upgradable")
	if err != nil {
		return nil, err
	}
	return linuxpkg.ParseAptList(out)
}

// aptHold marks the held packages that have an upgrade with apt-mark hold
// and returns the names it marked. Packages the host already holds stay
// as they are.
func aptHold(ctx context.Context, x *Exec, upgrades []linuxpkg.AptUpgrade) ([]string, error) {
	var names []string
	for _, u := range upgrades {
		if hold := packageHold(x.Holds, u.Name, u.Version); hold != nil {
			names = append(names, u.Name)
			x.Report.UpdateResult(event.UpdateResult{Update: u.Name + " " + u.Version, Title: "held by hold " + hold.ID, ResultCode: "held"})
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	line := sudo(x.Host, "apt-mark hold "+strings.Join(names, " "))
	if _, code, err := x.Stream(ctx, x.command(line)); err != nil || code != 0 {
		return nil, fmt.Errorf("apt-mark hold %s failed (status %d): %v", strings.Join(names, " "), code, err)
	}
	return names, nil
}

func aptUnhold(ctx context.Context, x *Exec, names []string) {
	if len(names) == 0 {
		return
	}
	line := sudo(x.Host, "apt-mark unhold "+strings.Join(names, " "))
	if _, code, err := x.Stream(ctx, x.command(line)); err != nil || code != 0 {
		x.Report.Decision("unhold-failed", fmt.Sprintf("apt-mark unhold %s failed (status %d, %v); run it by hand", strings.Join(names, " "), code, err))
	}
}

// packageHold returns the inventory hold on package name at version, or
// nil. A hold without a version holds every version.
func packageHold(holds []*inventory.Hold, name, version string) *inventory.Hold {
	for _, h := range holds {
		if h.Kind == inventory.HoldPackage && h.Item == name && (h.Version == "" || h.Version == version) {
			return h
		}
	}
	return nil
}

func withoutHeld(upgrades []linuxpkg.AptUpgrade, held []string) []linuxpkg.AptUpgrade {
	var out []linuxpkg.AptUpgrade
	for _, u := range upgrades {
		if !containsString(held, u.Name) {
			out = append(out, u)
		}
	}
	return out
}

// aptInstall runs the upgrade, counting "Setting up" lines for progress.
func aptInstall(ctx context.Context, x *Exec, p book.Params, total int) error {
	conffile := "--force-confold"
	if p.String("conffile", "keep-old") == "take-new" {
		conffile = "--force-confnew"
	}
	verb := "upgrade"
	if p.Bool("dist_upgrade", false) {
		verb = "dist-upgrade"
	}
	args := fmt.Sprintf("-y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=%s %s", conffile, verb)
	x.Report.Status(event.HostState{Phase: event.PhaseInstalling, Total: total})
	counter := &lineCounter{prefix: "Setting up ", onLine: func(n int) {
		x.Report.Status(event.HostState{Phase: event.PhaseInstalling, Index: min(n, total), Total: total})
	}}
	stdout := x.Stdout
	x.Stdout = teeWriter(stdout, counter)
	defer func() { x.Stdout = stdout }()
	_, code, err := x.Stream(ctx, x.command(aptLine(x.Host, args)))
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("apt-get %s exited with status %d; see the output above for dpkg's message", verb, code)
	}
	return nil
}
