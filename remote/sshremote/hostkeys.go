package sshremote

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"

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
	// authorities holds, by file name, the numbers of the lines (counted
	// from 1) that are @cert-authority lines, because knownhosts.KeyError
	// lists such keys with the host keys without saying which is which.
	authorities map[string]map[int]bool
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
	parsed, err := loadKnownHosts(existing)
	if err != nil {
		return nil, fmt.Errorf("read known_hosts: %w; fix or remove the line it names", err)
	}
	return &hostKeyChecker{callback: parsed.callback, authorities: parsed.authorities}, nil
}

// knownHostsCache is the last set of known_hosts files parsed, with the
// size and modification time of each. Every connection keeps its host key
// callback and with it the whole parsed file, so parsing once per dial
// made each of N connections hold all N entries of a fleet's file.
var knownHostsCache struct {
	mu     sync.Mutex
	key    string
	parsed *parsedKnownHosts
}

// parsedKnownHosts is a set of known_hosts files as knownhosts.New parsed
// them, with the @cert-authority lines of each file.
type parsedKnownHosts struct {
	callback    ssh.HostKeyCallback
	authorities map[string]map[int]bool
}

// loadKnownHosts parses files, again only when a file's size or
// modification time changed since the last call, as after patchbay trust
// adds a key.
func loadKnownHosts(files []string) (*parsedKnownHosts, error) {
	var key strings.Builder
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&key, "%s\x00%d\x00%d\x00", f, info.Size(), info.ModTime().UnixNano())
	}
	knownHostsCache.mu.Lock()
	defer knownHostsCache.mu.Unlock()
	if knownHostsCache.parsed != nil && knownHostsCache.key == key.String() {
		return knownHostsCache.parsed, nil
	}
	callback, err := knownhosts.New(files...)
	if err != nil {
		return nil, err
	}
	parsed := &parsedKnownHosts{callback: callback, authorities: map[string]map[int]bool{}}
	for _, f := range files {
		parsed.authorities[f] = authorityLines(f)
	}
	knownHostsCache.key, knownHostsCache.parsed = key.String(), parsed
	return parsed, nil
}

// authorityLines returns the numbers of the @cert-authority lines of a
// known_hosts file, counted from 1.
func authorityLines(filename string) map[int]bool {
	content, err := os.ReadFile(filename)
	if err != nil {
		return nil
	}
	lines := map[int]bool{}
	for i, line := range strings.Split(string(content), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "@cert-authority") {
			lines[i+1] = true
		}
	}
	return lines
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

// knownKey is a key that known_hosts lists for a host, either as the host
// key itself or as a @cert-authority that signs host certificates.
type knownKey struct {
	key       ssh.PublicKey
	authority bool
}

// knownKeys returns the keys known for hostport, by asking the callback
// about a key that no file can contain.
func (c *hostKeyChecker) knownKeys(hostport string) []knownKey {
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
	keys := make([]knownKey, len(keyErr.Want))
	for i, k := range keyErr.Want {
		keys[i] = knownKey{key: k.Key, authority: c.authorities[k.Filename][k.Line]}
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
// then asked for that key even when it prefers another type. For a known
// @cert-authority the certificate algorithms come first. The other
// supported algorithms follow.
func hostKeyAlgorithms(known []knownKey, legacy bool) []string {
	var preferred []string
	for _, k := range known {
		algorithms := algorithmsForKeyType(k.key.Type(), legacy)
		if k.authority {
			// A CA may sign host keys of any type, not only its own.
			algorithms = certAlgorithms(supportedHostKeyAlgorithms(legacy))
		}
		for _, algo := range algorithms {
			if !slices.Contains(preferred, algo) {
				preferred = append(preferred, algo)
			}
		}
	}
	for _, algo := range supportedHostKeyAlgorithms(legacy) {
		if !slices.Contains(preferred, algo) {
			preferred = append(preferred, algo)
		}
	}
	return preferred
}

func supportedHostKeyAlgorithms(legacy bool) []string {
	all := ssh.SupportedAlgorithms().HostKeys
	if legacy {
		all = append(all, ssh.KeyAlgoRSA)
	}
	return all
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

// certAlgorithms returns the certificate algorithms for the plain key
// algorithms among algorithms.
func certAlgorithms(algorithms []string) []string {
	certs := map[string]string{
		ssh.KeyAlgoED25519:   ssh.CertAlgoED25519v01,
		ssh.KeyAlgoECDSA256:  ssh.CertAlgoECDSA256v01,
		ssh.KeyAlgoECDSA384:  ssh.CertAlgoECDSA384v01,
		ssh.KeyAlgoECDSA521:  ssh.CertAlgoECDSA521v01,
		ssh.KeyAlgoRSASHA512: ssh.CertAlgoRSASHA512v01,
		ssh.KeyAlgoRSASHA256: ssh.CertAlgoRSASHA256v01,
		ssh.KeyAlgoRSA:       ssh.CertAlgoRSAv01,
	}
	var out []string
	for _, algo := range algorithms {
		if cert, ok := certs[algo]; ok {
			out = append(out, cert)
		}
	}
	return out
}
