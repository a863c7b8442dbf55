package sshremote

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeyError is returned by the host key callback. It carries the facts
// for the operator: the presented key and, for a changed key, the known
// ones.
type hostKeyError struct {
	presented ssh.PublicKey
	known     []knownhosts.KnownKey
	revoked   bool
}

func (e *hostKeyError) Error() string {
	switch {
	case e.revoked:
		return "host key is revoked"
	case len(e.known) == 0:
		return "host key is not known"
	default:
		return "host key does not match the known key"
	}
}

// detail returns the fingerprints for the operator.
func (e *hostKeyError) detail(host string) string {
	presented := describeKey(e.presented)
	switch {
	case e.revoked:
		return "the host presented " + presented + ", which a known_hosts file marks @revoked"
	case len(e.known) == 0:
		return "the host presented " + presented + "; to pin it: patchbay trust " + host
	}
	known := make([]string, len(e.known))
	for i, k := range e.known {
		known[i] = fmt.Sprintf("%s (%s:%d)", describeKey(k.Key), k.Filename, k.Line)
	}
	return "the host presented " + presented + ", but known_hosts has " + strings.Join(known, ", ")
}

// describeKey returns "ssh-ed25519 key SHA256:...".
func describeKey(key ssh.PublicKey) string {
	return key.Type() + " key " + ssh.FingerprintSHA256(key)
}

// hostKeyChecker checks host keys against known_hosts files.
type hostKeyChecker struct {
	callback ssh.HostKeyCallback // nil when no file exists
}

// newHostKeyChecker reads the known_hosts files that exist among files.
func newHostKeyChecker(files []string) (*hostKeyChecker, error) {
	var existing []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			existing = append(existing, f)
		}
	}
	if len(existing) == 0 {
		return &hostKeyChecker{}, nil
	}
	callback, err := knownhosts.New(existing...)
	if err != nil {
		return nil, fmt.Errorf("read known_hosts: %w; fix or remove the line it names", err)
	}
	return &hostKeyChecker{callback: callback}, nil
}

// check is an ssh.HostKeyCallback that returns a *hostKeyError for an
// unknown, changed or revoked key.
func (c *hostKeyChecker) check(hostport string, remote net.Addr, key ssh.PublicKey) error {
	if c.callback == nil {
		return &hostKeyError{presented: key}
	}
	err := c.callback(hostport, remote, key)
	var keyErr *knownhosts.KeyError
	var revokedErr *knownhosts.RevokedError
	switch {
	case errors.As(err, &keyErr):
		return &hostKeyError{presented: key, known: keyErr.Want}
	case errors.As(err, &revokedErr):
		return &hostKeyError{presented: key, revoked: true}
	}
	return err
}

// knownKeys returns the keys known for hostport, by asking the callback
// about a key that no file can contain.
func (c *hostKeyChecker) knownKeys(hostport string) []ssh.PublicKey {
	if c.callback == nil {
		return nil
	}
	probe, err := probeKey()
	if err != nil {
		return nil
	}
	var keyErr *knownhosts.KeyError
	if !errors.As(c.callback(hostport, probeAddr(hostport), probe), &keyErr) {
		return nil
	}
	keys := make([]ssh.PublicKey, len(keyErr.Want))
	for i, k := range keyErr.Want {
		keys[i] = k.Key
	}
	return keys
}

// probeAddr returns hostport as a TCP address when it is an IP address, so
// entries written for the IP are found too.
func probeAddr(hostport string) net.Addr {
	addr, err := net.ResolveTCPAddr("tcp", hostport)
	if err != nil || addr.IP == nil {
		return &net.TCPAddr{IP: net.IPv4zero}
	}
	return addr
}

// hostKeyAlgorithms orders the algorithms the client offers so that the
// types of the known keys come first: a host known by its ed25519 key is
// then asked for that key even when it prefers RSA. The other supported
// algorithms follow, so certificates signed by a @cert-authority still
// work.
func hostKeyAlgorithms(known []ssh.PublicKey, legacy bool) []string {
	var preferred []string
	for _, key := range known {
		for _, algo := range algorithmsForKeyType(key.Type(), legacy) {
			if !slices.Contains(preferred, algo) {
				preferred = append(preferred, algo)
			}
		}
	}
	all := ssh.SupportedAlgorithms().HostKeys
	if legacy {
		all = append(all, ssh.KeyAlgoRSA)
	}
	for _, algo := range all {
		if !slices.Contains(preferred, algo) {
			preferred = append(preferred, algo)
		}
	}
	return preferred
}

func algorithmsForKeyType(keyType string, legacy bool) []string {
	if keyType != ssh.KeyAlgoRSA {
		return []string{keyType}
	}
	if legacy {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
}
