// Package fleet turns an inventory host into a live, guarded
// remote.Session. It maps the host's transport, its site's gateway and its
// credential reference to an SSH or WinRM configuration, resolves the
// secret at dial time, and wraps the session in remote.Guard with the
// access that policy allows on the host.
//
// Medical devices are not inventory hosts, so they cannot be passed to
// Dial. The package opens one SSH connection per site gateway and shares it
// between every session to that site, SSH and WinRM alike.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"patchbay/inventory"
	"patchbay/inventory/credential"
	"patchbay/remote"
	"patchbay/remote/sshremote"
)

// Redactor receives every secret that the dialer resolves, so that the
// journal and the logs can mask it. *redact.Redactor of the state package
// implements it.
type Redactor interface {
	Add(secret string)
}

// Options configures a Dialer.
type Options struct {
	// KnownHosts lists the known_hosts files checked for every SSH host,
	// typically the user's, patchbay's own in the state directory and the
	// one beside the inventory. Missing files are skipped.
	KnownHosts []string
	// SSHConfig is the user's ~/.ssh/config, or nil. The inventory wins
	// where both set a value.
	SSHConfig *sshremote.SSHConfig
	// Env is the environment that credential references and SSH_AUTH_SOCK
	// are read from. The zero value means the process's own.
	Env credential.Env
	// Redactor receives every resolved secret; nil registers nowhere.
	Redactor Redactor
	// Configure, when set, may change each SSH configuration before it is
	// dialed, for example to shorten deadlines in tests.
	Configure func(*sshremote.Config)
	// ConfigureWinRM does the same for WinRM configurations.
	ConfigureWinRM func(*WinRMConfig)
}

// Dialer opens guarded sessions to the hosts of one inventory. It
// implements the runner's Dialer interface and is safe for concurrent use.
type Dialer struct {
	inv  *inventory.Inventory
	opts Options

	mu       sync.Mutex
	gateways map[string]*gatewayEntry // by site ID
	closed   bool
}

// New returns a dialer for the hosts of inv.
func New(inv *inventory.Inventory, opts Options) *Dialer {
	if opts.Env.Getenv == nil {
		opts.Env = credential.ProcessEnv()
	}
	return &Dialer{inv: inv, opts: opts, gateways: map[string]*gatewayEntry{}}
}

// errClosed is returned by Dial after Close.
var errClosed = errors.New("the dialer is closed")

// Dial opens a session to h, through its site's gateway when the site has
// one, and wraps it in remote.Guard with the inventory's access for h.
// Every failure is a *remote.Error.
func (d *Dialer) Dial(ctx context.Context, h *inventory.Host) (remote.Session, error) {
	d.mu.Lock()
	closed := d.closed
	d.mu.Unlock()
	if closed {
		return nil, &remote.Error{Host: h.Name, Kind: remote.KindOther, Op: "dial", Err: errClosed}
	}
	if d.inv.Host(h.Name) != h {
		return nil, &remote.Error{Host: h.Name, Kind: remote.KindOther, Op: "dial",
			Err: fmt.Errorf("host %s does not come from this dialer's inventory; pass the host of the inventory given to New", h.Name)}
	}
	s, err := d.dialRaw(ctx, h)
	if err != nil {
		return nil, err
	}
	return remote.Guard(s, h.Name, d.inv.Access(h.Name)), nil
}

// dialRaw opens the unguarded session for the host's transport.
func (d *Dialer) dialRaw(ctx context.Context, h *inventory.Host) (remote.Session, error) {
	switch h.Transport.Kind {
	case inventory.TransportSSH:
		return d.dialSSH(ctx, h)
	case inventory.TransportWinRM:
		return d.dialWinRM(ctx, h)
	}
	return nil, &remote.Error{Host: h.Name, Kind: remote.KindOther, Op: "dial",
		Err: fmt.Errorf("transport %q is not supported; use ssh or winrm", h.Transport.Kind)}
}

// Close closes the shared gateway connections, and with them every session
// carried through them. Dial fails after Close.
func (d *Dialer) Close() error {
	d.mu.Lock()
	d.closed = true
	entries := d.gateways
	d.gateways = map[string]*gatewayEntry{}
	d.mu.Unlock()
	var errs []error
	for _, e := range entries {
		errs = append(errs, e.close())
	}
	return errors.Join(errs...)
}
