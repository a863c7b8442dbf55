package lab

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"

	gossh "golang.org/x/crypto/ssh"

	"patchbay/remote/lab/sshserver"
	"patchbay/remote/lab/wsman"
)

// endpoint is one host's protocol server on its own loopback address. It
// closes the server while the host is offline, so connections are refused
// as by a machine that is down, and starts it again when the host is back.
type endpoint struct {
	host    *Host
	kind    string // "ssh" or "winrm"
	address string // IP address
	port    int
	logger  *slog.Logger

	sshConfig   sshserver.Config
	winrmConfig wsman.Config
	// healthPorts are TCP ports that accept and close connections while
	// the host is online, for the inventory's TCP health checks.
	healthPorts []int

	mu     sync.Mutex
	ssh    *sshserver.Server
	winrm  *wsman.Server
	health []net.Listener
	closed bool
	accept sync.WaitGroup // accept loops of the health listeners
}

// Addr returns address:port.
func (e *endpoint) Addr() string { return net.JoinHostPort(e.address, strconv.Itoa(e.port)) }

// startSSH binds the host's SSH server on port, or on fallback when this
// process may not bind port (a privileged port as non-root, or one in
// use). A host that starts offline gets its port but no server yet.
func (e *endpoint) startSSH(cfg sshserver.Config, port, fallback int) error {
	e.kind, e.sshConfig = "ssh", cfg
	e.port = port
	if err := probePort(e.Addr()); err != nil {
		e.port = fallback
	}
	return e.upIfOnline()
}

// startWinRM binds the host's WS-Management server on port.
func (e *endpoint) startWinRM(cfg wsman.Config, port int) error {
	e.kind, e.winrmConfig, e.port = "winrm", cfg, port
	return e.upIfOnline()
}

// probePort reports whether addr can be bound, by binding it briefly.
func probePort(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return l.Close()
}

// upIfOnline starts the server unless the host is offline.
//
// NOTE: a host that is offline from the start gets no server until it
// comes online, because closing an SSH server right after starting it can
// hang in gliderlabs/ssh v0.3.8 (Close may run before Serve tracks the
// listener).
func (e *endpoint) upIfOnline() error {
	if !e.host.Online() {
		return nil
	}
	return e.up()
}

// up starts the server unless it runs or the endpoint is closed.
func (e *endpoint) up() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.ssh != nil || e.winrm != nil {
		return nil
	}
	e.listenHealthPorts()
	if e.kind == "ssh" {
		cfg := e.sshConfig
		cfg.Address = e.Addr()
		s, err := sshserver.Start(cfg)
		if err != nil {
			return err
		}
		s.SetRejectAuth(e.host.Faults().Has(FaultAuthRejected))
		e.ssh = s
		return nil
	}
	s := wsman.NewServer(e.winrmConfig)
	if err := s.Listen(e.Addr()); err != nil {
		return err
	}
	s.Start()
	e.winrm = s
	return nil
}

// listenHealthPorts opens the health check ports. A port this process may
// not bind (104 as non-root) is logged and left closed, so its health check
// fails as it would on a host where the service is down. The caller holds
// e.mu.
func (e *endpoint) listenHealthPorts() {
	for _, port := range e.healthPorts {
		addr := net.JoinHostPort(e.address, strconv.Itoa(port))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			e.logger.Warn("health check port not served", "host", e.host.Name(), "addr", addr, "err", err)
			continue
		}
		e.health = append(e.health, l)
		e.accept.Add(1)
		go e.acceptAndClose(l)
	}
}

// acceptAndClose accepts connections on l and closes them at once, until l
// is closed.
func (e *endpoint) acceptAndClose(l net.Listener) {
	defer e.accept.Done()
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		conn.Close()
	}
}

// down stops the server and drops its connections.
func (e *endpoint) down() {
	e.mu.Lock()
	ssh, winrm, health := e.ssh, e.winrm, e.health
	e.ssh, e.winrm, e.health = nil, nil, nil
	e.mu.Unlock()
	for _, l := range health {
		l.Close()
	}
	e.accept.Wait()
	if ssh != nil {
		ssh.Close()
	}
	if winrm != nil {
		winrm.Close()
	}
}

// follow is the host's online watcher.
func (e *endpoint) follow(online bool) {
	if !online {
		e.down()
		e.logger.Info("host offline", "host", e.host.Name(), "addr", e.Addr())
		return
	}
	if err := e.up(); err != nil {
		e.logger.Error("restart server after reboot", "host", e.host.Name(), "addr", e.Addr(), "err", err)
		return
	}
	e.logger.Info("host online", "host", e.host.Name(), "addr", e.Addr())
}

// loseShells makes the WinRM server forget its shells, for shell-lost.
func (e *endpoint) loseShells() {
	e.mu.Lock()
	winrm := e.winrm
	e.mu.Unlock()
	if winrm != nil {
		winrm.LoseShells()
	}
}

// close stops the server for good.
func (e *endpoint) close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.down()
}

// sshServerConfig returns the SSH server configuration for a host: the
// served key (another one than the pinned key under host-key-changed),
// the lab password and client key for its user, and legacy algorithms for
// old gear.
func sshServerConfig(hd *Handler, user, password string, client gossh.PublicKey, served gossh.Signer, legacy bool) sshserver.Config {
	return sshserver.Config{
		Host:                hd.Host.Name(),
		Handler:             hd,
		HostKey:             served,
		Passwords:           map[string]string{user: password},
		KeyboardInteractive: map[string]string{user: password},
		AuthorizedKeys:      map[string][]gossh.PublicKey{user: {client}},
		Legacy:              legacy,
	}
}

// winrmServerConfig returns the WS-Management configuration for a host.
// The user is accepted with and without its domain prefix.
func winrmServerConfig(hd *Handler, user, password string, tlsConfig *tls.Config, f Faults) wsman.Config {
	users := map[string]string{user: password}
	if _, name, ok := cutDomain(user); ok {
		users[name] = password
	}
	return wsman.Config{
		Host:    hd.Host.Name(),
		Handler: hd,
		Users:   users,
		TLS:     tlsConfig,
		Faults: wsman.Faults{
			Unauthorized:  f.Has(FaultAuthRejected),
			TimedOutPolls: f.TimedOutPolls(),
		},
	}
}

func cutDomain(user string) (domain, name string, ok bool) {
	for i := range len(user) {
		if user[i] == '\\' {
			return user[:i], user[i+1:], true
		}
	}
	return "", user, false
}

func (e *endpoint) String() string { return fmt.Sprintf("%s %s", e.kind, e.Addr()) }
