package winrmremote_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/remote"
	"patchbay/remote/lab/wsman"
	"patchbay/remote/winrmremote"
)

func dialErr(t *testing.T, cfg winrmremote.Config) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := winrmremote.Dial(ctx, cfg)
	if err == nil {
		s.Close()
		t.Fatal("dial succeeded")
	}
	return err
}

func TestAuthRejectedNamesSchemes(t *testing.T) {
	checkLeaks(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			l := startLab(t, m, wsman.Faults{Unauthorized: true})
			err := dialErr(t, l.cfg)
			expectKind(t, err, remote.KindAuthRejected)
			want := "with " + string(m.auth) + " configured; the host offers Basic, Negotiate"
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			if strings.Contains(err.Error(), labPassword) {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

func TestNotWinRMNamesTitle(t *testing.T) {
	checkLeaks(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			l := startLab(t, m, wsman.Faults{HTML: true, HTMLTitle: "IIS Windows Server"})
			err := dialErr(t, l.cfg)
			expectKind(t, err, remote.KindNotWinRM)
			if !strings.Contains(err.Error(), `HTTP 200`) || !strings.Contains(err.Error(), `page title "IIS Windows Server"`) {
				t.Errorf("error %q lacks the status or the page title", err)
			}
		})
	}
}

func TestEnvelopeTooLargeNamesSizes(t *testing.T) {
	checkLeaks(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			l := startLab(t, m, wsman.Faults{})
			s := l.dial(t)
			l.srv.SetFaults(wsman.Faults{MaxEnvelope: 4000})
			err := s.Run(context.Background(), remote.Command{Line: "echo " + strings.Repeat("x", 5000)}, nil, nil)
			expectKind(t, err, remote.KindEnvelopeTooLarge)
			if !strings.Contains(err.Error(), "the envelope limit is configured as 512000 bytes") ||
				!strings.Contains(err.Error(), "request of ") {
				t.Errorf("error %q does not name both sizes", err)
			}
		})
	}
}

func TestCertificateUntrusted(t *testing.T) {
	checkLeaks(t)
	l := startLab(t, modes[0], wsman.Faults{})
	other, err := wsman.NewTestCA()
	if err != nil {
		t.Fatal(err)
	}
	cfg := l.cfg
	cfg.CAPool = other.Pool
	err = dialErr(t, cfg)
	expectKind(t, err, remote.KindCertificateUntrusted)

	cfg = l.cfg
	cfg.TLSServerName = "ws99.clinic.test"
	err = dialErr(t, cfg)
	re := expectKind(t, err, remote.KindCertificateUntrusted)
	if !strings.Contains(re.Detail, "ws99.clinic.test") {
		t.Errorf("detail %q does not name the expected host name", re.Detail)
	}
}

func TestTLSServerNameAccepted(t *testing.T) {
	checkLeaks(t)
	l := startLab(t, modes[0], wsman.Faults{})
	l.cfg.TLSServerName = "ws01.clinic.test"
	s := l.dial(t)
	var out strings.Builder
	if err := s.Run(context.Background(), remote.Command{Line: "echo named"}, &out, nil); err != nil {
		t.Fatal(err)
	}
}

func TestShellLost(t *testing.T) {
	checkLeaks(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			l := startLab(t, m, wsman.Faults{})
			s := l.dial(t)
			done := make(chan error, 1)
			pr := &readyWriter{ready: make(chan struct{})}
			go func() { done <- s.Run(context.Background(), remote.Command{Line: "lab-stream"}, pr, nil) }()
			<-pr.ready
			l.srv.LoseShells()
			err := <-done
			expectKind(t, err, remote.KindShellLost)
			if !strings.Contains(err.Error(), "re-check the host's state") {
				t.Errorf("error %q lacks the advice", err)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	checkLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	l := startLab(t, modes[0], wsman.Faults{})
	cfg := l.cfg
	cfg.Port = addr.Port
	expectKind(t, dialErr(t, cfg), remote.KindConnectionRefused)
}

func TestTimedOutPollsAgain(t *testing.T) {
	checkLeaks(t)
	l := startLab(t, modes[1], wsman.Faults{TimedOutPolls: 3})
	s := l.dial(t)
	var out strings.Builder
	if err := s.Run(context.Background(), remote.Command{Line: "echo after three polls"}, &out, nil); err != nil {
		t.Fatalf("run: %v", err)
	}
	if out.String() != "after three polls\r\n" {
		t.Errorf("stdout = %q", out.String())
	}
}

func TestCredentialError(t *testing.T) {
	cfg := winrmremote.Config{Host: "ws01", Address: "127.0.0.1", HTTPS: true, User: "admin",
		Password: func(context.Context) (string, error) { return "", errors.New("variable WS01_PASSWORD is not set") }}
	err := dialErr(t, cfg)
	expectKind(t, err, remote.KindCredential)
}

func TestConfigRejectsCleartext(t *testing.T) {
	cases := map[string]winrmremote.Config{
		"basic over http": {Host: "ws01", Address: "127.0.0.1", Auth: winrmremote.AuthBasic, User: "a",
			Password: staticPassword("p")},
		"insecure over http": {Host: "ws01", Address: "127.0.0.1", Insecure: true, User: "a",
			Password: staticPassword("p")},
		"unknown auth": {Host: "ws01", Address: "127.0.0.1", HTTPS: true, Auth: "kerberos", User: "a",
			Password: staticPassword("p")},
		"no password": {Host: "ws01", Address: "127.0.0.1", HTTPS: true, User: "a"},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			calledPassword := false
			if cfg.Password != nil {
				cfg.Password = func(context.Context) (string, error) { calledPassword = true; return "p", nil }
			}
			err := dialErr(t, cfg)
			if !errors.Is(err, winrmremote.ErrConfig) {
				t.Errorf("error = %v, want one wrapping ErrConfig", err)
			}
			if calledPassword {
				t.Error("the password was read for an invalid configuration")
			}
		})
	}
}

// readyWriter closes ready once "ready" has been written.
type readyWriter struct {
	strings.Builder
	ready chan struct{}
	seen  bool
}

func (w *readyWriter) Write(p []byte) (int, error) {
	n, err := w.Builder.Write(p)
	if !w.seen && strings.Contains(w.String(), "ready") {
		w.seen = true
		close(w.ready)
	}
	return n, err
}

func TestConnectionLostDuringReceive(t *testing.T) {
	checkLeaks(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			l := startLab(t, m, wsman.Faults{})
			s := l.dial(t)
			l.srv.SetFaults(wsman.Faults{DropReceives: true})
			err := s.Run(context.Background(), remote.Command{Line: "echo lost"}, nil, nil)
			expectKind(t, err, remote.KindConnectionLost)
		})
	}
}

func TestDialContextCarriesConnections(t *testing.T) {
	checkLeaks(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			l := startLab(t, m, wsman.Faults{})
			var mu sync.Mutex
			var dialed []string
			l.cfg.Address = "ws01.clinic.test" // resolvable only through the gateway below
			l.cfg.TLSServerName = "ws01.clinic.test"
			target := l.srv.Addr()
			l.cfg.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				mu.Lock()
				dialed = append(dialed, addr)
				mu.Unlock()
				var d net.Dialer
				return d.DialContext(ctx, network, target)
			}
			s := l.dial(t)
			var out strings.Builder
			if err := s.Run(context.Background(), remote.Command{Line: "echo via gateway"}, &out, nil); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(dialed) == 0 || !strings.HasPrefix(dialed[0], "ws01.clinic.test:") {
				t.Errorf("dialed %q, want ws01.clinic.test through DialContext", dialed)
			}
		})
	}
}

func TestCAFile(t *testing.T) {
	checkLeaks(t)
	ca, err := wsman.NewTestCA()
	if err != nil {
		t.Fatal(err)
	}
	l := startLab(t, modes[0], wsman.Faults{})
	dir := t.TempDir()

	missing := l.cfg
	missing.CAPool, missing.CAFile = nil, dir+"/missing.pem"
	if err := dialErr(t, missing); !errors.Is(err, winrmremote.ErrConfig) || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("missing CA file: err %v, want ErrConfig naming the file", err)
	}

	other := dir + "/other.pem"
	if err := os.WriteFile(other, ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	wrongCA := l.cfg
	wrongCA.CAPool, wrongCA.CAFile = nil, other
	expectKind(t, dialErr(t, wrongCA), remote.KindCertificateUntrusted)

	right := dir + "/right.pem"
	if err := os.WriteFile(right, l.ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	l.cfg.CAPool, l.cfg.CAFile = nil, right
	l.dial(t)
}
