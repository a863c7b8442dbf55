// Package preflight checks that hosts are ready to be patched, before a
// run and from 'patchbay doctor': the host answers, its key is known, the
// credentials work, the transport is encrypted, and the host has the
// rights, clock, disk, reboot state and update source that patching needs.
// Each problem comes with its fix.
//
// Every command it sends is declared read-only, so excepted hosts are
// checked too. Medical devices are not hosts and are never contacted.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"patchbay/inventory"
	"patchbay/remote"
)

// Status is the outcome of one check.
type Status string

// Statuses, from good to bad. Only StatusFail makes a host fail.
const (
	StatusPass Status = "pass"
	StatusSkip Status = "skip" // not run, because an earlier check failed
	StatusWarn Status = "warn" // works, but needs attention
	StatusFail Status = "fail"
)

// Check names, stable for scripts reading --json.
const (
	CheckReachable     = "reachable"
	CheckHostKey       = "host-key"
	CheckAuth          = "authentication"
	CheckTransport     = "transport"
	CheckRemoteUAC     = "remote-uac"
	CheckAdmin         = "administrator"
	CheckClock         = "clock"
	CheckDisk          = "free-disk"
	CheckReboot        = "pending-reboot"
	CheckUpdateService = "update-service"
	CheckUpdateSource  = "update-source"
	CheckSudo          = "sudo"
	CheckPrivilege     = "privilege"
	CheckUpdateAuth    = "update-authorization"
	CheckWindowsScript = "windows-checks" // the script that reads the Windows checks
)

// Check is the outcome of one check on one host.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Detail is the finding, such as "2.1 GiB free" or the error.
	Detail string `json:"detail,omitempty"`
	// Fix is the next step for the operator, or empty when the check passed.
	Fix string `json:"fix,omitempty"`
}

// Result is every check of one host.
type Result struct {
	Host     string  `json:"host"`
	Site     string  `json:"site"`
	Platform string  `json:"platform"`
	Failed   bool    `json:"failed"`
	Checks   []Check `json:"checks"`
}

// Dialer opens sessions to hosts, as the runner's Dialer does.
type Dialer interface {
	Dial(ctx context.Context, h *inventory.Host) (remote.Session, error)
}

// Defaults of Options.
const (
	DefaultMaxClockSkew  = 2 * time.Minute
	DefaultMinFreeDiskMB = 10 * 1024
	DefaultTimeout       = 60 * time.Second
	DefaultConcurrency   = 10
)

// Options configure the checks.
type Options struct {
	// Now is the controller's clock, compared with the host's; nil means
	// time.Now.
	Now func() time.Time
	// MaxClockSkew is the largest difference between the clocks that
	// passes. Kerberos, used by domain-joined Windows, fails beyond 5
	// minutes by default.
	MaxClockSkew time.Duration
	// MinFreeDiskMB is the free space on the system volume below which
	// the disk check fails. Windows cumulative updates need several GiB.
	MinFreeDiskMB int64
	// Timeout bounds all the checks of one host.
	Timeout time.Duration
	// Concurrency bounds the hosts checked at once.
	Concurrency int
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxClockSkew <= 0 {
		o.MaxClockSkew = DefaultMaxClockSkew
	}
	if o.MinFreeDiskMB <= 0 {
		o.MinFreeDiskMB = DefaultMinFreeDiskMB
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	return o
}

// Run checks hosts with up to opts.Concurrency at once and returns their
// results in the order of hosts.
func Run(ctx context.Context, d Dialer, hosts []*inventory.Host, opts Options) []Result {
	opts = opts.withDefaults()
	results := make([]Result, len(hosts))
	slots := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			results[i] = Host(ctx, d, h, opts)
		}()
	}
	wg.Wait()
	return results
}

// Host runs every check that applies to h.
func Host(ctx context.Context, d Dialer, h *inventory.Host, opts Options) Result {
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	r := &run{host: h, opts: opts}
	r.add(transportCheck(h))
	s, err := d.Dial(ctx, h)
	if err != nil {
		r.dialFailed(err)
		return r.result()
	}
	defer s.Close()
	r.dialed()
	r.platformChecks(ctx, s)
	return r.result()
}

// run collects the checks of one host.
type run struct {
	host   *inventory.Host
	opts   Options
	checks []Check
	// lost is set once a command failed with a remote error, such as a
	// timeout or a dropped connection, so the later checks are skipped.
	lost bool
}

func (r *run) add(c Check) { r.checks = append(r.checks, c) }

func (r *run) pass(name, detail string) { r.add(Check{Name: name, Status: StatusPass, Detail: detail}) }

func (r *run) fail(name, detail, fix string) {
	r.add(Check{Name: name, Status: StatusFail, Detail: detail, Fix: fix})
}

func (r *run) warn(name, detail, fix string) {
	r.add(Check{Name: name, Status: StatusWarn, Detail: detail, Fix: fix})
}

func (r *run) result() Result {
	res := Result{Host: r.host.Name, Site: r.host.Site, Platform: string(r.host.Platform), Checks: r.checks}
	for _, c := range r.checks {
		if c.Status == StatusFail {
			res.Failed = true
		}
	}
	return res
}

// platformChecks runs the checks of the host's platform family.
func (r *run) platformChecks(ctx context.Context, s remote.Session) {
	p := r.host.Platform
	switch {
	case p.IsWindows():
		r.windowsChecks(ctx, s)
	case p.IsNetworkGear():
		r.gearChecks(ctx, s)
	default:
		r.posixChecks(ctx, s)
	}
}

// errSkipped is returned for commands after the session was lost.
var errSkipped = errors.New("not checked because an earlier command failed")

// readOnly runs cmd as a read-only command and returns its standard output
// and error. A non-zero exit returns the output with a *remote.ExitError.
func (r *run) readOnly(ctx context.Context, s remote.Session, cmd remote.Command) (string, string, error) {
	if r.lost {
		return "", "", errSkipped
	}
	cmd.ReadOnly = true
	var stdout, stderr limitedBuffer
	err := s.Run(ctx, cmd, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// limitedBuffer keeps the first 64 KiB written to it, so a host printing
// without end cannot fill the memory.
type limitedBuffer struct{ b []byte }

const maxOutput = 64 << 10

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }

// commandFailed records a check whose command could not run.
func (r *run) commandFailed(name string, err error, stderr string) {
	if errors.Is(err, errSkipped) {
		r.add(Check{Name: name, Status: StatusSkip, Detail: err.Error()})
		return
	}
	detail := fmt.Sprintf("the check command failed: %v", err)
	if text := firstLine(stderr); text != "" {
		detail += ": " + text
	}
	fix := "run the check by hand on the host to see why it fails"
	var re *remote.Error
	if errors.As(err, &re) {
		detail, fix = errorParts(re)
		r.lost = true
	}
	r.fail(name, detail, fix)
}
