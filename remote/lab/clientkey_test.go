package lab_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"patchbay/remote/lab"
	"patchbay/remote/sshremote"
)

func TestFleetAcceptsClientKey(t *testing.T) {
	f := startFleet(t, lab.Options{ExtraHosts: 1})
	keyPath := filepath.Join(f.Dir(), "credentials", "id_ed25519")
	info, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("client key mode = %v, want 0600", info.Mode().Perm())
	}
	pemBytes, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := os.ReadFile(keyPath + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(gossh.MarshalAuthorizedKey(signer.PublicKey())); got != string(pub) {
		t.Errorf("id_ed25519.pub = %q, want %q", pub, got)
	}

	e := endpointOf(t, f, "ent-lab-001")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := sshremote.Dial(ctx, sshremote.Config{
		Host: e.Host, Address: e.Address, Port: e.Port, User: e.User,
		Auth:              []sshremote.AuthMethod{sshremote.KeyFile(keyPath, nil)},
		KnownHosts:        []string{filepath.Join(f.Dir(), "known_hosts")},
		DialTimeout:       2 * time.Second,
		KeepaliveInterval: -1,
	})
	if err != nil {
		t.Fatalf("login with the lab's client key: %v", err)
	}
	defer s.Close()
	out, err := runOn(t, s, "hostname")
	if err != nil || strings.TrimSpace(out) != "ent-lab-001" {
		t.Errorf("hostname: err %v, output %q", err, out)
	}
}
