// Package wsman is an in-process WS-Management server for tests. It speaks
// the WinRM shell protocol (Create, Command, Send, Receive, Signal, Delete)
// over HTTP or HTTPS on a loopback address. It authenticates with Basic or
// NTLMv2, with NTLM message encryption on plain HTTP, and hands each
// command line to a hostexec.Handler.
//
// It serves tests only: passwords sit in memory in clear, and Listen
// rejects any address outside 127.0.0.0/8. Faults make it respond the way
// broken or foreign endpoints do (401, an HTML page, 413, w:TimedOut, a
// lost shell, a dropped connection, silence).
package wsman

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"patchbay/remote/lab/hostexec"
)

// Auth selects the authentication schemes the server accepts.
type Auth int

// Authentication schemes.
const (
	AuthBasic Auth = iota + 1 // HTTP Basic, over HTTPS or with AllowUnencrypted
	AuthNTLM                  // NTLMv2 through the Negotiate scheme
	AuthBoth                  // either of the two
)

// Config configures a Server.
type Config struct {
	// Host is the lab host name passed to the handler.
	Host string
	// Handler runs the commands.
	Handler hostexec.Handler
	// Users maps user names to passwords. Test use only.
	Users map[string]string
	// Auth is the set of accepted schemes. Zero means AuthBoth.
	Auth Auth
	// TLS, when not nil, makes the server speak HTTPS.
	TLS *tls.Config
	// AllowUnencrypted accepts plain SOAP bodies over HTTP, as the WinRM
	// setting of the same name does. By default HTTP requests must use
	// NTLM message encryption.
	AllowUnencrypted bool
	// Faults makes the server misbehave; see SetFaults.
	Faults Faults
}

// Faults are the failures the server can simulate. They can change while
// the server runs, through SetFaults.
type Faults struct {
	// Unauthorized responds to every request with 401, as for a locked account.
	Unauthorized bool
	// HTML responds to every request with an HTML page titled HTMLTitle, as a
	// web server on the WinRM port would.
	HTML      bool
	HTMLTitle string
	// MaxEnvelope, when positive, responds with 413 to request bodies longer
	// than this many bytes (after decryption).
	MaxEnvelope int
	// TimedOutPolls fails this many Receive requests of each command
	// with the w:TimedOut fault before any output is returned.
	TimedOutPolls int
	// Silent accepts requests but never responds to them.
	Silent bool
	// DropReceives closes the connection of every Receive request
	// without a response, as a network failure during a long poll would.
	DropReceives bool
}

// Server is a WS-Management server on one loopback listener.
type Server struct {
	cfg  Config
	http *http.Server
	ln   net.Listener
	base context.Context
	stop context.CancelFunc
	jobs sync.WaitGroup // running handler commands

	mu     sync.Mutex
	faults Faults
	shells map[string]*shell
	conns  map[net.Conn]struct{}
}

// NewServer returns a server for cfg. Call Listen, then Serve or Start.
func NewServer(cfg Config) *Server {
	if cfg.Auth == 0 {
		cfg.Auth = AuthBoth
	}
	base, stop := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, base: base, stop: stop, faults: cfg.Faults,
		shells: map[string]*shell{}, conns: map[net.Conn]struct{}{}}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ConnContext:       withConnState,
		ConnState:         s.trackConn,
		// Failed TLS handshakes are what certificate tests provoke.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	return s
}

// Listen binds addr, which must be a 127.0.0.0/8 address with a port
// ("127.0.0.1:0" picks a free one).
func (s *Server) Listen(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() || ip.To4() == nil {
		return fmt.Errorf("listen %q: the lab binds only 127.0.0.0/8 addresses", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %q: %w", addr, err)
	}
	if s.cfg.TLS != nil {
		ln = tls.NewListener(ln, s.cfg.TLS)
	}
	s.ln = ln
	return nil
}

// Addr returns the listening address, for example "127.0.0.1:41234".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until Close. It returns nil after Close.
func (s *Server) Serve() error {
	if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Start runs Serve in a goroutine that Close waits for.
func (s *Server) Start() {
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		_ = s.Serve()
	}()
}

// Close stops the listener, drops every connection, cancels running
// commands and waits for them.
func (s *Server) Close() error {
	s.stop()
	err := s.http.Close()
	s.jobs.Wait()
	return err
}

// SetFaults replaces the simulated failures.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

func (s *Server) currentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// DropConnections closes every client connection from the server's side,
// as a reboot or a network failure would. Shells survive.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.Close()
	}
}

// LoseShells deletes every shell and cancels its commands, as a restart of
// the WinRM service does. Later requests for them get w:InvalidSelectors.
func (s *Server) LoseShells() {
	s.mu.Lock()
	lost := s.shells
	s.shells = map[string]*shell{}
	s.mu.Unlock()
	for _, sh := range lost {
		sh.close()
	}
}

func (s *Server) trackConn(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		s.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, c)
	}
}

func (sh *shell) close() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	select {
	case <-sh.lost:
	default:
		close(sh.lost)
	}
	for _, c := range sh.commands {
		c.cancel()
	}
}
