package windows

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"patchbay/playbooks/parse"
)

// SystemInfo is the part of `systeminfo` output that patching needs.
type SystemInfo struct {
	HostName        string
	OSName          string // "Microsoft Windows Server 2022 Standard"
	Build           Build  // from "OS Version"; systeminfo omits the revision
	OSConfiguration string // "Member Workstation", "Primary Domain Controller", ...
	Domain          string
	SystemLocale    string // "en-us"
	TimeZone        string // "(UTC-08:00) Pacific Time (US & Canada)"
	InstallDate     time.Time
	BootTime        time.Time
	Hotfixes        []string // "KB5012117", in the order listed
	Fields          map[string]string
}

// systeminfo prints values from column 27; a label may itself contain a
// colon, as in "Virtual Memory: Max Size:".
const systemInfoValueColumn = 27

// ParseSystemInfo parses English `systeminfo` output. The boot and install
// times are read in the zone's UTC offset from the "Time Zone" line, so
// they are exact only outside daylight saving time.
func ParseSystemInfo(output string) (SystemInfo, error) {
	fields, lists := systemInfoFields(output)
	info := SystemInfo{
		HostName: fields["Host Name"], OSName: fields["OS Name"],
		OSConfiguration: fields["OS Configuration"], Domain: fields["Domain"],
		TimeZone: fields["Time Zone"], Fields: fields,
	}
	info.SystemLocale, _, _ = strings.Cut(fields["System Locale"], ";")
	version, _, _ := strings.Cut(fields["OS Version"], " ")
	build, err := ParseBuild(version)
	if err != nil {
		return info, fmt.Errorf("systeminfo OS Version: %w", err)
	}
	info.Build = build
	info.Hotfixes = hotfixIDs(lists["Hotfix(s)"])
	if err := info.parseTimes(); err != nil {
		return info, err
	}
	return info, nil
}

// systemInfoFields returns each label's value and the indented lines that
// follow it, such as the "[01]: KB5012117" entries under "Hotfix(s)".
func systemInfoFields(output string) (map[string]string, map[string][]string) {
	fields := make(map[string]string)
	lists := make(map[string][]string)
	label := ""
	for _, line := range parse.Lines(output) {
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			lists[label] = append(lists[label], strings.TrimSpace(line))
			continue
		}
		head := line[:min(len(line), systemInfoValueColumn)]
		colon := strings.LastIndexByte(head, ':')
		if colon < 0 {
			continue
		}
		label = line[:colon]
		fields[label] = strings.TrimSpace(line[colon+1:])
	}
	return fields, lists
}

// listedHotfix matches "[01]: KB5012117". systeminfo lists updates
// without a KB number as "[02]: File 1", which carry no usable id.
var listedHotfix = regexp.MustCompile(`^\[\d+\]:\s*(KB\d+)\b`)

func hotfixIDs(lines []string) []string {
	var ids []string
	for _, line := range lines {
		if m := listedHotfix.FindStringSubmatch(line); m != nil {
			ids = append(ids, m[1])
		}
	}
	return ids
}

func (info *SystemInfo) parseTimes() error {
	zone := zoneFromLabel(info.TimeZone)
	monthFirst := info.SystemLocale == "" || info.SystemLocale == "en-us"
	var err error
	if text := info.Fields["System Boot Time"]; text != "" {
		if info.BootTime, err = parseLocalTime(text, zone, monthFirst); err != nil {
			return fmt.Errorf("systeminfo System Boot Time: %w", err)
		}
	}
	if text := info.Fields["Original Install Date"]; text != "" {
		if info.InstallDate, err = parseLocalTime(text, zone, monthFirst); err != nil {
			return fmt.Errorf("systeminfo Original Install Date: %w", err)
		}
	}
	return nil
}

var zoneOffset = regexp.MustCompile(`^\(UTC(?:([+-])(\d\d):(\d\d))?\)`)

// zoneFromLabel reads the fixed offset from a label such as "(UTC-08:00)
// Pacific Time (US & Canada)", or returns UTC.
func zoneFromLabel(label string) *time.Location {
	m := zoneOffset.FindStringSubmatch(label)
	if m == nil || m[1] == "" {
		return time.UTC
	}
	hours, _ := strconv.Atoi(m[2])
	minutes, _ := strconv.Atoi(m[3])
	offset := hours*3600 + minutes*60
	if m[1] == "-" {
		offset = -offset
	}
	return time.FixedZone(m[0], offset)
}

// Date layouts seen in systeminfo output. Year-first dates are
// unambiguous. For slash dates the locale decides the order.
var (
	yearFirstLayouts  = []string{"2006/01/02, 15:04:05", "2006-01-02, 15:04:05"}
	monthFirstLayouts = []string{"1/2/2006, 3:04:05 PM", "1/2/2006, 15:04:05"}
	dayFirstLayouts   = []string{"2/1/2006, 15:04:05", "2.1.2006, 15:04:05", "2/1/2006, 3:04:05 PM"}
)

func parseLocalTime(text string, zone *time.Location, monthFirst bool) (time.Time, error) {
	layouts := append([]string{}, yearFirstLayouts...)
	if monthFirst {
		layouts = append(layouts, monthFirstLayouts...)
	} else {
		layouts = append(layouts, dayFirstLayouts...)
	}
	for _, layout := range layouts {
		if t, err := time.ParseInLocation(layout, text, zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised date %q: expected a format such as \"1/2/2006, 3:04:05 PM\"", text)
}
