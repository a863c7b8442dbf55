package cli

import (
	"path/filepath"

	"patchbay/inventory"
	"patchbay/inventory/credential"
	"patchbay/playbooks/preflight"
	"patchbay/playbooks/runner"
	"patchbay/remote/fleet"
	"patchbay/remote/sshremote"
)

// The fleet dialer serves both the runner and the preflight checks.
var (
	_ runner.Dialer    = (*fleet.Dialer)(nil)
	_ preflight.Dialer = (*fleet.Dialer)(nil)
)

// fleetDialer returns the dialer for the hosts of inv: known_hosts from
// knownHostsFiles, the user's ~/.ssh/config, and credential references read
// from this process's environment. redactor receives every resolved
// secret; nil registers nowhere. The caller closes the dialer.
func (a *app) fleetDialer(inv *inventory.Inventory, stateDir string, redactor fleet.Redactor) (*fleet.Dialer, error) {
	home := a.getenv("HOME")
	opts := fleet.Options{
		KnownHosts: a.knownHostsFiles(stateDir),
		Env:        credential.Env{Getenv: a.getenv, Home: home},
		Redactor:   redactor,
	}
	if home != "" {
		config, err := sshremote.LoadSSHConfig(filepath.Join(home, ".ssh", "config"), home)
		if err != nil {
			return nil, usageErrorf("%w: fix the file or move it away", err)
		}
		opts.SSHConfig = config
	}
	return fleet.New(inv, opts), nil
}
