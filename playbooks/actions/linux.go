package actions

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/parse/linuxpkg"
)

func init() {
	RegisterPlatform(inventory.PlatformLinuxApt, Platform{
		ReadFacts:  readAptFacts,
		ReadBootID: readLinuxBootID,
		Reboot:     "shutdown -r now",
		Class:      "server",
	})
	RegisterPlatform(inventory.PlatformLinuxDnf, Platform{
		ReadFacts:  readDnfFacts,
		ReadBootID: readLinuxBootID,
		Reboot:     "shutdown -r now",
		Class:      "server",
	})
}

// sudo returns line prefixed with "sudo -n" unless the host is reached as
// root or runs Windows, which has no sudo; -n makes sudo fail instead of
// waiting for a password.
func sudo(h *inventory.Host, line string) string {
	if h.Transport.User == "root" || h.Platform.IsWindows() {
		return line
	}
	return "sudo -n " + line
}

// readLinux runs one read-only command and requires exit status 0.
func readLinux(ctx context.Context, x *Exec, line string) (string, error) {
	out, code, err := x.Capture(ctx, readCommand(line))
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", fmt.Errorf("%q exited with status %d", line, code)
	}
	return out, nil
}

// readLinuxBootID reads the boot time as `uptime -s` prints it
// ("2026-12-04 10:00:00"), which changes at every boot.
func readLinuxBootID(ctx context.Context, x *Exec) (string, error) {
	out, err := readLinux(ctx, x, "uptime -s")
	return strings.TrimSpace(out), err
}

// readLinuxFacts reads the facts apt and dnf hosts share.
func readLinuxFacts(ctx context.Context, x *Exec) (Facts, error) {
	f := Facts{}
	osRelease, err := readLinux(ctx, x, "cat /etc/os-release")
	if err != nil {
		return nil, err
	}
	f[FactOS] = osReleaseName(osRelease)
	kernel, err := readLinux(ctx, x, "uname -r")
	if err != nil {
		return nil, err
	}
	f[FactBuild] = strings.TrimSpace(kernel)
	if err := readLinuxUptime(ctx, x, f); err != nil {
		return nil, err
	}
	if err := readLinuxDisk(ctx, x, f); err != nil {
		return nil, err
	}
	who, err := readLinux(ctx, x, "who")
	if err != nil {
		return nil, err
	}
	f[FactUsers] = parseWho(who)
	return f, readLinuxApps(ctx, x, f)
}

func readLinuxUptime(ctx context.Context, x *Exec, f Facts) error {
	boot, err := readLinuxBootID(ctx, x)
	if err != nil {
		return err
	}
	f[FactBootID] = boot
	t, err := time.ParseInLocation("2006-01-02 15:04:05", boot, time.UTC)
	if err != nil {
		return fmt.Errorf("uptime -s printed %q, expected YYYY-MM-DD HH:MM:SS", boot)
	}
	// NOTE: the boot time is read as UTC, so uptime is off by the host's
	// UTC offset when its clock runs on local time.
	f[FactUptimeHours] = float64(int(x.now().Sub(t).Hours()*10)) / 10
	return nil
}

// readLinuxDisk reads the free space of / from `df -Pk /`, whose
// fourth column is the available 1024-byte blocks.
func readLinuxDisk(ctx context.Context, x *Exec, f Facts) error {
	out, err := readLinux(ctx, x, "df -Pk /")
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	fields := strings.Fields(lines[len(lines)-1])
	if len(lines) < 2 || len(fields) < 4 {
		// The header alone, or a row split over two lines, is not a
		// result this reader understands.
		return fmt.Errorf("df -Pk / printed %q, expected a header and one row", out)
	}
	kb, err := strconv.ParseFloat(fields[3], 64)
	if err != nil {
		return fmt.Errorf("df -Pk /: available blocks %q are not a number", fields[3])
	}
	f[FactFreeDiskMB] = float64(int(kb / 1024))
	return nil
}

// readLinuxApps reads which of the host's applications run, from the
// process names. When the process list cannot be read, the fact stays
// unset, and a reboot policy that defers for applications then defers.
func readLinuxApps(ctx context.Context, x *Exec, f Facts) error {
	if len(x.Host.Apps) == 0 && (x.Reboot == nil || len(x.Reboot.DeferApps) == 0) {
		f[FactAppsRunning] = []string{}
		return nil
	}
	out, code, err := x.Capture(ctx, readCommand("ps -eo comm="))
	if err != nil {
		return err
	}
	if code != 0 {
		x.Report.Decision("apps-unknown", fmt.Sprintf("ps -eo comm= exited with status %d, so the running applications are unknown", code))
		return nil
	}
	f[FactAppsRunning] = runningApps(x, strings.Fields(out))
	return nil
}

// osReleaseName returns PRETTY_NAME from /etc/os-release.
func osReleaseName(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// parseWho returns the distinct user names of `who` output.
func parseWho(text string) []string {
	users := []string{}
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) > 0 && !containsString(users, fields[0]) {
			users = append(users, fields[0])
		}
	}
	return users
}

func readAptFacts(ctx context.Context, x *Exec) (Facts, error) {
	f, err := readLinuxFacts(ctx, x)
	if err != nil {
		return nil, err
	}
	list, err := readLinux(ctx, x, "apt list --upgradable")
	if err != nil {
		return nil, err
	}
	upgrades, err := linuxpkg.ParseAptList(list)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(upgrades))
	for i, u := range upgrades {
		ids[i] = u.Name
	}
	setUpdates(f, ids)
	return f, readAptReboot(ctx, x, f)
}

// readAptReboot reads /var/run/reboot-required: the file existing is the
// signal, and reboot-required.pkgs names the packages that set it.
func readAptReboot(ctx context.Context, x *Exec, f Facts) error {
	flag, code, err := x.Capture(ctx, readCommand("cat /var/run/reboot-required"))
	if err != nil {
		return err
	}
	pkgs := ""
	if code == 0 {
		pkgs, _, err = x.Capture(ctx, readCommand("cat /var/run/reboot-required.pkgs"))
		if err != nil {
			return err
		}
	}
	state := linuxpkg.ParseRebootRequired(code == 0, flag, pkgs)
	f[FactRebootPending] = state.Required
	f[FactRebootReason] = ""
	if state.Required {
		f[FactRebootReason] = strings.TrimSpace(state.Message + " " + strings.Join(state.Packages, " "))
	}
	return nil
}

func readDnfFacts(ctx context.Context, x *Exec) (Facts, error) {
	f, err := readLinuxFacts(ctx, x)
	if err != nil {
		return nil, err
	}
	out, code, err := x.Capture(ctx, readCommand("dnf -q check-update"))
	if err != nil {
		return nil, err
	}
	check, err := linuxpkg.ParseCheckUpdate(out, code)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(check.Updates))
	for i, u := range check.Updates {
		ids[i] = u.Name
	}
	setUpdates(f, ids)
	return f, readDnfReboot(ctx, x, f)
}

func readDnfReboot(ctx context.Context, x *Exec, f Facts) error {
	out, code, err := x.Capture(ctx, readCommand("needs-restarting -r"))
	if err != nil {
		return err
	}
	nr, err := linuxpkg.ParseNeedsRestarting(out, code)
	if err != nil {
		return err
	}
	f[FactRebootPending] = nr.Required
	f[FactRebootReason] = strings.Join(nr.Reasons, ", ")
	return nil
}

func setUpdates(f Facts, ids []string) {
	f[FactUpdates] = ids
	f[FactUpdatesPending] = float64(len(ids))
}
