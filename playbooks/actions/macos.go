package actions

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/parse/macos"
)

// Facts only macOS hosts fill.
const (
	// FactArch is the CPU architecture as uname -m prints it: "arm64" on
	// Apple silicon, "x86_64" on Intel.
	FactArch = "arch"
	// factPendingBoot is the boot id at the moment an install asked for a
	// restart. A reboot pending fact holds only while the boot id is the
	// same, because macOS and ESXi offer no cheap query for it.
	factPendingBoot = "reboot_pending_boot"
)

func init() {
	RegisterPlatform(inventory.PlatformMacOS, Platform{
		ReadFacts:  readMacFacts,
		ReadBootID: readMacBootID,
		Reboot:     "shutdown -r now",
		Class:      "workstation",
	})
}

// readMacBootID reads `sysctl -n kern.boottime`, whose seconds field
// changes at every boot.
func readMacBootID(ctx context.Context, x *Exec) (string, error) {
	out, err := readLinux(ctx, x, "sysctl -n kern.boottime")
	if err != nil {
		return "", err
	}
	sec, ok := bootSeconds(out)
	if !ok {
		return "", fmt.Errorf("sysctl -n kern.boottime printed %q, expected { sec = N, usec = N } DATE", strings.TrimSpace(out))
	}
	return strconv.FormatInt(sec, 10), nil
}

var bootTimeSec = regexp.MustCompile(`sec = (\d+)`)

func bootSeconds(out string) (int64, bool) {
	m := bootTimeSec.FindStringSubmatch(out)
	if m == nil {
		return 0, false
	}
	sec, err := strconv.ParseInt(m[1], 10, 64)
	return sec, err == nil
}

func readMacFacts(ctx context.Context, x *Exec) (Facts, error) {
	f := Facts{}
	if err := readSwVers(ctx, x, f); err != nil {
		return nil, err
	}
	arch, err := readLinux(ctx, x, "uname -m")
	if err != nil {
		return nil, err
	}
	f[FactArch] = strings.TrimSpace(arch)

	boot, err := readMacBootID(ctx, x)
	if err != nil {
		return nil, err
	}
	sec, _ := strconv.ParseInt(boot, 10, 64)
	f[FactBootID] = boot
	f[FactUptimeHours] = float64(int(x.now().Sub(time.Unix(sec, 0)).Hours()*10)) / 10

	if err := readLinuxDisk(ctx, x, f); err != nil {
		return nil, err
	}
	who, err := readLinux(ctx, x, "who")
	if err != nil {
		return nil, err
	}
	f[FactUsers] = parseWho(who)
	if err := readLinuxApps(ctx, x, f); err != nil {
		return nil, err
	}

	if err := readMacUpdates(ctx, x, f); err != nil {
		return nil, err
	}
	carryRebootPending(x, f)
	return f, nil
}

// readSwVers fills the OS and build facts from sw_vers.
func readSwVers(ctx context.Context, x *Exec, f Facts) error {
	out, err := readLinux(ctx, x, "sw_vers")
	if err != nil {
		return err
	}
	v, err := macos.ParseSwVers(out)
	if err != nil {
		return err
	}
	f[FactOS] = strings.TrimSpace(v.ProductName + " " + v.ProductVersion)
	f[FactBuild] = v.BuildVersion
	return nil
}

func readMacUpdates(ctx context.Context, x *Exec, f Facts) error {
	list, err := listMacUpdates(ctx, x)
	if err != nil {
		return err
	}
	labels := make([]string, len(list.Updates))
	for i, u := range list.Updates {
		labels[i] = u.Label
	}
	setUpdates(f, labels)
	return nil
}

// listMacUpdates runs softwareupdate --list. The tool writes "No new
// software available." to standard error and may then exit with status
// 1, so both streams are parsed together and that status is no failure.
func listMacUpdates(ctx context.Context, x *Exec) (macos.List, error) {
	var stdout, stderr strings.Builder
	err := x.Session.Run(ctx, readCommand("softwareupdate --list"), &stdout, &stderr)
	code, err := exitStatus(err)
	if err != nil {
		return macos.List{}, err
	}
	list := macos.ParseList(stdout.String() + stderr.String())
	if code != 0 && !list.NoUpdates {
		return list, fmt.Errorf("softwareupdate --list exited with status %d: %s", code, truncate(strings.TrimSpace(stderr.String()), 300))
	}
	return list, nil
}

// carryRebootPending keeps a reboot pending fact that an install set, as
// long as the host has not booted since.
func carryRebootPending(x *Exec, f Facts) {
	pending := x.Facts.Bool(FactRebootPending) && x.Facts.Text(factPendingBoot) == f.Text(FactBootID)
	f[FactRebootPending] = pending
	f[FactRebootReason] = ""
	if pending {
		f[FactRebootReason] = x.Facts.Text(FactRebootReason)
	}
}

// markRebootPending records that the host needs a restart for reason.
func markRebootPending(x *Exec, reason string) {
	x.Facts[FactRebootPending] = true
	x.Facts[FactRebootReason] = reason
	x.Facts[factPendingBoot] = x.Facts.Text(FactBootID)
}
