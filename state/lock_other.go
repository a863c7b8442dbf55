//go:build !unix

package state

import (
	"fmt"
	"os"
	"runtime"
)

// NOTE: site locks use flock and work only on Unix systems.
func tryLock(f *os.File) (bool, error) {
	return false, fmt.Errorf("site locks are not supported on %s", runtime.GOOS)
}

func unlockFile(f *os.File) { f.Close() }

func processStart(pid int) string { return "" }

func bootID() string { return "" }
