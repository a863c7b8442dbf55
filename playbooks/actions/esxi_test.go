package actions

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/book"
	"patchbay/playbooks/runner/labdial"
	"patchbay/remote"
	"patchbay/remote/lab"
)

// labExec returns an Exec on an emulated host of platform, reached as
// user, and the lab host behind it.
func labExec(t *testing.T, platform inventory.Platform, user string) (*Exec, *recorder, *lab.Host) {
	t.Helper()
	h := &inventory.Host{Name: "h1", Site: "a", Platform: platform, Role: inventory.RoleServer,
		Transport: inventory.Transport{Kind: inventory.TransportSSH, User: user}}
	inv := &inventory.Inventory{Hosts: []*inventory.Host{h}}
	dialer, err := labdial.New(inv, lab.Timing{ShutdownDelay: time.Millisecond, RebootDuration: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := dialer.Dial(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	x, rec := newExec(platform, nil)
	x.Host, x.Session, x.Changes = h, s, true
	x.Timing = Timing{Poll: time.Millisecond}
	x.Redial = func(ctx context.Context) (remote.Session, error) { return dialer.Dial(ctx, h) }
	return x, rec, dialer.Hosts["h1"].Host
}

func stepParams(kv ...string) book.Params {
	p := book.Params{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = book.Param{Text: kv[i+1]}
	}
	return p
}

func runStepAction(ctx context.Context, t *testing.T, name string, x *Exec, p book.Params) error {
	t.Helper()
	a, ok := Lookup(name)
	if !ok {
		t.Fatalf("action %s is not registered", name)
	}
	if probs := a.CheckParams(p); len(probs) > 0 {
		t.Fatalf("%s params: %v", name, probs)
	}
	return a.Run(ctx, x, p)
}

func TestESXiMaintenanceRejectsRunningVMs(t *testing.T) {
	x, _, h := labExec(t, inventory.PlatformESXi, "root")
	ctx := context.Background()

	err := runStepAction(ctx, t, "esxi.maintenance", x, stepParams("enable", "true"))
	if !errors.Is(err, ErrVMsRunning) {
		t.Fatalf("error = %v, want ErrVMsRunning", err)
	}
	if lab.InMaintenanceMode(h) {
		t.Fatalf("host entered maintenance mode with running VMs")
	}

	if err := runStepAction(ctx, t, "esxi.guests", x, stepParams("action", "stop")); err != nil {
		t.Fatalf("stop guests: %v", err)
	}
	if err := runStepAction(ctx, t, "esxi.maintenance", x, stepParams("enable", "true")); err != nil {
		t.Fatalf("enter maintenance mode after stopping guests: %v", err)
	}
	if !lab.InMaintenanceMode(h) {
		t.Errorf("host is not in maintenance mode")
	}
}

func TestESXiProfileUpdateRejectsOutsideMaintenance(t *testing.T) {
	x, _, h := labExec(t, inventory.PlatformESXi, "root")
	ctx := context.Background()
	update := stepParams("depot", lab.ESXiDepot)

	err := runStepAction(ctx, t, "esxi.profile_update", x, update)
	if !errors.Is(err, ErrNotInMaintenance) {
		t.Fatalf("error = %v, want ErrNotInMaintenance", err)
	}
	if h.Snapshot().StagedBuild != "" {
		t.Fatalf("a rejected update staged a build")
	}

	if err := runStepAction(ctx, t, "esxi.guests", x, stepParams("action", "stop", "mode", "suspend")); err != nil {
		t.Fatal(err)
	}
	if err := runStepAction(ctx, t, "esxi.maintenance", x, stepParams("enable", "true")); err != nil {
		t.Fatal(err)
	}
	if err := runStepAction(ctx, t, "esxi.profile_update", x, update); err != nil {
		t.Fatalf("update in maintenance mode: %v", err)
	}
	if got := h.Snapshot().StagedBuild; got != "23305546" {
		t.Errorf("staged build %q, want 23305546 of the newest standard profile", got)
	}
	if !x.Facts.Bool(FactRebootPending) {
		t.Errorf("reboot pending fact not set after the update")
	}
}

func TestESXiProfileUpdateSecurityOnly(t *testing.T) {
	x, _, h := labExec(t, inventory.PlatformESXi, "root")
	ctx := context.Background()
	for _, step := range []struct {
		name string
		p    book.Params
	}{
		{"esxi.guests", stepParams("action", "stop", "mode", "off")},
		{"esxi.maintenance", stepParams("enable", "true")},
		{"esxi.profile_update", stepParams("depot", lab.ESXiDepot, "security_only", "true")},
	} {
		if err := runStepAction(ctx, t, step.name, x, step.p); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
	}
	if got := h.Snapshot().StagedBuild; got != "23305545" {
		t.Errorf("staged build %q, want the security-only 23305545", got)
	}
}

func TestESXiProfileHeld(t *testing.T) {
	x, rec, h := labExec(t, inventory.PlatformESXi, "root")
	x.Holds = []*inventory.Hold{{ID: "h-u2b", Kind: inventory.HoldFirmware, Item: "ESXi-8.0U2b-23305546-standard"}}
	lab.SetESXiVMs(h)
	ctx := context.Background()
	if err := runStepAction(ctx, t, "esxi.maintenance", x, stepParams("enable", "true")); err != nil {
		t.Fatal(err)
	}
	if err := runStepAction(ctx, t, "esxi.profile_update", x, stepParams("depot", lab.ESXiDepot)); err != nil {
		t.Fatal(err)
	}
	if h.Snapshot().StagedBuild != "" {
		t.Errorf("held profile was installed")
	}
	if len(rec.updates) != 1 || rec.updates[0].ResultCode != "held" {
		t.Errorf("update results %+v, want one held", rec.updates)
	}
}

func TestESXiGuestsOrder(t *testing.T) {
	x, _, h := labExec(t, inventory.PlatformESXi, "root")
	x.Host.Guests = []string{"ehr-app-01", "missing-vm", "ehr-db-01"}
	ctx := context.Background()
	if err := runStepAction(ctx, t, "esxi.guests", x, stepParams("action", "stop")); err != nil {
		t.Fatal(err)
	}
	if got := x.Facts.Strings(factStoppedVMs); !slices.Equal(got, []string{"ehr-app-01", "ehr-db-01"}) {
		t.Errorf("stopped %q, want ehr-app-01 then ehr-db-01", got)
	}
	if err := runStepAction(ctx, t, "esxi.guests", x, stepParams("action", "start")); err != nil {
		t.Fatal(err)
	}
	states := lab.ESXiVMStates(h)
	if states["ehr-db-01"] != "Powered on" || states["ehr-app-01"] != "Powered on" || states["print-01"] != "Powered off" {
		t.Errorf("states after start = %v; print-01 was off before and must stay off", states)
	}
}

func TestESXiFactsRead(t *testing.T) {
	x, _, _ := labExec(t, inventory.PlatformESXi, "root")
	f, err := readESXiFacts(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	if f.Text(FactOS) != "VMware ESXi 8.0 Update 2" || f.Text(FactBuild) != "8.0.2 build-22380479" {
		t.Errorf("os %q, build %q", f.Text(FactOS), f.Text(FactBuild))
	}
	if got := f.Strings(FactVMsRunning); !slices.Equal(got, []string{"ehr-db-01", "ehr-app-01"}) {
		t.Errorf("running VMs %q", got)
	}
	if f.Bool(FactMaintenanceMode) || f.Text(FactESXiProfile) != "ESXi-8.0U2-22380479-standard" {
		t.Errorf("maintenance %v, profile %q", f.Bool(FactMaintenanceMode), f.Text(FactESXiProfile))
	}
	if !strings.HasPrefix(f.Text(FactBootID), "20") {
		t.Errorf("boot id %q is not the boot time", f.Text(FactBootID))
	}
}

func TestESXiDepotChecks(t *testing.T) {
	x, _, h := labExec(t, inventory.PlatformESXi, "root")
	ctx := context.Background()

	err := runStepAction(ctx, t, "esxi.depot", x, stepParams("depot", "/vmfs/volumes/datastore1/missing.zip"))
	if err == nil || !strings.Contains(err.Error(), "missing.zip") {
		t.Errorf("error = %v, want the depot named", err)
	}
	if err := runStepAction(ctx, t, "esxi.depot", x, stepParams("depot", lab.ESXiDepot)); err != nil {
		t.Fatal(err)
	}
	if !x.Facts.Bool(FactESXiUpdateNeeded) || x.Facts.Text(FactESXiTarget) != "ESXi-8.0U2b-23305546-standard" {
		t.Errorf("needed %v, target %q", x.Facts.Bool(FactESXiUpdateNeeded), x.Facts.Text(FactESXiTarget))
	}
	x.Holds = []*inventory.Hold{{ID: "h-zip", Kind: inventory.HoldFirmware, Item: "VMware-ESXi-8.0U2b-23305546-depot.zip"}}
	if err := runStepAction(ctx, t, "esxi.depot", x, stepParams("depot", lab.ESXiDepot)); err != nil {
		t.Fatal(err)
	}
	if x.Facts.Bool(FactESXiUpdateNeeded) {
		t.Errorf("update needed although the depot is held")
	}
	if h.Generation() != 0 {
		t.Errorf("checking the depot changed the host")
	}
}
