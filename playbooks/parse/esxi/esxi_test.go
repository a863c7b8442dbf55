package esxi

import (
	"testing"

	"patchbay/playbooks/parse/internal/capture"
)

func TestVersionVL(t *testing.T) {
	v, err := ParseVersion(capture.Load(t, "esxi7_vmware_vl.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := Version{Release: "7.0.3", Build: 22348816, Update: "7.0 Update 3"}
	if v != want {
		t.Errorf("got %+v, want %+v", v, want)
	}
	if _, err := ParseVersion("-sh: vmware: not found\n"); err == nil {
		t.Error("shell error parsed without error")
	}
}

func TestProfileGet(t *testing.T) {
	profile, err := ParseProfileGet(capture.Load(t, "esxi8_esxcli_software_profile_get.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if profile.Name != "ESXi-8.0U2-22380479-standard" || profile.Vendor != "VMware, Inc." {
		t.Errorf("got %+v", profile)
	}
	if profile.Created != "2023-09-28T11:26:16" || profile.Modified != "2024-03-04T10:24:30" {
		t.Errorf("times %q, %q", profile.Created, profile.Modified)
	}
	name, err := ParseProfileName(profile.Name)
	if err != nil || name.Build != 22380479 || name.Release != "8.0U2" || name.SecurityOnly {
		t.Errorf("name = %+v, %v", name, err)
	}
}

func TestProfileListSelect(t *testing.T) {
	profiles, err := ParseProfileList(capture.Load(t, "esxi8_esxcli_software_sources_profile_list_depot.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(profiles) != 4 {
		t.Fatalf("got %d profiles, want 4", len(profiles))
	}
	if profiles[1].Name != "ESXi-8.0U2sb-23305545-no-tools" || profiles[1].AcceptanceLevel != "PartnerSupported" ||
		profiles[1].Modified != "2024-02-14T06:50:08" {
		t.Errorf("profile 2 = %+v", profiles[1])
	}
	full, err := SelectProfile(profiles, false)
	if err != nil || full.Name != "ESXi-8.0U2b-23305546-standard" {
		t.Errorf("full patch = %+v, %v", full, err)
	}
	security, err := SelectProfile(profiles, true)
	if err != nil || security.Name != "ESXi-8.0U2sb-23305545-standard" {
		t.Errorf("security-only = %+v, %v", security, err)
	}
	if _, err := SelectProfile(profiles[3:], false); err == nil {
		t.Error("depot without a standard profile selected one")
	}
}

func TestUpdateResultVIBs(t *testing.T) {
	result, err := ParseUpdateResult(capture.Load(t, "esxi7_esxcli_software_vib_update_depot_7.0U3k_reboot_required.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !result.RebootRequired || !result.RebootStated {
		t.Errorf("reboot required %v, stated %v", result.RebootRequired, result.RebootStated)
	}
	if len(result.VIBsInstalled) != 18 || len(result.VIBsRemoved) != 18 || len(result.VIBsSkipped) != 61 {
		t.Errorf("installed %d, removed %d, skipped %d", len(result.VIBsInstalled), len(result.VIBsRemoved), len(result.VIBsSkipped))
	}
	if result.VIBsInstalled[4] != "VMware_bootbank_esx-base_7.0.3-0.75.21313628" {
		t.Errorf("installed 5 = %q", result.VIBsInstalled[4])
	}
	if result.VIBsRemoved[17] != "VMware_locker_tools-light_12.0.0.19345655-20036586" {
		t.Errorf("removed 18 = %q", result.VIBsRemoved[17])
	}
}

func TestUpdateResultMessageOnly(t *testing.T) {
	result, err := ParseUpdateResult(capture.Load(t, "esxi8_esxcli_software_profile_update_result_short.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !result.RebootRequired || result.RebootStated || len(result.VIBsInstalled) != 0 {
		t.Errorf("got %+v", result)
	}
}

func TestUpdateResultErrors(t *testing.T) {
	output := "[DependencyError]\n VIB VMware_bootbank_x requires y, but the requirement cannot be satisfied.\n"
	if _, err := ParseUpdateResult(output); err == nil {
		t.Error("dependency error parsed without error")
	}
	result, err := ParseUpdateResult("Update Result\n   Message: Host is not changed.\n   Reboot Required: false\n")
	if err != nil || result.RebootRequired {
		t.Errorf("unchanged host = %+v, %v", result, err)
	}
}

func TestVMsGetAll(t *testing.T) {
	vms := ParseVMs(capture.Load(t, "esxi7_vim_cmd_getallvms_constructed.txt"))
	if len(vms) != 3 {
		t.Fatalf("got %d VMs, want 3", len(vms))
	}
	if vms[0].ID != 1 || vms[0].Name != "ehr-db-01" || vms[0].File != "[datastore1] ehr-db-01/ehr-db-01.vmx" {
		t.Errorf("VM 1 = %+v", vms[0])
	}
	if vms[1].Annotation != "EHR application server" || vms[1].GuestOS != "windows2019srv_64Guest" {
		t.Errorf("VM 2 = %+v", vms[1])
	}
	if vms[2].ID != 5 || vms[2].Name != "PACS Viewer" || vms[2].Version != "vmx-19" {
		t.Errorf("VM 5 = %+v", vms[2])
	}
}

func TestPowerAndMaintenance(t *testing.T) {
	state, err := ParsePowerState(capture.Load(t, "esxi7_vim_cmd_power_getstate_constructed.txt"))
	if err != nil || state != PoweredOn {
		t.Errorf("power state = %q, %v", state, err)
	}
	if _, err := ParsePowerState("Retrieved runtime info\n"); err == nil {
		t.Error("missing state parsed without error")
	}
	enabled, err := ParseMaintenanceMode(capture.Load(t, "esxi7_esxcli_maintenancemode_get_constructed.txt"))
	if err != nil || !enabled {
		t.Errorf("maintenance mode = %v, %v", enabled, err)
	}
	if enabled, err := ParseMaintenanceMode("Disabled\r\n"); err != nil || enabled {
		t.Errorf("Disabled = %v, %v", enabled, err)
	}
	if _, err := ParseMaintenanceMode("Connection failed\n"); err == nil {
		t.Error("unexpected output parsed without error")
	}
}

func FuzzParseESXi(f *testing.F) {
	capture.Seed(f, "*.txt")
	f.Fuzz(func(t *testing.T, output string) {
		_, _ = ParseVersion(output)
		_, _ = ParseProfileGet(output)
		_, _ = ParseProfileList(output)
		_, _ = ParseUpdateResult(output)
		_ = ParseVMs(output)
		_, _ = ParsePowerState(output)
	})
}

func FuzzParseNamesAndStates(f *testing.F) {
	f.Add("ESXi-8.0U2sb-23305545-no-tools")
	f.Add("Enabled\n")
	f.Fuzz(func(t *testing.T, text string) {
		_, _ = ParseProfileName(text)
		_, _ = ParseMaintenanceMode(text)
	})
}
