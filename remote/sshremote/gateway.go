package sshremote

import (
	"context"
	"net"

	"patchbay/remote"
)

// Gateway is one SSH connection to a site's jump host that carries many
// sessions, SSH and WinRM alike, as direct-tcpip channels. It is safe for
// concurrent use.
type Gateway struct {
	session *Session
}

// DialGateway connects to the jump host that cfg describes.
func DialGateway(ctx context.Context, cfg Config) (*Gateway, error) {
	s, err := Dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Gateway{session: s}, nil
}

// DialContext opens a TCP connection to address from the jump host. It has
// the signature of net.Dialer.DialContext, so HTTP transports can use it.
func (g *Gateway) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	conn, err := g.session.client.DialContext(ctx, network, address)
	if err != nil {
		return nil, &remote.Error{Host: address, Kind: gatewayKind(err), Op: "dial",
			Detail: "through the gateway " + g.session.cfg.name(), Err: err}
	}
	return conn, nil
}

// gatewayKind classifies a failed direct-tcpip channel. The jump host
// reports a target it cannot reach as a rejected channel, which counts as
// unreachable so the runner records the host as missed.
func gatewayKind(err error) remote.Kind {
	kind := dialKind(err)
	if kind == remote.KindOther {
		return remote.KindUnreachable
	}
	return kind
}

// Close closes the connection to the jump host and every connection
// carried through it.
func (g *Gateway) Close() error { return g.session.Close() }
