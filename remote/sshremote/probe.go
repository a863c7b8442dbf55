package sshremote

import (
	"crypto/ed25519"
	"sync"

	"golang.org/x/crypto/ssh"
)

// probeKey returns a fixed public key that appears in no known_hosts file.
// The host key callback rejects it with a list of the keys known for the
// host, which is how knownKeys reads them.
var probeKey = sync.OnceValues(func() (ssh.PublicKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "patchbay known_hosts probe key")
	return ssh.NewPublicKey(ed25519.NewKeyFromSeed(seed).Public())
})
