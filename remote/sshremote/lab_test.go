package sshremote

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"patchbay/remote"
	"patchbay/remote/conformance"
	"patchbay/remote/lab/sshserver"
)

// labHost is an in-process lab server with a client configuration that
// trusts its key and logs in with a test key.
type labHost struct {
	server *sshserver.Server
	config Config
}

func startLabHost(t *testing.T, cfg sshserver.Config) *labHost {
	t.Helper()
	userKey, err := sshserver.NewEd25519Key()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Handler == nil {
		cfg.Handler = sshserver.LocalShell{Dir: t.TempDir()}
	}
	authorized := map[string][]gossh.PublicKey{"tech": {userKey.PublicKey()}}
	for user, keys := range cfg.AuthorizedKeys {
		authorized[user] = append(authorized[user], keys...)
	}
	cfg.AuthorizedKeys = authorized
	server, err := sshserver.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	host, port := splitAddr(t, server.Addr())
	knownHostsFile := writeKnownHosts(t, server.Addr(), server.HostKey())
	name := cfg.Host
	if name == "" {
		name = "lab-host"
	}
	return &labHost{server: server, config: Config{
		Host: name, Address: host, Port: port, User: "tech",
		Auth: []AuthMethod{Signers(userKey)}, KnownHosts: []string{knownHostsFile},
	}}
}

func splitAddr(t *testing.T, addr string) (string, int) {
	t.Helper()
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return tcp.IP.String(), tcp.Port
}

// writeKnownHosts writes a known_hosts file that pins key for addr.
func writeKnownHosts(t *testing.T, addr string, key gossh.PublicKey) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, key) + "\n"
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// stalledListener accepts TCP connections and never answers on them.
func stalledListener(t *testing.T) string {
	t.Helper()
	server, err := sshserver.Start(sshserver.Config{Handler: sshserver.LocalShell{}})
	if err != nil {
		t.Fatal(err)
	}
	server.SetStalled(true)
	t.Cleanup(func() { server.Close() })
	return server.Addr()
}

func labTarget(t *testing.T) conformance.Target {
	lab := startLabHost(t, sshserver.Config{Host: "lab-host"})
	stalledHost, stalledPort := splitAddr(t, stalledListener(t))
	return conformance.Target{
		Dial: func(ctx context.Context) (remote.Session, error) {
			return dialSession(ctx, lab.config)
		},
		Commands: conformance.POSIX(),
		TempDir:  func(t *testing.T) string { return t.TempDir() },
		Faults: conformance.Faults{
			DialStalled: func(ctx context.Context) (remote.Session, error) {
				cfg := lab.config
				cfg.Address, cfg.Port = stalledHost, stalledPort
				return dialSession(ctx, cfg)
			},
			DialHostKeyChanged: func(ctx context.Context) (remote.Session, error) {
				cfg := lab.config
				cfg.KnownHosts = []string{writeKnownHosts(t, lab.server.Addr(), otherKey(t))}
				return dialSession(ctx, cfg)
			},
			DialAuthRejected: func(ctx context.Context) (remote.Session, error) {
				cfg := lab.config
				cfg.Auth = []AuthMethod{Signers(otherSigner(t))}
				return dialSession(ctx, cfg)
			},
			DropConnections: lab.server.DropConnections,
		},
	}
}

// dialSession returns a nil interface, not a typed nil, on failure.
func dialSession(ctx context.Context, cfg Config) (remote.Session, error) {
	s, err := Dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func TestConformanceLabServer(t *testing.T) {
	conformance.Run(t, labTarget(t))
}

// otherSigner returns a fresh key that no server knows.
func otherSigner(t *testing.T) gossh.Signer {
	t.Helper()
	key, err := sshserver.NewEd25519Key()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func otherKey(t *testing.T) gossh.PublicKey { return otherSigner(t).PublicKey() }

func itoa(n int) string { return strconv.Itoa(n) }
