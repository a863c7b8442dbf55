package fleet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/remote/sshremote"
)

// gatewayRetryAfter is how long a failed gateway dial is remembered, so
// the hosts of a site whose gateway is down fail at once instead of each
// waiting for its own dial timeout.
const gatewayRetryAfter = 30 * time.Second

// gatewayEntry is the shared connection to one site's gateway. Its mutex
// makes concurrent first dials to a site wait for one connection.
type gatewayEntry struct {
	mu       sync.Mutex
	gw       *sshremote.Gateway
	err      error     // the last dial error
	failedAt time.Time // when err happened
}

func (e *gatewayEntry) close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gw == nil {
		return nil
	}
	err := e.gw.Close()
	e.gw = nil
	return err
}

// gatewayHost returns the gateway host of h's site, or nil when the site
// has none or h is the gateway.
func (d *Dialer) gatewayHost(h *inventory.Host) (*inventory.Host, error) {
	site := d.inv.Site(h.Site)
	if site == nil || site.Gateway == "" || site.Gateway == h.Name {
		return nil, nil
	}
	gw := d.inv.Host(site.Gateway)
	if gw == nil {
		return nil, &remote.Error{Host: h.Name, Kind: remote.KindOther, Op: "dial",
			Err: fmt.Errorf("gateway %q of site %s is not an inventory host; add it or fix the site's gateway", site.Gateway, site.ID)}
	}
	return gw, nil
}

// gateway returns the live shared connection to the gateway of site,
// dialing it on first use.
func (d *Dialer) gateway(ctx context.Context, site string, gwHost *inventory.Host) (*sshremote.Gateway, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, &remote.Error{Host: gwHost.Name, Kind: remote.KindOther, Op: "dial", Err: errClosed}
	}
	e := d.gateways[site]
	if e == nil {
		e = &gatewayEntry{}
		d.gateways[site] = e
	}
	d.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gw != nil {
		return e.gw, nil
	}
	if e.err != nil && time.Since(e.failedAt) < gatewayRetryAfter {
		return nil, e.err
	}
	cfg, err := d.SSHConfig(ctx, gwHost, true)
	if err == nil {
		cfg.Jump = nil
		e.gw, err = sshremote.DialGateway(ctx, cfg)
	}
	if err != nil {
		e.err, e.failedAt = err, time.Now()
		return nil, err
	}
	e.err = nil
	return e.gw, nil
}

// forget closes and drops the site's gateway connection when it is still
// gw, so the next dial opens a new one.
func (d *Dialer) forget(site string, gw *sshremote.Gateway) {
	d.mu.Lock()
	e := d.gateways[site]
	d.mu.Unlock()
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gw == gw {
		e.gw.Close()
		e.gw = nil
	}
}

// throughGateway runs dial with the shared gateway of h's site. When the
// gateway connection was lost, it is dialed again once.
func (d *Dialer) throughGateway(ctx context.Context, h *inventory.Host, dial func(*sshremote.Gateway) (remote.Session, error)) (remote.Session, error) {
	gwHost, _ := d.gatewayHost(h)
	for attempt := 0; ; attempt++ {
		gw, err := d.gateway(ctx, h.Site, gwHost)
		if err != nil {
			return nil, gatewayError(h, gwHost, err)
		}
		s, err := dial(gw)
		if err != nil && remote.KindOf(err) == remote.KindConnectionLost && attempt == 0 {
			d.forget(h.Site, gw)
			continue
		}
		return s, err
	}
}

// gatewayDialContext returns a dial function that opens TCP connections
// through the shared gateway of h's site, for WinRM's HTTP transport.
func (d *Dialer) gatewayDialContext(h, gwHost *inventory.Host) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		for attempt := 0; ; attempt++ {
			gw, err := d.gateway(ctx, h.Site, gwHost)
			if err != nil {
				return nil, gatewayError(h, gwHost, err)
			}
			conn, err := gw.DialContext(ctx, network, addr)
			if err != nil && remote.KindOf(err) == remote.KindConnectionLost && attempt == 0 {
				d.forget(h.Site, gw)
				continue
			}
			return conn, err
		}
	}
}

// gatewayError reports that h could not be reached because its gateway
// failed. The kind is the gateway's, so an unreachable gateway makes the
// host missed, but the text names both.
func gatewayError(h, gwHost *inventory.Host, err error) error {
	detail := "gateway " + gwHost.Name + ": " + err.Error()
	var re *remote.Error
	if errors.As(err, &re) {
		detail = fmt.Sprintf("gateway %s: %s failed (%s)", gwHost.Name, re.Op, re.Kind)
		if re.Detail != "" {
			detail += ": " + re.Detail
		}
	}
	return &remote.Error{Host: h.Name, Kind: remote.KindOf(err), Op: "dial", Detail: detail, Err: err}
}

// Gateway returns the shared connection to the gateway of h's site, or nil
// when the site has none or h is the gateway. 'patchbay trust' reads host
// keys through it.
func (d *Dialer) Gateway(ctx context.Context, h *inventory.Host) (*sshremote.Gateway, error) {
	gwHost, err := d.gatewayHost(h)
	if err != nil || gwHost == nil {
		return nil, err
	}
	gw, err := d.gateway(ctx, h.Site, gwHost)
	if err != nil {
		return nil, gatewayError(h, gwHost, err)
	}
	return gw, nil
}
