package cli

import (
	"os"
	"path/filepath"

	"patchbay/inventory"
	"patchbay/playbooks/runner"
	"patchbay/remote/sshremote"
	"patchbay/state"
)

// newDialer builds the dialer run uses and the function that closes it.
// Tests replace it with in-memory sessions.
var newDialer = func(a *app, inv *inventory.Inventory, store *state.Store) (runner.Dialer, func() error, error) {
	d, err := a.fleetDialer(inv, store.Dir(), store.Redactor())
	if err != nil {
		return nil, nil, err
	}
	return d, d.Close, nil
}

// knownHostsFiles lists the known_hosts files checked for every SSH host:
// the user's, patchbay's own in the state directory and one beside the
// inventory, which is as trusted as the inventory itself.
func (a *app) knownHostsFiles(stateDir string) []string {
	files := []string{filepath.Join(stateDir, sshremote.KnownHostsFile)}
	if home := a.getenv("HOME"); home != "" {
		files = append(files, filepath.Join(home, ".ssh", "known_hosts"))
	}
	if path := a.inventoryPath(); path != "" {
		dir := path
		if info, err := os.Stat(path); err == nil && !info.IsDir() {
			dir = filepath.Dir(path)
		}
		files = append(files, filepath.Join(dir, "known_hosts"))
	}
	return files
}

// inventoryPath returns the inventory path loadFleet reads.
func (a *app) inventoryPath() string {
	if a.inventory != "" {
		return a.inventory
	}
	if p := a.getenv("PATCHBAY_INVENTORY"); p != "" {
		return p
	}
	return "patchbay.yaml"
}
