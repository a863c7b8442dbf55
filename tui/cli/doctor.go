package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"patchbay/inventory"
	"patchbay/playbooks/preflight"
	"patchbay/state"
)

// doctorFlags are the options of patchbay doctor.
type doctorFlags struct {
	sel     inventory.Selector
	asJSON  bool
	timeout time.Duration
}

func (a *app) newDoctorCmd() *cobra.Command {
	var f doctorFlags
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that hosts are ready to be patched",
		Long: `doctor connects to each selected host and checks, with read-only commands,
what patching needs: the host is reachable, its SSH key is known, the
credentials work, WinRM is encrypted and its certificate valid, remote UAC
and administrator rights on Windows, the clock, free disk space, a pending
reboot and its reason, the Windows Update service and update source, sudo
without a password on Linux and macOS, and the privilege level on network
gear. Every problem is printed with its fix.

Excepted hosts are checked too, because every check is read-only. Medical
devices are never contacted. Exit status 1 means at least one host failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.doctor(cmd.Context(), f)
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&f.sel.Sites, "site", nil, "check only the hosts of these site ids (comma-separated or repeated)")
	fs.StringSliceVar(&f.sel.Hosts, "hosts", nil, "check only these hosts (names or globs such as 'ent-*')")
	fs.BoolVar(&f.asJSON, "json", false, "print the results as JSON")
	fs.DurationVar(&f.timeout, "timeout", preflight.DefaultTimeout, "time allowed for all the checks of one host")
	return cmd
}

// doctorReport is the JSON form of doctor's result.
type doctorReport struct {
	Inventory string             `json:"inventory"`
	Hosts     []preflight.Result `json:"hosts"`
	Failed    int                `json:"failed"`
	// Devices are the medical devices of the selected sites, which were
	// not contacted.
	Devices []string `json:"devices_not_contacted"`
}

func (a *app) doctor(ctx context.Context, f doctorFlags) error {
	path, inv, err := a.loadInventory()
	if err != nil {
		return err
	}
	if err := checkHostPatterns(inv, f.sel.Hosts); err != nil {
		return err
	}
	hosts, err := inv.Select(f.sel)
	if err != nil {
		return err
	}

	results, err := a.checkHosts(ctx, inv, hosts, f.timeout)
	if err != nil {
		return err
	}
	report := doctorReport{Inventory: path, Hosts: results, Devices: devicesOf(inv, f.sel)}
	for _, r := range results {
		if r.Failed {
			report.Failed++
		}
	}
	if err := a.printDoctor(report, f.asJSON); err != nil {
		return err
	}

	if report.Failed > 0 {
		return withExit(ExitFailures, fmt.Errorf("doctor: %d of %d hosts failed a check; fix what is listed above and run doctor again", report.Failed, len(results)))
	}
	return nil
}

// checkHosts runs the preflight checks on hosts through the fleet dialer.
func (a *app) checkHosts(ctx context.Context, inv *inventory.Inventory, hosts []*inventory.Host, timeout time.Duration) ([]preflight.Result, error) {
	stateDir, err := state.ResolveDir(a.stateDir, a.getenv)
	if err != nil {
		return nil, usageErrorf("doctor: %w", err)
	}
	d, err := a.fleetDialer(inv, stateDir, nil)
	if err != nil {
		return nil, err
	}
	defer d.Close()

	if ctx == nil {
		ctx = context.Background()
	}
	return preflight.Run(ctx, d, hosts, preflight.Options{Now: a.now, Timeout: timeout}), nil
}

// devicesOf returns the names of the medical devices of the sites sel
// picks, or of every site when it names none.
func devicesOf(inv *inventory.Inventory, sel inventory.Selector) []string {
	names := []string{}
	sites := inventory.Selector{Sites: sel.Sites}
	for _, d := range inv.Devices {
		if sites.Match(&inventory.Host{Site: d.Site}) {
			names = append(names, d.Name)
		}
	}
	return names
}

func (a *app) printDoctor(report doctorReport, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(a.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	for _, r := range report.Hosts {
		printDoctorHost(a.env.Stdout, r)
	}
	fmt.Fprintf(a.env.Stdout, "\n%d hosts checked: %d passed, %d failed; %d medical devices not contacted\n",
		len(report.Hosts), len(report.Hosts)-report.Failed, report.Failed, len(report.Devices))
	return nil
}

// printDoctorHost prints one line per host and, below it, every check
// that failed or warns, with its fix.
func printDoctorHost(w io.Writer, r preflight.Result) {
	verdict := "ok"
	if r.Failed {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "%-20s %-15s %-15s %s\n", r.Host, r.Site, r.Platform, verdict)
	for _, c := range r.Checks {
		if c.Status != preflight.StatusFail && c.Status != preflight.StatusWarn {
			continue
		}
		label := "fail"
		if c.Status == preflight.StatusWarn {
			label = "warn"
		}
		fmt.Fprintf(w, "    %s %s: %s\n", label, c.Name, c.Detail)
		if c.Fix != "" {
			fmt.Fprintf(w, "         fix: %s\n", c.Fix)
		}
	}
}
