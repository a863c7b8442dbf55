package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// Access is what policy allows patchbay to do on a host.
type Access int

const (
	// AccessNone allows nothing: the zero value, so a forgotten decision
	// blocks instead of writing.
	AccessNone Access = iota
	// AccessReadOnly allows only commands declared read-only, for hosts
	// under an exception: facts may be gathered, nothing may change.
	AccessReadOnly
	// AccessFull allows every command.
	AccessFull
)

// ErrWriteRefused is returned when a command that changes a host, or a file
// copy, is sent to a host whose access does not allow it.
var ErrWriteRefused = errors.New("write refused by policy")

// Guard returns a session that passes only what access allows to s. The
// runner wraps every session in it, so the check sits where commands leave
// for the host and not only in the planner.
func Guard(s Session, host string, access Access) Session {
	return &guarded{inner: s, host: host, access: access}
}

type guarded struct {
	inner  Session
	host   string
	access Access
}

func (g *guarded) Run(ctx context.Context, cmd Command, stdout, stderr io.Writer) error {
	switch {
	case g.access == AccessFull:
	case g.access == AccessReadOnly && cmd.ReadOnly:
	default:
		return fmt.Errorf("host %s: %w: %q changes the host, which policy allows only for read-only commands or not at all",
			g.host, ErrWriteRefused, truncate(cmd.String(), 80))
	}
	return g.inner.Run(ctx, cmd, stdout, stderr)
}

func (g *guarded) CopyFile(ctx context.Context, src io.Reader, size int64, dst string, mode fs.FileMode) error {
	if g.access != AccessFull {
		return fmt.Errorf("host %s: %w: copying %s changes the host", g.host, ErrWriteRefused, dst)
	}
	return g.inner.CopyFile(ctx, src, size, dst, mode)
}

func (g *guarded) Close() error { return g.inner.Close() }

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
