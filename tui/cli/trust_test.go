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
