package preflight

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/remote"
)

// posixChecks checks Linux, macOS and ESXi hosts over SSH.
func (r *run) posixChecks(ctx context.Context, s remote.Session) {
	r.clockCheck(ctx, s)
	if r.host.Platform != inventory.PlatformESXi {
		r.diskCheck(ctx, s)
	}
	switch r.host.Platform {
	case inventory.PlatformLinuxApt:
		r.aptRebootCheck(ctx, s)
	case inventory.PlatformLinuxDnf:
		r.dnfRebootCheck(ctx, s)
	case inventory.PlatformESXi:
		r.esxiRebootCheck(ctx, s)
	}
	if r.host.Transport.User != "root" && r.host.Platform != inventory.PlatformESXi {
		r.sudoCheck(ctx, s)
	}
	if r.host.Platform == inventory.PlatformMacOS {
		r.macArchCheck(ctx, s)
	}
}

// macArchCheck warns about Apple silicon: there, softwareupdate prompts for a
// volume owner's password before updates that restart the Mac, which no
// SSH session can type.
func (r *run) macArchCheck(ctx context.Context, s remote.Session) {
	out, stderr, err := r.readOnly(ctx, s, remote.Command{Line: "uname -m"})
	switch arch := strings.TrimSpace(out); {
	case err != nil:
		r.commandFailed(CheckUpdateAuth, err, stderr)
	case arch == "arm64":
		r.warn(CheckUpdateAuth, "Apple silicon: updates that restart the Mac need a volume owner's password, so the playbook stops at them",
			"enroll the Mac in MDM with a bootstrap token, or install those updates at the Mac with an owner's account")
	default:
		r.pass(CheckUpdateAuth, arch+": softwareupdate installs without an owner's password")
	}
}

// clockCheck compares the host's clock, read as Unix seconds, with the
// controller's.
func (r *run) clockCheck(ctx context.Context, s remote.Session) {
	out, stderr, err := r.readOnly(ctx, s, remote.Command{Line: "date -u +%s"})
	if err != nil {
		r.commandFailed(CheckClock, err, stderr)
		return
	}
	seconds, perr := strconv.ParseInt(firstLine(out), 10, 64)
	if perr != nil {
		r.fail(CheckClock, fmt.Sprintf("date printed %q, not Unix seconds", firstLine(out)), "check that the host's date command supports +%s")
		return
	}
	r.compareClock(time.Unix(seconds, 0))
}

// compareClock records the skew between the host's time and the
// controller's.
func (r *run) compareClock(hostTime time.Time) {
	skew := hostTime.Sub(r.opts.Now())
	if skew.Abs() <= r.opts.MaxClockSkew {
		r.pass(CheckClock, fmt.Sprintf("clock within %s of this computer's", r.opts.MaxClockSkew))
		return
	}
	direction := "ahead of"
	if skew < 0 {
		direction = "behind"
	}
	r.fail(CheckClock, fmt.Sprintf("host clock is %s %s this computer's", skew.Abs().Round(time.Second), direction),
		"enable time synchronisation (NTP, or the domain hierarchy on Windows); TLS, Kerberos and the reboot checks depend on it")
}

// diskCheck reads the free space of the root file system with df -Pk.
func (r *run) diskCheck(ctx context.Context, s remote.Session) {
	out, stderr, err := r.readOnly(ctx, s, remote.Command{Line: "df -Pk /"})
	if err != nil {
		r.commandFailed(CheckDisk, err, stderr)
		return
	}
	freeKB, ok := dfAvailable(out)
	if !ok {
		r.fail(CheckDisk, fmt.Sprintf("df printed %q, which has no Available column", firstLine(out)), "run df -Pk / on the host and check its output")
		return
	}
	r.compareDisk(freeKB / 1024)
}

// dfAvailable returns the Available column, in KiB, of the line of df -P
// output whose mount point is /.
func dfAvailable(out string) (int64, bool) {
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 6 && fields[5] == "/" {
			n, err := strconv.ParseInt(fields[3], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// compareDisk records whether freeMB is enough for patching.
func (r *run) compareDisk(freeMB int64) {
	detail := fmt.Sprintf("%.1f GiB free on the system volume", float64(freeMB)/1024)
	if freeMB >= r.opts.MinFreeDiskMB {
		r.pass(CheckDisk, detail)
		return
	}
	r.fail(CheckDisk, fmt.Sprintf("%s, below the %.1f GiB that updates need", detail, float64(r.opts.MinFreeDiskMB)/1024),
		"free space on the system volume: old update caches, logs and temporary files")
}

// aptRebootCheck reads /var/run/reboot-required and the packages that
// asked for the reboot.
func (r *run) aptRebootCheck(ctx context.Context, s remote.Session) {
	_, stderr, err := r.readOnly(ctx, s, remote.Command{Line: "test -f /var/run/reboot-required"})
	var exit *remote.ExitError
	switch {
	case errors.As(err, &exit) && exit.Code == 1:
		r.pass(CheckReboot, "no reboot pending")
		return
	case err != nil:
		r.commandFailed(CheckReboot, err, stderr)
		return
	}
	pkgs, _, _ := r.readOnly(ctx, s, remote.Command{Line: "cat /var/run/reboot-required.pkgs"})
	r.rebootPending(strings.Fields(pkgs), "packages")
}

// dnfRebootCheck runs needs-restarting -r, which exits 1 when a reboot is
// needed and lists the updated core packages.
func (r *run) dnfRebootCheck(ctx context.Context, s remote.Session) {
	out, stderr, err := r.readOnly(ctx, s, remote.Command{Line: "needs-restarting -r"})
	var exit *remote.ExitError
	switch {
	case err == nil:
		r.pass(CheckReboot, "no reboot pending")
	case errors.As(err, &exit) && exit.Code == 1:
		var reasons []string
		for _, line := range strings.Split(out, "\n") {
			if item, ok := strings.CutPrefix(strings.TrimSpace(line), "* "); ok {
				reasons = append(reasons, item)
			}
		}
		r.rebootPending(reasons, "updated")
	default:
		r.commandFailed(CheckReboot, err, stderr)
	}
}

// esxiRebootCheck reads rebootRequired from the host summary.
func (r *run) esxiRebootCheck(ctx context.Context, s remote.Session) {
	out, stderr, err := r.readOnly(ctx, s, remote.Command{Line: "vim-cmd hostsvc/hostsummary"})
	switch {
	case err != nil:
		r.commandFailed(CheckReboot, err, stderr)
	case strings.Contains(out, "rebootRequired = true"):
		r.rebootPending(nil, "")
	case strings.Contains(out, "rebootRequired = false"):
		r.pass(CheckReboot, "no reboot pending")
	default:
		r.warn(CheckReboot, "vim-cmd hostsvc/hostsummary printed no rebootRequired field, so a pending reboot is not known",
			"run vim-cmd hostsvc/hostsummary on the host and look for rebootRequired")
	}
}

// rebootPending records a pending reboot as a warning: the host can be
// reached, but installs may fail or stay incomplete until it reboots.
func (r *run) rebootPending(reasons []string, label string) {
	detail := "reboot pending"
	if len(reasons) > 0 {
		detail += " (" + label + ": " + strings.Join(reasons, ", ") + ")"
	}
	r.warn(CheckReboot, detail, "reboot the host in its maintenance window before patching, or let the playbook reboot it first")
}

// sudoCheck runs sudo -n true: the playbooks run their installs through
// sudo without a terminal, so sudo must not ask for a password.
func (r *run) sudoCheck(ctx context.Context, s remote.Session) {
	_, stderr, err := r.readOnly(ctx, s, remote.Command{Line: "sudo -n true"})
	var exit *remote.ExitError
	switch {
	case err == nil:
		r.pass(CheckSudo, "sudo runs without a password")
	case errors.As(err, &exit):
		detail := "sudo -n true failed"
		if text := firstLine(stderr); text != "" {
			detail += ": " + text
		}
		r.fail(CheckSudo, detail, fmt.Sprintf("allow %s to run sudo without a password (a NOPASSWD rule in /etc/sudoers.d)", r.host.Transport.User))
	default:
		r.commandFailed(CheckSudo, err, stderr)
	}
}
