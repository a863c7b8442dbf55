package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"patchbay/inventory"
	"patchbay/state"
	"patchbay/state/emergency"
)

func (a *app) newStatusCmd() *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each site's hosts, exceptions, devices, holds, window and cycle phase",
		Long: `status shows, per site: the hosts by ring, the exceptions (overdue
reviews flagged), the medical devices, the holds that apply, whether the
maintenance window is open now and when the next one opens (in site-local
time), and the phase of the monthly cycle.

With a journal in the state directory (--state), status also shows what
it records: each host's last state, build, last run and pending reboot,
the holds the runner set (such as after a reboot loop), runs without an
end (still running or interrupted, with the command that resumes them)
and the deadline clock of each open emergency at each affected site.

--at previews the fleet at another instant, for planning a cycle. It takes
RFC 3339 ("2026-12-08T22:00:00-05:00") or "YYYY-MM-DD HH:MM", which is read
in this computer's time zone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.status(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.site, "site", "", "show only the site with this ID")
	cmd.Flags().StringVar(&o.at, "at", "", "show the fleet at this instant instead of now")
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print the status as JSON on standard output")
	return cmd
}

type statusOptions struct {
	site   string
	at     string
	asJSON bool
}

// HostStateSource supplies what the journal records about hosts: their
// derived state, the holds the runner set itself (for example after a
// reboot loop), shown beside the inventory's holds, the runs without an
// end and the open emergencies.
type HostStateSource interface {
	HostStates(ctx context.Context, inv *inventory.Inventory) (map[string]HostState, error)
	RunnerHolds(ctx context.Context) ([]RunnerHold, error)
	UnfinishedRuns(ctx context.Context) ([]UnfinishedRun, error)
	OpenEmergencies(ctx context.Context) ([]*emergency.Emergency, error)
}

// HostState is a host's state as derived from the journal.
type HostState struct {
	// State is the last phase a run reported, such as done or failed.
	State string `json:"state"`
	// Reason is why the host failed, was missed or was skipped.
	Reason        string    `json:"reason,omitempty"`
	Build         string    `json:"build,omitempty"`
	LastRun       string    `json:"last_run,omitempty"`
	RebootPending bool      `json:"reboot_pending,omitempty"`
	RebootReason  string    `json:"reboot_reason,omitempty"`
	LastSeen      time.Time `json:"last_seen,omitzero"`
}

// RunnerHold is a hold the runner set on a host.
type RunnerHold struct {
	Host   string    `json:"host"`
	Item   string    `json:"item"`
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
}

// noHostState is the HostStateSource of a state directory without a
// journal.
type noHostState struct{}

func (noHostState) HostStates(context.Context, *inventory.Inventory) (map[string]HostState, error) {
	return nil, nil
}

func (noHostState) RunnerHolds(context.Context) ([]RunnerHold, error) { return nil, nil }

func (noHostState) UnfinishedRuns(context.Context) ([]UnfinishedRun, error) { return nil, nil }

func (noHostState) OpenEmergencies(context.Context) ([]*emergency.Emergency, error) { return nil, nil }

// hostStateSource returns the journal's state, or noHostState when no
// state directory is set or it has no journal yet, because status shows
// the inventory on its own too.
func (a *app) hostStateSource(ctx context.Context) (HostStateSource, error) {
	if _, err := state.ResolveDir(a.stateDir, a.getenv); err != nil {
		return noHostState{}, nil
	}
	store, err := a.openJournalIfExists()
	if err != nil || store == nil {
		return noHostState{}, err
	}
	defer store.Close()
	source, err := readHostState(ctx, store)
	if err != nil {
		return nil, withExit(ExitFailures, fmt.Errorf("read the journal in %s: %w", store.Dir(), err))
	}
	return source, nil
}

func (a *app) status(ctx context.Context, o statusOptions) error {
	at, err := a.statusInstant(o.at)
	if err != nil {
		return err
	}
	_, inv, err := a.loadInventory()
	if err != nil {
		return err
	}
	if o.site != "" && inv.Site(o.site) == nil {
		return usageErrorf("unknown site %q: see patchbay status without --site for the site IDs", o.site)
	}
	source, err := a.hostStateSource(ctx)
	if err != nil {
		return err
	}
	report, err := buildStatus(ctx, inv, source, at, o.site)
	if err != nil {
		return err
	}
	if o.asJSON {
		return a.printJSONValue(report)
	}
	printStatus(a.env.Stdout, report)
	return nil
}

// statusInstant returns the instant of --at, or now.
func (a *app) statusInstant(text string) (time.Time, error) {
	if text == "" {
		return a.now(), nil
	}
	if t, err := time.Parse(time.RFC3339, text); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, text, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErrorf("invalid --at %q: write RFC 3339 such as 2026-12-08T22:00:00-05:00, or YYYY-MM-DD HH:MM", text)
}

// statusReport is the status of the fleet at one instant; it is also the
// JSON output.
type statusReport struct {
	At             time.Time       `json:"at"`
	Phase          phaseJSON       `json:"phase"`
	UnfinishedRuns []UnfinishedRun `json:"unfinished_runs,omitempty"`
	Sites          []siteStatus    `json:"sites"`
}

type phaseJSON struct {
	Name    string    `json:"name"`
	Stage   string    `json:"stage"`
	Ring    string    `json:"ring,omitempty"`
	Release time.Time `json:"release"`
	Until   time.Time `json:"until"`
}

type siteStatus struct {
	ID          string               `json:"id"`
	Name        string               `json:"name"`
	TimeZone    string               `json:"time_zone"`
	Owner       string               `json:"owner"`
	Window      windowStatus         `json:"window"`
	Rings       []ringHosts          `json:"rings"`
	Exceptions  []exceptionStatus    `json:"exceptions"`
	Devices     []deviceStatus       `json:"devices"`
	Holds       []holdStatus         `json:"holds"`
	RunnerHolds []RunnerHold         `json:"runner_holds"`
	HostStates  map[string]HostState `json:"host_states,omitempty"`
	Emergencies []emergencyClock     `json:"emergencies,omitempty"`
	location    *time.Location
}

// emergencyClock is the deadline clock of an open emergency at one site.
type emergencyClock struct {
	ID        string    `json:"id"`
	CVEs      []string  `json:"cves"`
	Deadline  time.Time `json:"deadline"`
	Remaining string    `json:"remaining"`
	Overdue   bool      `json:"overdue,omitempty"`
	Patched   int       `json:"patched"`
	Total     int       `json:"total"`
}

type windowStatus struct {
	Open      bool      `json:"open"`
	ClosesAt  time.Time `json:"closes_at,omitzero"`
	NextStart time.Time `json:"next_start,omitzero"`
	NextEnd   time.Time `json:"next_end,omitzero"`
}

type ringHosts struct {
	Ring  string   `json:"ring"`
	Hosts []string `json:"hosts"`
}

type exceptionStatus struct {
	ID       string   `json:"id"`
	Hosts    []string `json:"hosts"`
	App      string   `json:"app,omitempty"`
	Owner    string   `json:"owner"`
	ReviewBy string   `json:"review_by"`
	Overdue  bool     `json:"review_overdue"`
}

type deviceStatus struct {
	Name     string `json:"name"`
	Model    string `json:"model"`
	Firmware string `json:"firmware,omitempty"`
	Vendor   string `json:"vendor,omitempty"`
}

type holdStatus struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Item    string `json:"item"`
	Scope   string `json:"scope"`
	Recheck string `json:"recheck"`
	Overdue bool   `json:"recheck_overdue"`
}
