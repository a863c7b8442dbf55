package cisco

import (
	"testing"
	"time"

	"patchbay/playbooks/parse/internal/capture"
)

func TestShowVersionCat4948(t *testing.T) {
	v, err := ParseShowVersion(capture.Load(t, "cisco_ios_show_version_cat4948e_12.2-54-SG1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != "12.2(54)SG1" || v.SoftwareImage != "cat4500e-ENTSERVICESK9-M" {
		t.Errorf("version %q, software %q", v.Version, v.SoftwareImage)
	}
	if v.Hostname != "sw-core-1" || v.Image != "bootflash:cat4500e-entservicesk9-mz.122-54.SG1.bin" {
		t.Errorf("hostname %q, image %q", v.Hostname, v.Image)
	}
	want := (2*365+31*7+6)*24*time.Hour + 9*time.Hour + 55*time.Minute
	if v.Uptime != want {
		t.Errorf("Uptime = %v, want %v", v.Uptime, want)
	}
	if v.ConfigRegister != "0x2102" || v.Model != "WS-C4948E" || v.Serial != "CAT00000001" {
		t.Errorf("register %q, model %q, serial %q", v.ConfigRegister, v.Model, v.Serial)
	}
}

func TestShowVersionIOSv(t *testing.T) {
	v, err := ParseShowVersion(capture.Load(t, "cisco_ios_show_version_iosv_15.8-3-M2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Installed() != "15.8(3)M2" || v.Hostname != "rtr-example-1" || v.Image != "flash0:/vios-adventerprisek9-m" {
		t.Errorf("got %+v", v)
	}
	if v.ConfigRegister != "0x0" || v.ReloadReason != "Unknown reason" {
		t.Errorf("register %q, reload reason %q", v.ConfigRegister, v.ReloadReason)
	}
	if v.Uptime != (10*24+16)*time.Hour+11*time.Minute {
		t.Errorf("Uptime = %v", v.Uptime)
	}
}

func TestShowVersionASR1001(t *testing.T) {
	v, err := ParseShowVersion(capture.Load(t, "cisco_iosxe_show_version_asr1001_03.09.01.S_15.3-2-S1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != "15.3(2)S1" || v.XEVersion != "03.09.01.S" || v.Installed() != "03.09.01.S" {
		t.Errorf("version %q, XE %q", v.Version, v.XEVersion)
	}
	if v.Model != "ASR1001" || v.ReloadReason != "LocalSoft" || v.Hostname != "rtr-example-2" {
		t.Errorf("model %q, reason %q, host %q", v.Model, v.ReloadReason, v.Hostname)
	}
}

func TestShowVersionCat3850Stack(t *testing.T) {
	v, err := ParseShowVersion(capture.Load(t, "cisco_iosxe_show_version_cat3850_03.06.05E_4member_stack.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != "03.06.05E" || v.Image != "flash:packages.conf" || v.ConfigRegister != "0x102" {
		t.Errorf("version %q, image %q, register %q", v.Version, v.Image, v.ConfigRegister)
	}
	if len(v.Stack) != 4 {
		t.Fatalf("got %d stack members, want 4", len(v.Stack))
	}
	first := StackMember{Switch: 1, Active: true, Ports: 56, Model: "WS-C3850-48U", Version: "03.06.05E",
		Image: "cat3k_caa-universalk9", Mode: "INSTALL"}
	if v.Stack[0] != first {
		t.Errorf("member 1 = %+v", v.Stack[0])
	}
	if v.Stack[3].Switch != 4 || v.Stack[3].Active {
		t.Errorf("member 4 = %+v", v.Stack[3])
	}
	if v.Uptime != (28*7+1)*24*time.Hour+7*time.Hour+54*time.Minute {
		t.Errorf("Uptime = %v", v.Uptime)
	}
}

func TestShowVersionCat9500(t *testing.T) {
	v, err := ParseShowVersion(capture.Load(t, "cisco_iosxe_show_version_cat9500_16.12.04_stack.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != "16.12.4" || v.XEVersion != "16.12.04" || v.SoftwareImage != "CAT9K_IOSXE" {
		t.Errorf("version %q, XE %q, software %q", v.Version, v.XEVersion, v.SoftwareImage)
	}
	if v.Model != "C9500-48Y4C" || v.Hostname != "sw-example-3" || v.ReloadReason != "Reload Command" {
		t.Errorf("model %q, host %q, reason %q", v.Model, v.Hostname, v.ReloadReason)
	}
	if v.ConfigRegister != "" {
		t.Errorf("ConfigRegister = %q from a capture without one", v.ConfigRegister)
	}
}

func TestShowVersionRejectsOtherOutput(t *testing.T) {
	if _, err := ParseShowVersion("% Invalid input detected at '^' marker.\n"); err == nil {
		t.Error("invalid input parsed without error")
	}
}

func FuzzParseShowVersion(f *testing.F) {
	capture.Seed(f, "*show_version*")
	f.Fuzz(func(t *testing.T, output string) { _, _ = ParseShowVersion(output) })
}
