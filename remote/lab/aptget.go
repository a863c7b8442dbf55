package lab

import (
	"context"
	"slices"
	"strconv"
	"strings"
)

// aptGetArgs are the parsed arguments of one apt-get call.
type aptGetArgs struct {
	command     string
	packages    []string
	yes         bool
	simulate    bool
	withNewPkgs bool
	allowHeld   bool
	policy      string // dpkg conffile policy: confold, confnew, confdef or ""
}

func parseAptGet(args []string) aptGetArgs {
	var a aptGetArgs
	var options []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "-o" && i+1 < len(args):
			i++
			options = append(options, args[i])
		case strings.HasPrefix(arg, "-o"):
			options = append(options, strings.TrimPrefix(arg, "-o"))
		case arg == "-y" || arg == "--yes" || arg == "--assume-yes" || arg == "-qy" || arg == "-yq":
			a.yes = true
		case arg == "-s" || arg == "--simulate" || arg == "--dry-run" || arg == "--just-print" || arg == "--no-act":
			a.simulate = true
		case arg == "--with-new-pkgs":
			a.withNewPkgs = true
		case arg == "--allow-change-held-packages":
			a.allowHeld = true
		case strings.HasPrefix(arg, "-"):
		case a.command == "":
			a.command = arg
		default:
			a.packages = append(a.packages, arg)
		}
	}
	a.policy = dpkgPolicy(options)
	return a
}

func runAptGet(ctx context.Context, c *Call) (int, error) {
	a := parseAptGet(c.Args[1:])
	switch a.command {
	case "update":
		return aptGetUpdate(c)
	case "upgrade", "dist-upgrade", "full-upgrade", "install":
		return aptGetUpgrade(c, a)
	case "":
		c.Errorf("E: No command given\n")
		return 100, nil
	}
	c.Errorf("E: Invalid operation %s\n", a.command)
	return 100, nil
}

func aptLockError(c *Call, lock string) (int, error) {
	c.Errorf("E: Could not open lock file %s - open (13: Permission denied)\n", lock)
	if lock == "/var/lib/apt/lists/lock" {
		c.Errorf("E: Unable to lock directory /var/lib/apt/lists/\n")
	} else {
		c.Errorf("E: Unable to acquire the dpkg frontend lock (%s), are you root?\n", lock)
	}
	return 100, nil
}

func aptGetUpdate(c *Call) (int, error) {
	if !c.Root {
		return aptLockError(c, "/var/lib/apt/lists/lock")
	}
	c.Printf("Hit:1 http://deb.debian.org/debian bookworm InRelease\n")
	c.Printf("Get:2 http://deb.debian.org/debian bookworm-updates InRelease [55.4 kB]\n")
	c.Printf("Get:3 http://deb.debian.org/debian-security bookworm-security InRelease [48.0 kB]\n")
	c.Printf("Fetched 103 kB in 0s (412 kB/s)\n")
	c.Printf("Reading package lists...\n")
	return 0, nil
}

// aptPlan is the outcome of an upgrade's dependency resolution.
type aptPlan struct {
	upgrade  []Update
	newPkgs  []string
	keptBack []string
	held     []string // held packages named on the command line
}

func planApt(s State, a aptGetArgs) aptPlan {
	var p aptPlan
	dist := a.command == "dist-upgrade" || a.command == "full-upgrade"
	for _, u := range s.Pending {
		named := slices.Contains(a.packages, u.ID)
		newPkg := s.Facts[factNewPackage+u.ID]
		switch {
		case a.command == "install" && !named:
		case s.Held[u.ID] && named && !a.allowHeld:
			p.held = append(p.held, u.ID)
		case s.Held[u.ID] && !named:
			p.keptBack = append(p.keptBack, u.ID)
		case newPkg != "" && !dist && !a.withNewPkgs && !named:
			p.keptBack = append(p.keptBack, u.ID)
		default:
			p.upgrade = append(p.upgrade, u)
			if newPkg != "" {
				p.newPkgs = append(p.newPkgs, newPkg)
			}
		}
	}
	return p
}

func aptGetUpgrade(c *Call, a aptGetArgs) (int, error) {
	s := c.Host.Snapshot()
	if !a.simulate && !c.Root {
		return aptLockError(c, "/var/lib/dpkg/lock-frontend")
	}
	if !a.simulate && s.Facts[factDpkgInterrupted] != "" {
		c.Errorf("E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem. \n")
		return 100, nil
	}
	for _, name := range a.packages {
		if s.FindPending(name) < 0 && a.command == "install" {
			c.Errorf("E: Unable to locate package %s\n", name)
			return 100, nil
		}
	}

	p := planApt(s, a)
	if a.simulate && !c.Root {
		c.Printf("NOTE: This is only a simulation!\n      apt-get needs root privileges for real execution.\n")
		c.Printf("      Keep also in mind that locking is deactivated,\n      so don't depend on the relevance to the real current situation!\n")
	}
	printAptSummary(c, p, a)
	if len(p.held) > 0 && a.yes {
		c.Errorf("E: Held packages were changed and -y was used without --allow-change-held-packages.\n")
		return 100, nil
	}
	if a.simulate {
		printAptSimulation(c, p)
		return 0, nil
	}

	if len(p.upgrade) == 0 {
		return 0, nil
	}
	if !a.yes {
		c.Printf("Do you want to continue? [Y/n] Abort.\n")
		return 1, nil
	}
	return aptInstall(c, p, a)
}

func printAptSummary(c *Call, p aptPlan, a aptGetArgs) {
	c.Printf("Reading package lists...\nBuilding dependency tree...\nReading state information...\n")
	if a.command != "install" {
		c.Printf("Calculating upgrade...\n")
	}
	if len(p.held) > 0 {
		c.Printf("The following held packages will be changed:\n  %s\n", strings.Join(p.held, " "))
	}
	if len(p.keptBack) > 0 {
		c.Printf("The following packages have been kept back:\n  %s\n", strings.Join(p.keptBack, " "))
	}
	if len(p.newPkgs) > 0 {
		c.Printf("The following NEW packages will be installed:\n  %s\n", strings.Join(p.newPkgs, " "))
	}
	if len(p.upgrade) > 0 {
		names := make([]string, len(p.upgrade))
		for i, u := range p.upgrade {
			names[i] = u.ID
		}
		c.Printf("The following packages will be upgraded:\n  %s\n", strings.Join(names, " "))
	}
	c.Printf("%d upgraded, %d newly installed, 0 to remove and %d not upgraded.\n",
		len(p.upgrade), len(p.newPkgs), len(p.keptBack))
}

func printAptSimulation(c *Call, p aptPlan) {
	s := c.Host.Snapshot()
	for _, u := range p.upgrade {
		if pkg := s.Facts[factNewPackage+u.ID]; pkg != "" {
			c.Printf("Inst %s (%s %s [%s])\n", pkg, u.Version, aptOrigin(u.Source), u.Arch)
		}
		c.Printf("Inst %s [%s] (%s %s [%s])\n", u.ID, u.From, u.Version, aptOrigin(u.Source), u.Arch)
	}
	for _, u := range p.upgrade {
		c.Printf("Conf %s (%s %s [%s])\n", u.ID, u.Version, aptOrigin(u.Source), u.Arch)
	}
}

// aptInstall downloads, unpacks and configures the plan. The package with
// a modified conffile is configured last. It stops at dpkg's prompt unless
// the run is non-interactive with a conffile policy, and the packages
// configured before it stay installed, as on a real host.
func aptInstall(c *Call, p aptPlan, a aptGetArgs) (int, error) {
	total := int64(0)
	for i, u := range p.upgrade {
		c.Printf("Get:%d %s %s %s %s [%s kB]\n", i+1, aptMirror(u.Source), u.ID, u.Arch, u.Version, groupThousands(u.SizeKB))
		total += u.SizeKB
	}
	c.Printf("Fetched %s kB in 1s (%s kB/s)\n", groupThousands(total), groupThousands(total))
	noninteractive := c.Env["DEBIAN_FRONTEND"] == "noninteractive"
	if !noninteractive {
		c.Errorf("debconf: unable to initialize frontend: Dialog\ndebconf: (TERM is not set, so the dialog frontend is not usable.)\n")
		c.Errorf("debconf: falling back to frontend: Readline\ndebconf: unable to initialize frontend: Readline\n")
		c.Errorf("debconf: (This frontend requires a controlling tty.)\ndebconf: falling back to frontend: Teletype\n")
	}
	c.Printf("(Reading database ... 41234 files and directories currently installed.)\n")
	for _, u := range p.upgrade {
		c.Printf("Preparing to unpack .../%s_%s_%s.deb ...\n", u.ID, strings.ReplaceAll(u.Version, ":", "%3a"), u.Arch)
		c.Printf("Unpacking %s (%s) over (%s) ...\n", aptArchName(u), u.Version, u.From)
	}
	return aptConfigure(c, orderConffileLast(c.Host.Snapshot(), p.upgrade), noninteractive && a.policy != "")
}

func orderConffileLast(s State, updates []Update) []Update {
	conffile := s.Facts[factConffile]
	out := slices.Clone(updates)
	slices.SortStableFunc(out, func(x, y Update) int {
		switch {
		case x.ID == conffile && y.ID != conffile:
			return 1
		case y.ID == conffile && x.ID != conffile:
			return -1
		}
		return 0
	})
	return out
}

func aptConfigure(c *Call, updates []Update, confPolicy bool) (int, error) {
	failCode := c.Host.Faults().UpdateFailCode()
	for i, u := range updates {
		s := c.Host.Snapshot()
		if u.FailCode != "" || failCode != "" && i == 0 {
			c.Errorf("dpkg: error processing package %s (--configure):\n installed %s package post-installation script subprocess returned error exit status 1\n", u.ID, u.ID)
			c.Printf("Errors were encountered while processing:\n %s\n", u.ID)
			c.Errorf("E: Sub-process /usr/bin/dpkg returned an error code (1)\n")
			return 100, nil
		}
		if u.ID == s.Facts[factConffile] && !confPolicy {
			c.Host.Change(func(s *State) { s.Facts[factDpkgInterrupted] = u.ID })
			conffilePrompt(c, u.ID)
			return 100, nil
		}
		c.Printf("Setting up %s (%s) ...\n", aptArchName(u), u.Version)
		c.Host.Change(func(s *State) {
			s.Install(u, "package "+u.ID+" was upgraded")
			if u.ID == s.Facts[factConffile] {
				delete(s.Facts, factConffile)
			}
		})
	}
	return 0, nil
}

// groupThousands formats n with commas, as apt prints sizes.
func groupThousands(n int64) string {
	s := []byte(strconv.FormatInt(n, 10))
	var out []byte
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, ch)
	}
	return string(out)
}
