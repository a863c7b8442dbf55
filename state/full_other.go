//go:build !(linux || darwin || freebsd)

package state

// NOTE: on this system only SQLITE_FULL is reported as a full disk,
// because the free space of the state directory is not read.
func noSpaceLeft(dir string) bool { return false }
