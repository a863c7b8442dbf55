package winrmremote

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"patchbay/remote"
)

// kindError is a failure whose remote.Kind is known where it happens.
type kindError struct {
	kind   remote.Kind
	detail string
}

func (e *kindError) Error() string { return e.detail }

// authError describes a 401: the schemes the host offers and the one
// configured.
func authError(header http.Header, configured Auth) error {
	var offered []string
	for _, v := range header.Values("WWW-Authenticate") {
		scheme, _, _ := strings.Cut(v, " ")
		if scheme != "" && !containsFold(offered, scheme) {
			offered = append(offered, scheme)
		}
	}
	sort.Strings(offered)
	list := strings.Join(offered, ", ")
	if list == "" {
		list = "no scheme"
	}
	return &kindError{remote.KindAuthRejected,
		fmt.Sprintf("HTTP 401 with %s configured; the host offers %s", configured, list)}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// envelopeError is an HTTP 413: the request exceeded MaxEnvelopeSizekb.
type envelopeError struct {
	sent, limit int
}

func (e *envelopeError) Error() string {
	return fmt.Sprintf("HTTP 413 for a request of %d bytes; the envelope limit is configured as %d bytes", e.sent, e.limit)
}

var titlePattern = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// notWinRMError describes a response that is not SOAP, with the page
// title when there is one.
func notWinRMError(status int, contentType string, body []byte) error {
	detail := fmt.Sprintf("HTTP %d with content type %q", status, contentType)
	if m := titlePattern.FindSubmatch(body); m != nil {
		words := strings.Fields(html.UnescapeString(string(m[1])))
		title := strings.Join(words, " ")
		detail += fmt.Sprintf(" and page title %q", title)
	}
	return &kindError{remote.KindNotWinRM, detail}
}

// faultError is a SOAP fault from the WinRM service.
type faultError struct {
	status  int
	subcode string // for example "w:TimedOut"
	code    string // the Windows error code of the WSManFault
	text    string
}

// Error contains the fault's reason text. For w:TimedOut that text names
// OperationTimeout, and the winrm package polls again only when it finds
// that word.
func (e *faultError) Error() string {
	return fmt.Sprintf("WS-Management fault %s (code %s, HTTP %d): %s", e.subcode, e.code, e.status, e.text)
}

func (e *faultError) timedOut() bool {
	return strings.HasSuffix(e.subcode, ":TimedOut") || e.code == "2150858793"
}

func (e *faultError) shellLost() bool {
	return strings.HasSuffix(e.subcode, ":InvalidSelectors") || e.code == "2150858843"
}

type soapFault struct {
	Subcode string `xml:"Body>Fault>Code>Subcode>Value"`
	Reason  string `xml:"Body>Fault>Reason>Text"`
	Detail  struct {
		Code    string `xml:"Code,attr"`
		Message string `xml:"Message"`
	} `xml:"Body>Fault>Detail>WSManFault"`
}

func parseFault(status int, body []byte) error {
	var f soapFault
	if err := xml.Unmarshal(body, &f); err != nil || (f.Subcode == "" && f.Reason == "") {
		return &kindError{remote.KindOther, fmt.Sprintf("HTTP %d with a SOAP body that is not a fault", status)}
	}
	text := strings.TrimSpace(f.Reason)
	if text == "" {
		text = strings.TrimSpace(f.Detail.Message)
	}
	e := &faultError{status: status, subcode: strings.TrimSpace(f.Subcode), code: f.Detail.Code, text: text}
	if e.timedOut() && !strings.Contains(e.text, "OperationTimeout") {
		e.text += " (OperationTimeout)"
	}
	return e
}

// classify turns a lower error into a *remote.Error for host and op.
// Cancellation keeps context.Canceled in the chain.
func classify(host, op string, err error) error {
	var re *remote.Error
	if err == nil || errors.As(err, &re) {
		return err
	}
	kind, detail := kindOf(err)
	return &remote.Error{Host: host, Kind: kind, Op: op, Detail: detail, Err: err}
}

func kindOf(err error) (remote.Kind, string) {
	var (
		ke    *kindError
		ee    *envelopeError
		fe    *faultError
		cert  *tls.CertificateVerificationError
		unkCA x509.UnknownAuthorityError
		host  x509.HostnameError
		inv   x509.CertificateInvalidError
		ne    net.Error
	)
	switch {
	case errors.As(err, &ke):
		return ke.kind, ke.detail
	case errors.As(err, &ee):
		return remote.KindEnvelopeTooLarge, ee.Error()
	case errors.As(err, &fe) && fe.shellLost():
		return remote.KindShellLost, fe.Error()
	case errors.As(err, &fe) && fe.timedOut():
		return remote.KindTimeout, fe.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return remote.KindTimeout, err.Error()
	case errors.Is(err, context.Canceled):
		// The caller stopped the command (an operator's abort), so timeout
		// advice would mislead. The SSH session words it the same way.
		return remote.KindOther, "the command was stopped"
	case errors.As(err, &cert), errors.As(err, &unkCA), errors.As(err, &host), errors.As(err, &inv):
		return remote.KindCertificateUntrusted, certDetail(err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return remote.KindConnectionRefused, ""
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return remote.KindUnreachable, ""
	case errors.As(err, &ne) && ne.Timeout():
		return remote.KindTimeout, ""
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, errRedial), errors.Is(err, net.ErrClosed):
		return remote.KindConnectionLost, ""
	}
	return remote.KindOther, ""
}

func certDetail(err error) string {
	var host x509.HostnameError
	if errors.As(err, &host) {
		return fmt.Sprintf("the certificate is not valid for %q", host.Host)
	}
	var unk x509.UnknownAuthorityError
	if errors.As(err, &unk) {
		return "the certificate is signed by an unknown authority"
	}
	return "the certificate failed verification"
}
