package lab

import (
	"context"
	"fmt"
)

// unemulated replaces the personality of a platform that has none yet. Its
// host accepts connections and logins, so reachability and credentials can
// be checked, and fails every command with a message naming the gap.
type unemulated struct{ platform string }

func (u unemulated) Init(s *State, _ int) {
	s.OS = u.platform + " (not emulated)"
	s.Build = "0"
	s.DiskSizeMB, s.FreeDiskMB = 65536, 32768
}

func (u unemulated) Exec(_ context.Context, x *Exec) (int, error) {
	fmt.Fprintf(x.Stderr, "lab: platform %s has no personality yet, so this host runs no commands; see remote/lab/README.md\n", u.platform)
	return 127, nil
}

// personalityFor returns the registered personality of platform, or an
// unemulated stand-in.
func personalityFor(platform string) Personality {
	if p, err := Lookup(platform); err == nil {
		return p
	}
	return unemulated{platform: platform}
}
