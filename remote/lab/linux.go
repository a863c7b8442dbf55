package lab

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// linuxCommands are the commands that the apt and dnf personalities share:
// facts (uname, uptime, df, who) and reboots.
func linuxCommands(extra map[string]CommandFunc) map[string]CommandFunc {
	m := map[string]CommandFunc{
		"uname":     runUname,
		"uptime":    runUptime,
		"df":        runDf,
		"who":       runWho,
		"reboot":    runReboot,
		"shutdown":  runShutdown,
		"systemctl": runSystemctl,
		"ps":        runPs,
	}
	maps.Copy(m, extra)
	return m
}

// linuxFile returns the files the Linux personalities derive from the
// state.
func linuxFile(s *State, name string) ([]byte, bool) {
	switch name {
	case "/etc/os-release", "/usr/lib/os-release":
		return []byte(s.Facts["os-release"]), true
	case "/proc/sys/kernel/osrelease":
		return []byte(s.Build + "\n"), true
	}
	return nil, false
}

func runUname(_ context.Context, c *Call) (int, error) {
	s := c.Host.Snapshot()
	opt := "-s"
	if len(c.Args) > 1 {
		opt = c.Args[1]
	}
	switch opt {
	case "-r":
		c.Printf("%s\n", s.Build)
	case "-n":
		c.Printf("%s\n", c.Host.Name())
	case "-m":
		c.Printf("x86_64\n")
	case "-s":
		c.Printf("Linux\n")
	case "-a":
		c.Printf("Linux %s %s #1 SMP PREEMPT_DYNAMIC %s x86_64 GNU/Linux\n",
			c.Host.Name(), s.Build, s.Facts["kernel-version"])
	default:
		c.Errorf("uname: invalid option -- '%s'\nTry 'uname --help' for more information.\n", strings.TrimLeft(opt, "-"))
		return 1, nil
	}
	return 0, nil
}

func runUptime(_ context.Context, c *Call) (int, error) {
	s := c.Host.Snapshot()
	now := c.Host.Clock().Now().UTC()
	up := now.Sub(s.BootTime)
	switch {
	case len(c.Args) > 1 && c.Args[1] == "-s":
		c.Printf("%s\n", s.BootTime.UTC().Format("2006-01-02 15:04:05"))
	case len(c.Args) > 1 && c.Args[1] == "-p":
		c.Printf("up %s\n", prettyUptime(up))
	default:
		c.Printf(" %s up %s,  %d user%s,  load average: 0.08, 0.03, 0.01\n",
			now.Format("15:04:05"), classicUptime(up), len(s.Users), plural(len(s.Users)))
	}
	return 0, nil
}

// classicUptime formats d as uptime does: "3 days,  4:12" or "17 min".
func classicUptime(d time.Duration) string {
	days := int(d.Hours()) / 24
	h, m := int(d.Hours())%24, int(d.Minutes())%60
	clock := fmt.Sprintf("%2d:%02d", h, m)
	if h == 0 {
		clock = fmt.Sprintf("%d min", m)
	}
	if days == 0 {
		return clock
	}
	return fmt.Sprintf("%d day%s, %s", days, plural(days), clock)
}

func prettyUptime(d time.Duration) string {
	days := int(d.Hours()) / 24
	h, m := int(d.Hours())%24, int(d.Minutes())%60
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d day%s", days, plural(days)))
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%d hour%s", h, plural(h)))
	}
	parts = append(parts, fmt.Sprintf("%d minute%s", m, plural(m)))
	return strings.Join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// runDf prints the root file system in the default, -h, -m and
// --output=avail forms.
func runDf(_ context.Context, c *Call) (int, error) {
	s := c.Host.Snapshot()
	sizeKB, freeKB := s.DiskSizeMB*1024, s.FreeDiskMB*1024
	usedKB := sizeKB - freeKB
	use := (usedKB*100 + sizeKB - 1) / max(sizeKB, 1)
	human, mega := false, false
	for _, a := range c.Args[1:] {
		switch {
		case a == "-h":
			human = true
		case a == "-m" || a == "-BM":
			mega = true
		case a == "--output=avail":
			c.Printf(" Avail\n%6d\n", freeKB)
			return 0, nil
		}
	}
	switch {
	case human:
		c.Printf("Filesystem      Size  Used Avail Use%% Mounted on\n")
		c.Printf("/dev/sda1       %4s  %4s  %4s %3d%% /\n", humanKB(sizeKB), humanKB(usedKB), humanKB(freeKB), use)
	case mega:
		c.Printf("Filesystem     1M-blocks  Used Available Use%% Mounted on\n")
		c.Printf("/dev/sda1      %9d %5d %9d %3d%% /\n", s.DiskSizeMB, usedKB/1024, s.FreeDiskMB, use)
	default:
		c.Printf("Filesystem     1K-blocks     Used Available Use%% Mounted on\n")
		c.Printf("/dev/sda1      %9d %8d %9d %3d%% /\n", sizeKB, usedKB, freeKB, use)
	}
	return 0, nil
}

// humanKB formats a size in KiB as df -h does: "29G", "8.7G", "512M".
func humanKB(kb int64) string {
	units := []string{"K", "M", "G", "T"}
	v := float64(kb)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + units[i]
	}
	return fmt.Sprintf("%.0f%s", v, units[i])
}

func runWho(_ context.Context, c *Call) (int, error) {
	s := c.Host.Snapshot()
	for i, u := range s.Users {
		login := s.BootTime.Add(time.Duration(10+i) * time.Minute).UTC()
		c.Printf("%-8s pts/%-8d %s (192.0.2.%d)\n", u, i, login.Format("2006-01-02 15:04"), 10+i)
	}
	return 0, nil
}

// rootRequired writes systemd's message for an unprivileged reboot.
func rootRequired(c *Call) (int, error) {
	c.Errorf("Failed to set wall message, ignoring: Interactive authentication required.\n")
	c.Errorf("Call to Reboot failed: Interactive authentication required.\n")
	return 1, nil
}

// linuxProcesses are the processes every emulated Linux host runs, before
// the host's applications.
var linuxProcesses = []string{"systemd", "sshd", "cron", "rsyslogd"}

// runPs lists the host's processes: with -o comm= one name a line, as
// scripts ask for them, else in ps -e's columns.
func runPs(_ context.Context, c *Call) (int, error) {
	procs := append(slices.Clone(linuxProcesses), c.Host.Snapshot().Apps...)
	if slices.ContainsFunc(c.Args, func(a string) bool { return strings.Contains(a, "comm=") }) {
		for _, p := range procs {
			c.Printf("%s\n", p)
		}
		return 0, nil
	}
	c.Printf("    PID TTY          TIME CMD\n")
	for i, p := range procs {
		c.Printf("%7d ?        00:00:01 %s\n", 1+i*97, p)
	}
	return 0, nil
}

func runReboot(_ context.Context, c *Call) (int, error) {
	if !c.Root {
		return rootRequired(c)
	}
	c.Host.Reboot()
	return 0, nil
}

// runShutdown handles shutdown -r with now, +MINUTES or no time (one
// minute, as systemd's shutdown does).
func runShutdown(_ context.Context, c *Call) (int, error) {
	reboot, when := false, "+1"
	for _, a := range c.Args[1:] {
		switch {
		case a == "-r" || a == "--reboot":
			reboot = true
		case a == "now" || strings.HasPrefix(a, "+"):
			when = a
		}
	}
	if !reboot {
		c.Errorf("shutdown: the lab emulates only shutdown -r; a powered-off host would never come back\n")
		return 1, nil
	}
	if !c.Root {
		return rootRequired(c)
	}
	if when == "now" || when == "+0" {
		c.Host.Reboot()
		return 0, nil
	}
	minutes, err := strconv.Atoi(when[1:])
	if err != nil {
		c.Errorf("Failed to parse time specification: %s\n", when)
		return 1, nil
	}
	at := c.Host.Clock().Now().Add(time.Duration(minutes) * time.Minute).UTC()
	c.Host.Change(func(s *State) { s.Facts["scheduled-reboot"] = at.Format(time.RFC3339) })
	c.Host.Clock().AfterFunc(time.Duration(minutes)*time.Minute, c.Host.Reboot)
	c.Printf("Reboot scheduled for %s, use 'shutdown -c' to cancel.\n", at.Format("Mon 2006-01-02 15:04:05 MST"))
	return 0, nil
}

func runSystemctl(_ context.Context, c *Call) (int, error) {
	if len(c.Args) > 1 && c.Args[1] == "reboot" {
		if !c.Root {
			return rootRequired(c)
		}
		c.Host.Reboot()
		return 0, nil
	}
	if len(c.Args) > 1 && c.Args[1] == "is-system-running" {
		c.Printf("running\n")
		return 0, nil
	}
	c.Errorf("systemctl: the lab emulates only 'reboot' and 'is-system-running'\n")
	return 1, nil
}
