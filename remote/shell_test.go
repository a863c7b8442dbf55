package remote

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"testing"
)

// plainSession is a Session without a shell.
type plainSession struct{}

func (plainSession) Run(context.Context, Command, io.Writer, io.Writer) error { return nil }
func (plainSession) CopyFile(context.Context, io.Reader, int64, string, fs.FileMode) error {
	return nil
}
func (plainSession) Close() error { return nil }

// shellSession is a Session that records whether a shell was opened.
type shellSession struct {
	plainSession
	opened bool
}

func (s *shellSession) OpenShell(context.Context, string, int, int) (io.ReadWriteCloser, error) {
	s.opened = true
	return nil, nil
}

func TestGuardShellNeedsFullAccess(t *testing.T) {
	for _, access := range []Access{AccessNone, AccessReadOnly} {
		inner := &shellSession{}
		_, err := OpenShell(context.Background(), Guard(inner, "fw1", access), "vt100", 80, 24)
		if !errors.Is(err, ErrWriteRefused) {
			t.Errorf("access %d: err = %v, want ErrWriteRefused", access, err)
		}
		if inner.opened {
			t.Errorf("access %d: the shell reached the host", access)
		}
	}
	inner := &shellSession{}
	if _, err := OpenShell(context.Background(), Guard(inner, "fw1", AccessFull), "vt100", 80, 24); err != nil {
		t.Fatal(err)
	}
	if !inner.opened {
		t.Error("full access did not open the shell")
	}
}

func TestOpenShellWithoutSupport(t *testing.T) {
	_, err := OpenShell(context.Background(), Guard(plainSession{}, "pc1", AccessFull), "vt100", 80, 24)
	if !errors.Is(err, ErrNoShell) {
		t.Errorf("err = %v, want ErrNoShell", err)
	}
}
