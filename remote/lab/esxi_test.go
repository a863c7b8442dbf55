package lab

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/playbooks/parse/esxi"
	"patchbay/remote/lab/hostexec"
)

const esxiUpdate = "esxcli software profile update -d " + ESXiDepot + " -p ESXi-8.0U2b-23305546-standard"

func TestESXiVersionParses(t *testing.T) {
	_, hd, _ := newTestHost(t, "esxi")
	r := mustRun(t, hd, "root", "vmware -vl", 0)
	v, err := esxi.ParseVersion(r.stdout)
	if err != nil || v.Release != "8.0.2" || v.Build != 22380479 || v.Update != "8.0 Update 2" {
		t.Errorf("version = %+v, %v from\n%s", v, err, r.stdout)
	}
	p, err := esxi.ParseProfileGet(mustRun(t, hd, "root", "esxcli software profile get", 0).stdout)
	if err != nil || p.Name != "ESXi-8.0U2-22380479-standard" {
		t.Errorf("profile = %+v, %v", p, err)
	}
}

func TestESXiDepotListParses(t *testing.T) {
	_, hd, _ := newTestHost(t, "esxi")
	r := mustRun(t, hd, "root", "esxcli software sources profile list -d "+ESXiDepot, 0)
	profiles, err := esxi.ParseProfileList(r.stdout)
	if err != nil || len(profiles) != 4 {
		t.Fatalf("profiles = %+v, %v\n%s", profiles, err, r.stdout)
	}
	best, err := esxi.SelectProfile(profiles, false)
	if err != nil || best.Name != "ESXi-8.0U2b-23305546-standard" {
		t.Errorf("selected %+v, %v", best, err)
	}
	mustRun(t, hd, "root", "esxcli software sources profile list -d /vmfs/volumes/datastore1/missing.zip", 1)
}

func TestESXiVMsParse(t *testing.T) {
	h, hd, _ := newTestHost(t, "esxi")
	SetESXiVMs(h, "img-pacs-01", "img-ris-01")
	vms := esxi.ParseVMs(mustRun(t, hd, "root", "vim-cmd vmsvc/getallvms", 0).stdout)
	if len(vms) != 2 || vms[0].Name != "img-pacs-01" || vms[1].ID != 2 {
		t.Fatalf("vms = %+v", vms)
	}
	state, err := esxi.ParsePowerState(mustRun(t, hd, "root", "vim-cmd vmsvc/power.getstate 2", 0).stdout)
	if err != nil || state != esxi.PoweredOn {
		t.Errorf("state = %q, %v", state, err)
	}
	mustRun(t, hd, "root", "vim-cmd vmsvc/power.getstate 9", 1)
}

func TestESXiProfileUpdateRejectsOutsideMaintenance(t *testing.T) {
	h, hd, _ := newTestHost(t, "esxi")
	r := mustRun(t, hd, "root", esxiUpdate, 1)
	if !strings.Contains(r.stdout, "[MaintenanceMode]") || !strings.Contains(r.stdout, "MaintenanceMode is required to remove:") {
		t.Errorf("output lacks esxcli's MaintenanceMode error:\n%s", r.stdout)
	}
	if _, err := esxi.ParseUpdateResult(r.stdout); err == nil {
		t.Errorf("parser accepted the refusal as a result")
	}
	if s := h.Snapshot(); s.RebootPending || s.StagedBuild != "" {
		t.Errorf("refused update staged build %q", s.StagedBuild)
	}
}

func TestESXiMaintenanceRejectsRunningVMs(t *testing.T) {
	h, hd, clock := newTestHost(t, "esxi")
	done := make(chan result, 1)
	go func() {
		var out, errOut strings.Builder
		code, err := hd.Exec(context.Background(), hostexec.Request{Host: h.Name(), User: "root",
			Command: "esxcli system maintenanceMode set --enable true --timeout 60", Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
		done <- result{stdout: out.String(), code: code, err: err}
	}()
	r := advanceUntil(t, clock, done)
	if r.code != 1 || !strings.Contains(r.stdout, "ehr-db-01, ehr-app-01") {
		t.Errorf("exit %d, output %q; want 1 naming the running VMs", r.code, r.stdout)
	}
	if InMaintenanceMode(h) {
		t.Errorf("host entered maintenance mode with running VMs")
	}
}

func TestESXiPatchInOrder(t *testing.T) {
	h, hd, clock := newTestHost(t, "esxi")
	mustRun(t, hd, "root", "vim-cmd vmsvc/power.shutdown 1", 0)
	mustRun(t, hd, "root", "vim-cmd vmsvc/power.suspend 2", 0)
	mustRun(t, hd, "root", "esxcli system maintenanceMode set -e true", 0)
	if got := mustRun(t, hd, "root", "esxcli system maintenanceMode get", 0).stdout; got != "Enabled\n" {
		t.Errorf("maintenanceMode get = %q", got)
	}
	mustRun(t, hd, "root", "vim-cmd vmsvc/power.on 2", 1)
	r := mustRun(t, hd, "root", esxiUpdate, 0)
	res, err := esxi.ParseUpdateResult(r.stdout)
	if err != nil || !res.RebootRequired {
		t.Fatalf("update result = %+v, %v\n%s", res, err, r.stdout)
	}
	mustRun(t, hd, "root", "reboot", 0)
	clock.Advance(2 * time.Minute)
	if !InMaintenanceMode(h) {
		t.Errorf("host left maintenance mode during the reboot")
	}
	mustRun(t, hd, "root", "esxcli system maintenanceMode set --enable false", 0)
	mustRun(t, hd, "root", "vim-cmd vmsvc/power.on 1", 0)
	v, _ := esxi.ParseVersion(mustRun(t, hd, "root", "vmware -vl", 0).stdout)
	if v.Build != 23305546 {
		t.Errorf("build after reboot = %d, want 23305546", v.Build)
	}
	states := ESXiVMStates(h)
	if states["ehr-db-01"] != "Powered on" || states["ehr-app-01"] != "Powered off" {
		t.Errorf("VM states = %v; the reboot powers VMs off and only ehr-db-01 was started", states)
	}
}

func TestESXiMaintenanceAlreadyEnabled(t *testing.T) {
	_, hd, _ := newTestHost(t, "esxi")
	r := mustRun(t, hd, "root", "esxcli system maintenanceMode set --enable false", 1)
	if r.stdout != "Maintenance mode is already disabled.\n" {
		t.Errorf("output = %q", r.stdout)
	}
}

func TestESXiUnknownProfile(t *testing.T) {
	h, hd, _ := newTestHost(t, "esxi")
	h.Change(func(s *State) { s.Facts[factESXiMaintenance] = "true" })
	r := mustRun(t, hd, "root", "esxcli software profile update -d "+ESXiDepot+" -p ESXi-9.9-1-standard", 1)
	if !strings.Contains(r.stdout, "[NoMatchError]") {
		t.Errorf("output = %q", r.stdout)
	}
}

// advanceUntil moves clock a minute at a time until the command sends its
// result on done, because the command's timer starts at a moment the
// test cannot see.
func advanceUntil(t *testing.T, clock *ManualClock, done <-chan result) result {
	t.Helper()
	for range 1000 {
		clock.Advance(time.Minute)
		select {
		case r := <-done:
			return r
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatal("command did not end after 1000 minutes on the lab clock")
	return result{}
}

// capture returns a real capture from testdata without its provenance
// line.
func capture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(data), "\n")
	return body
}

func TestESXiDepotListMatchesCapture(t *testing.T) {
	_, hd, _ := newTestHost(t, "esxi")
	got := mustRun(t, hd, "root", "esxcli software sources profile list -d "+ESXiDepot, 0).stdout
	if want := capture(t, "esxi8_esxcli_software_sources_profile_list_depot.txt"); got != want {
		t.Errorf("emulated depot list differs from the real one:\n%s\nwant:\n%s", got, want)
	}
}

func TestESXiProfileGetMatchesCaptureShape(t *testing.T) {
	_, hd, _ := newTestHost(t, "esxi")
	got := strings.Split(mustRun(t, hd, "root", "esxcli software profile get", 0).stdout, "\n")
	want := strings.Split(capture(t, "esxi8_esxcli_software_profile_get.txt"), "\n")
	if len(got) != len(want) {
		t.Fatalf("%d lines, the capture has %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		key, _, _ := strings.Cut(want[i], ":")
		if !strings.HasPrefix(got[i], key) {
			t.Errorf("line %d = %q, want it to start like the capture's %q", i+1, got[i], want[i])
		}
	}
}

func TestESXiHostSummaryRebootRequired(t *testing.T) {
	h, hd, _ := newTestHost(t, "esxi")
	if out := mustRun(t, hd, "root", "vim-cmd hostsvc/hostsummary", 0).stdout; !strings.Contains(out, "rebootRequired = false") {
		t.Errorf("summary of a host without a pending reboot:\n%s", out)
	}
	h.Change(func(s *State) { s.RebootPending = true })
	if out := mustRun(t, hd, "root", "vim-cmd hostsvc/hostsummary", 0).stdout; !strings.Contains(out, "rebootRequired = true") {
		t.Errorf("summary of a host with a pending reboot:\n%s", out)
	}
}
