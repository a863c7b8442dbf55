package linuxpkg

import (
	"errors"
	"slices"
	"testing"

	"patchbay/playbooks/parse/internal/capture"
)

func TestCheckUpdateYumEL7(t *testing.T) {
	result, err := ParseCheckUpdate(capture.Load(t, "rhel7_yum_check_update_exit100.txt"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if !result.Available || len(result.Updates) != 5 {
		t.Fatalf("Available = %v, %d updates, want true and 5", result.Available, len(result.Updates))
	}
	want := RPMUpdate{Name: "selinux-policy", Arch: "noarch", Version: "3.13.1-102.el7_3.16", Repo: "rhui-rhel-7-server-rhui-rpms"}
	if result.Updates[0] != want {
		t.Errorf("first update = %+v", result.Updates[0])
	}
	if result.Updates[3].Name != "tar" || result.Updates[3].Version != "2:1.26-34.el7" {
		t.Errorf("tar update = %+v", result.Updates[3])
	}
	if result.Updates[4].Version != "14:4.9.2-3.el7" {
		t.Errorf("tcpdump version = %q", result.Updates[4].Version)
	}
}

func TestCheckUpdateDnf5(t *testing.T) {
	result, err := ParseCheckUpdate(capture.Load(t, "azurelinux_dnf5_check_update_exit100.txt"), 100)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, update := range result.Updates {
		names = append(names, update.Name)
	}
	want := []string{"azurelinux-release", "azurelinux-repos-ms-oss", "libseccomp", "libxml2", "dracut"}
	if !slices.Equal(names, want) {
		t.Errorf("names = %v, want %v", names, want)
	}
	if result.Updates[4].Version != "102-7.azl4~20260501" || result.Updates[4].Repo != "azurelinux-base" {
		t.Errorf("dracut = %+v", result.Updates[4])
	}
}

func TestCheckUpdateObsoletingAndWrap(t *testing.T) {
	output := "Last metadata expiration check: 0:01:02 ago on Mon 01 Jan 2024.\n\n" +
		"a-very-long-package-name-that-wraps.x86_64\n" +
		"                          1.2-3.el9            appstream\n" +
		"Obsoleting Packages\n" +
		"grub2-tools.x86_64        1:2.06-70.el9        baseos\n" +
		"    grub2-tools.x86_64    1:2.06-61.el9        @anaconda\n"
	result, err := ParseCheckUpdate(output, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(result.Updates) != 1 || result.Updates[0].Name != "a-very-long-package-name-that-wraps" {
		t.Fatalf("updates = %+v", result.Updates)
	}
	if len(result.Obsoletions) != 1 || len(result.Obsoletions[0].Replaces) != 1 {
		t.Fatalf("obsoletions = %+v", result.Obsoletions)
	}
	if result.Obsoletions[0].Replaces[0].Repo != "@anaconda" {
		t.Errorf("replaced = %+v", result.Obsoletions[0].Replaces[0])
	}
}

func TestCheckUpdateExitStatus(t *testing.T) {
	result, err := ParseCheckUpdate("Last metadata expiration check: 0:00:01 ago.\n", 0)
	if err != nil || result.Available || len(result.Updates) != 0 {
		t.Errorf("exit 0: %+v, %v", result, err)
	}
	if _, err := ParseCheckUpdate("Error: Failed to download metadata for repo\n", 1); !errors.Is(err, ErrCheckUpdateFailed) {
		t.Errorf("exit 1: err = %v, want ErrCheckUpdateFailed", err)
	}
	if _, err := ParseCheckUpdate("\n", 100); err == nil {
		t.Error("exit 100 without rows parsed without error")
	}
}

func TestNeedsRestartingDnfRequired(t *testing.T) {
	result, err := ParseNeedsRestarting(capture.Load(t, "fedora_dnf_needs_restarting_reboot_required_exit1.txt"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !result.Required || !slices.Equal(result.Reasons, []string{"glibc", "kernel"}) {
		t.Errorf("got %+v", result)
	}
}

func TestNeedsRestartingDnfNotRequired(t *testing.T) {
	result, err := ParseNeedsRestarting(capture.Load(t, "fedora_dnf_needs_restarting_not_required_exit0.txt"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if result.Required || len(result.Reasons) != 0 {
		t.Errorf("got %+v", result)
	}
}

func TestNeedsRestartingEL7TextWins(t *testing.T) {
	output := capture.Load(t, "rhel7_yum_utils_needs_restarting_r_reboot_required.txt")
	result, err := ParseNeedsRestarting(output, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !result.Required {
		t.Error("Required = false with \"Reboot is required\" text and exit 0")
	}
	if len(result.Reasons) != 7 || result.Reasons[0] != "kernel -> 3.10.0-957.1.3.el7" || result.Reasons[6] != "gnutls -> 3.3.29-8.el7" {
		t.Errorf("Reasons = %q", result.Reasons)
	}
	if _, err := ParseNeedsRestarting(output, 2); !errors.Is(err, ErrNeedsRestartingFailed) {
		t.Errorf("exit 2: err = %v", err)
	}
}

func FuzzParseCheckUpdate(f *testing.F) {
	capture.Seed(f, "*check_update*")
	f.Fuzz(func(t *testing.T, output string) { _, _ = ParseCheckUpdate(output, 100) })
}

func FuzzParseNeedsRestarting(f *testing.F) {
	capture.Seed(f, "*needs_restarting*")
	f.Fuzz(func(t *testing.T, output string) { _, _ = ParseNeedsRestarting(output, 1) })
}
