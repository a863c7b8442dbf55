package sshremote

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"patchbay/remote/lab/sshserver"
)

const sampleSSHConfig = `
Host clinic-*
    User tech
    IdentityFile ~/.ssh/id_clinic
    ProxyJump admin@gateway.clinic:2222

Host clinic-router
    HostName 10.1.2.1
    Port 2200

Host gateway.clinic
    User jumper
`

// homeWithKey returns a home folder holding .ssh/id_clinic, the key the
// sample configuration names.
func homeWithKey(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".ssh", "id_clinic"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

func TestSSHConfigFillsEmptyFields(t *testing.T) {
	home := homeWithKey(t)
	config, err := ParseSSHConfig(strings.NewReader(sampleSSHConfig), home)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Apply("clinic-router", Config{Host: "clinic-router"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Address != "10.1.2.1" {
		t.Errorf("Address = %q, want the HostName 10.1.2.1", cfg.Address)
	}
	if cfg.Port != 2200 {
		t.Errorf("Port = %d, want 2200", cfg.Port)
	}
	if cfg.User != "tech" {
		t.Errorf("User = %q, want tech", cfg.User)
	}
	if len(cfg.Auth) != 1 {
		t.Fatalf("Auth has %d methods, want the one IdentityFile", len(cfg.Auth))
	}
	if key, ok := cfg.Auth[0].(keyFileMethod); !ok || key.path != filepath.Join(home, ".ssh", "id_clinic") {
		t.Errorf("Auth[0] = %#v, want the IdentityFile with ~ expanded", cfg.Auth[0])
	}
	if cfg.Jump == nil {
		t.Fatal("Jump is nil, want the ProxyJump host")
	}
	if cfg.Jump.Address != "gateway.clinic" || cfg.Jump.Port != 2222 || cfg.Jump.User != "admin" {
		t.Errorf("Jump = %s@%s:%d, want admin@gateway.clinic:2222", cfg.Jump.User, cfg.Jump.Address, cfg.Jump.Port)
	}
}

func TestSSHConfigInventoryWins(t *testing.T) {
	config, err := ParseSSHConfig(strings.NewReader(sampleSSHConfig), "/home/tech")
	if err != nil {
		t.Fatal(err)
	}
	inventory := Config{Host: "clinic-router", Address: "10.9.9.9", Port: 22, User: "patchbay", Gateway: &Gateway{}}
	cfg, err := config.Apply("clinic-router", inventory)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Address != "10.9.9.9" || cfg.Port != 22 || cfg.User != "patchbay" {
		t.Errorf("got %s@%s:%d, want the inventory's patchbay@10.9.9.9:22", cfg.User, cfg.Address, cfg.Port)
	}
	if cfg.Jump != nil {
		t.Errorf("Jump is set although the inventory gives a gateway")
	}
}

func TestSSHConfigChainedProxyJump(t *testing.T) {
	config, err := ParseSSHConfig(strings.NewReader("Host inner\n  ProxyJump first,second:2022\n"), "/home/tech")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Apply("inner", Config{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Jump == nil || cfg.Jump.Address != "second" || cfg.Jump.Port != 2022 {
		t.Fatalf("last hop = %+v, want second:2022", cfg.Jump)
	}
	if cfg.Jump.Jump == nil || cfg.Jump.Jump.Address != "first" {
		t.Errorf("first hop = %+v, want first", cfg.Jump.Jump)
	}
}

func TestSSHConfigDialsLabHost(t *testing.T) {
	lab := startLabHost(t, sshserver.Config{})
	text := "Host lab-alias\n  HostName " + lab.config.Address + "\n  Port " + itoa(lab.config.Port) + "\n  User tech\n"
	config, err := ParseSSHConfig(strings.NewReader(text), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Apply("lab-alias", Config{Host: "lab-alias", Auth: lab.config.Auth, KnownHosts: lab.config.KnownHosts})
	if err != nil {
		t.Fatal(err)
	}
	if err := dialAndRun(t, cfg); err != nil {
		t.Errorf("dial the alias: %v", err)
	}
}

func TestEncodePowerShell(t *testing.T) {
	line := encodePowerShell("Get-HotFix | Select -First 1 # é")
	encoded, found := strings.CutPrefix(line, "powershell.exe -NoProfile -NonInteractive -EncodedCommand ")
	if !found {
		t.Fatalf("line %q does not use -EncodedCommand", line)
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		t.Fatal(err)
	}
	units := make([]uint16, len(raw)/2)
	for i := range units {
		units[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	script := string(utf16.Decode(units))
	if !strings.HasSuffix(script, "Get-HotFix | Select -First 1 # é") {
		t.Errorf("decoded script %q does not end with the original", script)
	}
	if !strings.Contains(script, "UTF8") {
		t.Errorf("decoded script %q does not set UTF-8 output", script)
	}
}

func TestSSHConfigSkipsMissingIdentity(t *testing.T) {
	config, err := ParseSSHConfig(strings.NewReader(sampleSSHConfig), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Apply("clinic-router", Config{Host: "clinic-router"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Auth) != 0 {
		t.Errorf("Auth has %d methods, want none: the IdentityFile does not exist, and OpenSSH skips it too", len(cfg.Auth))
	}
}
