package winrmremote

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync/atomic"

	"github.com/bodgit/ntlmssp"
	ntlmhttp "github.com/bodgit/ntlmssp/http"
)

var (
	// errRedial means a channel's connection closed while idle. NTLM
	// authenticates a connection, so the channel cannot go on.
	errRedial = errors.New("NTLM connection closed while idle")
	// errSessionClosed is returned for requests after Close.
	errSessionClosed = errors.New("session closed")
)

// encryptedType is the content type of an NTLM-encrypted message
// (MS-WSMV 2.2.9.1), as both Windows and the ntlmssp package write it.
const encryptedType = `multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"`

// channel is one TCP connection authenticated with NTLM, with the
// security context that seals its messages when it runs over HTTP.
type channel struct {
	http  *http.Client
	ntlm  *ntlmssp.Client
	seal  bool
	dials atomic.Int32
}

func newChannel(t *transport) *channel {
	ch := &channel{seal: !t.cfg.HTTPS}
	tr := t.httpTransport(1, func() error {
		if ch.dials.Add(1) > 1 {
			return errRedial
		}
		return nil
	})
	ch.http = &http.Client{Transport: tr, CheckRedirect: noRedirect}
	return ch
}

// authenticate runs the NTLM handshake with an empty request, so that no
// message travels before the connection is authenticated and sealed.
func (ch *channel) authenticate(ctx context.Context, t *transport) error {
	client, err := ntlmssp.NewClient(ntlmssp.SetUserInfo(t.user, t.password),
		ntlmssp.SetDomain(t.domain), ntlmssp.SetVersion(ntlmssp.DefaultVersion()))
	if err != nil {
		return err
	}

	negotiator, err := ntlmhttp.NewClient(ch.http, client)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, http.NoBody)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", soapType)

	resp, err := negotiator.Do(req)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	resp.Body.Close()
	if err != nil {
		return err
	}

	if resp.StatusCode != http.StatusOK || !client.Complete() {
		_, err := checkResponse(resp.StatusCode, resp.Header, data, 0, t.cfg)
		if err == nil {
			// A 200 without a completed handshake: the host did not ask
			// for NTLM, which a WinRM listener always does.
			err = authError(resp.Header, t.cfg.Auth)
		}
		return err
	}
	if ch.seal && client.SecuritySession() == nil {
		return fmt.Errorf("NTLM handshake did not negotiate message encryption, which plain HTTP requires")
	}
	ch.ntlm = client
	return nil
}

// post sends msg on the channel, sealed when the channel runs over HTTP.
func (ch *channel) post(ctx context.Context, t *transport, msg []byte) (string, error) {
	body, contentType := msg, soapType
	if ch.seal {
		var err error
		if body, contentType, err = ch.wrap(msg); err != nil {
			return "", err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", contentType)

	resp, err := ch.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return "", err
	}

	header := resp.Header
	if resp.Header.Get("Content-Type") == encryptedType {
		if data, err = ch.unwrap(data); err != nil {
			return "", err
		}
		header = header.Clone()
		header.Set("Content-Type", soapType)
	}
	return checkResponse(resp.StatusCode, header, data, len(msg), t.cfg)
}

// Encrypted bodies follow MS-WSMV 2.2.9.1, as pywinrm and Windows write
// them: a part that names the plaintext length, then a part with a 4-byte
// signature length, the signature and the sealed message.
const (
	boundary        = "--Encrypted Boundary\r\n"
	protocolLine    = "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
	octetStreamLine = "\tContent-Type: application/octet-stream\r\n"
	closingBoundary = "--Encrypted Boundary--\r\n"
)

func (ch *channel) wrap(msg []byte) ([]byte, string, error) {
	sealed, signature, err := ch.ntlm.SecuritySession().Wrap(msg)
	if err != nil {
		return nil, "", fmt.Errorf("seal message: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(boundary + protocolLine)
	fmt.Fprintf(&b, "\tOriginalContent: type=%s;Length=%d\r\n", soapType, len(msg))
	b.WriteString(boundary + octetStreamLine)
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(signature))))
	b.Write(signature)
	b.Write(sealed)
	b.WriteString(closingBoundary)
	return b.Bytes(), encryptedType, nil
}

var lengthPattern = regexp.MustCompile(`Length=(\d+)\r\n`)

func (ch *channel) unwrap(data []byte) ([]byte, error) {
	m := lengthPattern.FindSubmatchIndex(data)
	start := bytes.Index(data, []byte(octetStreamLine))
	if !bytes.HasPrefix(data, []byte(boundary)) || m == nil || start < m[1] {
		return nil, errors.New("read encrypted response: not in the multipart/encrypted layout")
	}
	length, err := strconv.Atoi(string(data[m[2]:m[3]]))
	if err != nil {
		return nil, fmt.Errorf("read encrypted response: invalid Length: %w", err)
	}
	payload := data[start+len(octetStreamLine):]
	if len(payload) < 4 {
		return nil, errors.New("read encrypted response: payload truncated")
	}
	n := int(binary.LittleEndian.Uint32(payload))
	if len(payload) < 4+n+length {
		return nil, fmt.Errorf("read encrypted response: payload shorter than the %d bytes declared", length)
	}
	msg, err := ch.ntlm.SecuritySession().Unwrap(payload[4+n:4+n+length], payload[4:4+n])
	if err != nil {
		return nil, fmt.Errorf("read encrypted response: %w", err)
	}
	return msg, nil
}
