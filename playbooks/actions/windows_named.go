package actions

import (
	"errors"
	"fmt"
	"strings"

	"patchbay/playbooks/parse/windows"
)

// ErrKBsNotOffered is returned when Windows Update offers none of the
// KBs a named_only step names and the host's build is not known to
// contain the fix.
var ErrKBsNotOffered = errors.New("named KBs not offered by Windows Update")

// checkNothingPending decides a named_only install that found none of its
// KBs pending. The host needs none of them only when its build is at or
// above the fixed build given for its build number in the fixed_builds
// parameter, because Windows cumulative updates contain every earlier
// fix. Otherwise the KBs do not match the host, or Windows Update cannot
// reach them, and the step fails.
func checkNothingPending(x *Exec, named, fixedBuilds []string) error {
	kbs := strings.Join(named, ", ")
	text := x.Facts.Text(FactBuild)
	build, err := windows.ParseBuild(text)
	if err != nil {
		return fmt.Errorf("%w: none of %s is pending, and the host's build %q is unreadable, so patchbay cannot tell whether it has the fix", ErrKBsNotOffered, kbs, text)
	}
	fixed, ok := fixedBuildFor(build, fixedBuilds)
	switch {
	case !ok:
		return fmt.Errorf("%w: none of %s is pending on build %s, and no fixed build for build number %d is given: check that the KBs are for this Windows version, and declare the emergency with the month's Microsoft document imported",
			ErrKBsNotOffered, kbs, build, build.Number)
	case build.Compare(fixed) < 0:
		return fmt.Errorf("%w: none of %s is pending on build %s, below the fixed build %s: check the host's update source (WSUS approvals, paused updates) and install the KB by hand if needed",
			ErrKBsNotOffered, kbs, build, fixed)
	}
	x.Report.Decision("not-needed", fmt.Sprintf("not needed: none of %s pending (build %s, at or above the fixed build %s)", kbs, build, fixed))
	return nil
}

// fixedBuildFor returns the fixed build with the same build number as
// build, such as 10.0.19045.4046 for 10.0.19045.5131. With several, it
// returns the highest.
func fixedBuildFor(build windows.Build, fixedBuilds []string) (windows.Build, bool) {
	var best windows.Build
	found := false
	for _, text := range fixedBuilds {
		b, err := windows.ParseBuild(text)
		if err != nil || b.Major != build.Major || b.Minor != build.Minor || b.Number != build.Number {
			continue
		}
		if !found || b.Compare(best) > 0 {
			best, found = b, true
		}
	}
	return best, found
}
