// Package hostexec is the contract between the lab's protocol servers (SSH
// and WS-Management on loopback) and the emulated hosts behind them. The
// servers speak the wire protocols; a Handler decides what a command does.
package hostexec

import (
	"context"
	"io"
)

// Request is one command that a protocol server received for a host.
type Request struct {
	// Host is the lab name of the host the server stands for.
	Host string
	// User is the authenticated user name.
	User string
	// Command is the command line as the client sent it. For WinRM it is
	// the cmd.exe line, with any -EncodedCommand argument still encoded
	// (use DecodePowerShell to read it).
	Command string
	// Stdin is the command's standard input; it returns io.EOF once the
	// client closes it.
	Stdin io.Reader
	// Stdout and Stderr receive the command's output as it is produced.
	Stdout io.Writer
	Stderr io.Writer
}

// Handler runs commands for emulated hosts.
type Handler interface {
	// Exec runs req and returns the command's exit code. An error means the
	// host failed in a way the protocol should show as a broken
	// connection or fault, not as an exit code.
	Exec(ctx context.Context, req Request) (exitCode int, err error)
}

// Shell is an interactive session on a PTY, as network gear offers it.
type Shell struct {
	Host string
	User string
	// Term is the terminal type the client requested, and Width and
	// Height its size in characters.
	Term          string
	Width, Height int
	// RW carries the keystrokes in and the screen output out.
	RW io.ReadWriter
}

// ShellHandler serves interactive shells. A Handler that also implements
// ShellHandler gets the PTY sessions; the others reject them.
type ShellHandler interface {
	Shell(ctx context.Context, sh Shell) error
}
