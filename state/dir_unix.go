//go:build unix

package state

import (
	"fmt"
	"os"
	"syscall"
)

// checkOwner rejects a state directory or journal owned by another user,
// who could replace or change the journal whatever its mode.
func checkOwner(what, path string, info os.FileInfo) error {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Geteuid(); int(st.Uid) != uid {
		return &DirError{Subject: what, Path: path, Problem: fmt.Sprintf("is owned by user id %d, not by you (user id %d)", st.Uid, uid),
			Fix: "use a state directory of your own, or have its owner run patchbay"}
	}
	return nil
}
