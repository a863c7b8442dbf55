package cli

import (
	"errors"
	"fmt"

	"patchbay/inventory"
	"patchbay/state"
	"patchbay/state/emergency"
)

// Exit codes of the patchbay command. They are part of its interface for
// scripts and are listed in the README.
const (
	ExitOK       = 0 // everything requested was done
	ExitFailures = 1 // finished, but some hosts failed or were missed
	ExitUsage    = 2 // usage or input error: bad flags, bad inventory
	ExitPolicy   = 3 // refused by policy: window closed, gate, lock, nothing runnable
	ExitAborted  = 4 // aborted by the operator or a signal
)

// exitError carries an exit code with the error that caused it.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withExit wraps err so that Main exits with code. A nil err stays nil.
func withExit(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// usageErrorf returns an input error that exits with ExitUsage.
func usageErrorf(format string, args ...any) error {
	return withExit(ExitUsage, fmt.Errorf(format, args...))
}

// exitCode maps err to the process exit code. Errors without an explicit
// code are usage or input errors, because every failure of a finished run
// is returned with its code by the command that ran it.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	for _, m := range errorCodes {
		if m.match(err) {
			return m.code
		}
	}
	return ExitUsage
}

// errorCode maps a kind of error from a lower package to an exit code.
type errorCode struct {
	match func(error) bool
	code  int
}

// errorCodes is the one table that maps errors from lower packages to exit
// codes, so that every command reports the same kind of failure the same way.
var errorCodes = []errorCode{
	{func(err error) bool { return errors.Is(err, state.ErrSiteLocked) }, ExitPolicy},
	{func(err error) bool { return errors.Is(err, state.ErrStateDir) }, ExitUsage},
	{func(err error) bool { return errors.Is(err, state.ErrLockTimeout) }, ExitPolicy},
	{func(err error) bool { return errors.Is(err, inventory.ErrInvalid) }, ExitUsage},
	{func(err error) bool { return errors.Is(err, inventory.ErrNotFound) }, ExitUsage},
	{func(err error) bool { return errors.Is(err, inventory.ErrSelector) }, ExitUsage},
	{func(err error) bool { return errors.Is(err, emergency.ErrClosed) }, ExitPolicy},
	{func(err error) bool { return errors.Is(err, emergency.ErrNotRunnable) }, ExitPolicy},
}
