package lab

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
)

// dnfPersonality emulates Rocky Linux 9 with dnf: check-update (exit 100
// when updates exist), upgrade with --exclude, and needs-restarting -r.
type dnfPersonality struct{ shell *Shell }

func init() {
	p := &dnfPersonality{}
	p.shell = &Shell{Commands: linuxCommands(map[string]CommandFunc{
		"dnf":              runDnf,
		"yum":              runDnf,
		"needs-restarting": runNeedsRestarting,
	}), Files: linuxFile}
	Register("linux-dnf", p)
}

const rockyOSRelease = `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
CPE_NAME="cpe:/o:rocky:rocky:9::baseos"
HOME_URL="https://rockylinux.org/"
`

func (p *dnfPersonality) Init(s *State, seed int) {
	s.OS = "Rocky Linux 9.3 (Blue Onyx)"
	s.Build = "5.14.0-362.8.1.el9_3.x86_64"
	s.DiskSizeMB, s.FreeDiskMB = 40960, 25600-int64(seed%8)*512
	s.Users = []string{"tech"}
	s.Facts["os-release"] = rockyOSRelease
	s.Facts["kernel-version"] = "Wed Nov 8 17:36:32 UTC 2023"
	// NeedsReboot marks the packages on needs-restarting's list of core
	// packages (kernel, glibc, openssl-libs, systemd and a few more).
	s.Pending = []Update{
		{ID: "kernel", Version: "5.14.0-362.24.1.el9_3", From: "5.14.0-362.8.1.el9_3", Arch: "x86_64", Source: "baseos", SizeKB: 5120,
			NeedsReboot: true, Build: "5.14.0-362.24.1.el9_3.x86_64"},
		{ID: "glibc", Version: "2.34-83.el9_3.12", From: "2.34-83.el9_3.7", Arch: "x86_64", Source: "baseos", SizeKB: 2048, NeedsReboot: true},
		{ID: "openssl-libs", Version: "1:3.0.7-25.el9_3", From: "1:3.0.7-24.el9", Arch: "x86_64", Source: "baseos", SizeKB: 2150, NeedsReboot: true},
		{ID: "curl", Version: "7.76.1-26.el9_3.3", From: "7.76.1-26.el9_3.2", Arch: "x86_64", Source: "baseos", SizeKB: 294},
		{ID: "tzdata", Version: "2024a-1.el9", From: "2023c-1.el9", Arch: "noarch", Source: "baseos", SizeKB: 430},
	}
}

func (p *dnfPersonality) Exec(ctx context.Context, x *Exec) (int, error) { return p.shell.Run(ctx, x) }

// dnfArgs are the parsed arguments of one dnf call.
type dnfArgs struct {
	command  string
	packages []string
	excludes []string
	yes      bool
	refresh  bool
}

func parseDnf(args []string) dnfArgs {
	var a dnfArgs
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case strings.HasPrefix(arg, "--exclude="):
			a.excludes = append(a.excludes, strings.Split(strings.TrimPrefix(arg, "--exclude="), ",")...)
		case (arg == "-x" || arg == "--exclude") && i+1 < len(args):
			i++
			a.excludes = append(a.excludes, strings.Split(args[i], ",")...)
		case arg == "-y" || arg == "--assumeyes":
			a.yes = true
		case arg == "--refresh":
			a.refresh = true
		case strings.HasPrefix(arg, "-"):
		case a.command == "":
			a.command = arg
		default:
			a.packages = append(a.packages, arg)
		}
	}
	return a
}

func (a dnfArgs) excluded(id string) bool {
	for _, pattern := range a.excludes {
		if ok, _ := path.Match(pattern, id); ok {
			return true
		}
	}
	return false
}

func runDnf(ctx context.Context, c *Call) (int, error) {
	a := parseDnf(c.Args[1:])
	switch a.command {
	case "check-update", "check-upgrade":
		return dnfCheckUpdate(c, a)
	case "upgrade", "update":
		return dnfUpgrade(c, a)
	case "needs-restarting":
		return runNeedsRestarting(ctx, c)
	case "":
		c.Errorf("usage: dnf [options] COMMAND\n")
		return 1, nil
	}
	c.Errorf("No such command: %s. Please use /usr/bin/dnf --help\n", a.command)
	return 1, nil
}

func dnfMetadataLine(c *Call) {
	at := c.Host.Clock().Now().UTC().Add(-12 * 60e9)
	c.Printf("Last metadata expiration check: 0:12:00 ago on %s.\n", at.Format("Mon 02 Jan 2006 03:04:05 PM MST"))
}

// dnfCandidates returns the pending updates that the arguments select.
func dnfCandidates(s State, a dnfArgs) []Update {
	var out []Update
	for _, u := range s.Pending {
		if a.excluded(u.ID) || len(a.packages) > 0 && !slices.Contains(a.packages, u.ID) {
			continue
		}
		out = append(out, u)
	}
	return out
}

func dnfCheckUpdate(c *Call, a dnfArgs) (int, error) {
	dnfMetadataLine(c)
	updates := dnfCandidates(c.Host.Snapshot(), a)
	if len(updates) == 0 {
		return 0, nil
	}
	c.Printf("\n")
	for _, u := range updates {
		c.Printf("%-40s %-36s %s\n", u.ID+"."+u.Arch, u.Version, u.Source)
	}
	return 100, nil
}

func dnfUpgrade(c *Call, a dnfArgs) (int, error) {
	if !c.Root {
		c.Errorf("Error: This command has to be run with superuser privileges (under the root user on most systems).\n")
		return 1, nil
	}
	dnfMetadataLine(c)
	updates := dnfCandidates(c.Host.Snapshot(), a)
	if len(updates) == 0 {
		c.Printf("Dependencies resolved.\nNothing to do.\nComplete!\n")
		return 0, nil
	}
	printDnfTransaction(c, updates)
	if !a.yes {
		c.Printf("Is this ok [y/N]: Operation aborted.\n")
		return 1, nil
	}
	return dnfRunTransaction(c, updates)
}

func printDnfTransaction(c *Call, updates []Update) {
	rule := strings.Repeat("=", 80)
	c.Printf("Dependencies resolved.\n%s\n", rule)
	c.Printf(" %-28s %-10s %-28s %-10s %5s\n%s\n", "Package", "Arch", "Version", "Repository", "Size", rule)
	c.Printf("Upgrading:\n")
	total := int64(0)
	for _, u := range updates {
		c.Printf(" %-28s %-10s %-28s %-10s %5s\n", u.ID, u.Arch, u.Version, u.Source, dnfSize(u.SizeKB))
		total += u.SizeKB
	}
	c.Printf("\nTransaction Summary\n%s\nUpgrade  %d Package%s\n\n", rule, len(updates), plural(len(updates)))
	c.Printf("Total download size: %s\n", dnfSize(total))
}

func dnfSize(kb int64) string {
	if kb >= 1024 {
		return fmt.Sprintf("%d M", kb/1024)
	}
	return fmt.Sprintf("%d k", kb)
}

func dnfRunTransaction(c *Call, updates []Update) (int, error) {
	c.Printf("Downloading Packages:\n")
	for _, u := range updates {
		c.Printf("%s-%s.%s.rpm\n", u.ID, u.Version, u.Arch)
	}
	c.Printf("Running transaction check\nTransaction check succeeded.\nRunning transaction test\nTransaction test succeeded.\nRunning transaction\n")
	failCode := c.Host.Faults().UpdateFailCode()
	for i, u := range updates {
		if u.FailCode != "" || failCode != "" && i == 0 {
			c.Printf("  Running scriptlet: %s-%s.%s\n", u.ID, u.Version, u.Arch)
			c.Errorf("Error in POSTIN scriptlet in rpm package %s\n", u.ID)
			c.Printf("\nFailed:\n  %s-%s.%s\n\n", u.ID, u.Version, u.Arch)
			c.Errorf("Error: Transaction failed\n")
			return 1, nil
		}
		c.Printf("  Upgrading        : %-50s %d/%d\n", u.ID+"-"+u.Version+"."+u.Arch, i+1, len(updates))
		c.Host.Change(func(s *State) { s.Install(u, "core package "+u.ID+" was updated") })
	}
	c.Printf("\nUpgraded:\n")
	for _, u := range updates {
		c.Printf("  %s-%s.%s\n", u.ID, u.Version, u.Arch)
	}
	c.Printf("\nComplete!\n")
	return 0, nil
}

// runNeedsRestarting emulates needs-restarting -r: exit 1 with the core
// packages updated since boot, else exit 0.
func runNeedsRestarting(_ context.Context, c *Call) (int, error) {
	if !slices.Contains(c.Args, "-r") && !slices.Contains(c.Args, "--reboothint") {
		c.Errorf("needs-restarting: the lab emulates only -r (--reboothint)\n")
		return 2, nil
	}
	s := c.Host.Snapshot()
	if !s.RebootPending {
		c.Printf("No core libraries or services have been updated since boot-up.\nReboot should not be necessary.\n")
		return 0, nil
	}
	c.Printf("Core libraries or services have been updated since boot-up:\n")
	for _, id := range slices.Sorted(slices.Values(s.RebootPackages)) {
		c.Printf("  * %s\n", id)
	}
	c.Printf("\nReboot is required to fully utilize these updates.\nMore information: https://access.redhat.com/solutions/27943\n")
	return 1, nil
}
