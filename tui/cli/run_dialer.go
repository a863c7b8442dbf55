package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"patchbay/inventory"
	"patchbay/inventory/credential"
	"patchbay/playbooks/runner"
	"patchbay/remote"
	"patchbay/remote/sshremote"
)

// newDialer builds the dialer run uses. Tests replace it with in-memory
// sessions.
var newDialer = func(a *app, inv *inventory.Inventory, stateDir string) runner.Dialer {
	return &sshDialer{inv: inv, knownHosts: a.knownHostsFiles(stateDir), getenv: a.getenv}
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

// sshDialer opens SSH sessions to inventory hosts, through the site's
// gateway when it has one.
//
// NOTE: this is the interim dialer of the run command. It serves SSH hosts
// with agent, key file, password file and environment credentials;
// WinRM hosts and command credentials fail with a KindCredential error
// until the shared dialer replaces it.
type sshDialer struct {
	inv        *inventory.Inventory
	knownHosts []string
	getenv     func(string) string
}

func (d *sshDialer) Dial(ctx context.Context, h *inventory.Host) (remote.Session, error) {
	cfg, err := d.config(h)
	if err != nil {
		return nil, err
	}
	if site := d.inv.Site(h.Site); site != nil && site.Gateway != "" && site.Gateway != h.Name {
		gw := d.inv.Host(site.Gateway)
		if gw == nil {
			return nil, &remote.Error{Host: h.Name, Kind: remote.KindOther, Op: "dial", Err: fmt.Errorf("gateway %q of site %s is not an inventory host", site.Gateway, site.ID)}
		}
		jump, err := d.config(gw)
		if err != nil {
			return nil, err
		}
		cfg.Jump = &jump
	}
	return sshremote.Dial(ctx, cfg)
}

func (d *sshDialer) config(h *inventory.Host) (sshremote.Config, error) {
	if h.Transport.Kind != inventory.TransportSSH {
		return sshremote.Config{}, &remote.Error{Host: h.Name, Kind: remote.KindCredential, Op: "dial",
			Err: errors.New("the run command reaches only SSH hosts so far")}
	}
	auth, err := d.auth(h)
	if err != nil {
		return sshremote.Config{}, err
	}
	return sshremote.Config{Host: h.Name, Address: h.Address, Port: h.Transport.Port, User: h.Transport.User,
		Auth: auth, KnownHosts: d.knownHosts, LegacyAlgorithms: h.Transport.LegacyAlgorithms}, nil
}

// auth returns the authentication methods for the host's credential. The
// secret is read only when the SSH handshake requests it.
func (d *sshDialer) auth(h *inventory.Host) ([]sshremote.AuthMethod, error) {
	if h.Transport.Credential == "" {
		return []sshremote.AuthMethod{sshremote.Agent(d.getenv("SSH_AUTH_SOCK"))}, nil
	}
	c := d.inv.Credential(h.Transport.Credential)
	if c == nil {
		return nil, &remote.Error{Host: h.Name, Kind: remote.KindCredential, Op: "auth", Detail: "credential " + h.Transport.Credential + " is not in the inventory"}
	}
	switch c.Ref.Kind {
	case credential.KindAgent:
		return []sshremote.AuthMethod{sshremote.Agent(d.getenv("SSH_AUTH_SOCK"))}, nil
	case credential.KindEnv:
		secret := func() (string, error) { return d.getenv(c.Ref.Env), nil }
		return []sshremote.AuthMethod{sshremote.Password(secret), sshremote.KeyboardInteractive(secret)}, nil
	case credential.KindFile:
		return fileAuth(expandHome(c.Ref.Path, d.getenv("HOME")))
	}
	return nil, &remote.Error{Host: h.Name, Kind: remote.KindCredential, Op: "auth", Detail: "the run command cannot use " + c.Ref.String() + " credentials yet"}
}

// fileAuth uses a PEM file as a private key and any other file as a
// password.
func fileAuth(path string) ([]sshremote.AuthMethod, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &remote.Error{Kind: remote.KindCredential, Op: "auth", Detail: "read " + path, Err: err}
	}
	if strings.HasPrefix(string(data), "-----BEGIN") {
		return []sshremote.AuthMethod{sshremote.KeyFile(path, nil)}, nil
	}
	secret := func() (string, error) { return strings.TrimRight(string(data), "\r\n"), nil }
	return []sshremote.AuthMethod{sshremote.Password(secret), sshremote.KeyboardInteractive(secret)}, nil
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
