package winrmremote

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// soapType is the content type of every plain WS-Management message.
const soapType = "application/soap+xml;charset=UTF-8"

// maxResponse bounds the body read from one response.
const maxResponse = 64 << 20

// transport sends WS-Management messages to one host. It replaces the
// winrm package's transports because those ignore Dial for NTLM message
// encryption, cannot be cancelled, and share NTLM state across concurrent
// requests.
type transport struct {
	cfg      Config
	url      string
	user     string
	domain   string
	password string
	tls      *tls.Config

	basic *http.Client // Basic auth: one pool of connections

	mu     sync.Mutex
	idle   []*channel // NTLM: authenticated connections not in use
	open   map[*channel]struct{}
	closed bool
}

func newTransport(cfg Config, password string) (*transport, error) {
	roots, err := cfg.rootCAs()
	if err != nil {
		return nil, err
	}
	serverName := cfg.TLSServerName
	if serverName == "" {
		serverName = cfg.Address
	}
	t := &transport{
		cfg:      cfg,
		url:      cfg.url(),
		password: password,
		open:     map[*channel]struct{}{},
		tls: &tls.Config{
			RootCAs:            roots,
			ServerName:         serverName,
			InsecureSkipVerify: cfg.Insecure, //nolint:gosec // explicit opt-in, validated to HTTPS only
			MinVersion:         tls.VersionTLS12,
		},
	}
	t.user, t.domain = splitUser(cfg.User)
	if cfg.Auth == AuthBasic {
		t.basic = &http.Client{Transport: t.httpTransport(0, nil), CheckRedirect: noRedirect}
	}
	return t, nil
}

// splitUser splits "DOMAIN\user" and "user@domain" for NTLM.
func splitUser(user string) (name, domain string) {
	if d, n, ok := strings.Cut(user, `\`); ok {
		return n, d
	}
	if n, d, ok := strings.Cut(user, "@"); ok {
		return n, d
	}
	return user, ""
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// httpTransport builds an HTTP transport that dials through the
// configured dialer. With maxConns 1 and onDial set, it is the transport
// of one NTLM channel. It never uses a proxy: WinRM goes to the host
// directly or through DialContext.
func (t *transport) httpTransport(maxConns int, onDial func() error) *http.Transport {
	dial := t.cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	timeout := t.cfg.DialTimeout
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if onDial != nil {
				if err := onDial(); err != nil {
					return nil, err
				}
			}
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			return dial(ctx, network, addr)
		},
		TLSClientConfig:       t.tls.Clone(),
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: t.cfg.OperationTimeout + 30*time.Second,
		MaxConnsPerHost:       maxConns,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     false,
	}
}

// post sends one SOAP message and returns the response envelope.
func (t *transport) post(ctx context.Context, msg []byte) (string, error) {
	if t.basic != nil {
		return t.postBasic(ctx, msg)
	}
	return t.postNTLM(ctx, msg)
}

func (t *transport) postBasic(ctx context.Context, msg []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(msg))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", soapType)
	req.SetBasicAuth(t.cfg.User, t.password)
	resp, err := t.basic.Do(req)
	if err != nil {
		return "", err
	}
	return readResponse(resp, len(msg), t.cfg)
}

// postNTLM sends msg on an authenticated channel. A channel from the idle
// pool whose connection closed while idle is dropped before anything was
// sent on it, and the next one is tried, because after a long pause (a
// retry back-off) every idle channel can be stale.
func (t *transport) postNTLM(ctx context.Context, msg []byte) (string, error) {
	for {
		ch, reused, err := t.takeChannel(ctx)
		if err != nil {
			return "", err
		}
		body, err := ch.post(ctx, t, msg)
		if errors.Is(err, errRedial) && reused {
			t.discard(ch)
			continue
		}
		if err != nil {
			t.discard(ch)
			return "", err
		}
		t.release(ch)
		return body, nil
	}
}

// takeChannel returns an idle channel, with reused true, or a newly
// authenticated one.
func (t *transport) takeChannel(ctx context.Context) (ch *channel, reused bool, err error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, false, errSessionClosed
	}
	if n := len(t.idle); n > 0 {
		ch := t.idle[n-1]
		t.idle = t.idle[:n-1]
		t.mu.Unlock()
		return ch, true, nil
	}
	t.mu.Unlock()

	ch = newChannel(t)
	t.mu.Lock()
	t.open[ch] = struct{}{}
	t.mu.Unlock()
	if err := ch.authenticate(ctx, t); err != nil {
		t.discard(ch)
		return nil, false, err
	}
	return ch, false, nil
}

func (t *transport) release(ch *channel) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		ch.http.CloseIdleConnections()
		return
	}
	t.idle = append(t.idle, ch)
}

func (t *transport) discard(ch *channel) {
	t.mu.Lock()
	delete(t.open, ch)
	t.mu.Unlock()
	ch.http.CloseIdleConnections()
}

// close closes idle connections; busy ones close as their requests end.
func (t *transport) close() {
	t.mu.Lock()
	t.closed = true
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, ch := range idle {
		ch.http.CloseIdleConnections()
	}
	if t.basic != nil {
		t.basic.CloseIdleConnections()
	}
}

// boundTransport is the winrm.Transporter for one Run: it sends every
// request under that Run's request context.
type boundTransport struct {
	t   *transport
	ctx context.Context
}

func (b boundTransport) Transport(*winrm.Endpoint) error { return nil }

func (b boundTransport) Post(_ *winrm.Client, msg *soap.SoapMessage) (string, error) {
	return b.t.post(b.ctx, []byte(msg.String()))
}

// readResponse returns the SOAP envelope of a 200 response and a typed
// error for everything else.
func readResponse(resp *http.Response, sent int, cfg Config) (string, error) {
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return "", err
	}
	return checkResponse(resp.StatusCode, resp.Header, data, sent, cfg)
}

func checkResponse(status int, header http.Header, data []byte, sent int, cfg Config) (string, error) {
	switch {
	case status == http.StatusUnauthorized:
		return "", authError(header, cfg.Auth)
	case status == http.StatusRequestEntityTooLarge:
		return "", &envelopeError{sent: sent, limit: cfg.EnvelopeSize}
	case !strings.HasPrefix(strings.ToLower(header.Get("Content-Type")), "application/soap+xml"):
		return "", notWinRMError(status, header.Get("Content-Type"), data)
	case status == http.StatusOK:
		return string(data), nil
	}
	return "", parseFault(status, data)
}
