package fleet

import (
	"context"
	"fmt"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/remote/sshremote"
)

// dialSSH opens an SSH session to h, through the site's shared gateway
// when the site has one and h is not the gateway itself.
func (d *Dialer) dialSSH(ctx context.Context, h *inventory.Host) (remote.Session, error) {
	cfg, err := d.SSHConfig(ctx, h, true)
	if err != nil {
		return nil, err
	}
	gatewayHost, err := d.gatewayHost(h)
	if err != nil || gatewayHost == nil {
		if err != nil {
			return nil, err
		}
		return sshremote.Dial(ctx, cfg)
	}
	return d.throughGateway(ctx, h, func(gw *sshremote.Gateway) (remote.Session, error) {
		cfg.Gateway, cfg.Jump = gw, nil
		return sshremote.Dial(ctx, cfg)
	})
}

// SSHConfig returns the SSH configuration of h without its site's
// gateway: address, port, user and legacy algorithms from the inventory,
// ~/.ssh/config for what the inventory leaves empty, the known_hosts files
// and, when withAuth is set, the authentication methods of its resolved
// credential. 'patchbay trust' uses it without authentication.
func (d *Dialer) SSHConfig(ctx context.Context, h *inventory.Host, withAuth bool) (sshremote.Config, error) {
	if h.Transport.Kind != inventory.TransportSSH {
		return sshremote.Config{}, &remote.Error{Host: h.Name, Kind: remote.KindOther, Op: "dial",
			Err: fmt.Errorf("the host uses %s, not ssh", h.Transport.Kind)}
	}
	if err := checkRealAddress(h.Name, h.Address); err != nil {
		return sshremote.Config{}, err
	}
	cfg := sshremote.Config{Host: h.Name, Address: h.Address, Port: h.Transport.Port, User: h.Transport.User,
		KnownHosts: d.opts.KnownHosts, LegacyAlgorithms: h.Transport.LegacyAlgorithms}
	if withAuth {
		r, err := d.resolve(ctx, h)
		if err != nil {
			return cfg, err
		}
		if cfg.Auth, err = d.sshAuth(h, r); err != nil {
			return cfg, err
		}
	}
	if d.opts.SSHConfig != nil {
		var err error
		if cfg, err = d.opts.SSHConfig.Apply(h.Name, cfg); err != nil {
			return cfg, &remote.Error{Host: h.Name, Kind: remote.KindOther, Op: "dial", Err: err}
		}
	}
	if err := checkRealAddress(h.Name, cfg.Address); err != nil {
		return cfg, err
	}
	if d.opts.Configure != nil {
		d.opts.Configure(&cfg)
	}
	return cfg, nil
}
