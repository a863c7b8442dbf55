package actions

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"patchbay/inventory"
	"patchbay/playbooks/parse/macos"
	"patchbay/remote"
	"patchbay/remote/lab"
)

// silentInstall is a session whose softwareupdate lists one update and
// then installs without printing anything until it is cancelled, as the
// real tool does while it waits at a prompt it does not print.
type silentInstall struct{}

func (silentInstall) Run(ctx context.Context, cmd remote.Command, stdout, stderr io.Writer) error {
	if strings.Contains(cmd.Line, "--list") {
		io.WriteString(stdout, "* Label: Safari17.4.1SonomaAuto-17.4.1\n\tTitle: Safari, Version: 17.4.1, Size: 149000KiB, Recommended: YES,\n")
		return nil
	}
	<-ctx.Done()
	return &remote.Error{Kind: remote.KindOther, Op: "run", Err: ctx.Err()}
}

func (silentInstall) CopyFile(context.Context, io.Reader, int64, string, fs.FileMode) error {
	return nil
}

func (silentInstall) Close() error { return nil }

func TestMacUpdateStopsSilentInstall(t *testing.T) {
	x, _ := newExec(inventory.PlatformMacOS, nil)
	x.Session = silentInstall{}
	err := runStepAction(context.Background(), t, "macos.update", x, stepParams("output_timeout", "20ms"))
	if err == nil || !strings.Contains(err.Error(), "printed nothing for 20ms") {
		t.Errorf("error = %v, want the output timeout", err)
	}
}

func TestMacUpdateNeedsOwnerOnAppleSilicon(t *testing.T) {
	x, rec, h := labExec(t, inventory.PlatformMacOS, "tech")
	lab.SetMacArch(h, lab.MacAppleSilicon)
	err := runStepAction(context.Background(), t, "macos.update", x, stepParams("output_timeout", "1m"))
	if !errors.Is(err, macos.ErrNeedsOwnerCredentials) {
		t.Fatalf("error = %v, want ErrNeedsOwnerCredentials", err)
	}
	if len(rec.decisions) != 1 || !strings.HasPrefix(rec.decisions[0], "needs-owner-credentials") {
		t.Errorf("decisions %q, want one needs-owner-credentials", rec.decisions)
	}
	if n := len(h.Snapshot().Pending); n != 3 {
		t.Errorf("%d updates pending, want 3", n)
	}
}

func TestMacUpdateAppleSiliconWithoutRestartUpdates(t *testing.T) {
	x, _, h := labExec(t, inventory.PlatformMacOS, "tech")
	lab.SetMacArch(h, lab.MacAppleSilicon)
	x.Holds = []*inventory.Hold{{ID: "h-os", Kind: inventory.HoldPackage, Item: "macOS Sonoma 14.4.1-23E224"}}
	if err := runStepAction(context.Background(), t, "macos.update", x, stepParams()); err != nil {
		t.Fatalf("apps without a restart need no owner, got %v", err)
	}
	if n := len(h.Snapshot().Pending); n != 1 {
		t.Errorf("%d updates pending, want only the held one", n)
	}
	if x.Facts.Bool(FactRebootPending) {
		t.Errorf("reboot pending although no installed update needs a restart")
	}
}

func TestMacFactsRead(t *testing.T) {
	x, _, h := labExec(t, inventory.PlatformMacOS, "tech")
	lab.SetMacArch(h, lab.MacIntel)
	f, err := readMacFacts(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	if f.Text(FactOS) != "macOS 14.4" || f.Text(FactBuild) != "23E214" || f.Text(FactArch) != "x86_64" {
		t.Errorf("os %q, build %q, arch %q", f.Text(FactOS), f.Text(FactBuild), f.Text(FactArch))
	}
	if got := f.Strings(FactUpdates); len(got) != 3 || got[0] != "macOS Sonoma 14.4.1-23E224" {
		t.Errorf("updates %q", got)
	}
	if f.Text(FactBootID) == "" || f[FactFreeDiskMB] == nil {
		t.Errorf("boot id %q, free disk %v", f.Text(FactBootID), f[FactFreeDiskMB])
	}
}

func TestMacFactsNoUpdates(t *testing.T) {
	x, _, h := labExec(t, inventory.PlatformMacOS, "tech")
	h.Change(func(s *lab.State) { s.Pending = nil })
	f, err := readMacFacts(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	if got := f[FactUpdatesPending]; got != float64(0) {
		t.Errorf("updates pending %v, want 0", got)
	}
}

func TestMacVerifyComparesVersion(t *testing.T) {
	x, _, h := labExec(t, inventory.PlatformMacOS, "tech")
	lab.SetMacArch(h, lab.MacIntel)
	ctx := context.Background()

	if err := runStepAction(ctx, t, "macos.verify", x, stepParams()); err != nil {
		t.Errorf("verify without an installed OS update: %v", err)
	}
	x.Facts[factMacTarget] = "14.4.1"
	err := runStepAction(ctx, t, "macos.verify", x, stepParams())
	if err == nil || !strings.Contains(err.Error(), "runs macOS 14.4 after the restart, expected macOS 14.4.1") {
		t.Errorf("error = %v, want the version mismatch", err)
	}
	x.Facts[FactRebootPending] = true
	if err := runStepAction(ctx, t, "macos.verify", x, stepParams()); err != nil {
		t.Errorf("verify with the restart pending: %v", err)
	}
}
