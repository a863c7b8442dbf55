package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"patchbay/inventory"
	"patchbay/inventory/credential"
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

func expandHome(path, home string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok && home != "" {
		return filepath.Join(home, rest)
	}
	return path
}

// checkRef reports whether a credential reference can be resolved, without
// reading the secret.
func checkRef(c *inventory.Credential, getenv func(string) string) error {
	switch c.Ref.Kind {
	case credential.KindEnv:
		if getenv(c.Ref.Env) == "" {
			return fmt.Errorf("credential %s: environment variable %s is not set", c.Name, c.Ref.Env)
		}
	case credential.KindFile:
		if _, err := os.Stat(expandHome(c.Ref.Path, getenv("HOME"))); err != nil {
			return fmt.Errorf("credential %s: %w", c.Name, err)
		}
	case credential.KindAgent:
		if getenv("SSH_AUTH_SOCK") == "" {
			return fmt.Errorf("credential %s: SSH_AUTH_SOCK is not set, so no ssh-agent is reachable", c.Name)
		}
	case credential.KindCommand:
		if len(c.Ref.Command) == 0 {
			return fmt.Errorf("credential %s: the command is empty", c.Name)
		}
		if _, err := exec.LookPath(c.Ref.Command[0]); err != nil {
			return fmt.Errorf("credential %s: %w", c.Name, err)
		}
	}
	return nil
}
