package sshremote

import (
	"fmt"
	"net"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// AuthMethod is one way to authenticate. Secrets are read through the
// method's callback only while a connection authenticates.
type AuthMethod interface {
	// sshMethod returns the x/crypto method and a function that releases
	// what it opened (such as the agent socket). Secret callbacks report
	// their errors to failures.
	sshMethod(failures *secretFailures) (ssh.AuthMethod, func(), error)
}

// secretFailures records the first error of a secret callback during
// authentication. x/crypto turns such an error into "unable to
// authenticate", which would read as rejected credentials.
type secretFailures struct {
	mu  sync.Mutex
	err error
}

// call runs secret and records its error.
func (f *secretFailures) call(secret SecretFunc) (string, error) {
	value, err := secret()
	if err != nil {
		f.mu.Lock()
		if f.err == nil {
			f.err = err
		}
		f.mu.Unlock()
	}
	return value, err
}

func (f *secretFailures) first() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// SecretFunc returns a secret, for example by resolving a credential
// reference. Its error text must not contain the secret.
type SecretFunc func() (string, error)

// Agent authenticates with the keys of the ssh-agent listening on the
// Unix socket at path, usually $SSH_AUTH_SOCK.
func Agent(path string) AuthMethod { return agentMethod{path} }

type agentMethod struct{ path string }

func (m agentMethod) sshMethod(*secretFailures) (ssh.AuthMethod, func(), error) {
	if m.path == "" {
		return nil, nil, fmt.Errorf("ssh-agent socket path is empty; set SSH_AUTH_SOCK or remove the agent method")
	}
	conn, err := net.Dial("unix", m.path)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to ssh-agent at %s: %w", m.path, err)
	}
	client := agent.NewClient(conn)
	return ssh.PublicKeysCallback(client.Signers), func() { conn.Close() }, nil
}

// KeyFile authenticates with the private key in the file at path.
// passphrase is called only when the key is encrypted; nil means the key
// must not be.
func KeyFile(path string, passphrase SecretFunc) AuthMethod { return keyFileMethod{path, passphrase} }

type keyFileMethod struct {
	path       string
	passphrase SecretFunc
}

func (m keyFileMethod) sshMethod(*secretFailures) (ssh.AuthMethod, func(), error) {
	pem, err := os.ReadFile(m.path)
	if err != nil {
		return nil, nil, fmt.Errorf("read SSH key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if _, encrypted := err.(*ssh.PassphraseMissingError); encrypted {
		signer, err = m.decrypt(pem)
	}
	if err != nil {
		return nil, nil, err
	}
	return ssh.PublicKeys(signer), func() {}, nil
}

func (m keyFileMethod) decrypt(pem []byte) (ssh.Signer, error) {
	if m.passphrase == nil {
		return nil, fmt.Errorf("SSH key %s is encrypted and no passphrase reference is set for it", m.path)
	}
	passphrase, err := m.passphrase()
	if err != nil {
		return nil, fmt.Errorf("read passphrase for SSH key %s: %w", m.path, err)
	}
	signer, err := ssh.ParsePrivateKeyWithPassphrase(pem, []byte(passphrase))
	if err != nil {
		return nil, fmt.Errorf("decrypt SSH key %s: wrong passphrase or damaged key", m.path)
	}
	return signer, nil
}

// Signers authenticates with keys already in memory, such as test keys.
func Signers(signers ...ssh.Signer) AuthMethod { return signersMethod(signers) }

type signersMethod []ssh.Signer

func (m signersMethod) sshMethod(*secretFailures) (ssh.AuthMethod, func(), error) {
	return ssh.PublicKeys(m...), func() {}, nil
}

// Password authenticates with the password that secret returns.
func Password(secret SecretFunc) AuthMethod { return passwordMethod{secret} }

type passwordMethod struct{ secret SecretFunc }

func (m passwordMethod) sshMethod(failures *secretFailures) (ssh.AuthMethod, func(), error) {
	return ssh.PasswordCallback(func() (string, error) { return failures.call(m.secret) }), func() {}, nil
}

// KeyboardInteractive answers keyboard-interactive prompts, as many
// network devices require: every prompt that asks for a password gets the
// secret, and any other prompt gets an empty answer.
func KeyboardInteractive(secret SecretFunc) AuthMethod { return keyboardMethod{secret} }

type keyboardMethod struct{ secret SecretFunc }

func (m keyboardMethod) sshMethod(failures *secretFailures) (ssh.AuthMethod, func(), error) {
	challenge := func(name, instruction string, questions []string, echos []bool) ([]string, error) {
		answers := make([]string, len(questions))
		for i, question := range questions {
			if !strings.Contains(strings.ToLower(question), "password") {
				continue
			}
			secret, err := failures.call(m.secret)
			if err != nil {
				return nil, err
			}
			answers[i] = secret
		}
		return answers, nil
	}
	return ssh.KeyboardInteractive(challenge), func() {}, nil
}

// sshMethods builds the x/crypto methods for auth. The returned function
// releases them after authentication.
func sshMethods(auth []AuthMethod, failures *secretFailures) ([]ssh.AuthMethod, func(), error) {
	var methods []ssh.AuthMethod
	var releases []func()
	release := func() {
		for _, r := range releases {
			r()
		}
	}
	for _, a := range auth {
		method, rel, err := a.sshMethod(failures)
		if err != nil {
			release()
			return nil, nil, err
		}
		methods = append(methods, method)
		releases = append(releases, rel)
	}
	return methods, release, nil
}
