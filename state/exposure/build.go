package exposure

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// Build is a Windows version such as 10.0.19045.4045: major, minor, build
// number and update build revision. It repeats the small type in
// playbooks/parse/windows because the state layer may not import playbooks.
type Build struct {
	Major, Minor, Number, Revision int
}

// ParseBuild parses "10.0.19045" or "10.0.19045.4045". A missing revision
// is 0, which compares below every released revision.
func ParseBuild(text string) (Build, error) {
	parts := strings.Split(strings.TrimSpace(text), ".")
	if len(parts) != 3 && len(parts) != 4 {
		return Build{}, fmt.Errorf("invalid Windows build %q: expected major.minor.build[.revision] such as 10.0.19045.4046", text)
	}
	var numbers [4]int
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 {
			return Build{}, fmt.Errorf("invalid Windows build %q: %q is not a number", text, part)
		}
		numbers[i] = n
	}
	return Build{numbers[0], numbers[1], numbers[2], numbers[3]}, nil
}

// String formats b as major.minor.build.revision.
func (b Build) String() string {
	return fmt.Sprintf("%d.%d.%d.%d", b.Major, b.Minor, b.Number, b.Revision)
}

// Compare returns -1, 0 or +1 as b is older than, equal to or newer than
// other, comparing each part as a number.
func (b Build) Compare(other Build) int {
	return cmp.Or(
		cmp.Compare(b.Major, other.Major),
		cmp.Compare(b.Minor, other.Minor),
		cmp.Compare(b.Number, other.Number),
		cmp.Compare(b.Revision, other.Revision),
	)
}

// windowsProduct names the product family that Microsoft's security update
// documents use for one build number, separately for client and server
// editions. Product names in the documents add an architecture (" for
// x64-based Systems") or " (Server Core installation)" to the family.
type windowsProduct struct {
	Build  int
	Client string
	Server string
}

// windowsProducts is the build number table, with the names as the MSRC
// CVRF documents spell them (the 2024-Feb document writes "Windows 11
// version 21H2" with a lower-case v, so names compare case-insensitively).
var windowsProducts = []windowsProduct{
	{6003, "", "Windows Server 2008"},
	{7601, "Windows 7", "Windows Server 2008 R2"},
	{9200, "", "Windows Server 2012"},
	{9600, "Windows 8.1", "Windows Server 2012 R2"},
	{10240, "Windows 10", ""},
	{14393, "Windows 10 Version 1607", "Windows Server 2016"},
	{17763, "Windows 10 Version 1809", "Windows Server 2019"},
	{19044, "Windows 10 Version 21H2", ""},
	{19045, "Windows 10 Version 22H2", ""},
	{20348, "", "Windows Server 2022"},
	{22000, "Windows 11 Version 21H2", ""},
	{22621, "Windows 11 Version 22H2", ""},
	{22631, "Windows 11 Version 23H2", ""},
	{25398, "", "Windows Server 2022, 23H2 Edition"},
	{26100, "Windows 11 Version 24H2", "Windows Server 2025"},
}

// WindowsProduct returns the product family of a Windows build, such as
// "Windows 10 Version 22H2" for 19045 on a client, or "" when the table
// does not list the build for that edition.
func WindowsProduct(build Build, server bool) string {
	for _, p := range windowsProducts {
		if p.Build != build.Number {
			continue
		}
		if server {
			return p.Server
		}
		return p.Client
	}
	return ""
}

// inFamily reports whether a document's product name belongs to family:
// the family itself, or the family followed by " for ..." or " (...)".
func inFamily(name, family string) bool {
	name, family = strings.ToLower(name), strings.ToLower(family)
	return name == family ||
		strings.HasPrefix(name, family+" for ") ||
		strings.HasPrefix(name, family+" (")
}
