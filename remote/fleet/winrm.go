package fleet

import (
	"context"
	"fmt"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/remote/winrmremote"
)

// WinRMConfig is the WinRM configuration the dialer builds, as
// Options.ConfigureWinRM sees it.
type WinRMConfig = winrmremote.Config

// dialWinRM opens a WinRM session to h. Through a site gateway, the HTTP
// connections are direct-tcpip channels of the shared gateway connection.
func (d *Dialer) dialWinRM(ctx context.Context, h *inventory.Host) (remote.Session, error) {
	cfg, err := d.WinRMConfig(ctx, h)
	if err != nil {
		return nil, err
	}
	return winrmremote.Dial(ctx, cfg)
}

// WinRMConfig returns the WinRM configuration of h with its resolved
// password and, when its site has a gateway, a dial function through it.
func (d *Dialer) WinRMConfig(ctx context.Context, h *inventory.Host) (winrmremote.Config, error) {
	if err := checkRealAddress(h.Name, h.Address); err != nil {
		return winrmremote.Config{}, err
	}
	r, err := d.resolve(ctx, h)
	if err != nil {
		return winrmremote.Config{}, err
	}
	if r.agent {
		return winrmremote.Config{}, credentialError(h, fmt.Errorf(
			"WinRM needs a password, but the host's credential is the ssh-agent; give a credential with env, file or command"))
	}
	password := r.secret
	cfg := winrmremote.Config{
		Host: h.Name, Address: h.Address, Port: h.Transport.Port, HTTPS: h.Transport.HTTPS,
		CAFile: h.Transport.CAFile, Insecure: h.Transport.Insecure,
		Auth: winrmremote.Auth(h.Transport.Auth), User: h.Transport.User,
		Password: func(context.Context) (string, error) { return password.Reveal(), nil },
	}
	gwHost, err := d.gatewayHost(h)
	if err != nil {
		return cfg, err
	}
	if gwHost != nil {
		cfg.DialContext = d.gatewayDialContext(h, gwHost)
	}
	if d.opts.ConfigureWinRM != nil {
		d.opts.ConfigureWinRM(&cfg)
	}
	return cfg, nil
}
