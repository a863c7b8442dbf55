package cisco

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"patchbay/playbooks/parse"
)

// ShowVersion is the part of `show version` that an upgrade checks.
type ShowVersion struct {
	Hostname string
	// Version is the release from the "Cisco IOS Software" line, such as
	// "15.8(3)M2", "03.06.05E" or "16.12.4".
	Version string
	// XEVersion is the IOS-XE release when the output prints one apart
	// from Version: "03.09.01.S" or "16.12.04".
	XEVersion      string
	SoftwareImage  string // "VIOS-ADVENTERPRISEK9-M"
	Image          string // boot image, such as "flash:packages.conf"
	Uptime         time.Duration
	UptimeText     string
	ReloadReason   string
	ConfigRegister string // "0x2102"
	Model          string // "WS-C3850-48U"
	Serial         string // processor board ID
	Stack          []StackMember
}

// StackMember is one row of the IOS-XE switch stack table.
type StackMember struct {
	Switch  int
	Active  bool // marked with "*"
	Ports   int
	Model   string
	Version string
	Image   string
	Mode    string // "INSTALL" or "BUNDLE"
}

// Installed returns the release to compare with a target release: the
// IOS-XE release when printed, otherwise Version.
func (v ShowVersion) Installed() string {
	if v.XEVersion != "" {
		return v.XEVersion
	}
	return v.Version
}

var (
	softwareLine = regexp.MustCompile(`^Cisco IOS Software.*?\(([^)]+)\), Version ([^,\s]+)`)
	xeHeader     = regexp.MustCompile(`^(?:Cisco IOS XE Software, Version|IOS XE Version:) (\S+)`)
	uptimeLine   = regexp.MustCompile(`^(\S+) uptime is (.+)$`)
	imageLine    = regexp.MustCompile(`^System image file is "([^"]+)"`)
	modelLine    = regexp.MustCompile(`^[Cc]isco (\S+) .*processor`)
	stackRow     = regexp.MustCompile(`^(\*?)\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$`)
)

// ParseShowVersion parses `show version` from IOS or IOS-XE. It returns an
// error when no "Cisco IOS Software" version line is found.
func ParseShowVersion(output string) (ShowVersion, error) {
	var v ShowVersion
	for _, line := range parse.Lines(output) {
		v.readLine(strings.TrimRight(line, " "))
	}
	if v.Version == "" {
		return v, fmt.Errorf("show version: no \"Cisco IOS Software ... Version\" line found")
	}
	return v, nil
}

func (v *ShowVersion) readLine(line string) {
	if m := softwareLine.FindStringSubmatch(line); m != nil && v.Version == "" {
		v.SoftwareImage, v.Version = m[1], m[2]
	} else if m := xeHeader.FindStringSubmatch(line); m != nil {
		v.XEVersion = m[1]
	} else if m := uptimeLine.FindStringSubmatch(line); m != nil && v.Hostname == "" {
		v.Hostname, v.UptimeText = m[1], m[2]
		v.Uptime = ParseUptime(m[2])
	} else if m := imageLine.FindStringSubmatch(line); m != nil {
		v.Image = m[1]
	} else if m := modelLine.FindStringSubmatch(line); m != nil && v.Model == "" {
		v.Model = m[1]
	} else if m := stackRow.FindStringSubmatch(line); m != nil {
		v.Stack = append(v.Stack, StackMember{Active: m[1] == "*", Switch: atoi(m[2]), Ports: atoi(m[3]),
			Model: m[4], Version: m[5], Image: m[6], Mode: m[7]})
	} else {
		v.readField(line)
	}
}

func (v *ShowVersion) readField(line string) {
	switch {
	case strings.HasPrefix(line, "Configuration register is "):
		v.ConfigRegister = strings.Fields(strings.TrimPrefix(line, "Configuration register is "))[0]
	case strings.HasPrefix(line, "Processor board ID "):
		v.Serial = strings.TrimSpace(strings.TrimPrefix(line, "Processor board ID "))
	case strings.HasPrefix(line, "Last reload reason: "):
		v.ReloadReason = strings.TrimPrefix(line, "Last reload reason: ")
	case strings.HasPrefix(line, "Model Number") && v.Model == "":
		_, v.Model, _ = parse.KeyValue(line, ":")
	}
}

var uptimePart = regexp.MustCompile(`(\d+) (year|week|day|hour|minute|second)s?`)

// ParseUptime converts "2 years, 31 weeks, 6 days, 9 hours, 55 minutes"
// to a duration, counting a year as 365 days. Unknown parts are ignored.
func ParseUptime(text string) time.Duration {
	units := map[string]time.Duration{
		"year": 365 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "day": 24 * time.Hour,
		"hour": time.Hour, "minute": time.Minute, "second": time.Second,
	}
	var total time.Duration
	for _, m := range uptimePart.FindAllStringSubmatch(text, -1) {
		total += time.Duration(atoi(m[1])) * units[m[2]]
	}
	return total
}

func atoi(digits string) int {
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0
	}
	return n
}
