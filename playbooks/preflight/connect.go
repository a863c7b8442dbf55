package preflight

import (
	"errors"
	"slices"
	"strings"

	"patchbay/inventory"
	"patchbay/remote"
)

// transportCheck checks the transport settings before any connection: a
// WinRM transport must be encrypted and verify the host's certificate.
func transportCheck(h *inventory.Host) Check {
	t := h.Transport
	c := Check{Name: CheckTransport, Status: StatusPass}
	switch {
	case t.Kind == inventory.TransportSSH && t.LegacyAlgorithms:
		c.Status, c.Detail = StatusWarn, "SSH with legacy algorithms (SHA-1 key exchange, CBC ciphers)"
		c.Fix = "update the device's firmware to one with current SSH algorithms, then remove legacy_algorithms"
	case t.Kind == inventory.TransportSSH:
		c.Detail = "SSH"
	case t.HTTPS && t.Insecure:
		c.Status, c.Detail = StatusFail, "WinRM over HTTPS without certificate verification (insecure_skip_verify)"
		c.Fix = "give the issuing CA with ca_file and remove insecure_skip_verify"
	case t.HTTPS:
		c.Detail = "WinRM over HTTPS with certificate verification"
	case t.Auth == "basic":
		c.Status, c.Detail = StatusFail, "WinRM Basic authentication over HTTP sends the password in clear"
		c.Fix = "use https: true or auth: ntlm"
	default:
		c.Detail = "WinRM over HTTP with NTLM message encryption"
	}
	return c
}

// dialFailed records the failed connection step and skips the others.
// The kind of the error tells which step failed.
func (r *run) dialFailed(err error) {
	detail, fix := errorParts(nil)
	var re *remote.Error
	if errors.As(err, &re) {
		detail, fix = errorParts(re)
	} else {
		detail = err.Error()
	}
	failed := failedStep(remote.KindOf(err))
	if failed == CheckTransport {
		r.replace(Check{Name: CheckTransport, Status: StatusFail, Detail: detail, Fix: fix})
	}
	steps := r.connectSteps()
	at := slices.Index(steps, failed)
	for i, name := range steps {
		switch {
		case i < at, at < 0 && i == 0:
			r.pass(name, "")
		case i == at:
			r.fail(name, detail, fix)
		default:
			r.add(Check{Name: name, Status: StatusSkip, Detail: "not checked because an earlier check failed"})
		}
	}
}

// dialed records the connection steps as passed.
func (r *run) dialed() {
	for _, name := range r.connectSteps() {
		r.pass(name, "")
	}
}

// connectSteps lists the checks a connection passes, in order. WinRM has
// no host key: its certificate is part of the transport check.
func (r *run) connectSteps() []string {
	if r.host.Transport.Kind == inventory.TransportWinRM {
		return []string{CheckReachable, CheckAuth}
	}
	return []string{CheckReachable, CheckHostKey, CheckAuth}
}

// replace swaps the check of the same name.
func (r *run) replace(c Check) {
	for i := range r.checks {
		if r.checks[i].Name == c.Name {
			r.checks[i] = c
		}
	}
}

// failedStep returns the connection check that a dial error of kind
// fails. The transport check is recorded separately.
func failedStep(kind remote.Kind) string {
	switch kind {
	case remote.KindUnknownHostKey, remote.KindHostKeyChanged:
		return CheckHostKey
	case remote.KindAuthRejected, remote.KindCredential:
		return CheckAuth
	case remote.KindCertificateUntrusted, remote.KindNotWinRM, remote.KindNoCommonAlgorithm, remote.KindEnvelopeTooLarge:
		return CheckTransport
	}
	return CheckReachable
}

// errorParts splits a remote error into what failed and the advice that
// its text ends with.
func errorParts(re *remote.Error) (detail, fix string) {
	if re == nil {
		return "", ""
	}
	fix = re.Kind.Advice()
	detail = strings.TrimSuffix(re.Error(), "; "+fix)
	detail = strings.TrimPrefix(detail, "host "+re.Host+": ")
	detail = strings.TrimPrefix(detail, re.Op+" ")
	return detail, fix
}

// firstLine returns the first non-empty line of text, trimmed.
func firstLine(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}
