package sshserver

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"sync"

	gossh "golang.org/x/crypto/ssh"
)

// NewRSAKey generates a fresh 2048-bit RSA signer, the host key type of
// old network gear.
func NewRSAKey() (gossh.Signer, error) {
	private, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	return gossh.NewSignerFromKey(private)
}

// swappableSigner is a host key that SetHostKey can replace while the
// server runs. It offers the signature algorithms the key type allows,
// and only ssh-rsa for RSA keys in legacy mode.
type swappableSigner struct {
	legacy bool
	mu     sync.RWMutex
	signer gossh.AlgorithmSigner
}

var _ gossh.MultiAlgorithmSigner = (*swappableSigner)(nil)

func (s *swappableSigner) set(signer gossh.Signer) {
	algorithmSigner, ok := signer.(gossh.AlgorithmSigner)
	if !ok {
		panic(fmt.Sprintf("sshserver: host key of type %s does not implement ssh.AlgorithmSigner", signer.PublicKey().Type()))
	}
	s.mu.Lock()
	s.signer = algorithmSigner
	s.mu.Unlock()
}

func (s *swappableSigner) current() gossh.AlgorithmSigner {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.signer
}

func (s *swappableSigner) PublicKey() gossh.PublicKey { return s.current().PublicKey() }

func (s *swappableSigner) Sign(rand io.Reader, data []byte) (*gossh.Signature, error) {
	return s.current().Sign(rand, data)
}

func (s *swappableSigner) SignWithAlgorithm(rand io.Reader, data []byte, algorithm string) (*gossh.Signature, error) {
	return s.current().SignWithAlgorithm(rand, data, algorithm)
}

// Algorithms returns the host key algorithms offered for the current key.
func (s *swappableSigner) Algorithms() []string {
	keyType := s.PublicKey().Type()
	if keyType != gossh.KeyAlgoRSA {
		return []string{keyType}
	}
	if s.legacy {
		return []string{gossh.KeyAlgoRSA}
	}
	return []string{gossh.KeyAlgoRSASHA512, gossh.KeyAlgoRSASHA256}
}
