package lab

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"patchbay/remote/lab/sshserver"
)

// SSHHost is one emulated host served over SSH outside a Fleet, for tests
// that need a single device. Like a fleet host, its server stops while
// the host is offline (during a reboot) and starts again on the same
// address when the host is back.
type SSHHost struct {
	e *endpoint
}

// ServeSSH serves h over SSH with cfg, whose Handler is replaced by the
// host's. cfg.Address must be on 127.0.0.0/8; a port of 0 picks a free
// one. The port and the host key (generated when cfg.HostKey is nil) stay
// the same across reboots. Log may be nil.
func ServeSSH(h *Host, cfg sshserver.Config, log *CommandLog) (*SSHHost, error) {
	address := cfg.Address
	if address == "" {
		address = "127.0.0.1:0"
	}
	ip, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("serve %s: address %q: %w; give IP:PORT on 127.0.0.0/8", h.Name(), address, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("serve %s: port %q is not a number", h.Name(), portText)
	}
	if cfg.HostKey == nil {
		if cfg.HostKey, err = newServeKey(cfg.Legacy); err != nil {
			return nil, fmt.Errorf("serve %s: host key: %w", h.Name(), err)
		}
	}
	e := &endpoint{host: h, address: ip, logger: slog.New(slog.DiscardHandler)}
	cfg.Host = h.Name()
	cfg.Handler = &Handler{Host: h, Transport: "ssh", Log: log}
	if err := e.startSSH(cfg, port, port); err != nil {
		return nil, fmt.Errorf("serve %s on %s: %w", h.Name(), address, err)
	}
	e.mu.Lock()
	_, bound, _ := net.SplitHostPort(e.ssh.Addr())
	e.port, _ = strconv.Atoi(bound)
	e.mu.Unlock()
	h.Watch(e.follow)
	return &SSHHost{e: e}, nil
}

// newServeKey returns the host key kept across restarts: RSA for a
// legacy server, whose clients know only ssh-rsa, ed25519 otherwise.
func newServeKey(legacy bool) (gossh.Signer, error) {
	if legacy {
		return sshserver.NewRSAKey()
	}
	return sshserver.NewEd25519Key()
}

// Addr returns the server's IP:PORT.
func (s *SSHHost) Addr() string { return s.e.Addr() }

// Server returns the running SSH server, or nil while the host is
// offline.
func (s *SSHHost) Server() *sshserver.Server {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	return s.e.ssh
}

// WriteKnownHosts writes a known_hosts file at path that pins the
// server's host key for its address, for clients with strict checking.
func (s *SSHHost) WriteKnownHosts(path string) error {
	line := knownhosts.Line([]string{knownhosts.Normalize(s.Addr())}, s.e.sshConfig.HostKey.PublicKey())
	return os.WriteFile(path, []byte(line+"\n"), 0o600)
}

// Close stops the server for good.
func (s *SSHHost) Close() { s.e.close() }
