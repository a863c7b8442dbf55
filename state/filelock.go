package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ErrLockTimeout means another process, or another lock in this process,
// held a lock of the state directory for longer than the caller waits.
var ErrLockTimeout = errors.New("timed out waiting for a lock of the state directory")

// lockPollInterval is how often Lock retries a held lock.
const lockPollInterval = 50 * time.Millisecond

// Lock takes an exclusive advisory lock (flock) on the file _name.lock
// under locks/ in the state directory, so that one task at a time changes
// the files that name covers, such as the stored KEV catalogue. The "_"
// keeps the file apart from site locks, whose names start with a letter or
// digit. Lock waits until the lock is free, wait has passed or ctx ends.
// The kernel releases the lock when its process dies. The returned
// function releases it.
func (s *Store) Lock(ctx context.Context, name string, wait time.Duration) (func(), error) {
	if !plainSiteName.MatchString(name) {
		return nil, fmt.Errorf("invalid lock name %q: use letters, digits, '.', '_' and '-'", name)
	}
	dir := filepath.Join(s.dir, "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}
	path := filepath.Join(dir, "_"+name+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := waitForLock(ctx, f, wait); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { unlockFile(f) }, nil
}

// waitForLock retries tryLock on f until it succeeds, wait passes or ctx
// ends.
func waitForLock(ctx context.Context, f *os.File, wait time.Duration) error {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(lockPollInterval)
	defer tick.Stop()
	for {
		locked, err := tryLock(f)
		if err != nil || locked {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("%w: another task held it for %s: wait for it to finish and try again", ErrLockTimeout, wait)
		case <-tick.C:
		}
	}
}
