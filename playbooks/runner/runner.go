// Package runner executes a plan: hosts in parallel within bounds, each
// through the host state machine, ring after ring behind their gates, with
// failure budgets per site and ring, window checks, pause, abort and
// resume. Every state change, output chunk and decision becomes an Event
// that is journaled before subscribers see it.
//
// Sessions come from a Dialer, and the runner wraps each one in
// remote.Guard with the inventory's access for the host, so the write guard
// sits where commands leave for the host. Medical devices are not hosts and
// cannot be dialled.
package runner

import (
	"patchbay/state/event"

	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/actions"
	"patchbay/playbooks/plan"
	"patchbay/remote"
)

// Dialer opens sessions to hosts. The real one resolves the host's
// transport, credential and site gateway; tests use in-memory sessions.
type Dialer interface {
	Dial(ctx context.Context, h *inventory.Host) (remote.Session, error)
}

// Defaults of Options. The per-site default is low because a practice's
// uplink is often a small business line shared with the clinic's work.
const (
	DefaultConcurrency       = 20
	DefaultSiteConcurrency   = 2
	DefaultMaxRebootsPerHost = 3
	DefaultStepTimeout       = 2 * time.Hour
)

// Options configure a run.
type Options struct {
	// RunID names the run in the journal; empty generates one.
	RunID string
	// Operator is the OS user, and OperatorName the name given with
	// --operator.
	Operator, OperatorName string
	// CycleKind is monthly or emergency.
	CycleKind event.CycleKind
	// Resumes is the id of the run this one resumes or retries, if any.
	Resumes string
	// Concurrency bounds the hosts running at once over all sites, and
	// SiteConcurrency those of one site unless the site sets its own.
	Concurrency, SiteConcurrency int
	// MaxRebootsPerHost caps the reboots of one host in this run.
	MaxRebootsPerHost int
	// StepTimeout applies to steps without their own timeout.
	StepTimeout time.Duration
	Timing      actions.Timing
	// Windows gives the site windows, checked again as each host starts.
	Windows plan.Windows
	// History gives earlier ring outcomes for gates between rings that
	// are not both in this run.
	History plan.History
	// DialTCP opens the connections of TCP health checks; nil means a
	// net.Dialer.
	DialTCP func(ctx context.Context, network, address string) (net.Conn, error)
	// GateWait is the longest the runner waits for an earlier ring's soak
	// to end within one run; 0 means it does not wait.
	GateWait time.Duration
	// Finished maps hosts that finished in the run being resumed to their
	// state. They run no step and are not journaled again. A playbook that
	// changes hosts still sends them the read-only health checks of their
	// ring when the ring ends, for the next ring's gate.
	Finished map[string]event.HostPhase
	// Rebooting names hosts that the run being resumed left in a reboot.
	// Their first connection may be refused while they come back, so
	// the runner keeps dialling them until their reboot timeout instead
	// of counting them missed at once.
	Rebooting map[string]bool
	// Vars override the playbook's variables.
	Vars map[string]string
	// Holds are holds from the journal, such as those a reboot loop set,
	// by host name. They apply beside the inventory's holds.
	Holds map[string][]*inventory.Hold
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Runner executes one plan once.
type Runner struct {
	plan    *plan.Plan
	inv     *inventory.Inventory
	dialer  Dialer
	journal Journal
	opts    Options
	vars    map[string]string

	control
	subsMu sync.Mutex
	subs   []chan event.Event

	outputMu   sync.Mutex // serialises OutputLimiter use by stdout and stderr
	mu         sync.Mutex
	results    map[string]event.HostPhase
	finishedAt map[string]time.Time // by ring: last host finished
	newHolds   map[string][]string  // by ring
	staged     []string             // hosts that ran only their stage steps
	health     map[string][]string  // failed health checks, by ring
	budget     *budgets
	journalErr error
	global     chan struct{}
	sites      map[string]chan struct{}
}

// New returns a runner for plan p over inventory inv.
func New(inv *inventory.Inventory, p *plan.Plan, d Dialer, j Journal, opts Options) *Runner {
	opts = withDefaults(opts)
	r := &Runner{
		plan: p, inv: inv, dialer: d, journal: j, opts: opts,
		vars:       mergeVars(p.Playbook.Variables, opts.Vars),
		results:    map[string]event.HostPhase{},
		finishedAt: map[string]time.Time{},
		newHolds:   map[string][]string{},
		health:     map[string][]string{},
		global:     make(chan struct{}, opts.Concurrency),
		sites:      map[string]chan struct{}{},
	}
	if p.Emergency != nil {
		r.opts.CycleKind = event.CycleEmergency
	}
	r.control.init()
	r.budget = newBudgets(inv, p)
	for id, st := range opts.Finished {
		r.results[id] = st
		// A failure in the resumed run still counts, so a site whose
		// budget it spent stays stopped.
		if h := p.Find(id); h != nil && st == event.PhaseFailed {
			r.budget.fail(h.Host.Site, h.Host.Ring)
		}
	}
	return r
}

func withDefaults(o Options) Options {
	if o.RunID == "" {
		o.RunID = NewRunID(time.Now())
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.SiteConcurrency <= 0 {
		o.SiteConcurrency = DefaultSiteConcurrency
	}
	if o.MaxRebootsPerHost <= 0 {
		o.MaxRebootsPerHost = DefaultMaxRebootsPerHost
	}
	if o.StepTimeout <= 0 {
		o.StepTimeout = DefaultStepTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.DialTCP == nil {
		o.DialTCP = (&net.Dialer{}).DialContext
	}
	return o
}

func mergeVars(base, over map[string]string) map[string]string {
	vars := map[string]string{}
	for k, v := range base {
		vars[k] = v
	}
	for k, v := range over {
		vars[k] = v
	}
	return vars
}

// NewRunID returns a run id made of the UTC start time and 4 random bytes,
// such as "20261204T221500-9f2c01ab".
func NewRunID(t time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail on supported platforms.
	return t.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b)
}

// ID returns the run id.
func (r *Runner) ID() string { return r.opts.RunID }

// Subscribe returns a channel that receives every event after it is
// journaled, and is closed when the run ends. Call it before Run. A
// subscriber must keep reading, because a full channel blocks the run.
func (r *Runner) Subscribe() <-chan event.Event {
	ch := make(chan event.Event, 1024)
	r.subsMu.Lock()
	r.subs = append(r.subs, ch)
	r.subsMu.Unlock()
	return ch
}

// Run executes the plan and returns its summary, with host failures in
// it. It returns an error in two cases. When the journal failed, the
// summary comes with the error. When the plan's hosts are out of site
// order (plan.ErrWrongOrder), the summary is nil and no host was
// contacted.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.control.bind(ctx, cancel)
	defer r.closeSubscribers()
	if err := plan.CheckOrder(r.plan); err != nil {
		return nil, fmt.Errorf("run not started: %w", err)
	}

	r.emit("", r.start())
	r.journalOverrides()
	for _, ring := range r.ringsInOrder() {
		if ctx.Err() != nil {
			break
		}
		r.runRing(ctx, ring)
	}
	sum := r.summary(ctx)
	r.emit("", sum.record())
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.journalErr != nil {
		return sum, fmt.Errorf("journal failed, run stopped: %w", r.journalErr)
	}
	return sum, nil
}

func (r *Runner) start() event.RunStarted {
	s := event.RunStarted{
		Operator: r.opts.Operator, OperatorName: r.opts.OperatorName,
		Playbook: r.plan.Playbook.Name, Selection: r.plan.Selection.String(),
		CycleID: r.plan.Cycle, CycleKind: r.opts.CycleKind, ResumeOf: r.opts.Resumes,
		Sites: r.plan.Sites(),
	}
	if r.plan.Overrides.Window != "" {
		s.Overrides = append(s.Overrides, event.Override{What: "window", Reason: r.plan.Overrides.Window})
	}
	if r.plan.Overrides.Gate != "" {
		s.Overrides = append(s.Overrides, event.Override{What: "gate", Reason: r.plan.Overrides.Gate})
	}
	for _, h := range r.runnable() {
		s.Hosts = append(s.Hosts, h.Host.Name)
	}
	return s
}

func (r *Runner) journalOverrides() {
	if reason := r.plan.Overrides.Window; reason != "" {
		r.emit("", event.Decision{What: "override-window", Reason: reason})
	}
	if reason := r.plan.Overrides.Gate; reason != "" {
		r.emit("", event.Decision{What: "override-gate", Reason: reason})
	}
	r.journalEmergencyWindows()
}

// runnable returns the plan's runnable hosts that did not finish before.
func (r *Runner) runnable() []*plan.Host {
	var out []*plan.Host
	for _, h := range r.plan.Hosts {
		if _, done := r.opts.Finished[h.Host.Name]; h.Runnable() && !done {
			out = append(out, h)
		}
	}
	return out
}

// ringsInOrder returns the rings of the runnable hosts in deployment order.
func (r *Runner) ringsInOrder() []string {
	present := map[string]bool{}
	for _, h := range r.runnable() {
		present[h.Host.Ring] = true
	}
	var rings []string
	for _, ring := range r.inv.Rings {
		if present[ring.Name] {
			rings = append(rings, ring.Name)
			delete(present, ring.Name)
		}
	}
	for ring := range present {
		rings = append(rings, ring)
	}
	return rings
}

func (r *Runner) summary(ctx context.Context) *Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	sum := &Summary{Run: r.opts.RunID, Hosts: map[string]event.HostPhase{}, Aborted: r.control.aborted(), Resumes: r.opts.Resumes}
	for h, st := range r.results {
		if _, earlier := r.opts.Finished[h]; earlier {
			sum.FinishedEarlier++
			continue
		}
		sum.Hosts[h] = st
	}
	for _, h := range r.runnable() {
		if _, ok := r.results[h.Host.Name]; !ok {
			sum.Unfinished = append(sum.Unfinished, h.Host.Name)
		}
	}
	sum.Staged = slices.Sorted(slices.Values(r.staged))
	if r.journalErr != nil {
		sum.Error = r.journalErr.Error()
	} else if ctx.Err() != nil && !sum.Aborted {
		sum.Aborted = true
	}
	return sum
}

// emit journals a record about host (or about the run when host is "")
// and then hands it to the subscribers. A journal failure aborts the run,
// because events that are not kept must not be shown.
func (r *Runner) emit(host string, p event.Payload) {
	r.publish(event.Event{Time: r.opts.Now(), Run: r.opts.RunID, Host: host, Payload: p})
}

// publish journals e and then hands it to the subscribers.
func (r *Runner) publish(e event.Event) {
	err := r.journal.Append(context.WithoutCancel(context.Background()), e)
	if err != nil {
		r.mu.Lock()
		if r.journalErr == nil {
			r.journalErr = err
		}
		r.mu.Unlock()
		r.control.Abort()
		return
	}
	r.subsMu.Lock()
	defer r.subsMu.Unlock()
	for _, ch := range r.subs {
		ch <- e
	}
}

func (r *Runner) closeSubscribers() {
	r.subsMu.Lock()
	defer r.subsMu.Unlock()
	for _, ch := range r.subs {
		close(ch)
	}
	r.subs = nil
}

// errAborted is the cause recorded for hosts stopped by an abort.
var errAborted = errors.New("run aborted")
