package sshremote

import (
	"context"
	"fmt"
	"net"
	"slices"
	"time"

	"golang.org/x/crypto/ssh"

	"patchbay/remote"
)

// Dial connects to the host, checks its key, authenticates and returns the
// session. Every failure is a *remote.Error.
func Dial(ctx context.Context, cfg Config) (*Session, error) {
	client, closeJump, err := dialClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return newSession(cfg, client, closeJump), nil
}

// dialClient opens the SSH client connection, through the gateway or jump
// host when cfg names one. closeJump closes a jump host Dial opened.
func dialClient(ctx context.Context, cfg Config) (*ssh.Client, func(), error) {
	dialer, closeJump, err := tcpDialer(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	client, err := handshake(ctx, cfg, dialer)
	if err != nil {
		closeJump()
		return nil, nil, err
	}
	return client, closeJump, nil
}

// dialFunc opens a TCP connection.
type dialFunc func(ctx context.Context, network, address string) (net.Conn, error)

func tcpDialer(ctx context.Context, cfg Config) (dialFunc, func(), error) {
	if cfg.Gateway != nil {
		return cfg.Gateway.DialContext, func() {}, nil
	}
	if cfg.Jump != nil {
		gateway, err := DialGateway(ctx, *cfg.Jump)
		if err != nil {
			return nil, nil, err
		}
		return gateway.DialContext, func() { gateway.Close() }, nil
	}
	var d net.Dialer
	return d.DialContext, func() {}, nil
}

// handshake dials the TCP connection and runs the SSH handshake and
// authentication, each under its own deadline.
func handshake(ctx context.Context, cfg Config, dial dialFunc) (*ssh.Client, error) {
	failures := &secretFailures{}
	clientConfig, release, err := clientConfig(cfg, failures)
	if err != nil {
		return nil, err
	}
	defer release()

	dialCtx, cancel := context.WithTimeout(ctx, orDefault(cfg.DialTimeout, DefaultDialTimeout))
	conn, err := dial(dialCtx, "tcp", cfg.address())
	cancel()
	if err != nil {
		return nil, classify(cfg, "dial", err)
	}

	authCtx, cancel := context.WithTimeout(ctx, orDefault(cfg.AuthTimeout, DefaultAuthTimeout))
	defer cancel()
	stop := context.AfterFunc(authCtx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	sshConn, chans, reqs, err := ssh.NewClientConn(conn, cfg.address(), clientConfig)
	if !stop() {
		conn.Close()
		if sshConn != nil {
			sshConn.Close()
		}
		return nil, classify(cfg, "dial", fmt.Errorf("SSH handshake: %w", authCtx.Err()))
	}
	if err != nil {
		conn.Close()
		if secretErr := failures.first(); secretErr != nil {
			return nil, credentialError(cfg, secretErr)
		}
		return nil, classify(cfg, "dial", err)
	}
	conn.SetDeadline(time.Time{})
	return ssh.NewClient(sshConn, chans, reqs), nil
}

// clientConfig builds the x/crypto configuration: host key checking,
// algorithms and authentication.
func clientConfig(cfg Config, failures *secretFailures) (*ssh.ClientConfig, func(), error) {
	checker, err := newHostKeyChecker(cfg.KnownHosts)
	if err != nil {
		return nil, nil, &remote.Error{Host: cfg.name(), Kind: remote.KindOther, Op: "read known_hosts for", Err: err}
	}
	methods, release, err := sshMethods(cfg.Auth, failures)
	if err != nil {
		return nil, nil, credentialError(cfg, err)
	}
	clientConfig := &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              methods,
		HostKeyCallback:   checker.check,
		HostKeyAlgorithms: hostKeyAlgorithms(checker.knownKeys(cfg.address()), cfg.LegacyAlgorithms),
	}
	if cfg.LegacyAlgorithms {
		addLegacyAlgorithms(&clientConfig.Config)
	}
	return clientConfig, release, nil
}

// addLegacyAlgorithms offers x/crypto's insecure key exchanges, ciphers and
// MACs after the secure ones, so a modern host still negotiates those.
func addLegacyAlgorithms(c *ssh.Config) {
	supported := ssh.SupportedAlgorithms()
	insecure := ssh.InsecureAlgorithms()
	c.KeyExchanges = slices.Concat(supported.KeyExchanges, insecure.KeyExchanges)
	c.Ciphers = slices.Concat(supported.Ciphers, insecure.Ciphers)
	c.MACs = slices.Concat(supported.MACs, insecure.MACs)
}

// credentialError reports a secret that could not be read. err comes from
// a credential reference or a key file and carries no secret.
func credentialError(cfg Config, err error) error {
	return &remote.Error{Host: cfg.name(), Kind: remote.KindCredential, Op: "auth", Detail: err.Error(), Err: err}
}
