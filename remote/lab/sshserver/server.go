// Package sshserver is the lab's SSH server: an in-process server on a
// loopback address, built on github.com/gliderlabs/ssh, that hands exec
// requests to a hostexec.Handler and PTY shells to a hostexec.ShellHandler.
//
// It authenticates by password, public key or keyboard-interactive, and can
// offer only the legacy algorithms of old network gear. Fault hooks for
// tests drop every connection, stall new connections before the
// handshake, reject all authentication or change the host key.
package sshserver

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/gliderlabs/ssh"
	gossh "golang.org/x/crypto/ssh"

	"patchbay/remote/lab/hostexec"
)

// Config describes one lab SSH server.
type Config struct {
	// Host is the lab name passed to the handler in every request.
	Host string
	// Address is the listen address, which must be on 127.0.0.0/8. Empty
	// means 127.0.0.1 with a free port.
	Address string
	// Handler runs exec requests. When it also implements
	// hostexec.ShellHandler, PTY shells go to it too.
	Handler hostexec.Handler
	// HostKey is the server's host key. Nil generates an ed25519 key, or
	// an RSA key when Legacy is set.
	HostKey gossh.Signer
	// ExtraHostKeys are further host keys the server presents as they are,
	// such as a second key type or a host certificate (ssh.NewCertSigner).
	// SetHostKey does not replace them.
	ExtraHostKeys []gossh.Signer
	// Passwords maps user names to the passwords accepted by password
	// authentication.
	Passwords map[string]string
	// AuthorizedKeys maps user names to the public keys they may log in
	// with.
	AuthorizedKeys map[string][]gossh.PublicKey
	// KeyboardInteractive maps user names to the answer expected to a
	// single "Password: " prompt, as network gear asks it.
	KeyboardInteractive map[string]string
	// Forwarding accepts direct-tcpip channels to loopback addresses, so
	// the server can act as a site's jump host. Other destinations are
	// rejected.
	Forwarding bool
	// Legacy offers only the algorithms of old network gear:
	// diffie-hellman-group1/14-sha1, CBC ciphers, hmac-sha1 and ssh-rsa
	// host keys.
	Legacy bool
}

// Server is a running lab SSH server. Its methods are safe for concurrent
// use.
type Server struct {
	cfg      Config
	srv      *ssh.Server
	listener net.Listener
	hostKey  *swappableSigner
	done     chan struct{}
	serveErr chan error

	stalled    atomic.Bool
	rejectAuth atomic.Bool

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// Start listens on cfg.Address and serves until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Handler == nil {
		return nil, errors.New("start lab SSH server: Config.Handler is nil; give it a hostexec.Handler")
	}
	listener, err := listenLoopback(cfg.Address)
	if err != nil {
		return nil, err
	}
	key, err := initialHostKey(cfg)
	if err != nil {
		listener.Close()
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		listener: listener,
		hostKey:  &swappableSigner{legacy: cfg.Legacy},
		done:     make(chan struct{}),
		serveErr: make(chan error, 1),
		conns:    map[net.Conn]struct{}{},
	}
	s.hostKey.set(key)
	s.srv = s.newGliderServer()
	go func() { s.serveErr <- s.srv.Serve(listener) }()
	return s, nil
}

// listenLoopback listens on address, which must be on 127.0.0.0/8.
func listenLoopback(address string) (net.Listener, error) {
	if address == "" {
		address = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("start lab SSH server: invalid address %q: %w", address, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("start lab SSH server: address %q is not a loopback IP; use 127.x.y.z", address)
	}
	return net.Listen("tcp", address)
}

func initialHostKey(cfg Config) (gossh.Signer, error) {
	if cfg.HostKey != nil {
		return cfg.HostKey, nil
	}
	if cfg.Legacy {
		return NewRSAKey()
	}
	return NewEd25519Key()
}

// NewEd25519Key generates a fresh ed25519 signer, for host or user keys.
func NewEd25519Key() (gossh.Signer, error) {
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ed25519 key: %w", err)
	}
	return gossh.NewSignerFromKey(private)
}

func (s *Server) newGliderServer() *ssh.Server {
	srv := &ssh.Server{
		Handler:      s.handleSession,
		HostSigners:  []ssh.Signer{s.hostKey},
		ConnCallback: s.trackConn,
		ServerConfigCallback: func(ssh.Context) *gossh.ServerConfig {
			return s.serverConfig()
		},
	}
	for _, key := range s.cfg.ExtraHostKeys {
		srv.HostSigners = append(srv.HostSigners, key)
	}
	s.setAuthHandlers(srv)
	if s.cfg.Forwarding {
		srv.ChannelHandlers = map[string]ssh.ChannelHandler{
			"session":      ssh.DefaultSessionHandler,
			"direct-tcpip": ssh.DirectTCPIPHandler,
		}
		srv.LocalPortForwardingCallback = allowLoopback
	}
	return srv
}

func (s *Server) serverConfig() *gossh.ServerConfig {
	cfg := &gossh.ServerConfig{}
	if s.cfg.Legacy {
		cfg.KeyExchanges = []string{"diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"}
		cfg.Ciphers = []string{"aes128-cbc", "3des-cbc"}
		cfg.MACs = []string{"hmac-sha1"}
	}
	return cfg
}

// Addr returns the address the server listens on, as host:port.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// HostKey returns the public host key the server presents now.
func (s *Server) HostKey() gossh.PublicKey { return s.hostKey.PublicKey() }

// SetHostKey makes the server present key from the next handshake on, as
// a reinstalled host (or someone in the middle) would.
func (s *Server) SetHostKey(key gossh.Signer) { s.hostKey.set(key) }

// SetStalled makes the server accept new TCP connections but never start
// the SSH handshake on them, until it is called with false.
func (s *Server) SetStalled(stalled bool) { s.stalled.Store(stalled) }

// SetRejectAuth makes the server reject every authentication attempt,
// valid credentials included, until it is called with false.
func (s *Server) SetRejectAuth(reject bool) { s.rejectAuth.Store(reject) }

// DropConnections closes every open connection from the server's side,
// as a reboot or a failed link would, without stopping the listener.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// ConnectionCount returns the number of open connections.
func (s *Server) ConnectionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Close stops the server and closes every connection. It waits until the
// accept loop has ended.
func (s *Server) Close() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	close(s.done)
	s.DropConnections()
	err := s.srv.Close()
	// gliderlabs/ssh tracks the listener only once Serve has started, so a
	// Close right after Start would leave Serve blocked in Accept. Closing
	// the listener here as well always ends the accept loop.
	s.listener.Close()
	<-s.serveErr
	return err
}

// trackConn records conn so that DropConnections can close it, and holds
// it without a handshake while the server is stalled.
func (s *Server) trackConn(ctx ssh.Context, conn net.Conn) net.Conn {
	tracked := &trackedConn{Conn: conn, server: s}
	s.mu.Lock()
	s.conns[tracked] = struct{}{}
	s.mu.Unlock()
	if s.stalled.Load() {
		s.holdStalled(tracked)
		return nil
	}
	return tracked
}

// holdStalled reads and discards from conn until the client or the server
// closes it, so the client sees a server that never answers.
func (s *Server) holdStalled(conn net.Conn) {
	buf := make([]byte, 1024)
	for {
		if _, err := conn.Read(buf); err != nil {
			conn.Close()
			return
		}
	}
}

// trackedConn removes itself from the server's set when it is closed.
type trackedConn struct {
	net.Conn
	server *Server
	once   sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.server.mu.Lock()
		delete(c.server.conns, c)
		c.server.mu.Unlock()
	})
	return c.Conn.Close()
}

// allowLoopback permits forwarding only to 127.0.0.0/8 and ::1, so a lab
// jump host cannot reach beyond this machine.
func allowLoopback(_ ssh.Context, host string, _ uint32) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
