package wsman

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masterzen/winrm"
	"go.uber.org/goleak"

	"patchbay/remote/lab/hostexec"
)

// lineHandler runs a few cmd.exe-like lines: "echo TEXT", "exit N",
// "cat" (stdin to stdout), "sleep" (until cancelled) and PowerShell
// scripts, which it echoes back decoded.
type lineHandler struct{}

func (lineHandler) Exec(ctx context.Context, req hostexec.Request) (int, error) {
	if script, ok := hostexec.DecodePowerShell(req.Command); ok {
		fmt.Fprint(req.Stdout, script)
		return 0, nil
	}
	verb, arg, _ := strings.Cut(req.Command, " ")
	switch verb {
	case "echo":
		fmt.Fprintln(req.Stdout, arg)
		return 0, nil
	case "exit":
		return strconv.Atoi(arg)
	case "cat":
		_, err := io.Copy(req.Stdout, req.Stdin)
		return 0, err
	case "sleep":
		<-ctx.Done()
		return 1, ctx.Err()
	}
	fmt.Fprintf(req.Stderr, "'%s' is not recognized as an internal or external command\r\n", verb)
	return 9009, nil
}

type mode struct {
	name      string
	https     bool
	ntlm      bool
	encrypted bool
}

var modes = []mode{
	{"BasicHTTPS", true, false, false},
	{"NTLMHTTPS", true, true, false},
	{"NTLMEncryptedHTTP", false, true, true},
}

func startServer(t *testing.T, https bool, faults Faults) (*Server, *TestCA) {
	t.Helper()
	ca, err := NewTestCA()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Host: "lab1", Handler: lineHandler{}, Users: map[string]string{"admin": "s3cret"}, Faults: faults}
	if https {
		if cfg.TLS, err = ca.ServerTLS("127.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	srv := NewServer(cfg)
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { _ = srv.Close() })
	return srv, ca
}

func newClient(t *testing.T, srv *Server, ca *TestCA, m mode, password string) *winrm.Client {
	t.Helper()
	host, portText, _ := strings.Cut(srv.Addr(), ":")
	port, _ := strconv.Atoi(portText)
	ep := &winrm.Endpoint{Host: host, Port: port, HTTPS: m.https, CACert: ca.CertPEM, Timeout: 10 * time.Second}
	params := winrm.NewParameters("PT2S", "en-US", 153600)
	switch {
	case m.encrypted:
		params.TransportDecorator = func() winrm.Transporter {
			enc, err := winrm.NewEncryption("ntlm")
			if err != nil {
				t.Fatal(err)
			}
			return enc
		}
	case m.ntlm:
		params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	}
	c, err := winrm.NewClientWithParameters(ep, "admin", password, params)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRealClientModes(t *testing.T) {
	checkLeaks(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv, ca := startServer(t, m.https, Faults{})
			c := newClient(t, srv, ca, m, "s3cret")
			ctx := context.Background()

			stdout, stderr, code, err := c.RunCmdWithContext(ctx, "echo hello")
			if err != nil || code != 0 || stdout != "hello\n" || stderr != "" {
				t.Fatalf("echo: stdout %q stderr %q code %d err %v", stdout, stderr, code, err)
			}
			_, _, code, err = c.RunCmdWithContext(ctx, "exit 42")
			if err != nil || code != 42 {
				t.Fatalf("exit 42: code %d err %v", code, err)
			}
			if !m.encrypted {
				// NOTE: the pinned client's encryption transport swaps its
				// NTLM state on every request, so the concurrent Send and
				// Receive of a command with stdin crash it (nil security
				// session). winrmremote's own transport is tested with stdin.
				in := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB through stdin and back
				stdout, _, code, err = c.RunWithContextWithString(ctx, "cat", in)
				if err != nil || code != 0 || stdout != in {
					t.Fatalf("cat: %d bytes back of %d, code %d err %v", len(stdout), len(in), code, err)
				}
			}
			stdout, _, code, err = c.RunCmdWithContext(ctx, "echo "+strings.Repeat("x", 300<<10))
			if err != nil || code != 0 || len(stdout) != 300<<10+1 {
				t.Fatalf("large output: %d bytes, code %d err %v", len(stdout), code, err)
			}
			stdout, _, _, err = c.RunPSWithContext(ctx, "Write-Output 'é'")
			if err != nil || !strings.HasSuffix(stdout, "Write-Output 'é'") {
				t.Fatalf("powershell: stdout %q err %v", stdout, err)
			}
		})
	}
}

func TestRealClientWrongPassword(t *testing.T) {
	checkLeaks(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv, ca := startServer(t, m.https, Faults{})
			c := newClient(t, srv, ca, m, "wrong")
			_, _, _, err := c.RunCmdWithContext(context.Background(), "echo hello")
			if err == nil {
				t.Fatal("wrong password: command ran")
			}
		})
	}
}

func TestRealClientTimedOutPolls(t *testing.T) {
	checkLeaks(t)
	srv, ca := startServer(t, true, Faults{TimedOutPolls: 3})
	c := newClient(t, srv, ca, modes[0], "s3cret")
	stdout, _, code, err := c.RunCmdWithContext(context.Background(), "echo after polls")
	if err != nil || code != 0 || stdout != "after polls\n" {
		t.Fatalf("stdout %q code %d err %v", stdout, code, err)
	}
}

func TestRealClientCancel(t *testing.T) {
	checkLeaks(t)
	srv, ca := startServer(t, true, Faults{})
	c := newClient(t, srv, ca, modes[0], "s3cret")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, _, _, err := c.RunCmdWithContext(ctx, "sleep")
	if err == nil {
		t.Fatal("sleep: no error after cancel")
	}
}

func TestConcurrentClients(t *testing.T) {
	checkLeaks(t)
	srv, ca := startServer(t, true, Faults{})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(t, srv, ca, modes[i%2], "s3cret")
			out, _, _, err := c.RunCmdWithContext(context.Background(), fmt.Sprintf("echo %d", i))
			if err == nil && out != fmt.Sprintf("%d\n", i) {
				err = fmt.Errorf("client %d: stdout %q", i, out)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestListenRejectsNonLoopback(t *testing.T) {
	srv := NewServer(Config{Handler: lineHandler{}})
	for _, addr := range []string{"0.0.0.0:0", "[::1]:0", "localhost:0"} {
		if err := srv.Listen(addr); err == nil {
			t.Errorf("Listen(%q) succeeded", addr)
		}
	}
}

// checkLeaks registers the goroutine check first, so that it runs after
// every later cleanup such as the server's Close.
func checkLeaks(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
}
