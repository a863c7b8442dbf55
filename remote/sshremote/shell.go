package sshremote

import (
	"context"
	"io"

	"golang.org/x/crypto/ssh"
)

// OpenShell starts an interactive shell on a PTY of the given terminal type
// and size, as the CLI of network gear needs. Reads return the screen
// output; writes send keystrokes. Closing it ends the shell. ctx bounds
// only the opening.
func (s *Session) OpenShell(ctx context.Context, term string, width, height int) (io.ReadWriteCloser, error) {
	channel, err := s.client.NewSession()
	if err != nil {
		return nil, s.lostError("open shell", err)
	}
	shell, err := startShell(ctx, channel, term, width, height)
	if err != nil {
		channel.Close()
		return nil, s.lostError("open shell", err)
	}
	return shell, nil
}

func startShell(ctx context.Context, channel *ssh.Session, term string, width, height int) (*ptyShell, error) {
	stop := context.AfterFunc(ctx, func() { channel.Close() })
	defer stop()
	modes := ssh.TerminalModes{ssh.ECHO: 0, ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
	if err := channel.RequestPty(term, height, width, modes); err != nil {
		return nil, err
	}
	stdin, err := channel.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := channel.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := channel.Shell(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &ptyShell{Reader: stdout, stdin: stdin, channel: channel}, nil
}

// ptyShell is an open interactive shell.
type ptyShell struct {
	io.Reader
	stdin   io.WriteCloser
	channel *ssh.Session
}

func (p *ptyShell) Write(b []byte) (int, error) { return p.stdin.Write(b) }

// Close ends the shell's channel.
func (p *ptyShell) Close() error {
	err := p.channel.Close()
	if err == io.EOF {
		return nil
	}
	return err
}
