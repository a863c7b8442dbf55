package lab

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"patchbay/remote/lab/wsman"
)

// labFiles are the secrets and keys of a fleet, as written to its folder.
type labFiles struct {
	sshPassword   string
	winrmPassword string
	sshSecretPath string
	winrmSecret   string
	caPath        string
	ca            *wsman.TestCA
	// clientKey is the public half of credentials/id_ed25519, which every
	// SSH host accepts for its user, so that OpenSSH-based tools such as
	// Ansible and parallel-ssh can log in without a password prompt.
	clientKey gossh.PublicKey

	hostKeys    map[string]gossh.Signer // the keys pinned in known_hosts
	changedKeys map[string]gossh.Signer // served instead under host-key-changed
}

// writeLabFiles writes the credential files (mode 0600), the WinRM CA
// certificate and the host keys, reusing the keys a previous run left in
// dir so that known_hosts entries stay valid.
func writeLabFiles(dir string, plan []*fleetHost) (*labFiles, error) {
	files := &labFiles{hostKeys: map[string]gossh.Signer{}, changedKeys: map[string]gossh.Signer{},
		sshPassword: randomSecret(), winrmPassword: randomSecret()}
	credDir := filepath.Join(dir, "credentials")
	if err := os.MkdirAll(credDir, 0o700); err != nil {
		return nil, fmt.Errorf("write lab credentials: %w", err)
	}
	files.sshSecretPath = filepath.Join(credDir, "ssh-password")
	files.winrmSecret = filepath.Join(credDir, "winrm-password")
	if err := writeSecret(files.sshSecretPath, files.sshPassword); err != nil {
		return nil, err
	}
	if err := writeSecret(files.winrmSecret, files.winrmPassword); err != nil {
		return nil, err
	}
	if err := files.writeCA(dir); err != nil {
		return nil, err
	}
	var err error
	if files.clientKey, err = clientKey(filepath.Join(credDir, "id_ed25519")); err != nil {
		return nil, fmt.Errorf("write the lab's client key: %w", err)
	}
	return files, files.loadHostKeys(filepath.Join(dir, "hostkeys"), plan)
}

func randomSecret() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// writeSecret writes a secret file that only its owner may read, as the
// inventory's file credentials require.
func writeSecret(path, secret string) error {
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("write lab credential: %w", err)
	}
	return os.Chmod(path, 0o600)
}

func (files *labFiles) writeCA(dir string) error {
	ca, err := wsman.NewTestCA()
	if err != nil {
		return fmt.Errorf("create the lab's WinRM CA: %w", err)
	}
	files.ca = ca
	files.caPath = filepath.Join(dir, "winrm-ca.pem")
	if err := os.WriteFile(files.caPath, ca.CertPEM, 0o644); err != nil {
		return fmt.Errorf("write the lab's WinRM CA: %w", err)
	}
	return nil
}

// loadHostKeys reads or creates the host key of every SSH host, and a
// second key for the hosts with the host-key-changed fault.
func (files *labFiles) loadHostKeys(keyDir string, plan []*fleetHost) error {
	if err := os.MkdirAll(keyDir, 0o700); err != nil {
		return fmt.Errorf("write lab host keys: %w", err)
	}
	for _, fh := range plan {
		if fh.kind != "ssh" {
			continue
		}
		name := fh.host.Name()
		key, err := hostKey(filepath.Join(keyDir, name), fh.legacy)
		if err != nil {
			return fmt.Errorf("host key of %s: %w", name, err)
		}
		files.hostKeys[name] = key
		if fh.host.Faults().Has(FaultHostKeyChanged) {
			if _, files.changedKeys[name], err = newHostKey(fh.legacy); err != nil {
				return err
			}
		}
	}
	return nil
}

// hostKey reads the OpenSSH private key at path, or creates one there.
func hostKey(path string, legacy bool) (gossh.Signer, error) {
	if data, err := os.ReadFile(path); err == nil {
		return gossh.ParsePrivateKey(data)
	}
	private, key, err := newHostKey(legacy)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(private, "patchbay lab host key")
	if err != nil {
		return nil, err
	}
	return key, os.WriteFile(path, pem.EncodeToMemory(block), 0o600)
}

// clientKey reads the OpenSSH private key at path, or creates an ed25519
// key there, writes its public half to path.pub and returns it.
func clientKey(path string) (gossh.PublicKey, error) {
	var signer gossh.Signer
	data, err := os.ReadFile(path)
	if err == nil {
		signer, err = gossh.ParsePrivateKey(data)
	} else {
		signer, err = newClientKey(path)
	}
	if err != nil {
		return nil, err
	}
	public := signer.PublicKey()
	return public, os.WriteFile(path+".pub", gossh.MarshalAuthorizedKey(public), 0o644)
}

func newClientKey(path string) (gossh.Signer, error) {
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(private, "patchbay lab client key")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	return gossh.NewSignerFromKey(private)
}

// newHostKey generates an ed25519 host key, or an RSA one for legacy
// network gear, which offers only ssh-rsa.
func newHostKey(legacy bool) (crypto.Signer, gossh.Signer, error) {
	var private crypto.Signer
	var err error
	if legacy {
		private, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		_, private, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("generate host key: %w", err)
	}
	key, err := gossh.NewSignerFromKey(private)
	return private, key, err
}

// writeKnownHosts writes known_hosts with the pinned key of every SSH host
// at its address and port.
func (files *labFiles) writeKnownHosts(dir string, plan []*fleetHost) error {
	var b strings.Builder
	for _, fh := range plan {
		key, ok := files.hostKeys[fh.host.Name()]
		if !ok {
			continue
		}
		addr := knownhosts.Normalize(net.JoinHostPort(fh.address, strconv.Itoa(fh.endpoint.port)))
		b.WriteString(knownhosts.Line([]string{addr}, key.PublicKey()) + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "known_hosts"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write lab known_hosts: %w", err)
	}
	return nil
}
