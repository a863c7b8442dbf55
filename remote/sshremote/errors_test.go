package sshremote

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"patchbay/remote"
	"patchbay/remote/lab/sshserver"
)

func TestLegacyServerNeedsOption(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{Legacy: true})
	err := dialAndRun(t, lab.config)
	if kind := remote.KindOf(err); kind != remote.KindNoCommonAlgorithm {
		t.Fatalf("kind = %v, want no-common-algorithm (error: %v)", kind, err)
	}
	if !strings.Contains(err.Error(), "no common algorithm for ") {
		t.Errorf("error %q does not say which negotiation failed", err)
	}
	if !strings.Contains(err.Error(), "legacy_algorithms: true") {
		t.Errorf("error %q does not name the option to set", err)
	}
	cfg := lab.config
	cfg.LegacyAlgorithms = true
	if err := dialAndRun(t, cfg); err != nil {
		t.Errorf("dial with legacy algorithms: %v", err)
	}
}

func TestDialConnectionRefused(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port := splitAddr(t, listener.Addr().String())
	listener.Close()
	_, err = Dial(context.Background(), Config{Address: host, Port: port, User: "tech"})
	if kind := remote.KindOf(err); kind != remote.KindConnectionRefused {
		t.Fatalf("kind = %v, want connection-refused (error: %v)", kind, err)
	}
	if !remote.Missed(err) {
		t.Errorf("a refused connection does not count as a missed host")
	}
}

func TestDialKindOfNetworkErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want remote.Kind
	}{
		{"tcp timeout", &net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}, remote.KindUnreachable},
		{"no route", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}, remote.KindUnreachable},
		{"network down", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}, remote.KindUnreachable},
		{"refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, remote.KindConnectionRefused},
		{"handshake deadline", context.DeadlineExceeded, remote.KindTimeout},
		{"reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, remote.KindConnectionLost},
		{"eof", io.EOF, remote.KindConnectionLost},
		{"other", errors.New("something else"), remote.KindOther},
	}
	for _, tc := range tests {
		if got := dialKind(tc.err); got != tc.want {
			t.Errorf("%s: kind = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRunContextDeadline(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	s, err := Dial(context.Background(), lab.config)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = s.Run(ctx, remote.Command{Line: "sleep 30"}, io.Discard, io.Discard)
	if kind := remote.KindOf(err); kind != remote.KindTimeout {
		t.Errorf("kind = %v, want timeout (error: %v)", kind, err)
	}
}

func TestRunIdleTimeout(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	cfg := lab.config
	cfg.IdleTimeout = 300 * time.Millisecond
	s, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Output every 100 ms keeps the command alive past the idle timeout.
	busy := "for i in 1 2 3 4 5 6; do echo $i; sleep 0.1; done"
	if err := s.Run(context.Background(), remote.Command{Line: busy}, io.Discard, io.Discard); err != nil {
		t.Errorf("command with steady output: %v", err)
	}
	err = s.Run(context.Background(), remote.Command{Line: "echo start; sleep 30"}, io.Discard, io.Discard)
	if kind := remote.KindOf(err); kind != remote.KindTimeout {
		t.Fatalf("silent command: kind = %v, want timeout (error: %v)", kind, err)
	}
	if !strings.Contains(err.Error(), "no output for 300ms") {
		t.Errorf("error %q does not say how long the output was idle", err)
	}
}

func TestKeepaliveFindsDeadPeer(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	proxy := startFreezeProxy(t, lab.server.Addr())
	cfg := lab.config
	cfg.Address, cfg.Port = splitAddr(t, proxy.addr())
	cfg.KnownHosts = []string{writeKnownHosts(t, proxy.addr(), lab.server.HostKey())}
	cfg.KeepaliveInterval = 100 * time.Millisecond
	cfg.KeepaliveMax = 2
	s, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := make(chan error, 1)
	go func() {
		out <- s.Run(context.Background(), remote.Command{Line: "echo ready; sleep 30"}, io.Discard, io.Discard)
	}()
	time.Sleep(300 * time.Millisecond)
	proxy.freeze()
	select {
	case err = <-out:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the peer stopped answering")
	}
	if kind := remote.KindOf(err); kind != remote.KindConnectionLost {
		t.Fatalf("kind = %v, want connection-lost (error: %v)", kind, err)
	}
	if !strings.Contains(err.Error(), "keepalives") {
		t.Errorf("error %q does not say that keepalives found the dead peer", err)
	}
}

// freezeProxy forwards one TCP connection to a target until freeze is
// called, then stops forwarding in both directions without closing, as a
// peer that lost power looks to the client.
type freezeProxy struct {
	listener net.Listener
	target   string
	frozen   chan struct{}
	once     sync.Once
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

func startFreezeProxy(t *testing.T, target string) *freezeProxy {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezeProxy{listener: listener, target: target, frozen: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *freezeProxy) addr() string { return p.listener.Addr().String() }

func (p *freezeProxy) freeze() { p.once.Do(func() { close(p.frozen) }) }

func (p *freezeProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.listener.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(server, client)
		go p.pipe(client, server)
	}
}

// pipe copies from src to dst until freeze or an error.
func (p *freezeProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		select {
		case <-p.frozen:
			// Keep reading so the sender is not blocked, but forward nothing.
			if err != nil {
				return
			}
			continue
		default:
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *freezeProxy) close() {
	p.listener.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
