package lab

import (
	"context"
	"strings"
	"testing"
	"time"

	"patchbay/playbooks/parse/macos"
	"patchbay/remote/lab/hostexec"
)

// newMac returns a macOS host of the given architecture on a manual clock.
func newMac(t *testing.T, arch string) (*Host, *Handler, *ManualClock) {
	t.Helper()
	h, hd, clock := newTestHost(t, "macos")
	SetMacArch(h, arch)
	return h, hd, clock
}

func TestMacListLabelFormat(t *testing.T) {
	_, hd, _ := newMac(t, MacIntel)
	r := mustRun(t, hd, "tech", "softwareupdate --list", 0)
	list := macos.ParseList(r.stdout + r.stderr)
	if len(list.Updates) != 3 || list.NoUpdates {
		t.Fatalf("parsed %+v, want 3 updates:\n%s", list, r.stdout)
	}
	first := list.Updates[0]
	if first.Label != "macOS Sonoma 14.4.1-23E224" || first.Version != "14.4.1" || !first.Restart || !first.Recommended {
		t.Errorf("first update = %+v", first)
	}
	if list.Updates[1].Restart {
		t.Errorf("Command Line Tools marked as needing a restart: %+v", list.Updates[1])
	}
	if !strings.Contains(r.stdout, "* Label: macOS Sonoma 14.4.1-23E224\n\tTitle: macOS Sonoma 14.4.1, Version: 14.4.1, Size: 1228800KiB, Recommended: YES, Action: restart,\n") {
		t.Errorf("list lines differ from the Tahoe capture's shape:\n%s", r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "Software Update Tool\n\nFinding available software\n") {
		t.Errorf("stderr lacks the banner: %q", r.stderr)
	}
}

func TestMacListLegacyFormat(t *testing.T) {
	clock := NewManualClock(labEpoch)
	h, err := NewHost("mojave", "macos", 3, clock, DefaultTiming)
	if err != nil {
		t.Fatal(err)
	}
	hd := &Handler{Host: h, Transport: "ssh"}
	r := mustRun(t, hd, "tech", "softwareupdate -l", 0)
	list := macos.ParseList(r.stdout)
	if len(list.Updates) != 2 {
		t.Fatalf("parsed %d updates, want 2:\n%s", len(list.Updates), r.stdout)
	}
	sec := list.Updates[0]
	if sec.Label != "Security Update 2021-005-10.14.6" || sec.Title != "Security Update 2021-005" || !sec.Restart || sec.SizeKB != 1699000 {
		t.Errorf("security update = %+v", sec)
	}
	if strings.Contains(r.stdout, "Label:") {
		t.Errorf("Mojave printed the Label: format:\n%s", r.stdout)
	}
}

func TestMacListNoUpdates(t *testing.T) {
	h, hd, _ := newMac(t, MacIntel)
	h.Change(func(s *State) { s.Pending = nil })
	r := mustRun(t, hd, "tech", "softwareupdate --list", 0)
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	if !macos.ParseList(r.stdout + r.stderr).NoUpdates {
		t.Errorf("stderr lacks No new software available: %q", r.stderr)
	}
}

func TestMacIntelInstallAllRestarts(t *testing.T) {
	h, hd, clock := newMac(t, MacIntel)
	before := h.Snapshot().BootTime
	r := mustRun(t, hd, "tech", "sudo softwareupdate --install --all --restart", 0)
	res, err := macos.ParseInstall(r.stdout)
	if err != nil {
		t.Fatalf("parse install: %v\n%s", err, r.stdout)
	}
	if len(res.Installed) != 3 || !res.Done {
		t.Errorf("install result = %+v", res)
	}
	clock.Advance(2 * time.Minute)
	s := h.Snapshot()
	if !s.BootTime.After(before) {
		t.Fatalf("host did not restart after --restart")
	}
	v := mustRun(t, hd, "tech", "sw_vers", 0)
	sw, err := macos.ParseSwVers(v.stdout)
	if err != nil || sw.ProductVersion != "14.4.1" || sw.BuildVersion != "23E224" {
		t.Errorf("sw_vers after restart = %+v, %v", sw, err)
	}
}

func TestMacInstallWithoutRestartAsks(t *testing.T) {
	h, hd, _ := newMac(t, MacIntel)
	r := mustRun(t, hd, "tech", "sudo softwareupdate --install 'macOS Sonoma 14.4.1-23E224'", 0)
	res, _ := macos.ParseInstall(r.stdout)
	if !res.RestartRequired {
		t.Errorf("output lacks the restart request:\n%s", r.stdout)
	}
	s := h.Snapshot()
	if !s.RebootPending || len(s.Pending) != 2 {
		t.Errorf("reboot pending %v, %d pending; want true and 2", s.RebootPending, len(s.Pending))
	}
}

func TestMacIntelInstallNeedsRoot(t *testing.T) {
	h, hd, _ := newMac(t, MacIntel)
	mustRun(t, hd, "tech", "softwareupdate --install --all", 1)
	if n := len(h.Snapshot().Pending); n != 3 {
		t.Errorf("%d updates pending after a refused install, want 3", n)
	}
}

// runUntil runs line and cancels it after wait, returning what it printed.
func runUntil(t *testing.T, hd *Handler, line, stdin string, wait time.Duration) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var out, errOut strings.Builder
	code, err := hd.Exec(ctx, hostexec.Request{Host: hd.Host.Name(), User: "tech", Command: line,
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return result{stdout: out.String(), stderr: errOut.String(), code: code, err: err}
}

func TestMacAppleSiliconRejectsSudoInstall(t *testing.T) {
	h, hd, _ := newMac(t, MacAppleSilicon)
	r := runUntil(t, hd, "sudo softwareupdate --install --all --restart", "", 50*time.Millisecond)
	if _, err := macos.ParseInstall(r.stdout); err != macos.ErrNeedsOwnerCredentials {
		t.Errorf("parse = %v, want ErrNeedsOwnerCredentials; output:\n%s", err, r.stdout)
	}
	if n := len(h.Snapshot().Pending); n != 3 {
		t.Errorf("%d updates pending, want 3: nothing may install without the owner", n)
	}
}

func TestMacAppleSiliconPromptsUser(t *testing.T) {
	_, hd, _ := newMac(t, MacAppleSilicon)
	r := runUntil(t, hd, "softwareupdate --install --all", "", 50*time.Millisecond)
	if _, err := macos.ParseInstall(r.stdout); err != macos.ErrNeedsOwnerCredentials {
		t.Errorf("parse = %v, want ErrNeedsOwnerCredentials; output %q", err, r.stdout)
	}
}

func TestMacAppleSiliconWrongOwnerPassword(t *testing.T) {
	h, hd, _ := newMac(t, MacAppleSilicon)
	r := runInput(t, hd, "tech", "sudo softwareupdate --install --all --user frontdesk --stdinpass", "wrong\n")
	if r.code != 1 || !strings.Contains(r.stdout, "Failed to authenticate") {
		t.Errorf("exit %d, output %q; want 1 and Failed to authenticate", r.code, r.stdout)
	}
	if n := len(h.Snapshot().Pending); n != 3 {
		t.Errorf("%d updates pending, want 3", n)
	}
}

func TestMacAppleSiliconOwnerInstalls(t *testing.T) {
	h, hd, _ := newMac(t, MacAppleSilicon)
	r := runInput(t, hd, "tech", "sudo softwareupdate --install --all --user frontdesk --stdinpass", "lab-owner-password\n")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := len(h.Snapshot().Pending); n != 0 {
		t.Errorf("%d updates pending after the owner's install, want 0", n)
	}
}

func TestMacAppleSiliconInstallsAppsWithSudo(t *testing.T) {
	h, hd, _ := newMac(t, MacAppleSilicon)
	mustRun(t, hd, "tech", "sudo softwareupdate --install Safari17.4.1SonomaAuto-17.4.1", 0)
	if h.Snapshot().FindPending("Safari17.4.1SonomaAuto-17.4.1") >= 0 {
		t.Errorf("Safari still pending: an update without restart needs no owner")
	}
}

func TestMacFactsCommands(t *testing.T) {
	h, hd, clock := newMac(t, MacAppleSilicon)
	if got := mustRun(t, hd, "tech", "uname -m", 0).stdout; got != "arm64\n" {
		t.Errorf("uname -m = %q", got)
	}
	boot := mustRun(t, hd, "tech", "sysctl -n kern.boottime", 0).stdout
	if !strings.HasPrefix(boot, "{ sec = ") {
		t.Errorf("kern.boottime = %q", boot)
	}
	mustRun(t, hd, "tech", "shutdown -r now", 1)
	mustRun(t, hd, "tech", "sudo shutdown -r now", 0)
	clock.Advance(2 * time.Minute)
	if again := mustRun(t, hd, "tech", "sysctl -n kern.boottime", 0).stdout; again == boot {
		t.Errorf("kern.boottime unchanged after a reboot: %q", again)
	}
	if !h.Online() {
		t.Errorf("host offline after the reboot")
	}
}
