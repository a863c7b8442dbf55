package sshremote

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func newTestPublicKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestKnownHostsParsedOncePerVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known_hosts")
	first, second := newTestPublicKey(t), newTestPublicKey(t)
	if err := os.WriteFile(path, []byte(knownhosts.Line([]string{"127.0.0.1"}, first)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := loadKnownHosts([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadKnownHosts([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("an unchanged known_hosts file was parsed again")
	}

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(knownhosts.Line([]string{"127.0.0.2"}, second) + "\n")
	f.Close()
	c, err := loadKnownHosts([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.callback("127.0.0.2:22", probeAddr("127.0.0.2:22"), second); err != nil {
		t.Errorf("the key added to known_hosts is not accepted: %v", err)
	}
	if err := c.callback("127.0.0.1:22", probeAddr("127.0.0.1:22"), first); err != nil {
		t.Errorf("the first key is no longer accepted: %v", err)
	}
}
