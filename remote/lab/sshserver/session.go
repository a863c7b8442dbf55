package sshserver

import (
	"context"
	"errors"

	"github.com/gliderlabs/ssh"

	"patchbay/remote/lab/hostexec"
)

// handleSession runs one SSH session: a PTY shell when the client asked
// for a PTY without a command, an exec request otherwise. A signal from
// the client, or the end of the connection, cancels the handler's context.
func (s *Server) handleSession(sess ssh.Session) {
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	// The channel stays registered after the handler returns, because
	// gliderlabs/ssh v0.3.8 resends buffered early signals from a new
	// goroutine on every Signals call. After Signals(nil) that goroutine
	// would block on the nil channel for ever. The buffer takes the few
	// late signals that a client sends.
	signals := make(chan ssh.Signal, 8)
	sess.Signals(signals)
	go cancelOnSignal(ctx, signals, cancel)

	if pty, _, isPty := sess.Pty(); isPty && sess.RawCommand() == "" {
		s.serveShell(ctx, sess, pty)
		return
	}
	s.serveExec(ctx, sess)
}

func cancelOnSignal(ctx context.Context, signals <-chan ssh.Signal, cancel context.CancelFunc) {
	select {
	case <-signals:
		cancel()
	case <-ctx.Done():
	}
}

func (s *Server) serveExec(ctx context.Context, sess ssh.Session) {
	code, err := s.cfg.Handler.Exec(ctx, hostexec.Request{
		Host:    s.cfg.Host,
		User:    sess.User(),
		Command: sess.RawCommand(),
		Stdin:   sess,
		Stdout:  sess,
		Stderr:  sess.Stderr(),
	})
	if err != nil {
		dropConnection(sess)
		return
	}
	sess.Exit(code)
}

func (s *Server) serveShell(ctx context.Context, sess ssh.Session, pty ssh.Pty) {
	shells, ok := s.cfg.Handler.(hostexec.ShellHandler)
	if !ok {
		sess.Stderr().Write([]byte("this host offers no interactive shell\r\n"))
		sess.Exit(1)
		return
	}
	err := shells.Shell(ctx, hostexec.Shell{
		Host:   s.cfg.Host,
		User:   sess.User(),
		Term:   pty.Term,
		Width:  pty.Window.Width,
		Height: pty.Window.Height,
		RW:     sess,
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		dropConnection(sess)
		return
	}
	sess.Exit(0)
}

// dropConnection closes the session's whole connection, which is how a
// handler error shows to the client.
func dropConnection(sess ssh.Session) {
	if conn, ok := sess.Context().Value(ssh.ContextKeyConn).(interface{ Close() error }); ok {
		conn.Close()
	}
}
