package sshremote

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"golang.org/x/crypto/ssh"

	"patchbay/remote"
)

// CopyFile writes size bytes from src to dst on the host with mode. It uses
// the SCP sink protocol, in which "scp -t DST" on the host reads a "C" line
// with the mode, size and name, then the content. The sink acknowledges
// each step with a zero byte.
func (s *Session) CopyFile(ctx context.Context, src io.Reader, size int64, dst string, mode fs.FileMode) error {
	channel, err := s.client.NewSession()
	if err != nil {
		return s.lostError("copy", err)
	}
	defer channel.Close()
	stdin, err := channel.StdinPipe()
	if err != nil {
		return s.lostError("copy", err)
	}
	stdout, err := channel.StdoutPipe()
	if err != nil {
		return s.lostError("copy", err)
	}
	var stderr strings.Builder
	channel.Stderr = &limitedWriter{w: &stderr, n: 4096}
	if err := channel.Start("scp -t " + shellQuote(dst)); err != nil {
		return s.lostError("copy", err)
	}
	sent := make(chan error, 1)
	go func() {
		sent <- sendSCP(bufio.NewReader(stdout), stdin, src, size, dst, mode)
		stdin.Close()
	}()
	return s.finishCopy(ctx, channel, sent, dst, &stderr)
}

// finishCopy waits for the transfer and the scp process, or the context.
func (s *Session) finishCopy(ctx context.Context, channel *ssh.Session, sent <-chan error, dst string, stderr fmt.Stringer) error {
	select {
	case err := <-sent:
		waitErr := channel.Wait()
		if err != nil {
			return s.copyError(dst, err, stderr)
		}
		if waitErr != nil {
			return s.copyError(dst, s.exitError("copy", waitErr), stderr)
		}
		return nil
	case <-ctx.Done():
		channel.Signal(ssh.SIGKILL)
		channel.Close()
		<-sent
		return s.contextError("copy", ctx.Err())
	}
}

func (s *Session) copyError(dst string, err error, stderr fmt.Stringer) error {
	if _, ok := err.(*remote.Error); ok {
		return err
	}
	detail := "to " + dst
	if msg := strings.TrimSpace(stderr.String()); msg != "" {
		detail += ": " + msg
	}
	return &remote.Error{Host: s.cfg.name(), Kind: remote.KindOther, Op: "copy", Detail: detail, Err: err}
}

// sendSCP speaks the source side of the SCP protocol for one file.
func sendSCP(acks *bufio.Reader, out io.Writer, src io.Reader, size int64, dst string, mode fs.FileMode) error {
	if err := readAck(acks); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, "C%04o %d %s\n", mode.Perm(), size, path.Base(dst)); err != nil {
		return err
	}
	if err := readAck(acks); err != nil {
		return err
	}
	if _, err := io.CopyN(out, src, size); err != nil {
		return fmt.Errorf("send %d bytes: %w", size, err)
	}
	if _, err := out.Write([]byte{0}); err != nil {
		return err
	}
	return readAck(acks)
}

// readAck reads one SCP acknowledgement: a zero byte, or 1 or 2 followed by
// a message line.
func readAck(r *bufio.Reader) error {
	status, err := r.ReadByte()
	if err != nil {
		return fmt.Errorf("read scp acknowledgement: %w", err)
	}
	if status == 0 {
		return nil
	}
	msg, _ := r.ReadString('\n')
	return fmt.Errorf("scp on the host: %s", strings.TrimSpace(msg))
}

// shellQuote quotes s as one word for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// limitedWriter keeps the first n bytes written to it.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	keep := min(len(p), l.n)
	l.n -= keep
	l.w.Write(p[:keep])
	return len(p), nil
}
