package lab

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// macPersonality emulates macOS reached over SSH: softwareupdate --list in
// the legacy and the "Label:" formats, --install with --all, labels and
// --restart, sw_vers, and the Apple silicon rule that installing an update
// that restarts the Mac needs a volume owner's credentials.
type macPersonality struct{ shell *Shell }

func init() {
	p := &macPersonality{}
	p.shell = &Shell{Commands: map[string]CommandFunc{
		"softwareupdate": runSoftwareUpdate,
		"sw_vers":        runSwVers,
		"uname":          runDarwinUname,
		"sysctl":         runSysctl,
		"df":             runDarwinDf,
		"who":            runWho,
		"ps":             runDarwinPs,
		"shutdown":       runDarwinShutdown,
		"reboot":         runDarwinShutdown,
	}}
	Register("macos", p)
}

// Facts of the macOS personality's state.
const (
	factMacArch          = "macos-arch"           // "arm64" (Apple silicon) or "x86_64" (Intel)
	factMacVersion       = "macos-version"        // ProductVersion, such as "14.4"
	factMacListFormat    = "macos-list-format"    // "label" (10.15 and later) or "legacy"
	factMacOwner         = "macos-owner"          // the volume owner's user name
	factMacOwnerPassword = "macos-owner-password" // the volume owner's password, for --stdinpass
)

// Mac architectures, as uname -m prints them.
const (
	MacAppleSilicon = "arm64"
	MacIntel        = "x86_64"
)

// Init makes seeds 0 and 2 Apple silicon Macs on Sonoma, 1 an Intel Mac on
// Sonoma and 3 an Intel Mac on Mojave, whose softwareupdate prints the
// legacy list format.
func (p *macPersonality) Init(s *State, seed int) {
	s.DiskSizeMB, s.FreeDiskMB = 494384, 301000-int64(seed%8)*1024
	s.Users = []string{"frontdesk"}
	s.Facts[factMacOwner] = "frontdesk"
	s.Facts[factMacOwnerPassword] = "lab-owner-password"
	switch seed % 4 {
	case 3:
		initMojave(s)
	case 1:
		initSonoma(s, MacIntel)
	default:
		initSonoma(s, MacAppleSilicon)
	}
}

func initSonoma(s *State, arch string) {
	s.OS, s.Build = "macOS", "23E214"
	s.Facts[factMacVersion] = "14.4"
	s.Facts[factMacArch] = arch
	s.Facts[factMacListFormat] = "label"
	s.Pending = []Update{
		{ID: "macOS Sonoma 14.4.1-23E224", Title: "macOS Sonoma 14.4.1", Version: "14.4.1", SizeKB: 1228800,
			NeedsReboot: true, Build: "23E224"},
		{ID: "Command Line Tools for Xcode-15.3", Title: "Command Line Tools for Xcode", Version: "15.3", SizeKB: 751000},
		{ID: "Safari17.4.1SonomaAuto-17.4.1", Title: "Safari", Version: "17.4.1", SizeKB: 149000},
	}
}

func initMojave(s *State) {
	s.OS, s.Build = "Mac OS X", "18G9216"
	s.Facts[factMacVersion] = "10.14.6"
	s.Facts[factMacArch] = MacIntel
	s.Facts[factMacListFormat] = "legacy"
	s.Pending = []Update{
		{ID: "Security Update 2021-005-10.14.6", Title: "Security Update 2021-005", Version: "10.14.6", SizeKB: 1699000,
			NeedsReboot: true, Build: "18G9323"},
		{ID: "Safari15.6.1MojaveAuto-15.6.1", Title: "Safari", Version: "15.6.1", SizeKB: 75000},
	}
}

// SetMacArch makes h an Apple silicon (MacAppleSilicon) or Intel
// (MacIntel) Mac on Sonoma, with Sonoma's pending updates.
func SetMacArch(h *Host, arch string) {
	h.Change(func(s *State) { initSonoma(s, arch) })
}

func (p *macPersonality) Exec(ctx context.Context, x *Exec) (int, error) { return p.shell.Run(ctx, x) }

// Booted applies an installed OS update's version: the build comes from
// State.StagedBuild, the version from the update that carried the build.
func (p *macPersonality) Booted(s *State) {
	for _, u := range s.Installed {
		if u.Build != "" && u.Build == s.Build {
			s.Facts[factMacVersion] = u.Version
		}
	}
}

func runSwVers(_ context.Context, c *Call) (int, error) {
	s := c.Host.Snapshot()
	name := s.OS
	if len(c.Args) > 1 {
		switch c.Args[1] {
		case "-productName":
			c.Printf("%s\n", name)
		case "-productVersion":
			c.Printf("%s\n", s.Facts[factMacVersion])
		case "-buildVersion":
			c.Printf("%s\n", s.Build)
		default:
			c.Errorf("usage: sw_vers [-productName|-productVersion|-buildVersion]\n")
			return 1, nil
		}
		return 0, nil
	}
	c.Printf("ProductName:\t\t%s\nProductVersion:\t\t%s\nBuildVersion:\t\t%s\n", name, s.Facts[factMacVersion], s.Build)
	return 0, nil
}

// darwinRelease returns the kernel release of a macOS version: Darwin 23
// for Sonoma 14, Darwin 18 for Mojave 10.14.
func darwinRelease(s State) string {
	if strings.HasPrefix(s.Facts[factMacVersion], "10.14") {
		return "18.7.0"
	}
	return "23.4.0"
}

func runDarwinUname(_ context.Context, c *Call) (int, error) {
	s := c.Host.Snapshot()
	opt := "-s"
	if len(c.Args) > 1 {
		opt = c.Args[1]
	}
	switch opt {
	case "-s":
		c.Printf("Darwin\n")
	case "-m", "-p":
		c.Printf("%s\n", s.Facts[factMacArch])
	case "-r":
		c.Printf("%s\n", darwinRelease(s))
	case "-n":
		c.Printf("%s\n", c.Host.Name())
	case "-a":
		c.Printf("Darwin %s %s Darwin Kernel Version %s; root:xnu %s\n", c.Host.Name(), darwinRelease(s), darwinRelease(s), s.Facts[factMacArch])
	default:
		c.Errorf("uname: illegal option -- %s\nusage: uname [-amnoprsv]\n", strings.TrimLeft(opt, "-"))
		return 1, nil
	}
	return 0, nil
}

// runSysctl prints sysctl -n kern.boottime and hw.optional.arm64.
func runSysctl(_ context.Context, c *Call) (int, error) {
	s := c.Host.Snapshot()
	name := c.Args[len(c.Args)-1]
	value := ""
	switch name {
	case "kern.boottime":
		boot := s.BootTime.UTC()
		value = fmt.Sprintf("{ sec = %d, usec = %d } %s", boot.Unix(), boot.Nanosecond()/1000, boot.Format("Mon Jan _2 15:04:05 2006"))
	case "hw.optional.arm64":
		value = "0"
		if s.Facts[factMacArch] == MacAppleSilicon {
			value = "1"
		}
	default:
		c.Errorf("sysctl: unknown oid '%s'\n", name)
		return 1, nil
	}
	if !slices.Contains(c.Args, "-n") {
		value = name + ": " + value
	}
	c.Printf("%s\n", value)
	return 0, nil
}

// runDarwinDf prints the system volume in the POSIX form (df -Pk) with
// 1024-byte blocks.
func runDarwinDf(_ context.Context, c *Call) (int, error) {
	s := c.Host.Snapshot()
	sizeKB, freeKB := s.DiskSizeMB*1024, s.FreeDiskMB*1024
	used := sizeKB - freeKB
	c.Printf("Filesystem     1024-blocks      Used Available Capacity  Mounted on\n")
	c.Printf("/dev/disk3s1s1 %11d %9d %9d %7d%%  /\n", sizeKB, used, freeKB, used*100/max(sizeKB, 1))
	return 0, nil
}

func runDarwinPs(_ context.Context, c *Call) (int, error) {
	s := c.Host.Snapshot()
	for _, name := range append([]string{"launchd", "loginwindow", "Finder"}, s.Apps...) {
		c.Printf("%s\n", name)
	}
	return 0, nil
}

// runDarwinShutdown handles shutdown -r now and reboot, which need root.
func runDarwinShutdown(_ context.Context, c *Call) (int, error) {
	if !c.Root {
		c.Errorf("%s: NOT super-user\n", c.Args[0])
		return 1, nil
	}
	if c.Args[0] == "shutdown" && !slices.Contains(c.Args, "-r") {
		c.Errorf("lab: the lab emulates only shutdown -r; a powered-off Mac would never come back\n")
		return 1, nil
	}
	c.Host.Reboot()
	return 0, nil
}
