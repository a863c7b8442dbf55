package lab_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"net"
	"strconv"

	"go.uber.org/goleak"

	"patchbay/playbooks/parse/cisco"
	"patchbay/playbooks/parse/fortios"
	"patchbay/remote"
	"patchbay/remote/lab"
	"patchbay/remote/lab/sshserver"
	"patchbay/remote/netcli"
	"patchbay/remote/sshremote"
)

// device is one emulated network device served over SSH, with a client
// configuration that trusts its host key.
type device struct {
	host   *lab.Host
	served *lab.SSHHost
	config sshremote.Config
}

var quickReboot = lab.Timing{ShutdownDelay: 20 * time.Millisecond, RebootDuration: 150 * time.Millisecond}

func startDevice(t *testing.T, platform string, legacy bool) *device {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
	h, err := lab.NewHost("sw1", platform, 1, lab.SystemClock{}, quickReboot)
	if err != nil {
		t.Fatal(err)
	}
	served, err := lab.ServeSSH(h, sshserver.Config{
		Passwords: map[string]string{"admin": "lab-secret"}, Legacy: legacy,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(served.Close)
	known := filepath.Join(t.TempDir(), "known_hosts")
	if err := served.WriteKnownHosts(known); err != nil {
		t.Fatal(err)
	}
	address, port := splitHostPort(t, served.Addr())
	return &device{host: h, served: served, config: sshremote.Config{
		Host: "sw1", Address: address, Port: port, User: "admin",
		Auth:              []sshremote.AuthMethod{sshremote.Password(func() (string, error) { return "lab-secret", nil })},
		KnownHosts:        []string{known},
		LegacyAlgorithms:  legacy,
		DialTimeout:       2 * time.Second,
		KeepaliveInterval: -1,
	}}
}

func splitHostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// recorder keeps a copy of the raw bytes the device sends.
type recorder struct {
	io.ReadWriteCloser
	mu  sync.Mutex
	raw bytes.Buffer
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.ReadWriteCloser.Read(p)
	r.mu.Lock()
	r.raw.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.raw.String()
}

// cli dials the device and opens its CLI with netcli.
func (d *device) cli(t *testing.T, platform netcli.Platform, paging []string) (*sshremote.Session, *netcli.Session) {
	s, session, _ := d.recordedCLI(t, platform, paging)
	return s, session
}

// recordedCLI is cli that also records the raw screen output.
func (d *device) recordedCLI(t *testing.T, platform netcli.Platform, paging []string) (*sshremote.Session, *netcli.Session, *recorder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := sshremote.Dial(ctx, d.config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	shell, err := s.OpenShell(ctx, "vt100", 132, 40)
	if err != nil {
		t.Fatal(err)
	}
	raw := &recorder{ReadWriteCloser: shell}
	session, err := netcli.Open(ctx, raw, netcli.Config{Platform: platform, Paging: paging, Settle: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { session.Close() })
	return s, session, raw
}

func run(t *testing.T, s *netcli.Session, command string, expects ...netcli.Expect) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := s.Run(ctx, command, expects...)
	if err != nil {
		t.Fatalf("%s: %v\noutput so far:\n%s", command, err, out)
	}
	return out
}

// waitRebooted waits until the device has gone down and come back.
func (d *device) waitRebooted(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for d.host.Rebooting() || !d.host.Online() {
		if time.Now().After(deadline) {
			t.Fatal("device did not come back within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCiscoIOSPagesWithoutTerminalLength(t *testing.T) {
	d := startDevice(t, "cisco-ios", false)
	_, s, raw := d.recordedCLI(t, netcli.IOS, []string{})
	out := run(t, s, "show version")
	if !strings.Contains(raw.String(), " --More-- ") {
		t.Error("the device did not page show version")
	}
	v, err := cisco.ParseShowVersion(out)
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != "15.2(7)E3" {
		t.Errorf("version = %q, want 15.2(7)E3", v.Version)
	}
	if !strings.Contains(out, "Configuration register is 0xF") {
		t.Errorf("paged output lacks its last page:\n%s", out)
	}
	if strings.Contains(out, "More") {
		t.Errorf("pager prompt left in output:\n%s", out)
	}
}

func TestCiscoIOSBundleUpgrade(t *testing.T) {
	d := startDevice(t, "cisco-ios", false)
	ssh, s := d.cli(t, netcli.IOS, nil)
	image := lab.NewImage("15.2(7)E10", 200<<10)
	ctx := context.Background()
	if err := ssh.CopyFile(ctx, strings.NewReader(string(image)), int64(len(image)), "flash:new.bin", 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := cisco.ParseVerify(run(t, s, "verify /md5 flash:new.bin"))
	if err != nil || sum.Algorithm != "md5" || len(sum.Digest) != 32 {
		t.Fatalf("verify = %+v, %v", sum, err)
	}
	if _, err := cisco.ParseVerify(run(t, s, "verify /md5 flash:new.bin 00000000000000000000000000000000")); !errors.Is(err, cisco.ErrDigestMismatch) {
		t.Errorf("wrong digest: err = %v, want ErrDigestMismatch", err)
	}
	run(t, s, "configure terminal")
	run(t, s, "no boot system")
	run(t, s, "boot system flash:new.bin")
	run(t, s, "end")
	if len(s.Syslog()) == 0 {
		t.Error("no syslog line was separated from the output of end")
	}
	boot := cisco.ParseShowBoot(run(t, s, "show boot"))
	if len(boot.Images) != 1 || boot.Images[0] != "flash:new.bin" {
		t.Errorf("boot images = %q", boot.Images)
	}
	reloadCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = s.Run(reloadCtx, "reload",
		netcli.Expect{Prompt: "Save? [yes/no]:", Answer: "yes\n"},
		netcli.Expect{Prompt: "Proceed with reload? [confirm]", Answer: "\n"})
	if !errors.Is(err, netcli.ErrSessionDropped) {
		t.Fatalf("reload: err = %v, want the session to drop", err)
	}
	d.waitRebooted(t)
	_, s2 := d.cli(t, netcli.IOS, nil)
	v, err := cisco.ParseShowVersion(run(t, s2, "show version"))
	if err != nil || v.Version != "15.2(7)E10" || v.Image != "flash:new.bin" {
		t.Errorf("after reload: version %q image %q, %v", v.Version, v.Image, err)
	}
}

func TestCiscoIOSReloadUnansweredSave(t *testing.T) {
	d := startDevice(t, "cisco-ios", false)
	_, s := d.cli(t, netcli.IOS, nil)
	run(t, s, "configure terminal")
	run(t, s, "boot system flash:x.bin")
	run(t, s, "end")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := s.Run(ctx, "reload")
	var prompt *netcli.UnexpectedPromptError
	if !errors.As(err, &prompt) || !strings.Contains(prompt.Prompt, "Save? [yes/no]") {
		t.Fatalf("err = %v, want the save question", err)
	}
	if d.host.Rebooting() {
		t.Error("device reloads without an answer")
	}
}

func TestCiscoIOSXEInstallInsufficientFlash(t *testing.T) {
	d := startDevice(t, "cisco-iosxe", false)
	ssh, s := d.cli(t, netcli.IOS, nil)
	image := lab.NewImage("17.09.06a", 300<<10)
	if err := ssh.CopyFile(context.Background(), strings.NewReader(string(image)), int64(len(image)), "flash:cat9k_lite_iosxe.17.09.06a.SPA.bin", 0o644); err != nil {
		t.Fatal(err)
	}
	d.host.Change(func(st *lab.State) { st.FreeDiskMB = 0 })
	out := run(t, s, "install add file flash:cat9k_lite_iosxe.17.09.06a.SPA.bin activate commit")
	result, err := cisco.ParseInstall(out)
	if !errors.Is(err, cisco.ErrInsufficientSpace) {
		t.Fatalf("err = %v, want ErrInsufficientSpace; output:\n%s", err, out)
	}
	if result.RequiredKB <= result.AvailableKB {
		t.Errorf("required %d KB, available %d KB", result.RequiredKB, result.AvailableKB)
	}
	if !strings.Contains(out, "FAILED: add_activate_commit /mnt/sd3/user/cat9k_lite_iosxe.17.09.06a.SPA.bin") {
		t.Errorf("failure line differs from the capture:\n%s", out)
	}
}

func TestCiscoIOSXEInstallDropsAndBootsNewRelease(t *testing.T) {
	d := startDevice(t, "cisco-iosxe", false)
	ssh, s := d.cli(t, netcli.IOS, nil)
	image := lab.NewImage("17.09.06a", 300<<10)
	if err := ssh.CopyFile(context.Background(), strings.NewReader(string(image)), int64(len(image)), "flash:cat9k_lite_iosxe.17.09.06a.SPA.bin", 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := s.Run(ctx, "install add file flash:cat9k_lite_iosxe.17.09.06a.SPA.bin activate commit",
		netcli.Expect{Prompt: "Do you want to proceed? [y/n]", Answer: "y\n"})
	if !errors.Is(err, netcli.ErrSessionDropped) {
		t.Fatalf("err = %v, want the session to drop after activate; output:\n%s", err, out)
	}
	if result, err := cisco.ParseInstall(out); err != nil || !result.Succeeded {
		t.Errorf("install result %+v, %v; output:\n%s", result, err, out)
	}
	d.waitRebooted(t)
	_, s2 := d.cli(t, netcli.IOS, nil)
	v, err := cisco.ParseShowVersion(run(t, s2, "show version"))
	if err != nil || v.Installed() != "17.09.06a" {
		t.Errorf("after activate: %q, %v", v.Installed(), err)
	}
	if boot := cisco.ParseShowBoot(run(t, s2, "show boot")); boot.Mode() != cisco.InstallMode {
		t.Errorf("boot mode %s, want install", boot.Mode())
	}
}

func TestFortiOSRestoreImage(t *testing.T) {
	d := startDevice(t, "fortios", false)
	_, s := d.cli(t, netcli.FortiOS, nil)
	status, err := fortios.ParseSystemStatus(run(t, s, "get system status"))
	if err != nil || status.Version.String() != "7.0.15" || status.Hostname != "sw1" {
		t.Fatalf("status = %+v, %v", status, err)
	}
	d.host.Change(func(st *lab.State) { st.Files["tftp://127.0.0.1/FGT_60F-v7.2.10.out"] = lab.NewImage("7.2.10", 4096) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := s.Run(ctx, "execute restore image tftp FGT_60F-v7.2.10.out 127.0.0.1",
		netcli.Expect{Prompt: "Do you want to continue? (y/n)", Answer: "y"})
	if !errors.Is(err, netcli.ErrSessionDropped) {
		t.Fatalf("err = %v, want the session to drop; output:\n%s", err, out)
	}
	d.waitRebooted(t)
	_, s2 := d.cli(t, netcli.FortiOS, nil)
	status, err = fortios.ParseSystemStatus(run(t, s2, "get system status"))
	if err != nil || status.Version.String() != "7.2.10" {
		t.Errorf("after upgrade: %+v, %v", status.Version, err)
	}
}

func TestFortiOSPagerAndUnknownCommand(t *testing.T) {
	d := startDevice(t, "fortios", false)
	_, s, raw := d.recordedCLI(t, netcli.FortiOS, []string{})
	out := run(t, s, "show full-configuration")
	if !strings.Contains(raw.String(), "--More--") {
		t.Error("the device did not page the configuration")
	}
	if !strings.HasPrefix(out, "#config-version=FGT60F-7.0.15") || !strings.Contains(out, "config system admin") {
		t.Errorf("paged configuration incomplete:\n%s", out)
	}
	if out := run(t, s, "execute frobnicate"); !strings.Contains(out, "Command fail.") {
		t.Errorf("unknown command output %q", out)
	}
}

func TestLegacyGearNeedsOption(t *testing.T) {
	d := startDevice(t, "cisco-ios", true)
	cfg := d.config
	cfg.LegacyAlgorithms = false
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := sshremote.Dial(ctx, cfg)
	if err == nil {
		s.Close()
		t.Fatal("dial without legacy_algorithms succeeded against legacy-only gear")
	}
	var re *remote.Error
	if !errors.As(err, &re) || re.Kind != remote.KindNoCommonAlgorithm {
		t.Errorf("err = %v, want kind no-common-algorithm", err)
	}
	if !strings.Contains(err.Error(), "legacy_algorithms") {
		t.Errorf("error %q does not name the legacy_algorithms option", err)
	}
	_, cli := d.cli(t, netcli.IOS, nil)
	if out := run(t, cli, "show version"); !strings.Contains(out, "15.2(7)E3") {
		t.Errorf("with the option: %q", out)
	}
}
