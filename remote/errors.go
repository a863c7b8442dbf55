package remote

import (
	"errors"
	"fmt"
)

// Kind classifies a failure to reach or use a host. The runner uses it to
// tell a missed host (switched off) from a failed one, and the command line
// uses it to pick the advice shown.
type Kind int

// Kinds of remote failure. Each has one row in the kinds table below.
const (
	KindOther                Kind = iota // not classified; Err holds the cause
	KindUnknownHostKey                   // SSH host key not in any known_hosts file
	KindHostKeyChanged                   // SSH host key differs from the pinned one
	KindAuthRejected                     // credentials refused (SSH or WinRM 401)
	KindNoCommonAlgorithm                // SSH negotiation found no shared algorithm
	KindConnectionRefused                // nothing listens on the port
	KindUnreachable                      // no route, or the host does not respond at all
	KindTimeout                          // a dial, auth, command or idle deadline passed
	KindNotWinRM                         // the endpoint responded, but not with WS-Management
	KindEnvelopeTooLarge                 // WinRM rejected a request as too large (HTTP 413)
	KindCertificateUntrusted             // TLS certificate not valid for the host
	KindShellLost                        // the remote shell is gone (service restart, reboot)
	KindConnectionLost                   // the connection dropped while a command ran
	KindCredential                       // the credential reference could not be resolved
)

// kindInfo is the user-facing text for one kind: what failed and what to do.
type kindInfo struct {
	name   string // short, stable name used in JSON and the journal
	what   string // description of the failure, as a clause
	advice string // next step for the operator
}

// kinds is the one table of remote failures as the operator reads them.
// Every row has a test that provokes it against an in-process server.
var kinds = map[Kind]kindInfo{
	KindOther: {"error", "failed", "see the log file for details"},
	KindUnknownHostKey: {"unknown-host-key", "host key is not known",
		"check the fingerprint with the host's owner, then pin it with 'patchbay trust HOST'"},
	KindHostKeyChanged: {"host-key-changed", "host key has changed",
		"find out why the key changed (reinstall, or someone in the middle) before removing the old key from known_hosts"},
	KindAuthRejected: {"auth-rejected", "authentication was rejected",
		"check the user name and the credential reference in the inventory; patchbay does not retry, so a domain account is not locked out"},
	KindNoCommonAlgorithm: {"no-common-algorithm", "no common SSH algorithm",
		"for old network gear, set 'legacy_algorithms: true' on the host's transport in the inventory"},
	KindConnectionRefused: {"connection-refused", "connection was refused",
		"check that the SSH or WinRM service runs and the port in the inventory is right"},
	KindUnreachable: {"unreachable", "host is unreachable",
		"check that the host is switched on and the site's network or gateway is up"},
	KindTimeout: {"timeout", "timed out",
		"the host or the network is slow or stuck; check the host, or raise the step's timeout"},
	KindNotWinRM: {"not-winrm", "endpoint is not a WinRM listener",
		"check the port and scheme; run 'winrm quickconfig' on the host or fix the address"},
	KindEnvelopeTooLarge: {"envelope-too-large", "request exceeds the WinRM envelope limit",
		"raise MaxEnvelopeSizekb on the host, or use a smaller script"},
	KindCertificateUntrusted: {"certificate-untrusted", "TLS certificate is not trusted",
		"give the issuing CA with the transport's ca_file option, or fix the certificate's name"},
	KindShellLost: {"shell-lost", "remote shell was lost (service restart or reboot)",
		"re-check the host's state before running anything again"},
	KindConnectionLost: {"connection-lost", "connection dropped during a command",
		"re-check the host's state before running anything again"},
	KindCredential: {"credential", "credential could not be read",
		"check the credential reference: the variable is set, the file exists with mode 0600, or the command succeeds"},
}

// String returns the kind's short, stable name.
func (k Kind) String() string {
	if info, ok := kinds[k]; ok {
		return info.name
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Advice returns what the operator should do about a failure of this kind.
func (k Kind) Advice() string { return kinds[k].advice }

// Error is a failure to reach or use a host. Its text names the host, what
// failed and what to do; it never contains a secret.
type Error struct {
	Host   string // host name as the inventory gives it, or address:port
	Kind   Kind
	Op     string // the operation that failed: "dial", "auth", "run", "copy"
	Detail string // extra facts, such as both fingerprints; may be empty
	Err    error  // the lower error; its text must not contain secrets
}

func (e *Error) Error() string {
	info := kinds[e.Kind]
	msg := fmt.Sprintf("host %s: %s %s", e.Host, e.Op, info.what)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil && e.Kind == KindOther {
		msg += ": " + e.Err.Error()
	}
	return msg + "; " + info.advice
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of a remote failure, or KindOther when err is not
// an *Error.
func KindOf(err error) Kind {
	var re *Error
	if errors.As(err, &re) {
		return re.Kind
	}
	return KindOther
}

// Missed reports whether err means the host could not be reached at all, so
// the runner counts it as missed (switched off), not failed.
func Missed(err error) bool {
	switch KindOf(err) {
	case KindConnectionRefused, KindUnreachable:
		return true
	}
	return false
}
