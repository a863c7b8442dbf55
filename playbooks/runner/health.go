package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/state/event"
)

// healthTimeout bounds one health check.
const healthTimeout = 30 * time.Second

// checkHealth runs the inventory's health checks on the hosts of ring that
// ended done, journals each failure as a decision and keeps the failures
// for the next ring's gate.
func (r *Runner) checkHealth(ctx context.Context, ring string) {
	var failures []string
	for _, h := range r.plan.Hosts {
		if h.Host.Ring != ring || r.result(h.Host.Name) != event.PhaseDone || !r.mayCheckHealth(h.Host.Name) {
			continue
		}
		for _, c := range r.inv.HealthChecksFor(h.Host) {
			if err := r.runCheck(ctx, h.Host, c); err != nil {
				failure := fmt.Sprintf("%s: %s: %v", h.Host.Name, c.Name, err)
				failures = append(failures, failure)
				r.emit(h.Host.Name, event.Decision{What: DecisionHealth, Reason: "failed: " + failure, Site: h.Host.Site, Ring: ring})
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.health[ring] = failures
}

// mayCheckHealth reports whether checkHealth may contact host. A host that
// finished in the run being resumed gets the read-only checks only from a
// playbook that changes hosts. Its ring's health was never checked,
// because the resumed run stopped before the ring ended, so the next
// ring's gate was never evaluated and needs every patched host's health.
// A read-only playbook evaluates no gate, so it leaves those hosts alone.
func (r *Runner) mayCheckHealth(host string) bool {
	_, before := r.opts.Finished[host]
	return !before || !r.plan.Playbook.ReadOnlyByAction()
}

func (r *Runner) result(host string) event.HostPhase {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.results[host]
}

// runCheck runs one health check: a TCP connection from this machine, or
// a read-only command on the host for a service or process.
func (r *Runner) runCheck(ctx context.Context, h *inventory.Host, c *inventory.HealthCheck) error {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	if c.Kind == inventory.CheckTCP {
		conn, err := r.opts.DialTCP(ctx, "tcp", net.JoinHostPort(h.Address, strconv.Itoa(c.Port)))
		if err != nil {
			return fmt.Errorf("connect to port %d failed: %w", c.Port, err)
		}
		return conn.Close()
	}
	s, err := r.dialer.Dial(ctx, h)
	if err != nil {
		return err
	}
	s = remote.Guard(s, h.Name, r.inv.Access(h.Name))
	defer s.Close()
	err = s.Run(ctx, checkCommand(h, c), discard{}, discard{})
	var exit *remote.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("%s %s is not running", c.Kind, c.Target)
	}
	return err
}

// checkCommand returns the read-only command that exits 0 when the
// service or process runs.
func checkCommand(h *inventory.Host, c *inventory.HealthCheck) remote.Command {
	quoted := strings.ReplaceAll(c.Target, "'", "''")
	if h.Platform.IsWindows() {
		script := fmt.Sprintf("if ((Get-Service -Name '%s' -ErrorAction SilentlyContinue).Status -ne 'Running') { exit 1 }", quoted)
		if c.Kind == inventory.CheckProcess {
			name := strings.TrimSuffix(quoted, ".exe")
			script = fmt.Sprintf("if (-not (Get-Process -Name '%s' -ErrorAction SilentlyContinue)) { exit 1 }", name)
		}
		return remote.Command{PowerShell: script, ReadOnly: true}
	}
	line := "systemctl is-active --quiet '" + strings.ReplaceAll(c.Target, "'", `'\''`) + "'"
	if c.Kind == inventory.CheckProcess {
		line = "pgrep -x '" + strings.ReplaceAll(c.Target, "'", `'\''`) + "'"
	}
	return remote.Command{Line: line, ReadOnly: true}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
