package lab

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// aptPersonality emulates Debian 12 with apt: apt-get update, upgrade
// (real and simulated), apt list --upgradable, apt-mark holds, the dpkg
// conffile prompt and /var/run/reboot-required.
type aptPersonality struct{ shell *Shell }

func init() {
	p := &aptPersonality{}
	p.shell = &Shell{Commands: linuxCommands(map[string]CommandFunc{
		"apt-get":  runAptGet,
		"apt":      runApt,
		"apt-mark": runAptMark,
		"dpkg":     runDpkg,
	}), Files: aptFile}
	Register("linux-apt", p)
}

const debianOSRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`

// Facts of the apt personality's state.
const (
	factConffile        = "apt-conffile"         // package whose modified conffile makes dpkg prompt
	factDpkgInterrupted = "apt-dpkg-interrupted" // set when dpkg stopped at the prompt
	factNewPackage      = "apt-new-package "     // prefix: package ID to the new package it pulls in
)

func (p *aptPersonality) Init(s *State, seed int) {
	s.OS = "Debian GNU/Linux 12 (bookworm)"
	s.Build = "6.1.0-18-amd64"
	s.DiskSizeMB, s.FreeDiskMB = 30720, 18432-int64(seed%8)*512
	s.Users = []string{"tech"}
	s.Facts["os-release"] = debianOSRelease
	s.Facts["kernel-version"] = "Debian 6.1.76-1 (2024-02-01)"
	s.Facts[factConffile] = "rsyslog"
	s.Facts[factNewPackage+"linux-image-amd64"] = "linux-image-6.1.0-21-amd64"
	s.Pending = []Update{
		{ID: "curl", Version: "7.88.1-10+deb12u6", From: "7.88.1-10+deb12u5", Arch: "amd64", Source: "bookworm-security", SizeKB: 315},
		{ID: "libc6", Version: "2.36-9+deb12u7", From: "2.36-9+deb12u4", Arch: "amd64", Source: "bookworm-security", SizeKB: 2757, NeedsReboot: true},
		{ID: "rsyslog", Version: "8.2302.0-1+deb12u1", From: "8.2302.0-1", Arch: "amd64", Source: "bookworm", SizeKB: 719},
		{ID: "tzdata", Version: "2024a-0+deb12u1", From: "2023c-5+deb12u1", Arch: "all", Source: "bookworm-updates", SizeKB: 255},
		{ID: "linux-image-amd64", Version: "6.1.90-1", From: "6.1.76-1", Arch: "amd64", Source: "bookworm-security", SizeKB: 68912,
			NeedsReboot: true, Build: "6.1.0-21-amd64"},
	}
}

func (p *aptPersonality) Exec(ctx context.Context, x *Exec) (int, error) { return p.shell.Run(ctx, x) }

func aptFile(s *State, name string) ([]byte, bool) {
	switch name {
	case "/var/run/reboot-required", "/run/reboot-required":
		if !s.RebootPending {
			return nil, false
		}
		return []byte("*** System restart required ***\n"), true
	case "/var/run/reboot-required.pkgs", "/run/reboot-required.pkgs":
		if !s.RebootPending {
			return nil, false
		}
		return []byte(strings.Join(s.RebootPackages, "\n") + "\n"), true
	}
	return linuxFile(s, name)
}

// aptOrigin returns the origin label apt-get -s prints for a suite.
func aptOrigin(suite string) string {
	switch suite {
	case "bookworm-security":
		return "Debian-Security:12/stable-security"
	case "bookworm-updates":
		return "Debian:12.5/stable-updates"
	}
	return "Debian:12.5/stable"
}

// aptMirror returns the archive URL and suite path apt prints for a suite.
func aptMirror(suite string) string {
	if suite == "bookworm-security" {
		return "http://deb.debian.org/debian-security " + suite + "/main"
	}
	return "http://deb.debian.org/debian " + suite + "/main"
}

func runApt(_ context.Context, c *Call) (int, error) {
	if len(c.Args) >= 3 && c.Args[1] == "list" && c.Args[2] == "--upgradable" {
		c.Errorf("\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\n")
		c.Printf("Listing... Done\n")
		for _, u := range c.Host.Snapshot().Pending {
			c.Printf("%s/%s %s %s [upgradable from: %s]\n", u.ID, u.Source, u.Version, u.Arch, u.From)
		}
		return 0, nil
	}
	c.Errorf("apt: the lab emulates only 'apt list --upgradable'; use apt-get\n")
	return 100, nil
}

func runAptMark(_ context.Context, c *Call) (int, error) {
	if len(c.Args) < 2 {
		c.Errorf("E: No command given\n")
		return 100, nil
	}
	switch c.Args[1] {
	case "showhold":
		s := c.Host.Snapshot()
		held := slices.Sorted(keysOf(s.Held))
		for _, id := range held {
			c.Printf("%s\n", id)
		}
		return 0, nil
	case "hold", "unhold":
		return aptMarkHold(c, c.Args[1] == "hold", c.Args[2:])
	}
	c.Errorf("E: Invalid operation %s\n", c.Args[1])
	return 100, nil
}

func aptMarkHold(c *Call, hold bool, pkgs []string) (int, error) {
	if !c.Root {
		c.Errorf("E: Could not create temporary file for /var/lib/apt/extended_states - mkstemp (13: Permission denied)\n")
		c.Errorf("E: Failed to write temporary StateFile /var/lib/apt/extended_states\n")
		return 100, nil
	}
	for _, id := range pkgs {
		c.Host.ChangeIf(func(s *State) bool {
			was := s.Held[id]
			if hold {
				s.Held[id] = true
				return !was
			}
			delete(s.Held, id)
			return was
		})
		if hold {
			c.Printf("%s set on hold.\n", id)
		} else {
			c.Printf("Canceled hold on %s.\n", id)
		}
	}
	return 0, nil
}

func keysOf(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k, v := range m {
			if v && !yield(k) {
				return
			}
		}
	}
}

// runDpkg handles dpkg --configure -a, which finishes an upgrade that
// stopped at the conffile prompt.
func runDpkg(_ context.Context, c *Call) (int, error) {
	if !slices.Contains(c.Args, "--configure") || !slices.Contains(c.Args, "-a") {
		c.Errorf("dpkg: the lab emulates only 'dpkg --configure -a'\n")
		return 2, nil
	}
	if !c.Root {
		c.Errorf("dpkg: error: requested operation requires superuser privilege\n")
		return 2, nil
	}
	policy := dpkgPolicy(c.Args)
	return configurePending(c, policy)
}

// dpkgPolicy returns the --force-conf option among args ("confold",
// "confnew", "confdef", or "" without one), in either dpkg's or apt's
// Dpkg::Options spelling.
func dpkgPolicy(args []string) string {
	policy := ""
	for _, a := range args {
		a = strings.TrimPrefix(a, "Dpkg::Options::=")
		switch a {
		case "--force-confold", "--force-confnew":
			policy = strings.TrimPrefix(a, "--force-")
		case "--force-confdef":
			if policy == "" {
				policy = "confdef"
			}
		}
	}
	return policy
}

// conffilePrompt writes dpkg's prompt for a modified conffile and the
// errors it gives when standard input ends there, as it does for every
// non-interactive run without a --force-conf option.
func conffilePrompt(c *Call, pkg string) {
	conf := "/etc/" + pkg + ".conf"
	c.Printf("\nConfiguration file '%s'\n", conf)
	c.Printf(" ==> Modified (by you or by a script) since installation.\n")
	c.Printf(" ==> Package distributor has shipped an updated version.\n")
	c.Printf("   What would you like to do about it ?  Your options are:\n")
	c.Printf("    Y or I  : install the package maintainer's version\n")
	c.Printf("    N or O  : keep your currently-installed version\n")
	c.Printf("      D     : show the differences between the versions\n")
	c.Printf("      Z     : start a shell to examine the situation\n")
	c.Printf(" The default action is to keep your current version.\n")
	c.Printf("*** %s.conf (Y/I/N/O/D/Z) [default=N] ? ", pkg)
	c.Errorf("dpkg: error processing package %s (--configure):\n end of file on stdin at conffile prompt\n", pkg)
	c.Printf("\nErrors were encountered while processing:\n %s\n", pkg)
	c.Errorf("E: Sub-process /usr/bin/dpkg returned an error code (1)\n")
}

// configurePending configures the package left unconfigured by an
// interrupted run.
func configurePending(c *Call, policy string) (int, error) {
	s := c.Host.Snapshot()
	pkg := s.Facts[factDpkgInterrupted]
	if pkg == "" {
		return 0, nil
	}
	i := s.FindPending(pkg)
	if policy == "" || i < 0 {
		conffilePrompt(c, pkg)
		return 1, nil
	}
	u := s.Pending[i]
	c.Printf("Setting up %s (%s) ...\n", aptArchName(u), u.Version)
	c.Host.Change(func(s *State) {
		s.Install(u, "package "+u.ID+" was upgraded")
		delete(s.Facts, factDpkgInterrupted)
		delete(s.Facts, factConffile)
	})
	return 0, nil
}

func aptArchName(u Update) string {
	if u.Arch == "all" {
		return u.ID
	}
	return fmt.Sprintf("%s:%s", u.ID, u.Arch)
}
