package runner

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/inventory"
	"patchbay/playbooks/actions"
	"patchbay/playbooks/plan"
	"patchbay/remote"
	"patchbay/remote/lab"
	"patchbay/remote/lab/sshserver"
	"patchbay/remote/sshremote"
	"patchbay/state/event"
)

// gearTiming polls a reloading device every 50 ms and gives it 10 s.
var gearTiming = actions.Timing{Poll: 50 * time.Millisecond, Reboot: map[string]time.Duration{"network": 10 * time.Second}}

// gearLab is a set of emulated network devices served over SSH on
// loopback, with a Dialer that reaches them by inventory name.
type gearLab struct {
	hosts   map[string]*lab.Host
	configs map[string]sshremote.Config
}

func newGearLab(t *testing.T) *gearLab {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
	return &gearLab{hosts: map[string]*lab.Host{}, configs: map[string]sshremote.Config{}}
}

// add starts an emulated device for h.
func (g *gearLab) add(t *testing.T, h *inventory.Host) *lab.Host {
	t.Helper()
	timing := lab.Timing{ShutdownDelay: 20 * time.Millisecond, RebootDuration: 200 * time.Millisecond}
	device, err := lab.NewHost(h.Name, string(h.Platform), len(g.hosts), lab.SystemClock{}, timing)
	if err != nil {
		t.Fatal(err)
	}
	served, err := lab.ServeSSH(device, sshserver.Config{Passwords: map[string]string{"admin": "gear-secret"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(served.Close)
	known := filepath.Join(t.TempDir(), "known_hosts")
	if err := served.WriteKnownHosts(known); err != nil {
		t.Fatal(err)
	}
	address, portText, _ := net.SplitHostPort(served.Addr())
	port, _ := strconv.Atoi(portText)
	g.hosts[h.Name] = device
	g.configs[h.Name] = sshremote.Config{
		Host: h.Name, Address: address, Port: port, User: "admin",
		Auth:        []sshremote.AuthMethod{sshremote.Password(func() (string, error) { return "gear-secret", nil })},
		KnownHosts:  []string{known},
		DialTimeout: 2 * time.Second, KeepaliveInterval: -1,
	}
	return device
}

func (g *gearLab) Dial(ctx context.Context, h *inventory.Host) (remote.Session, error) {
	return sshremote.Dial(ctx, g.configs[h.Name])
}

// gearInventory returns site a with one device of platform and role.
func gearInventory(name string, platform inventory.Platform, role inventory.Role) *inventory.Inventory {
	inv := testInventory(nil)
	inv.Hosts = append(inv.Hosts, &inventory.Host{
		Name: name, Site: "a", Platform: platform, Ring: "test", Role: role,
		Transport: inventory.Transport{Kind: inventory.TransportSSH, User: "admin"},
	})
	return inv
}

// writeImage writes a lab image of size bytes for version and returns
// its path and MD5.
func writeImage(t *testing.T, name, version string, size int) (string, string) {
	t.Helper()
	data := lab.NewImage(version, size)
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	return path, hex.EncodeToString(sum[:])
}

// runGear runs playbook on inv against the lab with vars.
func runGear(t *testing.T, g *gearLab, inv *inventory.Inventory, playbook string, vars map[string]string) (*Summary, []event.Event) {
	t.Helper()
	p, err := plan.Make(inv, builtinPlaybook(t, playbook), plan.Selection{}, plan.Options{At: time.Now(), Windows: openWindows{}})
	if err != nil {
		t.Fatal(err)
	}
	journal := &memJournal{}
	r := New(inv, p, g, journal, Options{Timing: gearTiming, Windows: openWindows{}, Vars: vars})
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sum, journal.all()
}

func TestCiscoIOSFirmwarePlaybook(t *testing.T) {
	g := newGearLab(t)
	inv := gearInventory("sw1", inventory.PlatformCiscoIOS, inventory.RoleCoreSwitch)
	device := g.add(t, inv.Host("sw1"))
	image, sum := writeImage(t, "c2960x-universalk9-mz.152-7.E10.bin", "15.2(7)E10", 256<<10)

	summary, events := runGear(t, g, inv, "cisco-ios-firmware", map[string]string{"image": image, "digest": sum, "version": "15.2(7)E10"})

	if summary.Hosts["sw1"] != event.PhaseDone {
		t.Fatalf("sw1 ended %s:\n%s", summary.Hosts["sw1"], dump(events))
	}
	state := device.Snapshot()
	if state.Build != "15.2(7)E10" {
		t.Errorf("device runs %s, want 15.2(7)E10", state.Build)
	}
	if state.Facts["boot"] != "flash:c2960x-universalk9-mz.152-7.E10.bin;flash:c2960x-universalk9-mz.152-7.E3.bin" {
		t.Errorf("boot variable %q, want the new image first and the old one as fallback", state.Facts["boot"])
	}
	if state.Facts["config-dirty"] != "" {
		t.Error("the configuration was left unsaved")
	}
	if len(decisions(events, "firmware-verified")) != 1 {
		t.Errorf("no firmware-verified decision:\n%s", dump(events))
	}
	if !strings.Contains(strings.Join(statesOf(events, "sw1"), ","), "rebooting") {
		t.Errorf("states %v lack rebooting", statesOf(events, "sw1"))
	}
}

func TestCiscoIOSFirmwareRejectsBadDigest(t *testing.T) {
	g := newGearLab(t)
	inv := gearInventory("sw1", inventory.PlatformCiscoIOS, inventory.RoleCoreSwitch)
	device := g.add(t, inv.Host("sw1"))
	image, _ := writeImage(t, "c2960x-universalk9-mz.152-7.E10.bin", "15.2(7)E10", 256<<10)

	summary, events := runGear(t, g, inv, "cisco-ios-firmware", map[string]string{"image": image, "digest": strings.Repeat("0", 32), "version": "15.2(7)E10"})

	if summary.Hosts["sw1"] != event.PhaseFailed {
		t.Fatalf("sw1 ended %s, want failed", summary.Hosts["sw1"])
	}
	if !strings.Contains(dump(events), "download it again") {
		t.Errorf("failure does not say the local image is damaged:\n%s", dump(events))
	}
	if _, copied := device.Snapshot().Files["flash:c2960x-universalk9-mz.152-7.E10.bin"]; copied {
		t.Error("a damaged image reached flash")
	}
}

func TestCiscoIOSXEFirmwarePlaybook(t *testing.T) {
	g := newGearLab(t)
	inv := gearInventory("core1", inventory.PlatformCiscoIOSXE, inventory.RoleCoreSwitch)
	device := g.add(t, inv.Host("core1"))
	image, sum := writeImage(t, "cat9k_lite_iosxe.17.09.06a.SPA.bin", "17.09.06a", 256<<10)

	summary, events := runGear(t, g, inv, "cisco-iosxe-firmware", map[string]string{"image": image, "digest": sum, "version": "17.09.06a"})

	if summary.Hosts["core1"] != event.PhaseDone {
		t.Fatalf("core1 ended %s:\n%s", summary.Hosts["core1"], dump(events))
	}
	if build := device.Snapshot().Build; build != "17.09.06a" {
		t.Errorf("device runs %s, want 17.09.06a", build)
	}
}

func TestCiscoIOSXEInsufficientFlashFails(t *testing.T) {
	g := newGearLab(t)
	inv := gearInventory("core1", inventory.PlatformCiscoIOSXE, inventory.RoleCoreSwitch)
	device := g.add(t, inv.Host("core1"))
	image, sum := writeImage(t, "cat9k_lite_iosxe.17.09.06a.SPA.bin", "17.09.06a", 700<<10)
	// The 700 KiB image fits in 1 MiB of flash, but the packages it
	// expands into do not.
	device.Change(func(s *lab.State) { s.FreeDiskMB = 1 })

	summary, events := runGear(t, g, inv, "cisco-iosxe-firmware", map[string]string{"image": image, "digest": sum, "version": "17.09.06a"})

	if summary.Hosts["core1"] != event.PhaseFailed {
		t.Fatalf("core1 ended %s, want failed:\n%s", summary.Hosts["core1"], dump(events))
	}
	text := dump(events)
	if !strings.Contains(text, "insufficient flash space") || !strings.Contains(text, "install remove inactive") {
		t.Errorf("failure lacks the cause or the fix:\n%s", text)
	}
	if device.Snapshot().Build != "17.09.04a" {
		t.Error("the release changed after a failed install")
	}
}

func TestFortiOSFirmwarePlaybook(t *testing.T) {
	g := newGearLab(t)
	inv := gearInventory("fw1", inventory.PlatformFortiOS, inventory.RoleFirewall)
	device := g.add(t, inv.Host("fw1"))
	device.Change(func(s *lab.State) { s.Files["tftp://127.0.0.1/FGT_60F-v7.2.10.out"] = lab.NewImage("7.2.10", 4096) })
	backups := t.TempDir()

	summary, events := runGear(t, g, inv, "fortios-firmware", map[string]string{
		"version": "7.2.10", "image": "FGT_60F-v7.2.10.out", "tftp_server": "127.0.0.1", "backup_dir": backups,
	})

	if summary.Hosts["fw1"] != event.PhaseDone {
		t.Fatalf("fw1 ended %s:\n%s", summary.Hosts["fw1"], dump(events))
	}
	if build := device.Snapshot().Build; build != "7.2.10" {
		t.Errorf("device runs %s, want 7.2.10", build)
	}
	files, _ := filepath.Glob(filepath.Join(backups, "fw1-*.conf"))
	if len(files) != 1 {
		t.Fatalf("backups %v, want one", files)
	}
	info, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", info.Mode().Perm())
	}
	config, _ := os.ReadFile(files[0])
	if !strings.Contains(string(config), "set password ENC") {
		t.Error("backup lacks the admin section")
	}
	if strings.Contains(dump(events), "set password ENC") {
		t.Error("the configuration with its password hash reached the journal")
	}
}

func TestFortiOSFirmwareRejectsLongJump(t *testing.T) {
	g := newGearLab(t)
	inv := gearInventory("fw1", inventory.PlatformFortiOS, inventory.RoleFirewall)
	device := g.add(t, inv.Host("fw1"))
	device.Change(func(s *lab.State) { s.Files["tftp://127.0.0.1/FGT_60F-v7.4.8.out"] = lab.NewImage("7.4.8", 4096) })

	summary, events := runGear(t, g, inv, "fortios-firmware", map[string]string{
		"version": "7.4.8", "image": "FGT_60F-v7.4.8.out", "tftp_server": "127.0.0.1", "backup_dir": t.TempDir(),
	})

	if summary.Hosts["fw1"] != event.PhaseFailed {
		t.Fatalf("fw1 ended %s, want failed", summary.Hosts["fw1"])
	}
	if text := dump(events); !strings.Contains(text, "install 7.2.10, then 7.4.8") {
		t.Errorf("failure does not name the path:\n%s", text)
	}
	if device.Snapshot().Build != "7.0.15" {
		t.Error("the firmware changed despite the unsupported jump")
	}
}

func TestCiscoReloadDeferredByPolicy(t *testing.T) {
	g := newGearLab(t)
	inv := gearInventory("sw1", inventory.PlatformCiscoIOS, inventory.RoleCoreSwitch)
	inv.RebootPolicies = append(inv.RebootPolicies, &inventory.RebootPolicy{Name: "manual", Mode: inventory.RebootNever, Hosts: []string{"sw1"}})
	device := g.add(t, inv.Host("sw1"))
	image, sum := writeImage(t, "c2960x-universalk9-mz.152-7.E10.bin", "15.2(7)E10", 256<<10)

	summary, events := runGear(t, g, inv, "cisco-ios-firmware", map[string]string{"image": image, "digest": sum, "version": "15.2(7)E10"})

	if summary.Hosts["sw1"] != event.PhaseRebootPending {
		t.Fatalf("sw1 ended %s, want reboot pending:\n%s", summary.Hosts["sw1"], dump(events))
	}
	state := device.Snapshot()
	if state.Build != "15.2(7)E3" {
		t.Errorf("device runs %s, want the old release until someone reloads it", state.Build)
	}
	if !strings.HasPrefix(state.Facts["boot"], "flash:c2960x-universalk9-mz.152-7.E10.bin;") {
		t.Errorf("boot variable %q does not start with the staged image", state.Facts["boot"])
	}
	if len(decisions(events, "reboot-deferred")) != 1 {
		t.Errorf("no reboot-deferred decision:\n%s", dump(events))
	}
}
