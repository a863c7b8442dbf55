package sshremote

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kevinburke/ssh_config"
)

// SSHConfig is a parsed OpenSSH client configuration, usually
// ~/.ssh/config. Apply reads Host, HostName, User, Port, IdentityFile and
// ProxyJump from it.
type SSHConfig struct {
	config *ssh_config.Config
	home   string
}

// ParseSSHConfig reads an OpenSSH client configuration from r. home is the
// directory that "~/" in IdentityFile stands for.
func ParseSSHConfig(r io.Reader, home string) (*SSHConfig, error) {
	config, err := ssh_config.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("parse SSH config: %w", err)
	}
	return &SSHConfig{config: config, home: home}, nil
}

// LoadSSHConfig reads the file at path. A missing file gives an empty
// configuration.
func LoadSSHConfig(path, home string) (*SSHConfig, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return &SSHConfig{config: &ssh_config.Config{}, home: home}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read SSH config: %w", err)
	}
	defer f.Close()
	return ParseSSHConfig(f, home)
}

// Apply fills the fields of cfg that are still empty from the entries for
// alias, so the inventory wins where both set a value. IdentityFile keys
// are added after cfg.Auth, read without a passphrase (an encrypted key
// fails with remote.KindCredential), and ProxyJump becomes cfg.Jump when
// cfg has no gateway.
func (s *SSHConfig) Apply(alias string, cfg Config) (Config, error) {
	cfg, err := s.applyHost(alias, cfg)
	if err != nil {
		return cfg, err
	}
	proxyJump, _ := s.config.Get(alias, "ProxyJump")
	return s.applyJump(alias, proxyJump, cfg)
}

// applyHost applies every supported entry except ProxyJump.
func (s *SSHConfig) applyHost(alias string, cfg Config) (Config, error) {
	get := func(key string) string {
		value, _ := s.config.Get(alias, key)
		return value
	}
	if cfg.Address == "" {
		cfg.Address = orDefault(get("HostName"), alias)
	}
	if cfg.User == "" {
		cfg.User = get("User")
	}
	if port := get("Port"); cfg.Port == 0 && port != "" {
		n, err := strconv.Atoi(port)
		if err != nil {
			return cfg, fmt.Errorf("SSH config for %s: invalid Port %q", alias, port)
		}
		cfg.Port = n
	}
	identities, _ := s.config.GetAll(alias, "IdentityFile")
	for _, identity := range identities {
		path := s.expandHome(identity)
		// OpenSSH skips an IdentityFile that does not exist; so does
		// patchbay, or one stale "Host *" line would break every host.
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		cfg.Auth = append(cfg.Auth, KeyFile(path, nil))
	}
	return cfg, nil
}

// applyJump sets cfg.Jump from a ProxyJump value: a comma-separated list of
// [user@]host[:port] hops, the first of which is dialed first.
func (s *SSHConfig) applyJump(alias, proxyJump string, cfg Config) (Config, error) {
	if cfg.Gateway != nil || cfg.Jump != nil || proxyJump == "" || strings.EqualFold(proxyJump, "none") {
		return cfg, nil
	}
	var previous *Config
	for _, hop := range strings.Split(proxyJump, ",") {
		jump, err := s.parseHop(strings.TrimSpace(hop))
		if err != nil {
			return cfg, fmt.Errorf("SSH config for %s: %w", alias, err)
		}
		jump.Jump = previous
		jump.KnownHosts = cfg.KnownHosts
		previous = &jump
	}
	cfg.Jump = previous
	return cfg, nil
}

// parseHop reads one [user@]host[:port] hop and applies the configuration
// for its host.
func (s *SSHConfig) parseHop(hop string) (Config, error) {
	var jump Config
	if user, rest, found := strings.Cut(hop, "@"); found {
		jump.User, hop = user, rest
	}
	host := hop
	if h, p, err := net.SplitHostPort(hop); err == nil {
		port, err := strconv.Atoi(p)
		if err != nil {
			return jump, fmt.Errorf("invalid port in ProxyJump hop %q", hop)
		}
		host, jump.Port = h, port
	}
	jump.Host = host
	return s.applyHost(host, jump)
}

func (s *SSHConfig) expandHome(path string) string {
	if rest, found := strings.CutPrefix(path, "~/"); found {
		return filepath.Join(s.home, rest)
	}
	return path
}
