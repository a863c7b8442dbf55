package cli

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"patchbay/state"
)

// siteLockHolder returns the SiteLock check of plan.Options over the
// state directory dir. It reads the holder that Store.LockSites writes in
// dir/locks without taking the lock, so a plan never makes a starting run
// fail to lock its sites. A holder counts while its process is alive in
// the same boot; a crashed run leaves its details behind, but its process
// is gone.
//
// NOTE: liveness is checked by process id, so a crashed run's id reused by
// an unrelated process shows the site as locked until the next run clears
// the stale details.
func siteLockHolder(dir string) func(site string) string {
	boot := currentBootID()
	return func(site string) string {
		b, err := os.ReadFile(filepath.Join(dir, "locks", lockFileName(site)))
		if err != nil || len(b) == 0 {
			return ""
		}
		var h state.LockHolder
		if json.Unmarshal(b, &h) != nil || h.Run == "" {
			return ""
		}
		if !processAlive(h.PID) || (h.BootID != "" && boot != "" && h.BootID != boot) {
			return ""
		}
		return fmt.Sprintf("run %s of %s (pid %d, started %s)", h.Run, h.Operator, h.PID, h.Started.UTC().Format(time.RFC3339))
	}
}

// processAlive reports whether a process with id pid exists. A process of
// another user exists too, though signalling it is not permitted.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, os.ErrPermission)
}

// currentBootID returns the kernel's boot id on Linux, or "".
func currentBootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

var plainSiteID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// lockFileName returns the name Store.LockSites gives the lock file of
// site: the id itself when it is made of safe characters, else its hex.
func lockFileName(site string) string {
	if plainSiteID.MatchString(site) {
		return site + ".lock"
	}
	return "x-" + hex.EncodeToString([]byte(site)) + ".lock"
}
