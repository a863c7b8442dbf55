// Package remote is how patchbay reaches a host: one small session interface
// with an SSH and a WinRM implementation in sub-packages, and the lab of
// emulated hosts that speak both protocols on loopback.
//
// The package does not know sites, rings or exceptions. Policy is applied by
// the caller, except for the write guard in guard.go, which sits here because
// this is where commands leave for the host.
package remote

import (
	"context"
	"fmt"
	"io"
	"io/fs"
)

// Session is an open connection to one host. Implementations are safe for
// use by one goroutine at a time unless they say otherwise.
type Session interface {
	// Run runs cmd on the host, streaming its standard output and standard
	// error to the writers as they arrive. A command that exits non-zero
	// returns an *ExitError; every other failure returns an *Error.
	Run(ctx context.Context, cmd Command, stdout, stderr io.Writer) error

	// CopyFile writes size bytes from src to the path dst on the host with
	// the given permission bits (ignored where the host has none).
	CopyFile(ctx context.Context, src io.Reader, size int64, dst string, mode fs.FileMode) error

	// Close ends the session. It is safe to call more than once.
	Close() error
}

// Command is one command line for a host.
type Command struct {
	// Line is the command line as the host's shell receives it: a POSIX
	// shell line over SSH, a cmd.exe line over WinRM. PowerShell goes in
	// PowerShell instead.
	Line string

	// PowerShell, when set, is a PowerShell script. Implementations send it
	// as powershell.exe -EncodedCommand (UTF-16LE, base64) and force UTF-8
	// output. Line and PowerShell are exclusive.
	PowerShell string

	// Stdin, when not nil, is copied to the command's standard input, which
	// is closed at its end.
	Stdin io.Reader

	// ReadOnly declares that the command does not change the host. The zero
	// value is false, so a command counts as changing unless its author
	// says otherwise; the guard lets only read-only commands reach an
	// excepted host.
	ReadOnly bool
}

// String returns the command as it is shown and journaled.
func (c Command) String() string {
	if c.PowerShell != "" {
		return "powershell: " + c.PowerShell
	}
	return c.Line
}

// ExitError is returned by Run when the command ran and exited non-zero.
type ExitError struct {
	Code int
}

func (e *ExitError) Error() string { return fmt.Sprintf("command exited with status %d", e.Code) }
