package cisco

import (
	"errors"
	"slices"
	"testing"

	"patchbay/playbooks/parse/internal/capture"
)

func TestShowBootClassic(t *testing.T) {
	boot := ParseShowBoot(capture.Load(t, "cisco_ios_show_boot_c3750e.txt"))
	if !slices.Equal(boot.Images, []string{"flash:c3750e-ipbasek9-mz.150-2.SE11.bin"}) {
		t.Errorf("Images = %q", boot.Images)
	}
	if boot.Mode() != BundleMode || boot.Unset || boot.ManualBoot || boot.ConfigFile != "flash:/config.text" {
		t.Errorf("got %+v, mode %s", boot, boot.Mode())
	}
}

func TestShowBootDirectoryBundle(t *testing.T) {
	boot := ParseShowBoot(capture.Load(t, "cisco_ios_show_boot_c3560cx_boot_optimization.txt"))
	want := "flash:/c3560cx-universalk9-mz.152-7.E4/c3560cx-universalk9-mz.152-7.E4.bin"
	if len(boot.Images) != 1 || boot.Images[0] != want || boot.Mode() != BundleMode {
		t.Errorf("Images = %q, mode %s", boot.Images, boot.Mode())
	}
}

func TestShowBootInstallMode(t *testing.T) {
	boot := ParseShowBoot(capture.Load(t, "cisco_iosxe_show_boot_install_mode_gibraltar.txt"))
	if !slices.Equal(boot.Images, []string{"flash:packages.conf"}) {
		t.Errorf("Images = %q", boot.Images)
	}
	if boot.Mode() != InstallMode || boot.Unset || boot.ManualBoot {
		t.Errorf("got %+v, mode %s", boot, boot.Mode())
	}
}

func TestShowBootUnset(t *testing.T) {
	boot := ParseShowBoot("Boot Variables on next reload:\nBOOT variable does not exist\n")
	if !boot.Unset || len(boot.Images) != 0 {
		t.Errorf("got %+v", boot)
	}
}

func TestInstallSuccess(t *testing.T) {
	result, err := ParseInstall(capture.Load(t, "cisco_iosxe_install_add_activate_commit_c8000v_17.15.01a_success.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !result.Succeeded || result.Failed || !result.ReloadPrompted {
		t.Errorf("flags = %+v", result)
	}
	if result.Version != "17.15.01a.0.193" || len(result.Packages) != 9 {
		t.Errorf("version %q, %d packages", result.Version, len(result.Packages))
	}
	if result.Packages[1] != "/bootflash/c8000v-mono-universalk9.17.15.01a.SPA.pkg" {
		t.Errorf("package 2 = %q", result.Packages[1])
	}
}

func TestInstallInsufficientFlash(t *testing.T) {
	result, err := ParseInstall(capture.Load(t, "cisco_iosxe_install_add_activate_commit_cat9200_insufficient_flash.txt"))
	if !errors.Is(err, ErrInsufficientSpace) {
		t.Fatalf("err = %v, want ErrInsufficientSpace", err)
	}
	if result.RequiredKB != 462703 || result.AvailableKB != 408260 {
		t.Errorf("required %d KB, available %d KB", result.RequiredKB, result.AvailableKB)
	}
	if result.Succeeded || !result.Failed || len(result.Failures) != 2 {
		t.Errorf("got %+v", result)
	}
}

func TestInstallSessionDropped(t *testing.T) {
	result, err := ParseInstall("install_add_activate_commit: START Fri Sep 20 01:13:59 UTC 2024\ninstall_add: Adding IMG\n")
	if err != nil || result.Succeeded || result.Failed {
		t.Errorf("truncated output = %+v, %v", result, err)
	}
	if _, err := ParseInstall("FAILED: install_add_activate_commit : Package signature verification failed\n"); err == nil ||
		errors.Is(err, ErrInsufficientSpace) {
		t.Errorf("signature failure err = %v", err)
	}
}

func TestDirFree(t *testing.T) {
	total, free, err := ParseDirFree(capture.Load(t, "dir_flash_constructed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if total != 122185728 || free != 91453952 {
		t.Errorf("total %d, free %d", total, free)
	}
	if _, _, err := ParseDirFree("%Error opening flash:/ (No such device)\n"); err == nil {
		t.Error("error output parsed without error")
	}
}

func TestVerifyComputed(t *testing.T) {
	result, err := ParseVerify(capture.Load(t, "verify_md5_computed_constructed.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := Verify{Algorithm: "md5", File: "flash:c2960x-universalk9-mz.152-7.E4.bin", Digest: "2f1b8c3e8d1f0a5b4c6d7e8f90a1b2c3"}
	if result != want {
		t.Errorf("got %+v, want %+v", result, want)
	}
}

func TestVerifyMatchAndMismatch(t *testing.T) {
	result, err := ParseVerify(capture.Load(t, "verify_md5_match_constructed.txt"))
	if err != nil || !result.Verified || result.Algorithm != "md5" {
		t.Errorf("match = %+v, %v", result, err)
	}
	result, err = ParseVerify(capture.Load(t, "verify_md5_mismatch_constructed.txt"))
	if !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("mismatch err = %v", err)
	}
	if result.Digest != "2f1b8c3e8d1f0a5b4c6d7e8f90a1b2c3" || result.Verified {
		t.Errorf("mismatch = %+v", result)
	}
	sha, err := ParseVerify("verify /sha512 (bootflash:cat9k.bin) = ABCDEF0123\n")
	if err != nil || sha.Algorithm != "sha512" || sha.Digest != "abcdef0123" {
		t.Errorf("sha512 = %+v, %v", sha, err)
	}
}

func FuzzParseInstall(f *testing.F) {
	capture.Seed(f, "*install*")
	f.Fuzz(func(t *testing.T, output string) {
		_, _ = ParseInstall(output)
		_ = ParseShowBoot(output)
		_, _ = ParseVerify(output)
		_, _, _ = ParseDirFree(output)
	})
}
