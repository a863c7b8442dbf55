package esxi

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"patchbay/playbooks/parse"
)

// Version is the ESXi release and build that `vmware -vl` prints.
type Version struct {
	Release string // "7.0.3"
	Build   int    // 22348816
	// Update is the marketing name from the second line, such as "7.0
	// Update 3"; empty for `vmware -v`. Neither line gives the patch
	// letter (7.0U3o), which only the build number identifies.
	Update string
}

var versionLine = regexp.MustCompile(`^VMware ESXi (\d+\.\d+\.\d+) build-(\d+)`)

// ParseVersion parses `vmware -v` or `vmware -vl`.
func ParseVersion(output string) (Version, error) {
	var v Version
	for _, line := range parse.Lines(output) {
		line = strings.TrimSpace(line)
		if m := versionLine.FindStringSubmatch(line); m != nil {
			v.Release = m[1]
			v.Build, _ = strconv.Atoi(m[2])
		} else if text, ok := strings.CutPrefix(line, "VMware ESXi "); ok && v.Release != "" {
			v.Update = text
		}
	}
	if v.Release == "" {
		return v, fmt.Errorf("vmware -v: no \"VMware ESXi X.Y.Z build-N\" line in the output")
	}
	return v, nil
}

// Profile is an image profile, from `profile get` or a depot listing.
type Profile struct {
	Name            string // "ESXi-8.0U2b-23305546-standard"
	Vendor          string
	AcceptanceLevel string
	Created         string // as printed, "2024-02-29T00:00:00"
	Modified        string
}

// ParseProfileGet parses `esxcli software profile get`.
func ParseProfileGet(output string) (Profile, error) {
	fields := parse.Fields(output, ":")
	profile := Profile{Name: fields["Name"], Vendor: fields["Vendor"],
		AcceptanceLevel: fields["Acceptance Level"],
		Created:         fields["Creation Time"], Modified: fields["Modification Time"]}
	if profile.Name == "" {
		return profile, fmt.Errorf("profile get: no \"Name:\" line in the output")
	}
	return profile, nil
}

// ParseProfileList parses `esxcli software sources profile list`.
func ParseProfileList(output string) ([]Profile, error) {
	var profiles []Profile
	for _, table := range parse.Tables(output) {
		for _, row := range table.Rows {
			record := make(map[string]string)
			for i, column := range table.Columns {
				record[column] = row[i]
			}
			profiles = append(profiles, Profile{Name: record["Name"], Vendor: record["Vendor"],
				AcceptanceLevel: record["Acceptance Level"],
				Created:         record["Creation Time"], Modified: record["Modification Time"]})
		}
	}
	if len(profiles) == 0 {
		return nil, fmt.Errorf("profile list: no profile rows in the output")
	}
	return profiles, nil
}

// ProfileName is the parts of a VMware image profile name such as
// "ESXi-8.0U2sb-23305545-no-tools".
type ProfileName struct {
	Release      string // "8.0U2b"
	Build        int
	Variant      string // "standard" or "no-tools"
	SecurityOnly bool   // release ends in "sb"
}

var profileName = regexp.MustCompile(`^ESXi-(\d+\.\d+\S*?)-(\d+)-(\S+)$`)

// ParseProfileName splits an image profile name into its parts.
func ParseProfileName(name string) (ProfileName, error) {
	m := profileName.FindStringSubmatch(name)
	if m == nil {
		return ProfileName{}, fmt.Errorf("invalid image profile name %q: expected ESXi-RELEASE-BUILD-VARIANT", name)
	}
	build, _ := strconv.Atoi(m[2])
	return ProfileName{Release: m[1], Build: build, Variant: m[3], SecurityOnly: strings.HasSuffix(m[1], "sb")}, nil
}

// SelectProfile picks the profile to install from a depot: the highest
// build of the "standard" variant, among security-only profiles when
// securityOnly is true and among full patches otherwise.
func SelectProfile(profiles []Profile, securityOnly bool) (Profile, error) {
	var best Profile
	bestBuild := -1
	for _, profile := range profiles {
		name, err := ParseProfileName(profile.Name)
		if err != nil || name.Variant != "standard" || name.SecurityOnly != securityOnly {
			continue
		}
		if name.Build > bestBuild {
			best, bestBuild = profile, name.Build
		}
	}
	if bestBuild < 0 {
		return best, fmt.Errorf("no standard image profile (security-only %v) among %d profiles in the depot", securityOnly, len(profiles))
	}
	return best, nil
}
