package fortios

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"patchbay/playbooks/parse"
)

// Version is a FortiOS release such as 7.0.7.
type Version struct {
	Major, Minor, Patch int
}

// ParseVersion parses "7.0.7" or "v7.0.7".
func ParseVersion(text string) (Version, error) {
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(text), "v"), ".")
	if len(parts) != 3 {
		return Version{}, fmt.Errorf("invalid FortiOS version %q: expected major.minor.patch such as 7.0.7", text)
	}
	var numbers [3]int
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 {
			return Version{}, fmt.Errorf("invalid FortiOS version %q: %q is not a number", text, part)
		}
		numbers[i] = n
	}
	return Version{numbers[0], numbers[1], numbers[2]}, nil
}

// String formats the version as "7.0.7".
func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// Branch returns the release line, such as 7.0 for 7.0.7, as a Version
// with Patch 0.
func (v Version) Branch() Version {
	return Version{v.Major, v.Minor, 0}
}

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than
// other.
func (v Version) Compare(other Version) int {
	for _, pair := range [][2]int{{v.Major, other.Major}, {v.Minor, other.Minor}, {v.Patch, other.Patch}} {
		if pair[0] < pair[1] {
			return -1
		}
		if pair[0] > pair[1] {
			return 1
		}
	}
	return 0
}

// SystemStatus is the part of `get system status` that an upgrade checks.
type SystemStatus struct {
	Model         string  // "FortiGate-60F"
	Version       Version // 7.0.7
	Build         int     // 367 from "build0367"
	BuildDate     string  // "221005", as printed
	ReleaseType   string  // "GA", "GA.F", "GA.M"
	BranchPoint   string  // "0367"
	Serial        string
	Hostname      string // trailing spaces removed
	HAMode        string // "standalone", "a-p", "a-a"
	HARole        string // "master", "primary", ...; empty when standalone
	OperationMode string
	Fields        map[string]string
}

var versionLine = regexp.MustCompile(`^(\S+) v(\d+\.\d+\.\d+),build(\d+),(\d+)(?: \(([^)]+)\))?`)

// ParseSystemStatus parses `get system status`. It returns an error when
// the "Version:" line is missing or unrecognised.
func ParseSystemStatus(output string) (SystemStatus, error) {
	fields := parse.Fields(output, ":")
	status := SystemStatus{
		Serial: fields["Serial-Number"], Hostname: fields["Hostname"], BranchPoint: fields["Branch point"],
		OperationMode: fields["Operation Mode"], Fields: fields,
	}
	status.HAMode, status.HARole, _ = strings.Cut(fields["Current HA mode"], ",")
	status.HARole = strings.TrimSpace(status.HARole)
	m := versionLine.FindStringSubmatch(fields["Version"])
	if m == nil {
		return status, fmt.Errorf("get system status: unrecognised Version line %q: expected \"MODEL vX.Y.Z,buildNNNN,YYMMDD (GA)\"", fields["Version"])
	}
	status.Model, status.BuildDate, status.ReleaseType = m[1], m[4], m[5]
	status.Version, _ = ParseVersion(m[2])
	status.Build, _ = strconv.Atoi(m[3])
	return status, nil
}
