package lab_test

import (
	"errors"
	"strings"
	"testing"

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
	lab.SetESXiVMs(f.Host("img-esx-01"), "img-pacs-01", "img-ris-01")
	s, err := dialSSH(t, f, "img-esx-01")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	update := "esxcli software profile update -d " + lab.ESXiDepot + " -p ESXi-8.0U2b-23305546-standard"
	out, err := runOn(t, s, update)
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
