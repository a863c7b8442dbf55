package lab_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/remote/lab"
	"patchbay/remote/sshremote"
	"patchbay/remote/winrmremote"
)

// startFleet starts the example fleet in a temp dir and stops it when the
// test ends.
func startFleet(t *testing.T, opts lab.Options) *lab.Fleet {
	t.Helper()
	// Cleanups run last-in first-out, so this check runs after the fleet
	// has stopped.
	t.Cleanup(func() { goleak.VerifyNone(t) })
	opts.Dir = t.TempDir()
	opts.Inventory = os.DirFS("../../examples")
	if opts.AddressBase == "" {
		opts.AddressBase = randomAddressBase()
	}
	ctx, cancel := context.WithCancel(context.Background())
	f, err := lab.Start(ctx, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-f.Done()
	})
	return f
}

// randomAddressBase returns a base in 127.100.0.0 to 127.199.255.0, so
// that test binaries that go test runs in parallel do not share addresses.
func randomAddressBase() string {
	return fmt.Sprintf("127.%d.%d.0", 100+rand.IntN(100), rand.IntN(256))
}

func endpointOf(t *testing.T, f *lab.Fleet, name string) lab.Endpoint {
	t.Helper()
	for _, e := range f.Endpoints() {
		if e.Host == name {
			return e
		}
	}
	t.Fatalf("no endpoint for %s", name)
	return lab.Endpoint{}
}

func readSecret(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func dialSSH(t *testing.T, f *lab.Fleet, name string) (*sshremote.Session, error) {
	t.Helper()
	e := endpointOf(t, f, name)
	password := readSecret(t, filepath.Join(f.Dir(), "credentials", "ssh-password"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return sshremote.Dial(ctx, sshremote.Config{
		Host: name, Address: e.Address, Port: e.Port, User: e.User,
		Auth:              []sshremote.AuthMethod{sshremote.Password(func() (string, error) { return password, nil })},
		KnownHosts:        []string{filepath.Join(f.Dir(), "known_hosts")},
		DialTimeout:       2 * time.Second,
		KeepaliveInterval: -1,
	})
}

func runOn(t *testing.T, s remote.Session, line string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := s.Run(context.Background(), remote.Command{Line: line}, &out, &errOut)
	return out.String(), err
}

func TestFleetWritesFiles(t *testing.T) {
	f := startFleet(t, lab.Options{ExtraHosts: 4})
	for _, name := range []string{"inventory.yaml", "known_hosts", "winrm-ca.pem", "commands.jsonl"} {
		if _, err := os.Stat(filepath.Join(f.Dir(), name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"ssh-password", "winrm-password"} {
		info, err := os.Stat(filepath.Join(f.Dir(), "credentials", name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %o, want 0600", name, info.Mode().Perm())
		}
	}
	inv, err := inventory.Load(f.InventoryPath(), inventory.Options{})
	if err != nil {
		t.Fatalf("lab inventory does not load: %v", err)
	}
	if len(inv.Hosts) != len(f.Endpoints()) {
		t.Errorf("inventory has %d hosts, the fleet %d", len(inv.Hosts), len(f.Endpoints()))
	}
	for _, h := range inv.Hosts {
		e := endpointOf(t, f, h.Name)
		if h.Address != e.Address || h.Transport.Port != e.Port {
			t.Errorf("%s: inventory %s:%d, fleet %s:%d", h.Name, h.Address, h.Transport.Port, e.Address, e.Port)
		}
		if !strings.HasPrefix(h.Address, "127.") {
			t.Errorf("%s: address %s outside 127.0.0.0/8", h.Name, h.Address)
		}
	}
	if len(inv.Devices) == 0 {
		t.Error("the lab inventory lost the medical devices")
	}
	for _, d := range inv.Devices {
		if f.Host(d.Name) != nil {
			t.Errorf("medical device %s got an emulated host", d.Name)
		}
	}
}

func TestFleetServesSSHAndLogs(t *testing.T) {
	f := startFleet(t, lab.Options{ExtraHosts: 2})
	s, err := dialSSH(t, f, "ent-lab-001")
	if err != nil {
		t.Fatal(err)
	}
	out, err := runOn(t, s, "apt list --upgradable")
	if err != nil || !strings.Contains(out, "libc6/bookworm-security") {
		t.Errorf("apt list: err %v, output %q", err, out)
	}
	s.Close()

	s, err = dialSSH(t, f, "imaging-lab-002")
	if err != nil {
		t.Fatal(err)
	}
	_, err = runOn(t, s, "dnf check-update")
	var exit *remote.ExitError
	if !errors.As(err, &exit) || exit.Code != 100 {
		t.Errorf("dnf check-update: err %v, want exit status 100", err)
	}
	s.Close()

	entries, err := lab.ReadCommandLog(f.CommandLogPath())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Host != "ent-lab-001" || entries[1].Host != "imaging-lab-002" || entries[0].Changes {
		t.Errorf("command log = %+v", entries)
	}
}

func TestFleetRebootRefusesThenReturns(t *testing.T) {
	clock := lab.NewManualClock(time.Date(2026, 12, 8, 23, 0, 0, 0, time.UTC))
	f := startFleet(t, lab.Options{Clock: clock, Timing: lab.Timing{ShutdownDelay: time.Second, RebootDuration: time.Minute}})
	s, err := dialSSH(t, f, "ent-gw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runOn(t, s, "sudo reboot"); err != nil {
		t.Fatalf("reboot: %v", err)
	}
	s.Close()
	clock.Advance(2 * time.Second)
	_, err = dialSSH(t, f, "ent-gw")
	if remote.KindOf(err) != remote.KindConnectionRefused {
		t.Fatalf("dial while rebooting: %v, want connection refused", err)
	}
	clock.Advance(time.Minute)
	s, err = dialSSH(t, f, "ent-gw")
	if err != nil {
		t.Fatalf("dial after the reboot: %v", err)
	}
	defer s.Close()
	if out, err := runOn(t, s, "uptime -p"); err != nil || out != "up 0 minutes\n" {
		t.Errorf("uptime -p after the reboot: %q, %v", out, err)
	}
}

func TestFleetFaultsAtTheServers(t *testing.T) {
	f := startFleet(t, lab.Options{ExtraHosts: 3,
		Faults: "ent-lab-001=auth-rejected,imaging-lab-002=host-key-changed,paeds-lab-003=offline"})
	tests := []struct {
		host string
		want remote.Kind
	}{
		{"ent-lab-001", remote.KindAuthRejected},
		{"imaging-lab-002", remote.KindHostKeyChanged},
		{"paeds-lab-003", remote.KindConnectionRefused},
	}
	for _, tt := range tests {
		s, err := dialSSH(t, f, tt.host)
		if err == nil {
			s.Close()
		}
		if remote.KindOf(err) != tt.want {
			t.Errorf("%s: dial error %v, want kind %s", tt.host, err, tt.want)
		}
	}
}

func TestFleetRejectsUnknownFaultHost(t *testing.T) {
	_, err := lab.Start(context.Background(), lab.Options{Dir: t.TempDir(), Inventory: os.DirFS("../../examples"),
		Faults: "nosuch=offline", AddressBase: randomAddressBase()})
	if err == nil || !strings.Contains(err.Error(), `host "nosuch" is not in the lab fleet`) {
		t.Errorf("err = %v", err)
	}
}

func TestFleetServesWinRM(t *testing.T) {
	f := startFleet(t, lab.Options{})
	e := endpointOf(t, f, "ent-fd-01")
	password := readSecret(t, filepath.Join(f.Dir(), "credentials", "winrm-password"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := winrmremote.Dial(ctx, winrmremote.Config{Host: e.Host, Address: e.Address, Port: e.Port, HTTPS: true,
		CAFile: filepath.Join(f.Dir(), "winrm-ca.pem"), User: e.User, Auth: winrmremote.AuthNTLM,
		Password: func(context.Context) (string, error) { return password, nil }, OperationTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out, errOut bytes.Buffer
	if err := s.Run(ctx, remote.Command{PowerShell: "Write-Output 'lab'"}, &out, &errOut); err != nil {
		t.Fatalf("run on the Windows host: %v (stderr %q)", err, errOut.String())
	}
	if out.String() != "lab\r\n" {
		t.Errorf("stdout = %q, want lab", out.String())
	}
}

func TestFleetServesHealthPorts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the example's PACS health check uses port 104, which only root may bind")
	}
	f := startFleet(t, lab.Options{})
	e := endpointOf(t, f, "img-pacs-01")
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(e.Address, "104"), 2*time.Second)
	if err != nil {
		t.Fatalf("health check port of img-pacs-01: %v", err)
	}
	conn.Close()

	s, err := dialSSH(t, f, "img-pacs-01")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := runOn(t, s, "ps -eo comm=")
	if err != nil || !strings.Contains(out, "\npacs\n") {
		t.Errorf("ps -eo comm=: %q, %v; want the pacs application listed", out, err)
	}
}

func TestFleetBusyAddressesNamesFlag(t *testing.T) {
	base := randomAddressBase()
	startFleet(t, lab.Options{AddressBase: base})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := lab.Start(ctx, lab.Options{Dir: t.TempDir(), Inventory: os.DirFS("../../examples"), AddressBase: base})
	if err == nil {
		f.Close()
		t.Fatal("a second lab on the same addresses started")
	}
	if !strings.Contains(err.Error(), "--address-base") {
		t.Errorf("err = %v, want advice naming --address-base", err)
	}
}
