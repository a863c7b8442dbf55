package lab

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// showVersion prints `show version` in the layout of IOS 15.2 or IOS-XE
// 17, with the running release, uptime, image and reload reason. The
// export paragraph makes the output longer than one page, as on a real
// device.
func (c *ciscoCLI) showVersion(context.Context, []string) error {
	s := c.host.Snapshot()
	var b strings.Builder
	if c.p.xe {
		fmt.Fprintf(&b, "Cisco IOS XE Software, Version %s\n", s.Build)
		fmt.Fprintf(&b, "Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_LITE_IOSXE), Version %s, RELEASE SOFTWARE (fc3)\n", shortXEVersion(s.Build))
	} else {
		fmt.Fprintf(&b, "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version %s, RELEASE SOFTWARE (fc2)\n", s.Build)
	}
	b.WriteString("Technical Support: http://www.cisco.com/techsupport\nCopyright (c) 1986-2024 by Cisco Systems, Inc.\n\n\n")
	fmt.Fprintf(&b, "%s uptime is %s\n", c.host.Name(), ciscoUptime(c.host.Clock().Now().Sub(s.BootTime)))
	fmt.Fprintf(&b, "System returned to ROM by %s\n", s.Facts[factReloadedBy])
	fmt.Fprintf(&b, "System image file is \"%s\"\n", s.Facts[factImage])
	fmt.Fprintf(&b, "Last reload reason: %s\n\n\n\n", s.Facts[factReloadedBy])
	b.WriteString(exportNotice)
	fmt.Fprintf(&b, "\ncisco %s (APM86XXX) processor (revision B0) with 524288K bytes of memory.\n", s.Facts[factModel])
	fmt.Fprintf(&b, "Processor board ID FOC0000X0AB\nLast reset from power-on\n")
	fmt.Fprintf(&b, "%dK bytes of flash-simulated non-volatile configuration memory.\n\n", 512)
	b.WriteString("Configuration register is 0xF\n\n")
	return c.term.print(b.String())
}

const exportNotice = `This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.
Importers, exporters, distributors and users are responsible for
compliance with U.S. and local country laws. By using this product you
agree to comply with applicable laws and regulations. If you are unable
to comply with U.S. and local laws, return this product immediately.
`

// shortXEVersion writes an IOS-XE release as the "Cisco IOS Software"
// line does, without leading zeros: 17.09.04a becomes 17.9.4a.
func shortXEVersion(version string) string {
	parts := strings.Split(version, ".")
	for i, part := range parts {
		if trimmed := strings.TrimLeft(part, "0"); trimmed != "" && trimmed[0] >= '0' && trimmed[0] <= '9' {
			parts[i] = trimmed
		}
	}
	return strings.Join(parts, ".")
}

// ciscoUptime formats d as IOS does: "2 weeks, 3 days, 4 hours, 12 minutes".
func ciscoUptime(d time.Duration) string {
	minutes := int(d.Minutes())
	units := []struct {
		name string
		size int
	}{{"week", 7 * 24 * 60}, {"day", 24 * 60}, {"hour", 60}, {"minute", 1}}
	var parts []string
	for _, u := range units {
		n := minutes / u.size
		minutes %= u.size
		if n > 0 || (u.size == 1 && len(parts) == 0) {
			parts = append(parts, fmt.Sprintf("%d %s%s", n, u.name, plural(n)))
		}
	}
	return strings.Join(parts, ", ")
}

// showBoot prints `show boot`: the classic "BOOT path-list" form on IOS,
// the per-switch "BOOT variable =" form on IOS-XE.
func (c *ciscoCLI) showBoot(context.Context, []string) error {
	var boot string
	c.host.View(func(s *State) { boot = s.Facts[factBoot] })
	if c.p.xe {
		return c.term.print("---------------------------\nSwitch 1\n---------------------------\n" +
			"Current Boot Variables:\nBOOT variable = " + boot + ";\n\n" +
			"Boot Variables on next reload:\nBOOT variable = " + boot + ";\n" +
			"Manual Boot = no\nEnable Break = no\nBoot Mode = DEVICE\niPXE Timeout = 0\n")
	}
	return c.term.print("BOOT path-list      : " + boot + "\n" +
		"Config file         : flash:/config.text\nPrivate Config file : flash:/private-config.text\n" +
		"Enable Break        : no\nManual Boot         : no\nHELPER path-list    : \n" +
		"Auto upgrade        : yes\nAuto upgrade path   : \n")
}

// dir lists flash: with the totals line that upgrades check.
func (c *ciscoCLI) dir(_ context.Context, args []string) error {
	if len(args) > 0 && !strings.HasPrefix(normalizeFlashPath(args[0]), "flash:") {
		return c.term.print(fmt.Sprintf("%%Error opening %s (No such device)\n", args[0]))
	}
	s := c.host.Snapshot()
	var b strings.Builder
	b.WriteString("Directory of flash:/\n\n")
	stamp := s.BootTime.UTC().Format("Jan 2 2006 15:04:05 +00:00")
	for i, path := range sortedFlashFiles(&s) {
		fmt.Fprintf(&b, "%5d  -rwx  %10d   %s  %s\n", i+2, len(s.Files[path]), stamp, strings.TrimPrefix(path, "flash:"))
	}
	total, free := flashBytes(&s)
	fmt.Fprintf(&b, "\n%d bytes total (%d bytes free)\n", total, free)
	return c.term.print(b.String())
}

// sortedFlashFiles returns the paths of the files on flash:, sorted.
func sortedFlashFiles(s *State) []string {
	var paths []string
	for path := range s.Files {
		if strings.HasPrefix(path, "flash:") {
			paths = append(paths, path)
		}
	}
	slices.Sort(paths)
	return paths
}

// verify computes a file's digest as `verify /md5 FILE [DIGEST]` and
// `verify /sha512 FILE [DIGEST]` do, and compares it with DIGEST when
// given.
func (c *ciscoCLI) verify(_ context.Context, args []string) error {
	if len(args) < 2 || (args[0] != "/md5" && args[0] != "/sha512") {
		return c.term.print("% Incomplete command.\n\n")
	}
	algorithm, file := strings.TrimPrefix(args[0], "/"), args[1]
	var data []byte
	var found bool
	c.host.View(func(s *State) { data, found = s.Files[normalizeFlashPath(file)] })
	if !found {
		return c.term.print(fmt.Sprintf("%%Error opening %s (No such file or directory)\n", file))
	}
	computed := digest(algorithm, data)
	dots := strings.Repeat(".", 10+len(data)/(64<<10)) + "Done!\n"
	switch {
	case len(args) < 3:
		return c.term.print(dots + fmt.Sprintf("verify /%s (%s) = %s\n", algorithm, file, computed))
	case strings.EqualFold(args[2], computed):
		return c.term.print(dots + fmt.Sprintf("Verified (%s) = %s\n", file, computed))
	}
	return c.term.print(dots + fmt.Sprintf("%%Error verifying %s\nComputed signature = %s\nSubmitted signature = %s\n", file, computed, args[2]))
}
