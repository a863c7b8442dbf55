package winrmremote_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/remote"
	"patchbay/remote/lab/wsman"
	"patchbay/remote/winrmremote"
)

const (
	labUser     = "admin"
	labPassword = "Pa55-word"
)

// mode is one transport the tests run over.
type mode struct {
	name  string
	https bool
	auth  winrmremote.Auth
}

var modes = []mode{
	{"BasicHTTPS", true, winrmremote.AuthBasic},
	{"NTLMEncryptedHTTP", false, winrmremote.AuthNTLM},
	{"NTLMHTTPS", true, winrmremote.AuthNTLM},
}

// lab is a running lab server with the client configuration for it.
type lab struct {
	srv  *wsman.Server
	host *labHost
	ca   *wsman.TestCA
	cfg  winrmremote.Config
}

// checkLeaks registers the goroutine check first, so that it runs after
// every later cleanup such as the server's Close.
func checkLeaks(t *testing.T) {
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) })
}

func startLab(t testing.TB, m mode, faults wsman.Faults) *lab {
	t.Helper()
	ca, err := wsman.NewTestCA()
	if err != nil {
		t.Fatal(err)
	}
	host := newLabHost()
	cfg := wsman.Config{Host: "ws01", Handler: host, Users: map[string]string{labUser: labPassword}, Faults: faults}
	if m.https {
		if cfg.TLS, err = ca.ServerTLS("127.0.0.1", "ws01.clinic.test"); err != nil {
			t.Fatal(err)
		}
	}
	srv := wsman.NewServer(cfg)
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() { _ = srv.Close() })
	return &lab{srv: srv, host: host, ca: ca, cfg: clientConfig(t, srv.Addr(), m, ca)}
}

func clientConfig(t testing.TB, addr string, m mode, ca *wsman.TestCA) winrmremote.Config {
	t.Helper()
	host, portText, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)
	return winrmremote.Config{
		Host: "ws01", Address: host, Port: port, HTTPS: m.https, CAPool: ca.Pool,
		Auth: m.auth, User: labUser, Password: staticPassword(labPassword),
		OperationTimeout: 2 * time.Second, DialTimeout: 2 * time.Second,
	}
}

func staticPassword(p string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return p, nil }
}

func (l *lab) dial(t testing.TB) remote.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := winrmremote.Dial(ctx, l.cfg)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// expectKind checks that err is a *remote.Error of the kind want.
func expectKind(t *testing.T, err error, want remote.Kind) *remote.Error {
	t.Helper()
	var re *remote.Error
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want a *remote.Error of kind %v", err, err, want)
	}
	if re.Kind != want {
		t.Fatalf("kind = %v, want %v (error: %v)", re.Kind, want, err)
	}
	return re
}
