package sshremote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"patchbay/remote"
)

// Session is an SSH connection to one host. Run and CopyFile open a new
// channel each, so one Session may run commands from several goroutines.
type Session struct {
	cfg       Config
	client    *ssh.Client
	closeJump func()
	lost      atomic.Bool // set when keepalives found the peer dead
	stop      chan struct{}
	keepalive sync.WaitGroup
	closeOnce sync.Once
}

var _ remote.Session = (*Session)(nil)

func newSession(cfg Config, client *ssh.Client, closeJump func()) *Session {
	s := &Session{cfg: cfg, client: client, closeJump: closeJump, stop: make(chan struct{})}
	if interval := orDefault(cfg.KeepaliveInterval, DefaultKeepaliveInterval); interval > 0 {
		s.keepalive.Add(1)
		go s.sendKeepalives(interval, orDefault(cfg.KeepaliveMax, DefaultKeepaliveMax))
	}
	return s
}

// Client returns the underlying x/crypto client, for callers that need a
// channel type the Session does not offer.
func (s *Session) Client() *ssh.Client { return s.client }

// Close closes the connection and, when Dial opened one, the jump host.
// It is safe to call more than once.
func (s *Session) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		err = s.client.Close()
		s.keepalive.Wait()
		s.closeJump()
		if errors.Is(err, io.EOF) || s.lost.Load() {
			err = nil
		}
	})
	return err
}

// sendKeepalives sends keepalive@openssh.com requests and closes the
// connection when max intervals pass without a reply.
func (s *Session) sendKeepalives(interval time.Duration, max int) {
	defer s.keepalive.Done()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	replies := make(chan error, 1)
	pending := 0
	for {
		select {
		case <-s.stop:
			return
		case <-replies:
			pending = 0
		case <-ticker.C:
			if pending == 0 {
				go func() {
					_, _, err := s.client.SendRequest("keepalive@openssh.com", true, nil)
					replies <- err
				}()
			}
			pending++
			if pending > max {
				s.lost.Store(true)
				s.client.Close()
			}
		}
	}
}

// Run runs cmd on the host and streams its output. See remote.Session.
func (s *Session) Run(ctx context.Context, cmd remote.Command, stdout, stderr io.Writer) error {
	line, err := commandLine(cmd)
	if err != nil {
		return err
	}
	channel, err := s.client.NewSession()
	if err != nil {
		return s.lostError("run", err)
	}
	defer channel.Close()
	watch := newIdleWatch(s.cfg.IdleTimeout)
	defer watch.stop()
	stdout, stderr = watch.wrap(stdout), watch.wrap(stderr)
	channel.Stdout = stdout
	channel.Stderr = stderr
	channel.Stdin = cmd.Stdin
	if err := channel.Start(line); err != nil {
		return s.lostError("run", err)
	}
	return s.wait(ctx, channel, watch, "run")
}

// commandLine returns the line sent in the exec request.
func commandLine(cmd remote.Command) (string, error) {
	if cmd.PowerShell == "" {
		return cmd.Line, nil
	}
	if cmd.Line != "" {
		return "", errors.New("run command: both Line and PowerShell are set; use one")
	}
	return encodePowerShell(cmd.PowerShell), nil
}

// wait waits for the command on channel to end, the context to end or the
// output to go idle, whichever comes first.
func (s *Session) wait(ctx context.Context, channel *ssh.Session, watch *idleWatch, op string) error {
	done := make(chan error, 1)
	go func() { done <- channel.Wait() }()
	select {
	case err := <-done:
		watch.close()
		return s.exitError(op, err)
	case <-ctx.Done():
		s.interrupt(channel, done, watch)
		return s.contextError(op, ctx.Err())
	case <-watch.expired():
		s.interrupt(channel, done, watch)
		return &remote.Error{Host: s.cfg.name(), Kind: remote.KindTimeout, Op: op,
			Detail: fmt.Sprintf("no output for %v", s.cfg.IdleTimeout)}
	}
}

// interruptGrace is how long interrupt waits for the host to close the
// channel after the signal.
const interruptGrace = 2 * time.Second

// interrupt signals the remote command and closes its channel. OpenSSH
// closes the channel only once every process holding the command's output
// has ended, and the signal reaches only the shell, so interrupt waits at
// most interruptGrace. The channel's goroutines end when the host closes
// it or the session is closed; the caller's writers get no more output
// because watch stops forwarding.
//
// NOTE: a child of the remote shell, such as "sleep" in "echo; sleep 60",
// keeps running on an OpenSSH host after the signal kills the shell.
func (s *Session) interrupt(channel *ssh.Session, done <-chan error, watch *idleWatch) {
	watch.close()
	channel.Signal(ssh.SIGKILL)
	channel.Close()
	select {
	case <-done:
	case <-time.After(interruptGrace):
	}
}

func (s *Session) exitError(op string, err error) error {
	var exit *ssh.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit):
		return &remote.ExitError{Code: exit.ExitStatus()}
	}
	return s.lostError(op, err)
}

// lostError reports a channel that failed because the connection is gone.
func (s *Session) lostError(op string, err error) error {
	detail := ""
	if s.lost.Load() {
		detail = "the host stopped answering keepalives"
	}
	return &remote.Error{Host: s.cfg.name(), Kind: remote.KindConnectionLost, Op: op, Detail: detail, Err: err}
}

func (s *Session) contextError(op string, err error) error {
	kind := remote.KindOther
	if errors.Is(err, context.DeadlineExceeded) {
		kind = remote.KindTimeout
	}
	return &remote.Error{Host: s.cfg.name(), Kind: kind, Op: op, Detail: "the command was stopped", Err: err}
}
