package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/ssh"

	"patchbay/inventory"
	"patchbay/remote/sshremote"
	"patchbay/state"
)

// trustTimeout bounds the connection that reads the host key.
const trustTimeout = 30 * time.Second

func (a *app) newTrustCmd() *cobra.Command {
	var yes, legacy bool
	cmd := &cobra.Command{
		Use:   "trust HOST[:PORT]",
		Short: "Pin a host's SSH key in patchbay's known_hosts",
		Long: `trust connects to HOST, shows the type and SHA256 fingerprint of the SSH
host key it presents, and after confirmation appends the key to known_hosts
in the state directory, which every later session checks. Compare the
fingerprint with the one the host's owner reads on the host
(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) first.

HOST is a host name from the inventory, whose address, port, user and
legacy_algorithms setting are used, with ~/.ssh/config for what the
inventory leaves out. A host behind its site's gateway is reached through
the gateway, whose own key must be pinned first. Otherwise HOST is an
address, with port 22 unless PORT is given.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.trust(cmd.Context(), args[0], yes, legacy)
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "pin the key without asking, for scripts that checked the fingerprint")
	cmd.Flags().BoolVar(&legacy, "legacy-algorithms", false, "also offer the legacy algorithms of old network gear")
	return cmd
}

// trust fetches the host key, prompts the operator and pins the key. An
// inventory host behind its site's gateway is reached through the gateway,
// whose own key must already be known.
func (a *app) trust(ctx context.Context, target string, yes, legacy bool) error {
	dir, err := state.ResolveDir(a.stateDir, a.getenv)
	if err != nil {
		return usageErrorf("trust %s: %w", target, err)
	}
	file := filepath.Join(dir, sshremote.KnownHostsFile)
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, trustTimeout)
	defer cancel()

	cfg, closeConfig, err := a.trustConfig(ctx, target, legacy, dir)
	if err != nil {
		return err
	}
	defer closeConfig()
	key, err := sshremote.FetchHostKey(ctx, cfg)
	if err != nil {
		return withExit(ExitFailures, err)
	}

	fmt.Fprintf(a.env.Stdout, "host %s presents an %s key with fingerprint %s\n",
		cfg.Addr(), key.Type(), ssh.FingerprintSHA256(key))
	if !yes && !a.confirm(fmt.Sprintf("Pin this key in %s? [y/N] ", file)) {
		return withExit(ExitAborted, errors.New("trust: key not pinned because the reply was not y or yes; run trust again to pin it"))
	}
	if err := sshremote.PinHostKey(file, cfg.Addr(), key); err != nil {
		return withExit(ExitFailures, err)
	}
	fmt.Fprintf(a.env.Stdout, "pinned in %s\n", file)
	return nil
}

// trustConfig returns the connection settings for target and a function
// that closes what they opened. For an inventory host of that name they
// are the fleet dialer's: inventory, ~/.ssh/config and the site's
// gateway. Otherwise target is HOST[:PORT].
func (a *app) trustConfig(ctx context.Context, target string, legacy bool, stateDir string) (sshremote.Config, func(), error) {
	nothing := func() {}
	inv, host, err := a.trustInventoryHost(target)
	switch {
	case err != nil:
		return sshremote.Config{}, nothing, err
	case host == nil:
		cfg, err := parseHostPort(target, legacy)
		return cfg, nothing, err
	case host.Transport.Kind != inventory.TransportSSH:
		return sshremote.Config{}, nothing, usageErrorf("trust %s: the host uses %s, and trust pins SSH host keys only", target, host.Transport.Kind)
	}
	return a.fleetTrustConfig(ctx, inv, host, legacy, stateDir)
}

// fleetTrustConfig returns the fleet dialer's settings for host, without
// authentication, and a function that closes its gateway connection.
func (a *app) fleetTrustConfig(ctx context.Context, inv *inventory.Inventory, host *inventory.Host, legacy bool, stateDir string) (sshremote.Config, func(), error) {
	d, err := a.fleetDialer(inv, stateDir, nil)
	if err != nil {
		return sshremote.Config{}, func() {}, err
	}
	cfg, err := d.SSHConfig(ctx, host, false)
	if err == nil {
		cfg.Gateway, err = d.Gateway(ctx, host)
	}
	if err != nil {
		d.Close()
		return sshremote.Config{}, func() {}, withExit(ExitFailures, err)
	}

	if cfg.Gateway != nil {
		cfg.Jump = nil
	}
	cfg.LegacyAlgorithms = cfg.LegacyAlgorithms || legacy
	return cfg, func() { d.Close() }, nil
}

// trustInventoryHost returns the inventory host named target, or nil when
// no inventory is found or it has no such host. An inventory named by
// --inventory or PATCHBAY_INVENTORY must load.
func (a *app) trustInventoryHost(target string) (*inventory.Inventory, *inventory.Host, error) {
	_, inv, err := a.loadInventory()
	if errors.Is(err, inventory.ErrNotFound) && a.inventory == "" && a.getenv("PATCHBAY_INVENTORY") == "" {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return inv, inv.Host(target), nil
}

// parseHostPort parses HOST[:PORT].
func parseHostPort(target string, legacy bool) (sshremote.Config, error) {
	host, port := target, 22
	if h, p, err := net.SplitHostPort(target); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return sshremote.Config{}, usageErrorf("trust: invalid port %q in %q; give HOST or HOST:PORT", p, target)
		}
		host, port = h, n
	}
	if host == "" {
		return sshremote.Config{}, usageErrorf("trust: missing host in %q; give HOST or HOST:PORT", target)
	}
	return sshremote.Config{Address: host, Port: port, User: "patchbay", LegacyAlgorithms: legacy}, nil
}

// confirm writes question to stdout and reports whether the reply read
// from stdin is y or yes.
func (a *app) confirm(question string) bool {
	fmt.Fprint(a.env.Stdout, question)
	if a.env.Stdin == nil {
		return false
	}
	answer, _ := bufio.NewReader(a.env.Stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true
	}
	return false
}
