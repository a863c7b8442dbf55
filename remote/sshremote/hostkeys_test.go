package sshremote

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"patchbay/remote"
	"patchbay/remote/lab/sshserver"
)

// writeLines writes a known_hosts file with the given lines.
func writeLines(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// dialAndRun dials cfg, runs a read-only echo and closes the session.
func dialAndRun(t *testing.T, cfg Config) error {
	t.Helper()
	s, err := Dial(context.Background(), cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	var out strings.Builder
	if err := s.Run(context.Background(), remote.Command{Line: "echo ok", ReadOnly: true}, &out, nil); err != nil {
		t.Fatalf("run echo: %v", err)
	}
	if out.String() != "ok\n" {
		t.Errorf("echo output = %q, want %q", out.String(), "ok\n")
	}
	return nil
}

func TestDialUnknownHostKey(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	cfg := lab.config
	cfg.KnownHosts = []string{filepath.Join(t.TempDir(), "missing")}
	err := dialAndRun(t, cfg)
	if kind := remote.KindOf(err); kind != remote.KindUnknownHostKey {
		t.Fatalf("kind = %v, want unknown-host-key (error: %v)", kind, err)
	}
	fingerprint := gossh.FingerprintSHA256(lab.server.HostKey())
	if !strings.Contains(err.Error(), fingerprint) {
		t.Errorf("error %q does not contain the fingerprint %s", err, fingerprint)
	}
	if !strings.Contains(err.Error(), "patchbay trust lab-host") {
		t.Errorf("error %q does not give the trust command", err)
	}
}

func TestDialHostKeyChangedNamesBoth(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	old := otherKey(t)
	cfg := lab.config
	cfg.KnownHosts = []string{writeKnownHosts(t, lab.server.Addr(), old)}
	err := dialAndRun(t, cfg)
	if kind := remote.KindOf(err); kind != remote.KindHostKeyChanged {
		t.Fatalf("kind = %v, want host-key-changed (error: %v)", kind, err)
	}
	for _, key := range []gossh.PublicKey{old, lab.server.HostKey()} {
		if !strings.Contains(err.Error(), gossh.FingerprintSHA256(key)) {
			t.Errorf("error %q does not name fingerprint %s", err, gossh.FingerprintSHA256(key))
		}
	}
}

func TestServerHostKeySwapDetected(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	if err := dialAndRun(t, lab.config); err != nil {
		t.Fatalf("dial before the swap: %v", err)
	}
	lab.server.SetHostKey(otherSigner(t))
	err := dialAndRun(t, lab.config)
	if kind := remote.KindOf(err); kind != remote.KindHostKeyChanged {
		t.Errorf("kind after the swap = %v, want host-key-changed (error: %v)", kind, err)
	}
}

func TestDialHashedKnownHosts(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	hashed := knownhosts.HashHostname(knownhosts.Normalize(lab.server.Addr()))
	cfg := lab.config
	cfg.KnownHosts = []string{writeLines(t, knownhosts.Line([]string{hashed}, lab.server.HostKey()))}
	if err := dialAndRun(t, cfg); err != nil {
		t.Errorf("dial with a hashed entry: %v", err)
	}
}

func TestDialSeveralKeysPerHost(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	addr := knownhosts.Normalize(lab.server.Addr())
	cfg := lab.config
	cfg.KnownHosts = []string{writeLines(t,
		knownhosts.Line([]string{addr}, otherKey(t)),
		knownhosts.Line([]string{addr}, lab.server.HostKey()))}
	if err := dialAndRun(t, cfg); err != nil {
		t.Errorf("dial with two known keys: %v", err)
	}
}

func TestDialSecondKnownHostsFile(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	cfg := lab.config
	empty := writeLines(t, "# the user's file, without this host")
	cfg.KnownHosts = []string{empty, lab.config.KnownHosts[0]}
	if err := dialAndRun(t, cfg); err != nil {
		t.Errorf("dial with the key in the second file: %v", err)
	}
}

func TestDialRevokedKey(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	key := lab.server.HostKey()
	cfg := lab.config
	revoked := "@revoked * " + strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key)))
	cfg.KnownHosts = []string{writeLines(t, revoked, knownhosts.Line([]string{knownhosts.Normalize(lab.server.Addr())}, key))}
	err := dialAndRun(t, cfg)
	if kind := remote.KindOf(err); kind != remote.KindHostKeyChanged {
		t.Fatalf("kind = %v, want host-key-changed (error: %v)", kind, err)
	}
	if !strings.Contains(err.Error(), "@revoked") {
		t.Errorf("error %q does not say the key is revoked", err)
	}
}

// TestDialPrefersKnownKeyType checks that a host known only by its
// ed25519 key is asked for that key although it also has an ECDSA key,
// which x/crypto's default order puts first.
func TestDialPrefersKnownKeyType(t *testing.T) {
	ecdsaKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecdsaSigner, err := gossh.NewSignerFromKey(ecdsaKey)
	if err != nil {
		t.Fatal(err)
	}
	lab := startLabHost(t, sshserver.Config{ExtraHostKeys: []gossh.Signer{ecdsaSigner}})
	if err := dialAndRun(t, lab.config); err != nil {
		t.Errorf("dial a host known by its ed25519 key: %v", err)
	}
	order := hostKeyAlgorithms([]knownKey{{key: lab.server.HostKey()}}, false)
	if order[0] != gossh.KeyAlgoED25519 {
		t.Errorf("first host key algorithm = %s, want %s", order[0], gossh.KeyAlgoED25519)
	}
}

func TestDialCertAuthority(t *testing.T) {
	ca := otherSigner(t)
	hostKey := otherSigner(t)
	cert := &gossh.Certificate{
		Key: hostKey.PublicKey(), CertType: gossh.HostCert, KeyId: "lab-host",
		ValidPrincipals: []string{"127.0.0.1"}, ValidBefore: gossh.CertTimeInfinity,
	}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	certSigner, err := gossh.NewCertSigner(cert, hostKey)
	if err != nil {
		t.Fatal(err)
	}
	lab := startLabHost(t, sshserver.Config{ExtraHostKeys: []gossh.Signer{certSigner}})
	cfg := lab.config
	line := "@cert-authority " + knownhosts.Normalize(lab.server.Addr()) + " " + strings.TrimSpace(string(gossh.MarshalAuthorizedKey(ca.PublicKey())))
	cfg.KnownHosts = []string{writeLines(t, line)}
	if err := dialAndRun(t, cfg); err != nil {
		t.Errorf("dial a host whose certificate a known CA signed: %v", err)
	}
}
