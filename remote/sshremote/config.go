// Package sshremote is the SSH implementation of remote.Session, built on
// golang.org/x/crypto/ssh: strict host-key checking against known_hosts
// files, agent, key-file, password and keyboard-interactive
// authentication, jump hosts through a Gateway, legacy algorithms only when
// a host asks, keepalives, and dial, auth, command and idle deadlines.
//
// File copies use the SCP sink protocol ("scp -t"), which OpenSSH hosts,
// ESXi and Cisco IOS all serve. OpenShell gives a PTY shell for the
// interactive CLI of network gear.
package sshremote

import (
	"net"
	"strconv"
	"time"
)

// Default deadlines and intervals, used where a Config leaves them zero.
const (
	DefaultDialTimeout       = 10 * time.Second
	DefaultAuthTimeout       = 20 * time.Second
	DefaultKeepaliveInterval = 15 * time.Second
	DefaultKeepaliveMax      = 3
)

// Config describes how to reach one host. It holds no secret: every
// AuthMethod reads its secret through a callback when it is needed.
type Config struct {
	// Host is the name used in messages, usually the inventory's host
	// name. Empty means Address:Port.
	Host string
	// Address is the host name or IP address to dial.
	Address string
	// Port is the TCP port; zero means 22.
	Port int
	// User is the login user name.
	User string
	// Auth lists the authentication methods in the order they are tried.
	Auth []AuthMethod
	// KnownHosts lists known_hosts files, typically the user's
	// ~/.ssh/known_hosts and patchbay's own in the state directory. Files
	// that do not exist are skipped, and a host found in none is rejected.
	KnownHosts []string
	// LegacyAlgorithms also offers the SHA-1 key exchanges, CBC ciphers,
	// hmac-sha1 and ssh-rsa host keys of old network gear.
	LegacyAlgorithms bool
	// Gateway, when set, carries the connection through a jump host.
	Gateway *Gateway
	// Jump, when set and Gateway is nil, is a jump host that Dial connects
	// to first and closes with the session.
	Jump *Config

	// DialTimeout bounds the TCP connection; zero means DefaultDialTimeout.
	DialTimeout time.Duration
	// AuthTimeout bounds the SSH handshake and authentication; zero means
	// DefaultAuthTimeout.
	AuthTimeout time.Duration
	// IdleTimeout ends a command that writes no output for that long, with
	// remote.KindTimeout. Zero disables it.
	IdleTimeout time.Duration
	// KeepaliveInterval is the time between keepalive@openssh.com requests.
	// Zero means DefaultKeepaliveInterval; a negative value disables them.
	KeepaliveInterval time.Duration
	// KeepaliveMax is how many intervals may pass without a reply before
	// the connection counts as dead. Zero means DefaultKeepaliveMax.
	KeepaliveMax int
}

// address returns Address:Port, with port 22 when Port is zero.
func (c Config) address() string {
	port := c.Port
	if port == 0 {
		port = 22
	}
	return net.JoinHostPort(c.Address, strconv.Itoa(port))
}

// name returns the host name used in messages.
func (c Config) name() string {
	if c.Host != "" {
		return c.Host
	}
	return c.address()
}

func orDefault[T comparable](value, fallback T) T {
	var zero T
	if value == zero {
		return fallback
	}
	return value
}
