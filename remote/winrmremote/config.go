// Package winrmremote implements remote.Session over WinRM with the
// github.com/masterzen/winrm client, through its own HTTP transport:
// HTTPS with certificate verification (Basic or NTLM), or plain HTTP with
// NTLM message encryption. Credentials and commands never travel in clear.
//
// Each Run opens a remote shell, runs one command and deletes the shell.
// PowerShell scripts go as powershell.exe -EncodedCommand with UTF-8
// output, and their CLIXML error stream is decoded into readable text.
// Kerberos and CredSSP are not supported.
package winrmremote

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// Auth is a WinRM authentication scheme.
type Auth string

// Authentication schemes.
const (
	AuthBasic Auth = "basic" // HTTP Basic, accepted only over HTTPS
	AuthNTLM  Auth = "ntlm"  // NTLMv2, with message encryption over HTTP
)

// Default ports of the WinRM listeners.
const (
	DefaultHTTPSPort = 5986
	DefaultHTTPPort  = 5985
)

// Config describes how to reach one host over WinRM.
type Config struct {
	// Host is the host's name as the inventory gives it, used in errors.
	Host string
	// Address is the IP address or DNS name to connect to. Empty means
	// Host.
	Address string
	// Port is the TCP port. Zero means 5986 with HTTPS and 5985 without.
	Port int
	// HTTPS selects the HTTPS listener. Without it, only NTLM with message
	// encryption is allowed.
	HTTPS bool
	// CAFile is a PEM file of CA certificates that may sign the host's
	// certificate. CAPool, when set, is used instead. With neither, the
	// system roots are used.
	CAFile string
	CAPool *x509.CertPool
	// TLSServerName is the name the certificate must carry. Empty means
	// Address.
	TLSServerName string
	// Insecure skips certificate verification. It is an explicit opt-in
	// for lab hosts and is never set by default.
	Insecure bool

	// Auth is the authentication scheme. Empty means NTLM.
	Auth Auth
	// User is the account, as "name", "DOMAIN\name" or "name@domain".
	User string
	// Password returns the account's password. It is called once per Dial
	// and its result is kept only in memory.
	Password func(ctx context.Context) (string, error)

	// OperationTimeout is how long the host may hold a Receive before it
	// replies with the w:TimedOut fault. A cancelled Run is noticed at the latest then,
	// so keep it short. Zero means 15 s.
	OperationTimeout time.Duration
	// DialTimeout bounds each TCP and TLS connection set-up. Zero means
	// 15 s.
	DialTimeout time.Duration
	// DialContext, when set, opens TCP connections, for example through a
	// site's SSH gateway.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// EnvelopeSize is the host's MaxEnvelopeSizekb setting in bytes. Zero
	// means 500 KiB, the default of that setting on current Windows.
	EnvelopeSize int
}

const (
	defaultOperationTimeout = 15 * time.Second
	defaultDialTimeout      = 15 * time.Second
	defaultEnvelopeSize     = 500 << 10
)

// ErrConfig marks a configuration that Dial rejects before any network
// traffic, such as Basic authentication over plain HTTP. It is an input
// error, not a failure of the host.
var ErrConfig = errors.New("invalid WinRM configuration")

// withDefaults validates cfg and fills in its defaults.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Address == "" {
		cfg.Address = cfg.Host
	}
	if cfg.Host == "" {
		cfg.Host = cfg.Address
	}
	if cfg.Auth == "" {
		cfg.Auth = AuthNTLM
	}
	if cfg.Port == 0 {
		cfg.Port = DefaultHTTPPort
		if cfg.HTTPS {
			cfg.Port = DefaultHTTPSPort
		}
	}
	if cfg.OperationTimeout <= 0 {
		cfg.OperationTimeout = defaultOperationTimeout
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = defaultDialTimeout
	}
	if cfg.EnvelopeSize <= 0 {
		cfg.EnvelopeSize = defaultEnvelopeSize
	}
	return cfg, cfg.validate()
}

func (cfg Config) validate() error {
	switch {
	case cfg.Address == "":
		return fmt.Errorf("%w: the host address is missing", ErrConfig)
	case cfg.Auth != AuthBasic && cfg.Auth != AuthNTLM:
		return fmt.Errorf("%w: auth %q is not supported; use %q or %q", ErrConfig, cfg.Auth, AuthBasic, AuthNTLM)
	case cfg.Auth == AuthBasic && !cfg.HTTPS:
		return fmt.Errorf("%w: host %s: Basic authentication over HTTP would send the password in clear; use HTTPS or NTLM",
			ErrConfig, cfg.Host)
	case cfg.User == "" || cfg.Password == nil:
		return fmt.Errorf("%w: host %s: the user or the password reference is missing", ErrConfig, cfg.Host)
	case cfg.Insecure && !cfg.HTTPS:
		return fmt.Errorf("%w: host %s: insecure applies only to HTTPS", ErrConfig, cfg.Host)
	}
	return nil
}

// rootCAs returns the pool that verifies the host's certificate, or nil
// for the system roots.
func (cfg Config) rootCAs() (*x509.CertPool, error) {
	if cfg.CAPool != nil || cfg.CAFile == "" {
		return cfg.CAPool, nil
	}
	data, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, fmt.Errorf("%w: read CA file: %w", ErrConfig, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%w: CA file %s contains no PEM certificate", ErrConfig, cfg.CAFile)
	}
	return pool, nil
}

func (cfg Config) url() string {
	scheme := "http"
	if cfg.HTTPS {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s/wsman", scheme, net.JoinHostPort(cfg.Address, fmt.Sprint(cfg.Port)))
}
