package sshremote

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"golang.org/x/crypto/ssh"

	"patchbay/remote"
)

// classify turns a dial or handshake error into a *remote.Error with the
// kind the operator and the runner act on.
func classify(cfg Config, op string, err error) error {
	var already *remote.Error
	if errors.As(err, &already) {
		return err
	}
	e := &remote.Error{Host: cfg.name(), Op: op, Err: err, Kind: dialKind(err)}
	var keyErr *hostKeyError
	var negotiation *ssh.AlgorithmNegotiationError
	switch {
	case errors.As(err, &keyErr):
		e.Detail = keyErr.detail(cfg.name())
	case errors.As(err, &negotiation):
		e.Detail = "no common algorithm for " + negotiation.What + "; the host offered " + strings.Join(negotiation.RequestedAlgorithms, ", ")
	case e.Kind == remote.KindAuthRejected:
		e.Op = "auth"
		e.Detail = "user " + cfg.User
	}
	return e
}

// dialKind returns the kind of a dial or handshake error.
func dialKind(err error) remote.Kind {
	var keyErr *hostKeyError
	if errors.As(err, &keyErr) {
		if len(keyErr.known) == 0 && !keyErr.revoked {
			return remote.KindUnknownHostKey
		}
		return remote.KindHostKeyChanged
	}
	var negotiation *ssh.AlgorithmNegotiationError
	switch {
	case errors.As(err, &negotiation):
		return remote.KindNoCommonAlgorithm
	case strings.Contains(err.Error(), "ssh: unable to authenticate"):
		return remote.KindAuthRejected
	case errors.Is(err, syscall.ECONNREFUSED):
		return remote.KindConnectionRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return remote.KindUnreachable
	}
	return timeoutKind(err)
}

// timeoutKind separates a TCP connection that never opened (the host is
// off: unreachable) from a deadline passed later (timeout).
func timeoutKind(err error) remote.Kind {
	var opErr *net.OpError
	isTimeout := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded)
	switch {
	case isTimeout && errors.As(err, &opErr) && opErr.Op == "dial":
		return remote.KindUnreachable
	case isTimeout:
		return remote.KindTimeout
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET):
		return remote.KindConnectionLost
	}
	return remote.KindOther
}
