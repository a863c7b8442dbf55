package fleet_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"patchbay/inventory"
	"patchbay/inventory/credential"
	"patchbay/remote"
	"patchbay/remote/fleet"
	"patchbay/remote/lab/hostexec"
	"patchbay/remote/lab/sshserver"
	"patchbay/remote/lab/wsman"
	"patchbay/remote/sshremote"
)

const (
	sshPassword   = "ssh-Secret-4711"
	winrmPassword = "winrm-Secret-0815"
)

// echoHandler replies to every command with the host's name and the command.
type echoHandler struct{ host string }

func (e echoHandler) Exec(_ context.Context, req hostexec.Request) (int, error) {
	fmt.Fprintf(req.Stdout, "%s ran %s", e.host, req.Command)
	return 0, nil
}

// collected is a Redactor that records the secrets it receives.
type collected struct {
	mu      sync.Mutex
	secrets []string
}

func (c *collected) Add(secret string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.secrets = append(c.secrets, secret)
}

func (c *collected) has(secret string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.secrets {
		if s == secret {
			return true
		}
	}
	return false
}

// world is a set of lab servers with an inventory that names them.
type world struct {
	dir        string
	inv        *inventory.Inventory
	knownHosts string
	gateway    *sshserver.Server
	servers    map[string]*sshserver.Server
	redactor   *collected
}

func startSSH(t *testing.T, name string, forwarding bool) *sshserver.Server {
	t.Helper()
	s, err := sshserver.Start(sshserver.Config{Host: name, Handler: echoHandler{name},
		Passwords: map[string]string{"tech": sshPassword}, Forwarding: forwarding})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func startWinRM(t *testing.T, name string, ca *wsman.TestCA) *wsman.Server {
	t.Helper()
	tlsConfig, err := ca.ServerTLS("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s := wsman.NewServer(wsman.Config{Host: name, Handler: echoHandler{name},
		Users: map[string]string{"admin": winrmPassword}, TLS: tlsConfig})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { s.Close() })
	return s
}

func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// startWorld starts a direct site with an SSH and a WinRM host, one
// excepted, and a site behind a gateway with one host of each transport.
func startWorld(t *testing.T) *world {
	t.Helper()
	w := &world{dir: t.TempDir(), servers: map[string]*sshserver.Server{}, redactor: &collected{}}
	ca, err := wsman.NewTestCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile := w.write(t, "ca.pem", string(ca.CertPEM), 0o644)
	w.write(t, "ssh-password", sshPassword+"\n", 0o600)
	w.gateway = startSSH(t, "gw", true)
	for _, name := range []string{"lin-01", "lin-02", "lin-behind"} {
		w.servers[name] = startSSH(t, name, false)
	}
	win := startWinRM(t, "win-01", ca)
	winBehind := startWinRM(t, "win-behind", ca)
	w.writeKnownHosts(t)

	var b strings.Builder
	fmt.Fprintf(&b, inventoryHead, w.dir)
	fmt.Fprintf(&b, "  - id: direct\n    name: Direct practice\n    owner: Test Owner\n    time_zone: UTC\n    windows: [daily 00:00-24:00]\n    hosts:\n")
	b.WriteString(sshHost(t, "lin-01", w.servers["lin-01"].Addr()))
	b.WriteString(sshHost(t, "lin-02", w.servers["lin-02"].Addr()))
	b.WriteString(winrmHost(t, "win-01", win.Addr(), caFile))
	fmt.Fprintf(&b, "  - id: behind\n    name: Behind practice\n    owner: Test Owner\n    time_zone: UTC\n    windows: [daily 00:00-24:00]\n    gateway: gw\n    hosts:\n")
	b.WriteString(sshHost(t, "gw", w.gateway.Addr()))
	b.WriteString(sshHost(t, "lin-behind", w.servers["lin-behind"].Addr()))
	b.WriteString(winrmHost(t, "win-behind", winBehind.Addr(), caFile))
	b.WriteString(exceptionTail)
	path := w.write(t, "inventory.yaml", b.String(), 0o644)
	w.inv, err = inventory.Load(path, inventory.Options{Now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

const inventoryHead = `rings:
  - name: production
    delay: 0h
    deploy: 1d
    soak: 0h
    success_share: 95%%
    failure_budget: 1
credentials:
  - name: ssh-file
    file: %s/ssh-password
  - name: winrm-env
    env: FLEET_TEST_WINRM
sites:
`

const exceptionTail = `exceptions:
  - id: lin-02-frozen
    hosts: [lin-02]
    app: Imaging
    reason: the imaging vendor certifies only the current build
    controls: [dedicated VLAN]
    owner: Test Owner
    approved: 2026-11-01
    review_by: 2027-02-01
`

// sshHost returns the inventory entry of an SSH host. lin-02 is excepted,
// so it has no ring.
func sshHost(t *testing.T, name, addr string) string {
	host, port := hostPort(t, addr)
	ring := "        ring: production\n"
	if name == "lin-02" {
		ring = ""
	}
	return fmt.Sprintf("      - name: %s\n        address: %s\n        platform: linux-apt\n%s"+
		"        transport: {user: tech, credential: ssh-file, port: %s}\n", name, host, ring, port)
}

func winrmHost(t *testing.T, name, addr, caFile string) string {
	host, port := hostPort(t, addr)
	return fmt.Sprintf("      - name: %s\n        address: %s\n        platform: windows\n        ring: production\n"+
		"        transport: {kind: winrm, user: admin, credential: winrm-env, port: %s, ca_file: %s}\n", name, host, port, caFile)
}

func (w *world) write(t *testing.T, name, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(w.dir, name)
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeKnownHosts pins the key of every SSH server but lin-behind's.
func (w *world) writeKnownHosts(t *testing.T) {
	t.Helper()
	var b strings.Builder
	servers := map[string]*sshserver.Server{"gw": w.gateway, "lin-01": w.servers["lin-01"], "lin-02": w.servers["lin-02"]}
	for _, s := range servers {
		b.WriteString(knownhosts.Line([]string{knownhosts.Normalize(s.Addr())}, s.HostKey()) + "\n")
	}
	w.knownHosts = w.write(t, "known_hosts", b.String(), 0o644)
}

// pin adds the key of the named server to known_hosts.
func (w *world) pin(t *testing.T, name string) {
	t.Helper()
	s := w.servers[name]
	if err := sshremote.PinHostKey(w.knownHosts, s.Addr(), s.HostKey()); err != nil {
		t.Fatal(err)
	}
}

func (w *world) dialer(env map[string]string) *fleet.Dialer {
	return fleet.New(w.inv, fleet.Options{
		KnownHosts: []string{w.knownHosts},
		Env:        credential.Env{Getenv: func(k string) string { return env[k] }, Home: w.dir},
		Redactor:   w.redactor,
		Configure: func(c *sshremote.Config) {
			c.DialTimeout, c.AuthTimeout, c.KeepaliveInterval = 2*time.Second, 2*time.Second, -1
		},
		ConfigureWinRM: func(c *fleet.WinRMConfig) { c.DialTimeout, c.OperationTimeout = 2*time.Second, 2*time.Second },
	})
}

var winrmEnv = map[string]string{"FLEET_TEST_WINRM": winrmPassword}

func checkLeaks(t *testing.T) {
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) })
}

func run(t *testing.T, s remote.Session, cmd remote.Command) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := s.Run(context.Background(), cmd, &out, &out)
	return out.String(), err
}

func TestDialSSHAndWinRM(t *testing.T) {
	checkLeaks(t)
	w := startWorld(t)
	d := w.dialer(winrmEnv)
	defer d.Close()
	for _, name := range []string{"lin-01", "win-01"} {
		s, err := d.Dial(context.Background(), w.inv.Host(name))
		if err != nil {
			t.Fatalf("dial %s: %v", name, err)
		}
		out, err := run(t, s, remote.Command{Line: "uptime"})
		s.Close()
		if err != nil {
			t.Fatalf("%s: run: %v", name, err)
		}
		if !strings.HasPrefix(out, name+" ran ") {
			t.Errorf("%s: output %q, want it from %s", name, out, name)
		}
	}
	if !w.redactor.has(sshPassword) || !w.redactor.has(winrmPassword) {
		t.Errorf("redactor got %d secrets, want both passwords", len(w.redactor.secrets))
	}
}

func TestDialGuardsExceptedHost(t *testing.T) {
	checkLeaks(t)
	w := startWorld(t)
	d := w.dialer(winrmEnv)
	defer d.Close()
	s, err := d.Dial(context.Background(), w.inv.Host("lin-02"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := run(t, s, remote.Command{Line: "apt-get upgrade"}); !errors.Is(err, remote.ErrWriteRefused) {
		t.Errorf("changing command on excepted host: error %v, want ErrWriteRefused", err)
	}
	if _, err := run(t, s, remote.Command{Line: "uname -r", ReadOnly: true}); err != nil {
		t.Errorf("read-only command on excepted host: %v", err)
	}
}

func TestDialSharesSiteGateway(t *testing.T) {
	checkLeaks(t)
	w := startWorld(t)
	w.pin(t, "lin-behind")
	d := w.dialer(winrmEnv)
	var sessions []remote.Session
	for _, name := range []string{"lin-behind", "win-behind", "lin-behind"} {
		s, err := d.Dial(context.Background(), w.inv.Host(name))
		if err != nil {
			t.Fatalf("dial %s: %v", name, err)
		}
		sessions = append(sessions, s)
		out, err := run(t, s, remote.Command{Line: "hostname", ReadOnly: true})
		if err != nil || !strings.HasPrefix(out, name) {
			t.Errorf("%s: output %q, error %v", name, out, err)
		}
	}
	if n := w.gateway.ConnectionCount(); n != 1 {
		t.Errorf("gateway has %d connections, want 1 shared by every session", n)
	}
	for _, s := range sessions {
		s.Close()
	}
	if err := d.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	for _, name := range []string{"lin-behind", "lin-01"} {
		if _, err := d.Dial(context.Background(), w.inv.Host(name)); err == nil {
			t.Errorf("dial of %s after Close succeeded", name)
		}
	}
}

func TestDialUnknownHostKeyBehindGateway(t *testing.T) {
	checkLeaks(t)
	w := startWorld(t)
	d := w.dialer(winrmEnv)
	defer d.Close()
	_, err := d.Dial(context.Background(), w.inv.Host("lin-behind"))
	if remote.KindOf(err) != remote.KindUnknownHostKey {
		t.Errorf("kind %v, want unknown-host-key (error %v)", remote.KindOf(err), err)
	}
}

func TestDialUnresolvedCredential(t *testing.T) {
	checkLeaks(t)
	w := startWorld(t)
	d := w.dialer(nil)
	defer d.Close()
	_, err := d.Dial(context.Background(), w.inv.Host("win-01"))
	if remote.KindOf(err) != remote.KindCredential {
		t.Fatalf("kind %v, want credential (error %v)", remote.KindOf(err), err)
	}
	if !strings.Contains(err.Error(), "FLEET_TEST_WINRM") {
		t.Errorf("error %q does not name the variable", err)
	}
}

func TestDialWrongPasswordHidesSecret(t *testing.T) {
	checkLeaks(t)
	w := startWorld(t)
	d := w.dialer(map[string]string{"FLEET_TEST_WINRM": "wrong-Secret-1234"})
	defer d.Close()
	_, err := d.Dial(context.Background(), w.inv.Host("win-01"))
	if remote.KindOf(err) != remote.KindAuthRejected {
		t.Errorf("kind %v, want auth-rejected (error %v)", remote.KindOf(err), err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong-Secret-1234") {
		t.Errorf("error contains the password: %v", err)
	}
}

func TestDialRejectsForeignHost(t *testing.T) {
	w := startWorld(t)
	d := w.dialer(winrmEnv)
	defer d.Close()
	copyOfHost := *w.inv.Host("lin-01")
	if _, err := d.Dial(context.Background(), &copyOfHost); err == nil {
		t.Error("dial of a host outside the inventory succeeded")
	}
}

func TestSSHConfigInventoryWins(t *testing.T) {
	checkLeaks(t)
	w := startWorld(t)
	config := "Host lin-01\n  User someone-else\n  HostName 127.0.0.254\n  IdentityFile ~/.ssh/id_lab\n"
	parsed, err := sshremote.ParseSSHConfig(strings.NewReader(config), w.dir)
	if err != nil {
		t.Fatal(err)
	}
	writeKey(t, filepath.Join(w.dir, ".ssh", "id_lab"))
	d := fleet.New(w.inv, fleet.Options{KnownHosts: []string{w.knownHosts}, SSHConfig: parsed,
		Env: credential.Env{Getenv: func(string) string { return "" }, Home: w.dir}})
	defer d.Close()

	cfg, err := d.SSHConfig(context.Background(), w.inv.Host("lin-01"), true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.User != "tech" || cfg.Address != w.inv.Host("lin-01").Address {
		t.Errorf("user %q, address %q; want the inventory's tech and %s", cfg.User, cfg.Address, w.inv.Host("lin-01").Address)
	}
	if len(cfg.Auth) != 3 {
		t.Errorf("%d auth methods, want password, keyboard-interactive and the IdentityFile", len(cfg.Auth))
	}
	s, err := d.Dial(context.Background(), w.inv.Host("lin-01"))
	if err != nil {
		t.Fatalf("dial with ~/.ssh/config: %v", err)
	}
	s.Close()
}

// writeKey writes a new unencrypted ed25519 private key in OpenSSH form.
func writeKey(t *testing.T, path string) {
	t.Helper()
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(private, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDialKeyFromCredentialFile(t *testing.T) {
	checkLeaks(t)
	w := &world{dir: t.TempDir(), servers: map[string]*sshserver.Server{}, redactor: &collected{}}
	keyPath := filepath.Join(w.dir, "ssh-password")
	writeKey(t, keyPath)
	pemBytes, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	server, err := sshserver.Start(sshserver.Config{Host: "lin-01", Handler: echoHandler{"lin-01"},
		AuthorizedKeys: map[string][]ssh.PublicKey{"tech": {signer.PublicKey()}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	w.knownHosts = w.write(t, "known_hosts", knownhosts.Line([]string{knownhosts.Normalize(server.Addr())}, server.HostKey())+"\n", 0o644)
	var b strings.Builder
	fmt.Fprintf(&b, inventoryHead, w.dir)
	b.WriteString("  - id: direct\n    name: Direct practice\n    owner: Test Owner\n    time_zone: UTC\n    windows: [daily 00:00-24:00]\n    hosts:\n")
	b.WriteString(sshHost(t, "lin-01", server.Addr()))
	w.inv, err = inventory.Load(w.write(t, "inventory.yaml", b.String(), 0o644), inventory.Options{})
	if err != nil {
		t.Fatal(err)
	}

	d := w.dialer(nil)
	defer d.Close()
	s, err := d.Dial(context.Background(), w.inv.Host("lin-01"))
	if err != nil {
		t.Fatalf("dial with a key in the credential file: %v", err)
	}
	s.Close()
	if !w.redactor.has(string(pemBytes[:len(pemBytes)-1])) {
		t.Error("the private key was not registered with the redactor")
	}
}

func TestDeadGatewayFailsEveryHost(t *testing.T) {
	checkLeaks(t)
	w := startWorld(t)
	w.gateway.Close()
	d := w.dialer(winrmEnv)
	defer d.Close()
	for _, name := range []string{"lin-behind", "win-behind"} {
		_, err := d.Dial(context.Background(), w.inv.Host(name))
		if !remote.Missed(err) {
			t.Errorf("%s: error %v, want a missed host (kind %v)", name, err, remote.KindOf(err))
		}
		if err != nil && !strings.Contains(err.Error(), "gateway gw") {
			t.Errorf("%s: error %q does not name the gateway", name, err)
		}
	}
}
