//go:build linux || darwin || freebsd

package state

import "syscall"

// noSpaceLeft reports whether the file system of dir has no blocks left
// that an unprivileged user may use.
func noSpaceLeft(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false
	}
	return st.Bavail == 0
}
