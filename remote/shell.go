package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ShellOpener is implemented by sessions that offer an interactive shell
// on a PTY, as the CLI of network gear needs. sshremote.Session and the
// guarded session implement it.
type ShellOpener interface {
	// OpenShell starts a shell on a PTY of the given terminal type and
	// size. Closing it ends the shell; ctx bounds only the opening.
	OpenShell(ctx context.Context, term string, width, height int) (io.ReadWriteCloser, error)
}

// ErrNoShell is returned by OpenShell for a session that offers no
// interactive shell, such as a WinRM session.
var ErrNoShell = errors.New("session offers no interactive shell")

// OpenShell starts an interactive PTY shell on s. It returns an error
// wrapping ErrNoShell when s does not implement ShellOpener.
func OpenShell(ctx context.Context, s Session, term string, width, height int) (io.ReadWriteCloser, error) {
	opener, ok := s.(ShellOpener)
	if !ok {
		return nil, fmt.Errorf("open shell: %w (%T); reach network gear over SSH", ErrNoShell, s)
	}
	return opener.OpenShell(ctx, term, width, height)
}

// OpenShell passes the shell through only with full access. The guard
// cannot tell a read-only command typed into a shell from one that
// changes the host, so a host with read-only access gets no shell.
func (g *guarded) OpenShell(ctx context.Context, term string, width, height int) (io.ReadWriteCloser, error) {
	if g.access != AccessFull {
		return nil, fmt.Errorf("host %s: %w: an interactive shell can change the host, which policy allows only for read-only commands or not at all",
			g.host, ErrWriteRefused)
	}
	return OpenShell(ctx, g.inner, term, width, height)
}
