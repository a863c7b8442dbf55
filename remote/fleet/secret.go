package fleet

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"patchbay/inventory"
	"patchbay/inventory/credential"
	"patchbay/remote"
	"patchbay/remote/sshremote"
)

// resolved is a host's credential after resolution. agent is set for an
// ssh-agent reference, which has no secret.
type resolved struct {
	name   string // the inventory's credential name
	secret credential.Secret
	agent  bool
}

// resolve reads the secret of the host's credential reference and
// registers it with the redactor. A host without a credential resolves to
// the ssh-agent.
func (d *Dialer) resolve(ctx context.Context, h *inventory.Host) (resolved, error) {
	name := h.Transport.Credential
	if name == "" {
		return resolved{agent: true}, nil
	}
	c := d.inv.Credential(name)
	if c == nil {
		// The loader rejects undefined names; this guards hand-built inventories.
		return resolved{}, credentialError(h, fmt.Errorf("credential %q is not defined in the inventory; add it under credentials", name))
	}
	secret, err := credential.Resolve(ctx, c.Ref, d.opts.Env)
	if err != nil {
		return resolved{}, credentialError(h, fmt.Errorf("credential %s: %w", name, err))
	}
	if d.opts.Redactor != nil && !secret.IsEmpty() {
		d.opts.Redactor.Add(secret.Reveal())
	}
	return resolved{name: name, secret: secret, agent: c.Ref.Kind == credential.KindAgent}, nil
}

// credentialError reports a credential that could not be read. err names
// the reference and never the secret.
func credentialError(h *inventory.Host, err error) error {
	return &remote.Error{Host: h.Name, Kind: remote.KindCredential, Op: "auth", Detail: err.Error(), Err: err}
}

// sshAuth returns the SSH authentication methods for a resolved
// credential: the agent, a private key when the secret is one in PEM form,
// and else the secret as password and keyboard-interactive answer.
func (d *Dialer) sshAuth(h *inventory.Host, r resolved) ([]sshremote.AuthMethod, error) {
	socket := d.opts.Env.Getenv("SSH_AUTH_SOCK")
	switch {
	case r.agent && r.name == "" && socket == "":
		// Without a credential and without an agent, only the IdentityFile
		// keys of ~/.ssh/config remain.
		return nil, nil
	case r.agent:
		return []sshremote.AuthMethod{sshremote.Agent(socket)}, nil
	}
	value := r.secret.Reveal()
	if strings.HasPrefix(value, "-----BEGIN") && strings.Contains(value, "PRIVATE KEY") {
		signer, err := ssh.ParsePrivateKey([]byte(value))
		if err != nil {
			return nil, credentialError(h, fmt.Errorf("credential %s holds a private key that could not be read "+
				"(an encrypted key needs the ssh-agent instead): %s", r.name, keyErrorText(err)))
		}
		return []sshremote.AuthMethod{sshremote.Signers(signer)}, nil
	}
	secret := func() (string, error) { return value, nil }
	return []sshremote.AuthMethod{sshremote.Password(secret), sshremote.KeyboardInteractive(secret)}, nil
}

// keyErrorText describes a key parse error without its input.
func keyErrorText(err error) string {
	if _, ok := err.(*ssh.PassphraseMissingError); ok {
		return "the key is encrypted"
	}
	return "the key is damaged or of an unsupported type"
}
