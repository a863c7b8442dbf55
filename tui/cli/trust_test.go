package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"patchbay/remote"
	"patchbay/remote/lab/sshserver"
	"patchbay/remote/sshremote"
)

// startTrustHost starts a lab SSH server that admits userKey as "tech".
func startTrustHost(t *testing.T, userKey gossh.Signer) *sshserver.Server {
	t.Helper()
	server, err := sshserver.Start(sshserver.Config{
		Handler:        sshserver.LocalShell{Dir: t.TempDir()},
		AuthorizedKeys: map[string][]gossh.PublicKey{"tech": {userKey.PublicKey()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return server
}

func runTrust(t *testing.T, stateDir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(append([]string{"--state", stateDir, "trust"}, args...), Env{
		Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" },
	})
	return code, stdout.String(), stderr.String()
}

func TestTrustPinsKeyForNextSession(t *testing.T) {
	userKey, err := sshserver.NewEd25519Key()
	if err != nil {
		t.Fatal(err)
	}
	server := startTrustHost(t, userKey)
	stateDir := t.TempDir()
	host, portText, _ := strings.Cut(server.Addr(), ":")
	port, _ := strconv.Atoi(portText)
	cfg := sshremote.Config{Address: host, Port: port, User: "tech",
		Auth:       []sshremote.AuthMethod{sshremote.Signers(userKey)},
		KnownHosts: []string{filepath.Join(stateDir, sshremote.KnownHostsFile)}}

	_, err = sshremote.Dial(context.Background(), cfg)
	if remote.KindOf(err) != remote.KindUnknownHostKey {
		t.Fatalf("dial before trust: kind %v, want unknown-host-key (error: %v)", remote.KindOf(err), err)
	}
	if !strings.Contains(err.Error(), gossh.FingerprintSHA256(server.HostKey())) {
		t.Errorf("error %q does not name the fingerprint", err)
	}

	code, stdout, stderr := runTrust(t, stateDir, "y\n", server.Addr())
	if code != ExitOK {
		t.Fatalf("trust exit code %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, gossh.FingerprintSHA256(server.HostKey())) {
		t.Errorf("trust output %q does not show the fingerprint", stdout)
	}

	session, err := sshremote.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatalf("dial after trust: %v", err)
	}
	session.Close()
}

func TestTrustDeclinedWritesNothing(t *testing.T) {
	userKey, err := sshserver.NewEd25519Key()
	if err != nil {
		t.Fatal(err)
	}
	server := startTrustHost(t, userKey)
	stateDir := t.TempDir()
	code, _, _ := runTrust(t, stateDir, "n\n", server.Addr())
	if code != ExitAborted {
		t.Errorf("exit code %d, want %d", code, ExitAborted)
	}
	if _, err := os.Stat(filepath.Join(stateDir, sshremote.KnownHostsFile)); !os.IsNotExist(err) {
		t.Errorf("known_hosts exists after a declined trust (stat error %v)", err)
	}
}

func TestTrustInvalidPort(t *testing.T) {
	code, _, stderr := runTrust(t, t.TempDir(), "", "127.0.0.1:99999")
	if code != ExitUsage {
		t.Errorf("exit code %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(stderr, "invalid port") {
		t.Errorf("stderr %q does not name the invalid port", stderr)
	}
}

// writeTrustInventory writes an inventory with an SSH host at addr that
// sets legacy_algorithms, and a WinRM host.
func writeTrustInventory(t *testing.T, addr string) string {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	text := `rings:
  - name: production
    delay: 0h
    deploy: 1d
    soak: 0h
    success_share: 95%
    failure_budget: 1
credentials:
  - name: agent
    agent: true
  - name: winrm-password
    env: TRUST_TEST_WINRM_PASSWORD
sites:
  - id: lab
    name: Lab practice
    time_zone: Europe/Berlin
    windows: [mon-sun 00:00-24:00]
    hosts:
      - name: old-switch
        address: ` + host + `
        platform: cisco-ios
        ring: production
        transport: {user: admin, credential: agent, port: ` + port + `, legacy_algorithms: true}
      - name: front-desk
        address: 127.0.0.1
        platform: windows
        ring: production
        transport: {user: patchbay, credential: winrm-password}
`
	path := filepath.Join(t.TempDir(), "patchbay.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTrustInventoryHost(t *testing.T) {
	server, err := sshserver.Start(sshserver.Config{Handler: sshserver.LocalShell{}, Legacy: true})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	inventoryPath := writeTrustInventory(t, server.Addr())
	stateDir := t.TempDir()
	code, stdout, stderr := runTrust(t, stateDir, "", "--inventory="+inventoryPath, "--yes", "old-switch")
	if code != ExitOK {
		t.Fatalf("trust exit code %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, gossh.FingerprintSHA256(server.HostKey())) {
		t.Errorf("trust output %q does not show the fingerprint", stdout)
	}
	pinned, err := os.ReadFile(filepath.Join(stateDir, sshremote.KnownHostsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pinned), strings.TrimSpace(string(gossh.MarshalAuthorizedKey(server.HostKey())))) {
		t.Errorf("known_hosts %q does not contain the server's key", pinned)
	}
}

func TestTrustWinRMHostRejected(t *testing.T) {
	inventoryPath := writeTrustInventory(t, "127.0.0.1:22")
	code, _, stderr := runTrust(t, t.TempDir(), "", "--inventory="+inventoryPath, "front-desk")
	if code != ExitUsage {
		t.Errorf("exit code %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(stderr, "SSH host keys only") {
		t.Errorf("stderr %q does not say why", stderr)
	}
}
