package lab

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// fortiosPersonality emulates a FortiGate-60F: the FortiOS CLI on a PTY
// with its "--More--" pager, `get system status`, the configuration
// shown by `show full-configuration`, and firmware upgrades with
// `execute restore image tftp FILE SERVER`.
//
// The lab runs no TFTP server and contacts none: the image "on" server
// SERVER is the file stored in State.Files under "tftp://SERVER/FILE",
// which tests and demos put there.
type fortiosPersonality struct{}

func init() { Register("fortios", fortiosPersonality{}) }

// Facts key of the FortiOS personality.
const factConsoleOutput = "console-output" // "more" (paged) or "standard"

func (fortiosPersonality) Init(s *State, seed int) {
	s.OS, s.Build = "FortiOS", "7.0.15"
	s.DiskSizeMB, s.FreeDiskMB = 15360, 12288
	s.Facts[factModel] = "FortiGate-60F"
	s.Facts[factConsoleOutput] = "more"
	s.Facts["serial"] = fmt.Sprintf("FGT60F00000%05d", seed)
	s.Facts[factReloadedBy] = "power cycle"
}

// Booted records the reason `get system status` shows after an upgrade.
func (fortiosPersonality) Booted(s *State) {
	s.Facts[factReloadedBy] = "warm reboot"
}

// Exec runs one command sent without a PTY, as `ssh admin@fgt "get
// system status"` does.
func (p fortiosPersonality) Exec(ctx context.Context, x *Exec) (int, error) {
	rw := struct {
		io.Reader
		io.Writer
	}{x.Stdin, x.Stdout}
	cli := &fortiCLI{host: x.Host, user: x.User, term: newCLITerm(rw, 0, "", "")}
	if err := cli.run(ctx, x.Line); err != nil {
		return 1, err
	}
	return 0, nil
}

// Shell serves the interactive CLI until the client leaves or the device
// reboots.
func (fortiosPersonality) Shell(ctx context.Context, sess *ShellSession) error {
	cli := &fortiCLI{host: sess.Host, user: sess.User}
	cli.term = newCLITerm(sess.RW, 0, "--More-- ", "\r          \r")
	cli.applyConsole()
	return serveCLI(ctx, sess, cli.term, cli)
}

// fortiCLI is one CLI session: the configuration path it is in and the
// settings typed there that `end` applies.
type fortiCLI struct {
	host    *Host
	user    string
	term    *cliTerm
	path    []string          // "system", "console" after `config system console`
	pending map[string]string // settings typed in the current path
}

func (c *fortiCLI) leaves(line string) bool {
	return len(c.path) == 0 && line == "exit"
}

func (c *fortiCLI) prompt() string {
	if len(c.path) == 0 {
		return c.host.Name() + " # "
	}
	return fmt.Sprintf("%s (%s) # ", c.host.Name(), c.path[len(c.path)-1])
}

// applyConsole sets the pager from the console output setting; FortiOS
// pages at the terminal height, 24 lines here.
func (c *fortiCLI) applyConsole() {
	var output string
	c.host.View(func(s *State) { output = s.Facts[factConsoleOutput] })
	c.term.pageLines = 0
	if output == "more" {
		c.term.pageLines = 24
	}
}

// run runs one command line. An error breaks the session.
func (c *fortiCLI) run(ctx context.Context, line string) error {
	words := strings.Fields(line)
	switch {
	case words[0] == "config" && len(words) > 1:
		c.path, c.pending = words[1:], map[string]string{}
	case words[0] == "set" && len(c.path) > 0 && len(words) > 2:
		c.pending[words[1]] = strings.Join(words[2:], " ")
	case words[0] == "end" && len(c.path) > 0:
		c.end()
	case line == "get system status":
		return c.term.print(c.systemStatus())
	case line == "get system performance status":
		return c.term.print(c.performanceStatus())
	case line == "show full-configuration" || line == "show":
		return c.term.print(c.configuration())
	case len(words) == 6 && strings.Join(words[:4], " ") == "execute restore image tftp":
		return c.restoreImage(words[4], words[5])
	default:
		return c.term.print("Unknown action 0\nCommand fail. Return code -1\n")
	}
	return nil
}

// end applies the settings of `config system console`; other sections
// are accepted and forgotten.
func (c *fortiCLI) end() {
	if strings.Join(c.path, " ") == "system console" {
		if output, ok := c.pending["output"]; ok && (output == "standard" || output == "more") {
			c.host.ChangeIf(func(s *State) bool {
				changed := s.Facts[factConsoleOutput] != output
				s.Facts[factConsoleOutput] = output
				return changed
			})
			c.applyConsole()
		}
	}
	c.path, c.pending = nil, nil
}

// fortiInterfaces is the interface section of the configuration, which
// makes it longer than a page.
const fortiInterfaces = `config system interface
    edit "wan1"
        set vdom "root"
        set mode dhcp
        set allowaccess ping https ssh
        set type physical
        set role wan
    next
    edit "internal"
        set vdom "root"
        set ip 192.168.1.99 255.255.255.0
        set allowaccess ping https ssh http fgfm
        set type hard-switch
        set role lan
    next
end
`

// fortiBuild returns a build number for a release. Real builds come from
// Fortinet's release notes; the lab derives a stable one from the version.
func fortiBuild(version string) string {
	var major, minor, patch int
	fmt.Sscanf(version, "%d.%d.%d", &major, &minor, &patch)
	return fmt.Sprintf("%04d", (major*10+minor)*20+patch)
}

// systemStatus returns `get system status` in the layout of FortiOS 7.0.
func (c *fortiCLI) systemStatus() string {
	s := c.host.Snapshot()
	return fmt.Sprintf("Version: %s v%s,build%s,240131 (GA.M)\n", s.Facts[factModel], s.Build, fortiBuild(s.Build)) +
		"Firmware Signature: certified\nVirus-DB: 92.00918(2024-02-01 11:25)\n" +
		"Serial-Number: " + s.Facts["serial"] + "\nBIOS version: 05000009\nSystem Part-Number: P24286-03\n" +
		"Log hard disk: Not available\nHostname: " + c.host.Name() + "\nPrivate Encryption: Disable\n" +
		"Operation Mode: NAT\nCurrent virtual domain: root\nMax number of virtual domains: 10\n" +
		"Virtual domains status: 1 in NAT mode, 0 in TP mode\nVirtual domain configuration: disable\n" +
		"FIPS-CC mode: disable\nCurrent HA mode: standalone\nBranch point: " + fortiBuild(s.Build) + "\n" +
		"Release Version Information: GA\n" +
		"System time: " + c.host.Clock().Now().UTC().Format("Mon Jan _2 15:04:05 2006") + "\n" +
		"Last reboot reason: " + s.Facts[factReloadedBy] + "\n"
}

// performanceStatus returns the uptime part of `get system performance
// status`; the CPU and memory lines are fixed.
func (c *fortiCLI) performanceStatus() string {
	var boot time.Time
	c.host.View(func(s *State) { boot = s.BootTime })
	up := c.host.Clock().Now().Sub(boot)
	minutes := int(up.Minutes())
	return "CPU states: 0% user 0% system 0% nice 100% idle 0% iowait 0% irq 0% softirq\n" +
		"Memory: 1965216k total, 1089328k used (55.4%), 875888k free (44.6%)\n" +
		"Average network usage: 12 / 10 kbps in 1 minute\n" +
		fmt.Sprintf("Uptime: %d days,  %d hours,  %d minutes\n", minutes/(24*60), minutes/60%24, minutes%60)
}

// configuration returns the configuration as `show full-configuration`
// prints it, with its version header and an admin password hash, so a
// backup holds a secret as a real one does.
func (c *fortiCLI) configuration() string {
	s := c.host.Snapshot()
	return fmt.Sprintf("#config-version=FGT60F-%s-FW-build%s-240131:opmode=0:vdom=0:user=%s\n", s.Build, fortiBuild(s.Build), c.user) +
		"#conf_file_ver=1385614716281391\n#buildno=" + fortiBuild(s.Build) + "\n#global_vdom=1\n" +
		"config system global\n    set alias \"" + s.Facts[factModel] + "\"\n    set hostname \"" + c.host.Name() + "\"\n" +
		"    set timezone 28\nend\n" +
		"config system console\n    set output " + s.Facts[factConsoleOutput] + "\nend\n" +
		fortiInterfaces +
		"config system admin\n    edit \"admin\"\n        set accprofile \"super_admin\"\n" +
		"        set vdom \"root\"\n        set password ENC SH2labLabLabLabLabLabLabLabLabLabLabLabLabLabLabLabLab=\n    next\nend\n"
}
