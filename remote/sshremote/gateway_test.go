package sshremote

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"patchbay/remote"
	"patchbay/remote/lab/hostexec"
	"patchbay/remote/lab/sshserver"
)

func TestGatewayCarriesSessions(t *testing.T) {
	jump := startLabHost(t, sshserver.Config{Host: "site-gateway", Forwarding: true})
	gateway, err := DialGateway(context.Background(), jump.config)
	if err != nil {
		t.Fatalf("dial gateway: %v", err)
	}
	defer gateway.Close()
	for i := range 3 {
		target := startLabHost(t, sshserver.Config{})
		cfg := target.config
		cfg.Gateway = gateway
		if err := dialAndRun(t, cfg); err != nil {
			t.Errorf("target %d through the gateway: %v", i, err)
		}
	}
	if n := jump.server.ConnectionCount(); n != 1 {
		t.Errorf("gateway has %d connections, want 1 shared by every session", n)
	}
}

func TestJumpConfigDialsThroughJumpHost(t *testing.T) {
	jump := startLabHost(t, sshserver.Config{Host: "site-gateway", Forwarding: true})
	target := startLabHost(t, sshserver.Config{})
	cfg := target.config
	jumpConfig := jump.config
	cfg.Jump = &jumpConfig
	if err := dialAndRun(t, cfg); err != nil {
		t.Fatalf("dial through the jump host: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for jump.server.ConnectionCount() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := jump.server.ConnectionCount(); n != 0 {
		t.Errorf("jump host still has %d connections after the session closed", n)
	}
}

func TestGatewayUnreachableTarget(t *testing.T) {
	jump := startLabHost(t, sshserver.Config{Host: "site-gateway", Forwarding: true})
	gateway, err := DialGateway(context.Background(), jump.config)
	if err != nil {
		t.Fatal(err)
	}
	defer gateway.Close()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := listener.Addr().String()
	listener.Close()
	_, err = gateway.DialContext(context.Background(), "tcp", closedAddr)
	if kind := remote.KindOf(err); kind != remote.KindUnreachable {
		t.Fatalf("kind = %v, want unreachable (error: %v)", kind, err)
	}
	if !strings.Contains(err.Error(), "through the gateway site-gateway") {
		t.Errorf("error %q does not name the gateway", err)
	}
}

// promptShell is a ShellHandler that shows "router#" and answers each
// line with "you typed: LINE".
type promptShell struct{ sshserver.LocalShell }

func (promptShell) Shell(ctx context.Context, sh hostexec.Shell) error {
	fmt.Fprintf(sh.RW, "%s %dx%d\nrouter#", sh.Term, sh.Width, sh.Height)
	lines := bufio.NewScanner(sh.RW)
	lines.Split(scanTerminalLines)
	for lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		if line == "exit" {
			return nil
		}
		fmt.Fprintf(sh.RW, "you typed: %s\nrouter#", line)
	}
	return nil
}

func TestOpenShell(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{Handler: promptShell{}})
	s, err := Dial(context.Background(), lab.config)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	shell, err := s.OpenShell(context.Background(), "vt100", 132, 40)
	if err != nil {
		t.Fatalf("open shell: %v", err)
	}
	defer shell.Close()
	// Closing the shell ends a read that would otherwise wait forever.
	timer := time.AfterFunc(10*time.Second, func() { shell.Close() })
	defer timer.Stop()
	screen := bufio.NewReader(shell)
	readUntil(t, screen, "router#")
	if _, err := io.WriteString(shell, "show version\r"); err != nil {
		t.Fatal(err)
	}
	got := readUntil(t, screen, "router#")
	if !strings.Contains(got, "you typed: show version") {
		t.Errorf("screen %q does not echo the command", got)
	}
}

// scanTerminalLines splits input at carriage returns or line feeds, because
// a terminal sends Enter as a carriage return.
func scanTerminalLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := strings.IndexAny(string(data), "\r\n"); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// readUntil reads from r until the text read ends with suffix.
func readUntil(t *testing.T, r *bufio.Reader, suffix string) string {
	t.Helper()
	var b strings.Builder
	for !strings.HasSuffix(b.String(), suffix) {
		c, err := r.ReadByte()
		if err != nil {
			t.Fatalf("read until %q: %v (read %q)", suffix, err, b.String())
		}
		b.WriteByte(c)
	}
	return b.String()
}

func TestCopyFileMissingDirectory(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	s, err := Dial(context.Background(), lab.config)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dst := t.TempDir() + "/no such dir/file"
	err = s.CopyFile(context.Background(), strings.NewReader("x"), 1, dst, 0o600)
	if err == nil {
		t.Fatal("copy into a missing directory succeeded")
	}
	if !strings.Contains(err.Error(), dst) {
		t.Errorf("error %q does not name the destination", err)
	}
	var exit *remote.ExitError
	if errors.As(err, &exit) {
		t.Errorf("error is an exit status, want a copy failure: %v", err)
	}
}
