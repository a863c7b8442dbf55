package sshremote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// KnownHostsFile is the name of patchbay's own known_hosts file in the
// state directory, where 'patchbay trust' pins keys.
const KnownHostsFile = "known_hosts"

// errKeyCaptured stops the handshake once the host key is known.
var errKeyCaptured = errors.New("host key captured")

// FetchHostKey connects to the host only far enough to read the host key
// it presents, without authenticating and without checking the key.
func FetchHostKey(ctx context.Context, cfg Config) (ssh.PublicKey, error) {
	var presented ssh.PublicKey
	clientConfig := &ssh.ClientConfig{
		User: cfg.User,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			presented = key
			return errKeyCaptured
		},
	}
	if cfg.LegacyAlgorithms {
		addLegacyAlgorithms(&clientConfig.Config)
		clientConfig.HostKeyAlgorithms = hostKeyAlgorithms(nil, true)
	}
	dial, closeJump, err := tcpDialer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer closeJump()
	err = captureKey(ctx, cfg, dial, clientConfig)
	if presented != nil {
		return presented, nil
	}
	return nil, err
}

func captureKey(ctx context.Context, cfg Config, dial dialFunc, clientConfig *ssh.ClientConfig) error {
	dialCtx, cancel := context.WithTimeout(ctx, orDefault(cfg.DialTimeout, DefaultDialTimeout))
	conn, err := dial(dialCtx, "tcp", cfg.address())
	cancel()
	if err != nil {
		return classify(cfg, "dial", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(orDefault(cfg.AuthTimeout, DefaultAuthTimeout)))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	_, _, _, err = ssh.NewClientConn(conn, cfg.address(), clientConfig)
	if errors.Is(err, errKeyCaptured) {
		return nil
	}
	return classify(cfg, "dial", err)
}

// PinHostKey appends a known_hosts line for address (host:port) and key to
// the file at path, creating the file with mode 0600 and its directory
// with mode 0700 when they are missing.
func PinHostKey(path, address string, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("pin host key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("pin host key: %w", err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(address)}, key) + "\n"
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("pin host key in %s: %w", path, err)
	}
	return f.Close()
}

// Addr returns the host:port that Dial connects to, the form that
// known_hosts lines are written for.
func (c Config) Addr() string { return c.address() }
