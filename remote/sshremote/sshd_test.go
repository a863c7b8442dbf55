package sshremote

import (
	"context"
	"net"
	"testing"

	"patchbay/remote"
	"patchbay/remote/conformance"
	"patchbay/remote/sshdtest"
)

func sshdConfig(t *testing.T, sshd *sshdtest.Server) Config {
	t.Helper()
	return Config{
		Host: "sshd-host", Address: sshd.Host, Port: sshd.Port, User: sshd.User,
		Auth: []AuthMethod{Signers(sshd.UserKey)}, KnownHosts: []string{sshd.KnownHosts},
	}
}

func TestConformanceOpenSSH(t *testing.T) {
	sshd := sshdtest.Start(t)
	cfg := sshdConfig(t, sshd)
	stalledHost, stalledPort := splitAddr(t, stalledListener(t))
	lab := conformance.Target{
		Dial:     func(ctx context.Context) (remote.Session, error) { return dialSession(ctx, cfg) },
		Commands: conformance.POSIX(),
		TempDir:  func(t *testing.T) string { return t.TempDir() },
		Faults: conformance.Faults{
			DialStalled: func(ctx context.Context) (remote.Session, error) {
				stalled := cfg
				stalled.Address, stalled.Port = stalledHost, stalledPort
				return dialSession(ctx, stalled)
			},
			DialHostKeyChanged: func(ctx context.Context) (remote.Session, error) {
				changed := cfg
				changed.KnownHosts = []string{writeKnownHosts(t, net.JoinHostPort(sshd.Host, itoa(sshd.Port)), otherKey(t))}
				return dialSession(ctx, changed)
			},
			DialAuthRejected: func(ctx context.Context) (remote.Session, error) {
				rejected := cfg
				rejected.Auth = []AuthMethod{Signers(otherSigner(t))}
				return dialSession(ctx, rejected)
			},
			DropConnections: sshd.DropConnections,
		},
	}
	conformance.Run(t, lab)
}
