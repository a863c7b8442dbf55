package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"patchbay/remote/lab"
)

// labFlags are the options of patchbay lab.
type labFlags struct {
	serve  bool
	dir    string
	hosts  int
	faults string
	base   string // first address of the hosts' block
}

func (a *app) newLabCmd() *cobra.Command {
	var f labFlags
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Serve an emulated fleet on loopback addresses to try patchbay on",
		Long: `lab starts the example inventory's hosts as emulated machines on addresses
in 127.0.0.0/8, speaking SSH and WinRM (HTTPS) as the real ones do, and
opens the console on them; quitting the console stops the lab. With
--serve it only serves them, until interrupted (Ctrl-C or SIGTERM).
Medical devices get no server.

It writes into --dir an inventory.yaml that points at the lab hosts (windows
open all day, short soaks), known_hosts, the hosts' SSH keys, credential
files of mode 0600, the CA of the WinRM certificates, and commands.jsonl,
where every command a host receives is recorded with whether it changed the
host. Commands run against the lab keep their journal in DIR/state unless
--state is given.

Faults are injected per host with --faults HOST=KIND[:ARG],... The kinds:
  ` + strings.Join(lab.FaultKinds(), "\n  "),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runLab(cmd, f)
		},
	}
	flags := cmd.Flags()
	flags.BoolVar(&f.serve, "serve", false, "serve the fleet until interrupted, without opening the console on it")
	flags.StringVar(&f.dir, "dir", "patchbay-lab", "folder for the lab's inventory, keys, credentials and command log")
	flags.IntVar(&f.hosts, "hosts", 0, "number of extra Linux hosts to add across the sites, for scale tests")
	flags.StringVar(&f.faults, "faults", "", "faults to inject, as HOST=KIND[:ARG],... (kinds listed above)")
	flags.StringVar(&f.base, "address-base", "127.77.0.0", "the hosts get the addresses after this one, in 127.0.0.0/8; change it to run two labs at once")
	return cmd
}

// runLab starts the fleet and serves it until a signal arrives.
func (a *app) runLab(cmd *cobra.Command, f labFlags) error {
	if f.hosts < 0 {
		return usageErrorf("lab: --hosts %d is negative; give 0 or more extra hosts", f.hosts)
	}
	if a.env.Examples == nil {
		return usageErrorf("lab: this build has no embedded example inventory to emulate")
	}
	dir, err := filepath.Abs(f.dir)
	if err != nil {
		return usageErrorf("lab: --dir %q: %w", f.dir, err)
	}
	stateDir := a.stateDir
	if stateDir == "" {
		stateDir = filepath.Join(dir, "state")
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return usageErrorf("lab: create the state directory: %w", err)
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fleet, logFile, err := startLabFleet(ctx, a.env.Examples, dir, f)
	if err != nil {
		return err
	}
	defer logFile.Close()

	out := cmd.OutOrStdout()
	printLabUsage(out, fleet, stateDir, f)
	if !f.serve {
		err := a.labConsole(ctx, fleet, stateDir)
		stop()
		<-fleet.Done()
		fmt.Fprintln(out, "Lab stopped.")
		return err
	}
	fmt.Fprintln(out, "Serving until interrupted (Ctrl-C).")
	<-fleet.Done()
	fmt.Fprintln(out, "Lab stopped.")
	return nil
}

// startLabFleet opens DIR/lab.log for the servers' log and starts the
// fleet.
func startLabFleet(ctx context.Context, examples fs.FS, dir string, f labFlags) (*lab.Fleet, io.Closer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, usageErrorf("lab: create --dir: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(dir, "lab.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, usageErrorf("lab: open the lab log: %w", err)
	}
	fleet, err := lab.Start(ctx, lab.Options{
		Dir:         dir,
		Inventory:   examples,
		ExtraHosts:  f.hosts,
		Faults:      f.faults,
		AddressBase: f.base,
		Logger:      slog.New(slog.NewTextHandler(logFile, nil)),
	})
	if err != nil {
		logFile.Close()
		return nil, nil, usageErrorf("lab: %w", err)
	}
	return fleet, logFile, nil
}

// addressRange returns the lowest and highest host address.
func addressRange(endpoints []lab.Endpoint) (first, last netip.Addr) {
	for i, e := range endpoints {
		addr, err := netip.ParseAddr(e.Address)
		if err != nil {
			continue
		}
		if i == 0 || addr.Less(first) {
			first = addr
		}
		if i == 0 || last.Less(addr) {
			last = addr
		}
	}
	return first, last
}

// printLabUsage lists what the lab wrote and, with --serve, the commands
// to run on it. Without --serve the console shows the lab, and commands
// printed before it opens would be left on the terminal after the lab
// has stopped.
func printLabUsage(w io.Writer, fleet *lab.Fleet, stateDir string, f labFlags) {
	endpoints := fleet.Endpoints()
	fmt.Fprintf(w, "patchbay lab: %d emulated hosts on loopback addresses", len(endpoints))
	if len(endpoints) > 0 {
		first, last := addressRange(endpoints)
		fmt.Fprintf(w, " (%s to %s)", first, last)
	}
	fmt.Fprintln(w)
	if f.faults != "" {
		fmt.Fprintf(w, "Faults: %s\n", f.faults)
	}
	dir := fleet.Dir()
	fmt.Fprintf(w, "\nWrote into %s:\n", dir)
	for _, row := range [][2]string{
		{"inventory.yaml", "the example inventory with lab addresses, open windows and short soaks"},
		{"known_hosts", "the SSH host keys, read by patchbay from beside the inventory"},
		{"credentials/", "the SSH and WinRM passwords and an SSH client key, id_ed25519 (mode 0600)"},
		{"winrm-ca.pem", "the CA of the WinRM HTTPS certificates"},
		{"commands.jsonl", "every command the hosts receive, with whether it changed the host"},
		{"lab.log", "server starts, stops and reboots"},
	} {
		fmt.Fprintf(w, "  %-15s %s\n", row[0], row[1])
	}
	if !f.serve {
		return
	}
	base := fmt.Sprintf("patchbay --inventory %s --state %s", fleet.InventoryPath(), stateDir)
	fmt.Fprintf(w, "\nIn another terminal, try:\n  %s doctor\n  %s plan linux-apt-monthly\n  %s run linux-apt-monthly\n\n",
		base, base, base)
}
