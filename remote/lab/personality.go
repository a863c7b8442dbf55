package lab

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"

	"patchbay/remote/lab/hostexec"
)

// Personality interprets the commands of one platform. Each platform
// registers one from an init function in its own file; see README.md.
type Personality interface {
	// Init fills the state of a new host: OS, build, pending updates, disk
	// and facts. Seed varies the state between hosts of one platform.
	Init(s *State, seed int)
	// Exec runs one command line received for x.Host and returns its exit
	// status. An error means the connection should break instead, as it
	// does when a real host goes down under a command.
	Exec(ctx context.Context, x *Exec) (int, error)
}

// ShellPersonality is a Personality that also serves interactive PTY
// shells, as network gear does.
type ShellPersonality interface {
	Personality
	Shell(ctx context.Context, sess *ShellSession) error
}

// ShellSession is one interactive PTY session on a host.
type ShellSession struct {
	Host *Host
	hostexec.Shell
	// Record appends one command typed in the session to the command log.
	// The personality calls it for every line it runs, with whether the
	// line changed the host (compare Host.Generation before and after).
	Record func(command string, changes bool)
}

// Exec is one command received by a host.
type Exec struct {
	Host *Host
	User string
	// Line is the command line: a shell line over SSH, the cmd.exe line
	// over WinRM.
	Line string
	// PowerShell is the decoded script when Line runs powershell.exe with
	// -EncodedCommand, else empty.
	PowerShell string
	// Transport is "ssh" or "winrm".
	Transport string

	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

var registry = struct {
	sync.RWMutex
	byName map[string]Personality
}{byName: map[string]Personality{}}

// Register makes p the personality of platform. It panics when the platform
// is registered twice, because that is a programming error found at start.
func Register(platform string, p Personality) {
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.byName[platform]; dup {
		panic("lab: platform registered twice: " + platform)
	}
	registry.byName[platform] = p
}

// Lookup returns the personality of platform.
func Lookup(platform string) (Personality, error) {
	registry.RLock()
	defer registry.RUnlock()
	p, ok := registry.byName[platform]
	if !ok {
		return nil, fmt.Errorf("platform %q has no lab personality (known: %v); add one as remote/lab/README.md describes",
			platform, platformsLocked())
	}
	return p, nil
}

// Platforms returns the registered platform names, sorted.
func Platforms() []string {
	registry.RLock()
	defer registry.RUnlock()
	return platformsLocked()
}

func platformsLocked() []string {
	names := make([]string, 0, len(registry.byName))
	for name := range registry.byName {
		names = append(names, name)
	}
	sort.Strings(names)
	return slices.Clip(names)
}
