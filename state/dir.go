package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ResolveDir returns the state directory: flag when set, else
// $PATCHBAY_STATE, else $XDG_STATE_HOME/patchbay, else
// $HOME/.local/state/patchbay. getenv reads the environment.
func ResolveDir(flag string, getenv func(string) string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if dir := getenv("PATCHBAY_STATE"); dir != "" {
		return dir, nil
	}
	if dir := getenv("XDG_STATE_HOME"); dir != "" {
		return filepath.Join(dir, "patchbay"), nil
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "state", "patchbay"), nil
	}
	return "", errors.New("no state directory: set --state, PATCHBAY_STATE or HOME")
}

// ErrStateDir means the state directory or its journal cannot be used: the
// directory cannot be created or opened, or other users could change the
// journal. Errors of Open that wrap it are input errors that the operator
// fixes on the machine, not failures of the journal.
var ErrStateDir = errors.New("unusable state directory")

// DirError is the error for an unusable state directory or journal file.
type DirError struct {
	Subject string // "state directory" or "journal"
	Path    string // the directory or file
	Problem string // the defect, such as "has mode 0777"
	Fix     string // the operator's next step, such as a chmod command
}

func (e *DirError) Error() string {
	return fmt.Sprintf("%s %s %s: %s", e.Subject, e.Path, e.Problem, e.Fix)
}

func (e *DirError) Unwrap() error { return ErrStateDir }

// prepareDir creates dir with mode 0700 when it does not exist and checks
// that no other user can write to it. A directory that others can write to
// is rejected rather than repaired, because another user may already have
// replaced the journal in it: the operator checks it and runs chmod.
func prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &DirError{Subject: "state directory", Path: dir, Problem: "cannot be created (" + causeText(err) + ")",
			Fix: "pass --state or set PATCHBAY_STATE to a directory you can write"}
	}
	info, err := os.Stat(dir)
	if err != nil {
		return &DirError{Subject: "state directory", Path: dir, Problem: "cannot be read (" + causeText(err) + ")",
			Fix: "pass --state or set PATCHBAY_STATE to a directory you can write"}
	}
	if !info.IsDir() {
		return &DirError{Subject: "state directory", Path: dir, Problem: "is not a directory",
			Fix: "pass --state or set PATCHBAY_STATE to a directory"}
	}
	if mode := info.Mode().Perm(); mode&0o022 != 0 {
		return &DirError{Subject: "state directory", Path: dir, Problem: fmt.Sprintf("has mode %04o, so other users can replace the journal in it", mode),
			Fix: "check its files and run chmod 700 " + dir}
	}
	return checkOwner("state directory", dir, info)
}

// checkJournalMode rejects a journal file that group or others can read or
// write, for the same reason prepareDir rejects an open directory.
func checkJournalMode(path string, info os.FileInfo) error {
	if mode := info.Mode().Perm(); mode&0o077 != 0 {
		return &DirError{Subject: "journal", Path: path, Problem: fmt.Sprintf("has mode %04o, so other users can read or change it", mode),
			Fix: "check it with patchbay journal verify and run chmod 600 " + path}
	}
	return checkOwner("journal", path, info)
}

// causeText returns the reason of a file system error without the path,
// which the DirError names already.
func causeText(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err.Error()
	}
	return err.Error()
}
