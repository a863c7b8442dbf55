package state

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"patchbay/state/event"
)

// ErrSiteLocked means another run, in this or another process, is patching
// a site. Errors returned by LockSites wrap it in a *SiteLockedError.
var ErrSiteLocked = errors.New("site is locked by another run")

// LockHolder identifies the run that holds a site lock. PID, ProcessStart
// and BootID are filled in by LockSites.
type LockHolder struct {
	Run      string    `json:"run"`
	Operator string    `json:"operator"`
	Started  time.Time `json:"started"`
	PID      int       `json:"pid"`
	// ProcessStart is the holder process's start time in clock ticks after
	// boot (field 22 of /proc/PID/stat). With BootID it distinguishes the
	// holder from a later process that reused its pid, for the operator
	// who reads the lock file. The kernel lock itself ends with the holder.
	ProcessStart string `json:"process_start,omitempty"`
	BootID       string `json:"boot_id,omitempty"`
}

// SiteLockedError is the error for a site that another run holds.
type SiteLockedError struct {
	Site   string
	Holder LockHolder
}

func (e *SiteLockedError) Error() string {
	return fmt.Sprintf("site %s is being patched by run %s (operator %s, pid %d, started %s): wait for it to finish or abort it",
		e.Site, e.Holder.Run, e.Holder.Operator, e.Holder.PID, e.Holder.Started.Format(time.RFC3339))
}

func (e *SiteLockedError) Unwrap() error { return ErrSiteLocked }

// SiteLocks holds the locks of one run on its sites.
type SiteLocks struct {
	files []*os.File
}

// LockSites locks every site for holder, or none of them. It fails with a
// *SiteLockedError when another process or another SiteLocks holds one.
//
// A lock is an advisory lock (flock) on a file per site under locks/ in the
// state directory, so the kernel releases it when its process dies. The
// file contains the holder's details while it is locked. Details found in
// an unlocked file show a crashed holder, so LockSites journals a warning
// notice before it takes the lock.
func (s *Store) LockSites(ctx context.Context, holder LockHolder, sites ...string) (*SiteLocks, error) {
	dir := filepath.Join(s.dir, "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}
	holder.PID = os.Getpid()
	holder.ProcessStart = processStart(holder.PID)
	holder.BootID = bootID()

	sorted := append([]string(nil), sites...)
	sort.Strings(sorted) // a fixed order keeps two runs from deadlocking

	locks := &SiteLocks{}
	for _, site := range sorted {
		f, err := s.lockSite(ctx, filepath.Join(dir, lockFileName(site)), site, holder)
		if err != nil {
			locks.Release()
			return nil, err
		}
		locks.files = append(locks.files, f)
	}
	return locks, nil
}

func (s *Store) lockSite(ctx context.Context, path, site string, holder LockHolder) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock of site %s: %w", site, err)
	}
	locked, err := tryLock(f)
	if err != nil || !locked {
		current, _ := readHolder(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("lock site %s: %w", site, err)
		}
		return nil, &SiteLockedError{Site: site, Holder: current}
	}

	// A holder that releases its lock clears the file first, so details
	// found now were left by a process that died holding the lock.
	if previous, _ := readHolder(f); previous.Run != "" {
		if err := s.noteStaleLock(ctx, site, previous); err != nil {
			unlockFile(f)
			return nil, err
		}
	}
	if err := writeHolder(f, holder); err != nil {
		unlockFile(f)
		return nil, fmt.Errorf("lock site %s: %w", site, err)
	}
	return f, nil
}

func (s *Store) noteStaleLock(ctx context.Context, site string, h LockHolder) error {
	_, err := s.Append(ctx, event.Event{Run: h.Run, Payload: event.Notice{
		Level: "warning",
		Site:  site,
		Message: fmt.Sprintf("released the lock of site %s left by run %s (operator %s, pid %d, started %s): the process ended without finishing the run",
			site, h.Run, h.Operator, h.PID, h.Started.Format(time.RFC3339)),
	}})
	return err
}

// Release clears and unlocks every lock. It is safe to call more than once.
func (l *SiteLocks) Release() {
	for _, f := range l.files {
		f.Truncate(0)
		unlockFile(f)
	}
	l.files = nil
}

func readHolder(f *os.File) (LockHolder, error) {
	var h LockHolder
	b, err := os.ReadFile(f.Name())
	if err != nil || len(b) == 0 {
		return h, err
	}
	return h, json.Unmarshal(b, &h)
}

func writeHolder(f *os.File, h LockHolder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	return f.Sync()
}

var plainSiteName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// lockFileName keeps site names made of safe characters readable and
// encodes any other name in hex.
func lockFileName(site string) string {
	if plainSiteName.MatchString(site) {
		return site + ".lock"
	}
	return "x-" + hex.EncodeToString([]byte(site)) + ".lock"
}
