package windows

import (
	"fmt"
	"strconv"
	"strings"
)

// Build is a Windows version such as 10.0.19045.4045: major, minor, build
// number and update build revision (UBR). Revision is 0 when unknown.
type Build struct {
	Major, Minor, Number, Revision int
}

// ParseBuild parses "10.0.19045" or "10.0.19045.4045".
func ParseBuild(text string) (Build, error) {
	parts := strings.Split(strings.TrimSpace(text), ".")
	if len(parts) != 3 && len(parts) != 4 {
		return Build{}, fmt.Errorf("invalid Windows build %q: expected major.minor.build[.revision]", text)
	}
	numbers := make([]int, 4)
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 {
			return Build{}, fmt.Errorf("invalid Windows build %q: %q is not a number", text, part)
		}
		numbers[i] = n
	}
	return Build{Major: numbers[0], Minor: numbers[1], Number: numbers[2], Revision: numbers[3]}, nil
}

// String formats the build as major.minor.build.revision.
func (b Build) String() string {
	return fmt.Sprintf("%d.%d.%d.%d", b.Major, b.Minor, b.Number, b.Revision)
}

// Compare returns -1, 0 or +1 as b is older than, equal to or newer than
// other, comparing each part numerically.
func (b Build) Compare(other Build) int {
	for _, pair := range [][2]int{
		{b.Major, other.Major}, {b.Minor, other.Minor},
		{b.Number, other.Number}, {b.Revision, other.Revision},
	} {
		if pair[0] != pair[1] {
			if pair[0] < pair[1] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// WithRevision returns b with its revision set, for combining the build
// from systeminfo with the UBR read from the registry.
func (b Build) WithRevision(revision int) Build {
	b.Revision = revision
	return b
}

// ParseUBR reads the update build revision from `reg query
// "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v UBR` (a
// REG_DWORD line with a hex value such as 0xfcd) or from PowerShell's
// decimal `(Get-ItemProperty ...).UBR`.
func ParseUBR(output string) (int, error) {
	for _, line := range strings.Split(output, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 3 && fields[0] == "UBR" && fields[1] == "REG_DWORD" {
			n, err := strconv.ParseUint(strings.TrimPrefix(fields[2], "0x"), 16, 32)
			if err != nil {
				return 0, fmt.Errorf("invalid UBR value %q: %w", fields[2], err)
			}
			return int(n), nil
		}
		if len(fields) == 1 {
			if n, err := strconv.ParseUint(fields[0], 10, 32); err == nil {
				return int(n), nil
			}
		}
	}
	return 0, fmt.Errorf("no UBR value in %q: expected a REG_DWORD line or a decimal number", truncate(output, 80))
}

func truncate(text string, max int) string {
	if len(text) <= max {
		return text
	}
	return text[:max] + "..."
}
