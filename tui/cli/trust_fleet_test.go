package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"patchbay/inventory"
	"patchbay/inventory/credential"
	"patchbay/remote"
	"patchbay/remote/fleet"
	"patchbay/remote/lab/sshserver"
	"patchbay/remote/sshremote"
)

const gatewayTestPassword = "gw-Secret-2718"

// startPasswordHost starts a lab SSH server that admits "tech" with
// gatewayTestPassword.
func startPasswordHost(t *testing.T, forwarding bool) *sshserver.Server {
	t.Helper()
	server, err := sshserver.Start(sshserver.Config{Handler: sshserver.LocalShell{Dir: t.TempDir()},
		Passwords: map[string]string{"tech": gatewayTestPassword}, Forwarding: forwarding})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return server
}

// writeGatewayInventory writes an inventory whose site reaches inner
// through the gateway gw, both with a password file credential.
func writeGatewayInventory(t *testing.T, gw, inner string) string {
	t.Helper()
	dir := t.TempDir()
	secret := filepath.Join(dir, "password")
	if err := os.WriteFile(secret, []byte(gatewayTestPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gwHost, gwPort, _ := strings.Cut(gw, ":")
	innerHost, innerPort, _ := strings.Cut(inner, ":")
	text := `rings:
  - name: production
    delay: 0h
    deploy: 1d
    soak: 0h
    success_share: 95%
    failure_budget: 1
credentials:
  - name: password
    file: ` + secret + `
sites:
  - id: lab
    name: Lab practice
    owner: Test Owner
    time_zone: Europe/Berlin
    windows: [mon-sun 00:00-24:00]
    gateway: lab-gw
    hosts:
      - name: lab-gw
        address: ` + gwHost + `
        platform: linux-apt
        ring: production
        transport: {user: tech, credential: password, port: ` + gwPort + `}
      - name: lab-files
        address: ` + innerHost + `
        platform: linux-apt
        ring: production
        transport: {user: tech, credential: password, port: ` + innerPort + `}
`
	path := filepath.Join(dir, "patchbay.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTrustBehindGatewayPinsKey(t *testing.T) {
	gw := startPasswordHost(t, true)
	inner := startPasswordHost(t, false)
	inventoryPath := writeGatewayInventory(t, gw.Addr(), inner.Addr())
	stateDir := t.TempDir()

	code, _, stderr := runTrust(t, stateDir, "", "--inventory="+inventoryPath, "--yes", "lab-files")
	if code != ExitFailures || !strings.Contains(stderr, "lab-gw") || !strings.Contains(stderr, "host key is not known") {
		t.Errorf("trust before the gateway is pinned: exit %d, stderr %q; want the gateway's unknown key", code, stderr)
	}

	for _, name := range []string{"lab-gw", "lab-files"} {
		code, stdout, stderr := runTrust(t, stateDir, "", "--inventory="+inventoryPath, "--yes", name)
		if code != ExitOK {
			t.Fatalf("trust %s: exit %d, stderr %q", name, code, stderr)
		}
		server := map[string]*sshserver.Server{"lab-gw": gw, "lab-files": inner}[name]
		if !strings.Contains(stdout, gossh.FingerprintSHA256(server.HostKey())) {
			t.Errorf("trust %s output %q does not show the fingerprint", name, stdout)
		}
	}

	inv, err := inventory.Load(inventoryPath, inventory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := fleet.New(inv, fleet.Options{KnownHosts: []string{filepath.Join(stateDir, sshremote.KnownHostsFile)},
		Env: credential.Env{Getenv: func(string) string { return "" }}})
	defer d.Close()
	s, err := d.Dial(context.Background(), inv.Host("lab-files"))
	if err != nil {
		t.Fatalf("dial after trust: %v", err)
	}
	defer s.Close()
	var out strings.Builder
	if err := s.Run(context.Background(), remote.Command{Line: "echo pinned", ReadOnly: true}, &out, &out); err != nil || out.String() != "pinned\n" {
		t.Errorf("run after trust: output %q, error %v", out.String(), err)
	}
}
