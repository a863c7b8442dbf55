package actions

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"patchbay/inventory"
	"patchbay/playbooks/book"
	"patchbay/playbooks/when"
)

// Facts are the values the facts action reads from a host, by name.
// Conditions read them as facts.NAME. Values are strings, float64, bools or []string,
// the types of the when package.
type Facts map[string]when.Value

// Fact names every platform fills.
const (
	FactOS             = "os"              // operating system and version, such as "Ubuntu 22.04.4 LTS"
	FactBuild          = "build"           // OS build with revision, or kernel release on Linux
	FactBootID         = "boot_id"         // changes at every boot: the boot time as the host prints it
	FactUptimeHours    = "uptime_hours"    // hours since boot
	FactFreeDiskMB     = "free_disk_mb"    // free space on the system volume, MiB
	FactUsers          = "users"           // logged-on users
	FactAppsRunning    = "apps_running"    // the host's clinical applications that run now
	FactUpdates        = "updates"         // ids of pending updates
	FactUpdatesPending = "updates_pending" // number of pending updates
	FactInstalled      = "installed"       // ids of installed updates, where the platform lists them
	FactRebootPending  = "reboot_pending"  // a reboot is needed to finish updates
	FactRebootReason   = "reboot_reason"   // why, as the host reports it
)

// Strings returns the list fact name, or nil.
func (f Facts) Strings(name string) []string {
	l, _ := f[name].([]string)
	return l
}

// Bool returns the bool fact name, or false.
func (f Facts) Bool(name string) bool {
	b, _ := f[name].(bool)
	return b
}

// Text returns the string fact name, or "".
func (f Facts) Text(name string) string {
	s, _ := f[name].(string)
	return s
}

// Merge copies every fact of g into f.
func (f Facts) Merge(g Facts) {
	for k, v := range g {
		f[k] = v
	}
}

// Platform is the support of the core actions for one platform: its facts
// reader, boot id and reboot command.
type Platform struct {
	// ReadFacts reads every fact of the host with read-only commands.
	ReadFacts func(ctx context.Context, x *Exec) (Facts, error)
	// ReadBootID reads a value that changes at every boot, cheaply, for
	// the reboot action's polling.
	ReadBootID func(ctx context.Context, x *Exec) (string, error)
	// Reboot is the command that restarts the host. It returns before the
	// host goes down, or the connection drops while it runs.
	Reboot string
	// Class picks the reboot timeout from Timing.Reboot.
	Class string
}

var platforms = map[inventory.Platform]Platform{}

// RegisterPlatform adds the support for platform p. It panics when p is
// already registered.
func RegisterPlatform(p inventory.Platform, support Platform) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := platforms[p]; dup {
		panic(fmt.Sprintf("actions: platform %q registered twice", p))
	}
	platforms[p] = support
}

// PlatformOf returns the support for the host's platform.
func PlatformOf(h *inventory.Host) (Platform, error) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	p, ok := platforms[h.Platform]
	if !ok {
		return Platform{}, fmt.Errorf("host %s: platform %s: %w", h.Name, h.Platform, ErrUnsupported)
	}
	return p, nil
}

// factsAction reads the host's facts. It never changes the host, so it is
// the one action an excepted host may run.
type factsAction struct{ spec }

func init() {
	Register(factsAction{spec{effect: book.Reads}})
}

func (factsAction) Name() string { return "facts" }

func (factsAction) Run(ctx context.Context, x *Exec, _ book.Params) error {
	p, err := PlatformOf(x.Host)
	if err != nil {
		return err
	}
	f, err := p.ReadFacts(ctx, x)
	if err != nil {
		return fmt.Errorf("read facts: %w", err)
	}
	x.Facts.Merge(f)
	x.Report.FactsRead(x.Facts)
	return nil
}

// runningApps returns the host's applications, or those of its reboot
// policy, that appear in the process names.
func runningApps(x *Exec, processes []string) []string {
	seen := map[string]bool{}
	for _, p := range processes {
		seen[strings.ToLower(p)] = true
	}
	wanted := append([]string{}, x.Host.Apps...)
	if x.Reboot != nil {
		wanted = append(wanted, x.Reboot.DeferApps...)
	}
	var running []string
	for _, app := range wanted {
		if seen[strings.ToLower(app)] && !containsString(running, app) {
			running = append(running, app)
		}
	}
	sort.Strings(running)
	return running
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
