package lab_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"patchbay/playbooks/parse/esxi"
	"patchbay/playbooks/parse/macos"
	"patchbay/remote"
	"patchbay/remote/lab"
)

func TestFleetServesMacOverSSH(t *testing.T) {
	f := startFleet(t, lab.Options{})
	s, err := dialSSH(t, f, "ent-mac-01")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	out, err := runOn(t, s, "sw_vers")
	if err != nil {
		t.Fatalf("sw_vers: %v", err)
	}
	if v, err := macos.ParseSwVers(out); err != nil || v.ProductVersion == "" {
		t.Errorf("sw_vers = %+v, %v", v, err)
	}
	out, err = runOn(t, s, "softwareupdate --list")
	if err != nil {
		t.Fatalf("softwareupdate --list: %v", err)
	}
	if n := len(macos.ParseList(out).Updates); n == 0 {
		t.Errorf("no updates listed over SSH:\n%s", out)
	}
}

func TestFleetESXiRejectsOverSSH(t *testing.T) {
	f := startFleet(t, lab.Options{})
	s, err := dialSSH(t, f, "img-esx-01")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	out, err := runOn(t, s, "vim-cmd vmsvc/getallvms")
	if err != nil {
		t.Fatal(err)
	}
	vms := esxi.ParseVMs(out)
	if len(vms) != 2 || vms[0].Name != "img-pacs-01" || vms[1].Name != "img-ris-01" {
		t.Errorf("VMs %+v, want the inventory's guests img-pacs-01 and img-ris-01", vms)
	}

	update := "esxcli software profile update -d " + lab.ESXiDepot + " -p ESXi-8.0U2b-23305546-standard"
	out, err = runOn(t, s, update)
	var exit *remote.ExitError
	if !errors.As(err, &exit) || !strings.Contains(out, "[MaintenanceMode]") {
		t.Fatalf("update outside maintenance mode: %v\n%s", err, out)
	}
	for _, line := range []string{"vim-cmd vmsvc/power.shutdown 1", "vim-cmd vmsvc/power.shutdown 2", "esxcli system maintenanceMode set --enable true"} {
		if _, err := runOn(t, s, line); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	out, err = runOn(t, s, update)
	if err != nil {
		t.Fatalf("update in maintenance mode: %v\n%s", err, out)
	}
	if res, err := esxi.ParseUpdateResult(out); err != nil || !res.RebootRequired {
		t.Errorf("result = %+v, %v", res, err)
	}
}

func TestFleetMacOwnerPromptEndsWithClient(t *testing.T) {
	f := startFleet(t, lab.Options{})
	lab.SetMacArch(f.Host("ent-mac-01"), lab.MacAppleSilicon)
	s, err := dialSSH(t, f, "ent-mac-01")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	err = s.Run(ctx, remote.Command{Line: "sudo softwareupdate --install --all --restart"}, &out, io.Discard)
	if err == nil {
		t.Fatalf("install returned without the owner:\n%s", out.String())
	}
	if _, perr := macos.ParseInstall(out.String()); !errors.Is(perr, macos.ErrNeedsOwnerCredentials) {
		t.Errorf("output %q does not show the owner prompt", out.String())
	}
	if n := len(f.Host("ent-mac-01").Snapshot().Pending); n != 3 {
		t.Errorf("%d updates pending, want 3", n)
	}
}
