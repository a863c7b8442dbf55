package sshremote

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"patchbay/remote"
	"patchbay/remote/lab/sshserver"
)

func secret(s string) SecretFunc { return func() (string, error) { return s, nil } }

func TestAuthPassword(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{Passwords: map[string]string{"tech": "correct horse"}})
	cfg := lab.config
	cfg.Auth = []AuthMethod{Password(secret("correct horse"))}
	if err := dialAndRun(t, cfg); err != nil {
		t.Errorf("dial with the right password: %v", err)
	}
	cfg.Auth = []AuthMethod{Password(secret("wrong"))}
	err := dialAndRun(t, cfg)
	if kind := remote.KindOf(err); kind != remote.KindAuthRejected {
		t.Fatalf("kind = %v, want auth-rejected (error: %v)", kind, err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error %q contains the password", err)
	}
}

func TestAuthKeyboardInteractive(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{KeyboardInteractive: map[string]string{"tech": "enable me"}})
	cfg := lab.config
	cfg.Auth = []AuthMethod{KeyboardInteractive(secret("enable me"))}
	if err := dialAndRun(t, cfg); err != nil {
		t.Errorf("dial with the right answer: %v", err)
	}
	cfg.Auth = []AuthMethod{KeyboardInteractive(secret("nope"))}
	if kind := remote.KindOf(dialAndRun(t, cfg)); kind != remote.KindAuthRejected {
		t.Errorf("kind with a wrong answer = %v, want auth-rejected", kind)
	}
}

func TestAuthRejectFault(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	lab.server.SetRejectAuth(true)
	if kind := remote.KindOf(dialAndRun(t, lab.config)); kind != remote.KindAuthRejected {
		t.Errorf("kind while rejecting = %v, want auth-rejected", kind)
	}
	lab.server.SetRejectAuth(false)
	if err := dialAndRun(t, lab.config); err != nil {
		t.Errorf("dial after the fault ended: %v", err)
	}
}

// writeKeyFile writes a new ed25519 private key to a file, encrypted when
// passphrase is not empty, and returns the path and the key.
func writeKeyFile(t *testing.T, passphrase string) (string, ed25519.PrivateKey) {
	t.Helper()
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(private, "")
	if passphrase != "" {
		block, err = gossh.MarshalPrivateKeyWithPassphrase(private, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, private
}

// startLabHostKeys starts a lab host that also admits the public half of
// private as "tech".
func startLabHostKeys(t *testing.T, private ed25519.PrivateKey) *labHost {
	t.Helper()
	public, err := gossh.NewPublicKey(private.Public())
	if err != nil {
		t.Fatal(err)
	}
	return startLabHost(t, sshserver.Config{AuthorizedKeys: map[string][]gossh.PublicKey{"tech": {public}}})
}

func TestAuthKeyFileWithPassphrase(t *testing.T) {
	path, private := writeKeyFile(t, "key passphrase")
	lab := startLabHostKeys(t, private)
	cfg := lab.config
	cfg.Auth = []AuthMethod{KeyFile(path, secret("key passphrase"))}
	if err := dialAndRun(t, cfg); err != nil {
		t.Errorf("dial with an encrypted key file: %v", err)
	}
	cfg.Auth = []AuthMethod{KeyFile(path, nil)}
	err := dialAndRun(t, cfg)
	if kind := remote.KindOf(err); kind != remote.KindCredential {
		t.Fatalf("kind without a passphrase = %v, want credential (error: %v)", kind, err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the key file", err)
	}
}

func TestAuthKeyFileMissing(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	cfg := lab.config
	cfg.Auth = []AuthMethod{KeyFile(filepath.Join(t.TempDir(), "id_missing"), nil)}
	if kind := remote.KindOf(dialAndRun(t, cfg)); kind != remote.KindCredential {
		t.Errorf("kind = %v, want credential", kind)
	}
}

func TestAuthPassphraseError(t *testing.T) {
	path, private := writeKeyFile(t, "key passphrase")
	lab := startLabHostKeys(t, private)
	cfg := lab.config
	failing := func() (string, error) { return "", errors.New("variable PB_KEY_PASS is not set") }
	cfg.Auth = []AuthMethod{KeyFile(path, failing)}
	err := dialAndRun(t, cfg)
	if kind := remote.KindOf(err); kind != remote.KindCredential {
		t.Fatalf("kind = %v, want credential (error: %v)", kind, err)
	}
	if !strings.Contains(err.Error(), "PB_KEY_PASS") {
		t.Errorf("error %q does not carry the reference's own error", err)
	}
}

func TestAuthAgent(t *testing.T) {
	_, private := writeKeyFile(t, "")
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: private}); err != nil {
		t.Fatal(err)
	}
	lab := startLabHostKeys(t, private)
	cfg := lab.config
	cfg.Auth = []AuthMethod{Agent(serveAgent(t, keyring))}
	if err := dialAndRun(t, cfg); err != nil {
		t.Errorf("dial with the agent's key: %v", err)
	}
}

func serveAgent(t *testing.T, keyring agent.Agent) string {
	t.Helper()
	socket := filepath.Join(t.TempDir(), "agent.sock")
	listener, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			agent.ServeAgent(keyring, conn)
			conn.Close()
		}
	}()
	t.Cleanup(func() {
		listener.Close()
		<-done
	})
	return socket
}

func TestAuthPasswordReferenceFails(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{Passwords: map[string]string{"tech": "pw"}})
	cfg := lab.config
	failing := func() (string, error) { return "", errors.New("variable PB_PASSWORD is not set") }
	cfg.Auth = []AuthMethod{Password(failing)}
	err := dialAndRun(t, cfg)
	if kind := remote.KindOf(err); kind != remote.KindCredential {
		t.Fatalf("kind = %v, want credential (error: %v)", kind, err)
	}
	if !strings.Contains(err.Error(), "PB_PASSWORD") {
		t.Errorf("error %q does not carry the reference's own error", err)
	}
}
