package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"

	"patchbay/inventory"
)

// Options configures a lab fleet.
type Options struct {
	// Dir receives inventory.yaml, known_hosts, host keys, credentials, the
	// WinRM CA certificate and commands.jsonl. It is created when missing.
	Dir string
	// Inventory is the example inventory folder, as cli.Env.Examples holds
	// it. Every host in it gets an emulated host; its medical devices are
	// records without an address and get no server.
	Inventory fs.FS
	// ExtraHosts adds that many Linux hosts, spread over the sites, for
	// scale tests and benchmarks.
	ExtraHosts int
	// Faults injects faults, as "HOST=KIND[:ARG],..." (see ParseFaults).
	Faults string
	// Clock is the hosts' clock; nil means SystemClock.
	Clock Clock
	// Timing sets reboot durations; the zero value means DefaultTiming.
	Timing Timing
	// AddressBase is the first address of the block hosts get addresses
	// from, one each; empty means 127.77.0.0. It must be in 127.0.0.0/8.
	AddressBase string
	// Logger receives server starts, stops and errors; nil discards them.
	Logger *slog.Logger
}

// Fleet is a running lab: emulated hosts with their servers.
type Fleet struct {
	dir    string
	hosts  []*fleetHost
	byName map[string]*fleetHost
	log    *CommandLog
	logger *slog.Logger

	closeOnce sync.Once
	done      chan struct{}
}

// fleetHost is one host of the fleet with what patchbay needs to reach it.
type fleetHost struct {
	host     *Host
	site     string
	platform string
	kind     string // "ssh" or "winrm"
	user     string
	legacy   bool
	address  string
	// healthPorts are TCP ports that health checks connect to.
	healthPorts []int
	endpoint    *endpoint
}

// Endpoint is the address, port and login of a lab host's server.
type Endpoint struct {
	Host      string
	Site      string
	Platform  string
	Transport string // "ssh" or "winrm"
	Address   string // 127.x.y.z
	Port      int
	User      string
}

// Start builds the fleet from opts, starts every host's server and writes
// the files in opts.Dir. The fleet serves until ctx ends or Close is
// called.
func Start(ctx context.Context, opts Options) (*Fleet, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	inv, err := inventory.LoadFS(opts.Inventory, ".", "examples", inventory.Options{Now: opts.Clock.Now()})
	if err != nil {
		return nil, fmt.Errorf("load the example inventory: %w", err)
	}
	plan, err := planHosts(inv, opts)
	if err != nil {
		return nil, err
	}
	f := &Fleet{dir: opts.Dir, byName: map[string]*fleetHost{}, logger: opts.Logger, done: make(chan struct{})}
	if err := f.build(plan, inv, opts); err != nil {
		f.Close()
		return nil, err
	}
	go func() {
		select {
		case <-ctx.Done():
			f.Close()
		case <-f.done:
		}
	}()
	return f, nil
}

func withDefaults(opts Options) (Options, error) {
	if opts.Dir == "" {
		return opts, errors.New("start lab: Options.Dir is empty; give the folder for the lab's inventory and keys")
	}
	if opts.Inventory == nil {
		return opts, errors.New("start lab: Options.Inventory is nil; pass the example inventory folder")
	}
	if opts.ExtraHosts < 0 {
		return opts, fmt.Errorf("start lab: %d extra hosts; give 0 or more", opts.ExtraHosts)
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Timing == (Timing{}) {
		opts.Timing = DefaultTiming
	}
	if opts.AddressBase == "" {
		opts.AddressBase = "127.77.0.0"
	}
	base, err := netip.ParseAddr(opts.AddressBase)
	if err != nil || !base.Is4() || !base.IsLoopback() {
		return opts, fmt.Errorf("start lab: address base %q is not in 127.0.0.0/8; use one such as 127.77.0.0", opts.AddressBase)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return opts, fmt.Errorf("start lab: %w", err)
	}
	return opts, nil
}

// build creates the hosts, starts their servers and writes the files.
func (f *Fleet) build(plan []*fleetHost, inv *inventory.Inventory, opts Options) error {
	names := make([]string, len(plan))
	for i, fh := range plan {
		names[i] = fh.host.Name()
	}
	faults, err := ParseFaults(opts.Faults, names)
	if err != nil {
		return fmt.Errorf("--faults: %w", err)
	}
	files, err := writeLabFiles(opts.Dir, plan)
	if err != nil {
		return err
	}
	f.log, err = OpenCommandLog(filepath.Join(opts.Dir, "commands.jsonl"))
	if err != nil {
		return err
	}
	for _, fh := range plan {
		fh.host.SetFaults(faults[fh.host.Name()])
		if err := f.startHost(fh, files); err != nil {
			return err
		}
		f.hosts = append(f.hosts, fh)
		f.byName[fh.host.Name()] = fh
	}
	if err := files.writeKnownHosts(opts.Dir, plan); err != nil {
		return err
	}
	return writeLabInventory(opts.Inventory, opts.Dir, plan, files)
}

// startHost starts the protocol server of one host.
func (f *Fleet) startHost(fh *fleetHost, files *labFiles) error {
	e := &endpoint{host: fh.host, address: fh.address, logger: f.logger, healthPorts: fh.healthPorts}
	hd := &Handler{Host: fh.host, Transport: fh.kind, Log: f.log, LoseShell: e.loseShells}
	fh.endpoint = e
	var err error
	if fh.kind == "winrm" {
		tlsConfig, terr := files.ca.ServerTLS(fh.address)
		if terr != nil {
			return fmt.Errorf("start lab host %s: %w", fh.host.Name(), terr)
		}
		err = e.startWinRM(winrmServerConfig(hd, fh.user, files.winrmPassword, tlsConfig, fh.host.Faults()), 5986)
	} else {
		served := files.hostKeys[fh.host.Name()]
		if fh.host.Faults().Has(FaultHostKeyChanged) {
			served = files.changedKeys[fh.host.Name()]
		}
		err = e.startSSH(sshServerConfig(hd, fh.user, files.sshPassword, files.clientKey, served, fh.legacy), 22, 2222)
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("start lab host %s on %s: %w; another lab may be using these addresses: stop it or pick another block with --address-base (for example 127.78.0.0)",
			fh.host.Name(), fh.address, err)
	}
	if err != nil {
		return fmt.Errorf("start lab host %s on %s: %w", fh.host.Name(), fh.address, err)
	}
	fh.host.Watch(e.follow)
	f.logger.Info("host started", "host", fh.host.Name(), "server", e.String())
	return nil
}

// Close stops every server and closes the command log. It is safe to call
// more than once.
func (f *Fleet) Close() error {
	var err error
	f.closeOnce.Do(func() {
		for _, fh := range f.hosts {
			fh.endpoint.close()
		}
		err = f.log.Close()
		close(f.done)
	})
	return err
}

// Done is closed once the fleet has stopped.
func (f *Fleet) Done() <-chan struct{} { return f.done }

// Dir returns the folder with the lab's files.
func (f *Fleet) Dir() string { return f.dir }

// InventoryPath returns the path of the lab's inventory.yaml.
func (f *Fleet) InventoryPath() string { return filepath.Join(f.dir, "inventory.yaml") }

// CommandLogPath returns the path of commands.jsonl.
func (f *Fleet) CommandLogPath() string { return filepath.Join(f.dir, "commands.jsonl") }

// Host returns the emulated host called name, or nil when there is none.
func (f *Fleet) Host(name string) *Host {
	if fh, ok := f.byName[name]; ok {
		return fh.host
	}
	return nil
}

// Endpoints returns where every host listens, sorted by host name.
func (f *Fleet) Endpoints() []Endpoint {
	out := make([]Endpoint, 0, len(f.hosts))
	for _, fh := range f.hosts {
		out = append(out, fh.endpointInfo())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Host < out[j].Host })
	return out
}

func (fh *fleetHost) endpointInfo() Endpoint {
	return Endpoint{Host: fh.host.Name(), Site: fh.site, Platform: fh.platform, Transport: fh.kind,
		Address: fh.address, Port: fh.endpoint.port, User: fh.user}
}
