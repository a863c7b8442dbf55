package macos

import (
	"errors"
	"testing"

	"patchbay/playbooks/parse/internal/capture"
)

func TestListLabelCatalina(t *testing.T) {
	list := ParseList(capture.Load(t, "macos_softwareupdate_list_label_format_catalina.txt"))
	if list.NoUpdates || len(list.Updates) != 4 {
		t.Fatalf("NoUpdates %v, %d updates, want false and 4", list.NoUpdates, len(list.Updates))
	}
	want := Update{Label: "macOS Catalina Developer Beta-6", Title: "macOS Catalina Public Beta", Version: "5",
		SizeKB: 3084292, Recommended: true, Restart: true}
	if list.Updates[1] != want {
		t.Errorf("update 2 = %+v, want %+v", list.Updates[1], want)
	}
	if !list.Updates[2].ShutDown || list.Updates[2].Restart {
		t.Errorf("update 3 = %+v", list.Updates[2])
	}
	ical := list.Updates[3]
	if ical.Label != "iCal-1.0.2" || ical.Recommended || ical.SizeKB != 6520 || ical.Version != "1.0.2" {
		t.Errorf("update 4 = %+v", ical)
	}
}

func TestListLabelTahoe(t *testing.T) {
	list := ParseList(capture.Load(t, "macos_softwareupdate_list_label_format_tahoe_real.txt"))
	if len(list.Updates) != 2 {
		t.Fatalf("got %d updates, want 2", len(list.Updates))
	}
	macOS := list.Updates[1]
	if macOS.Label != "macOS Tahoe 26.5-25F71" || macOS.Version != "26.5" || macOS.SizeKB != 3690218 || !macOS.Restart {
		t.Errorf("update 2 = %+v", macOS)
	}
	if list.Updates[0].Restart || !list.Updates[0].Recommended {
		t.Errorf("update 1 = %+v", list.Updates[0])
	}
}

func TestListLegacyMojave(t *testing.T) {
	list := ParseList(capture.Load(t, "macos_softwareupdate_list_legacy_format_mojave.txt"))
	if len(list.Updates) != 4 {
		t.Fatalf("got %d updates, want 4", len(list.Updates))
	}
	first := list.Updates[0]
	if first.Label != "Command Line Tools (macOS Mojave version 10.14) for Xcode-10.3" ||
		first.Title != "Command Line Tools (macOS Mojave version 10.14) for Xcode" || first.Version != "10.3" || first.SizeKB != 199140 {
		t.Errorf("update 1 = %+v", first)
	}
	if !list.Updates[1].Restart || !list.Updates[2].ShutDown || list.Updates[2].Version != "10.14.4.1.1.1555388607" {
		t.Errorf("updates 2 and 3 = %+v, %+v", list.Updates[1], list.Updates[2])
	}
	if list.Updates[3].Title != "iCal" || list.Updates[3].Recommended {
		t.Errorf("update 4 = %+v", list.Updates[3])
	}
}

func TestListLegacyMountainLion(t *testing.T) {
	list := ParseList(capture.Load(t, "macos_softwareupdate_list_legacy_mountainlion.txt"))
	if len(list.Updates) != 4 {
		t.Fatalf("got %d updates, want 4", len(list.Updates))
	}
	security := list.Updates[3]
	if security.Label != "SecUpd2014-002MtLion-1.0" || security.Title != "Security Update 2014-002" ||
		security.SizeKB != 132404 || !security.Restart || !security.Recommended {
		t.Errorf("update 4 = %+v", security)
	}
	if list.Updates[0].Restart {
		t.Errorf("update 1 = %+v", list.Updates[0])
	}
}

func TestListNoUpdates(t *testing.T) {
	list := ParseList(capture.Load(t, "macos_softwareupdate_list_no_updates.txt"))
	if !list.NoUpdates || len(list.Updates) != 0 {
		t.Errorf("got %+v", list)
	}
}

func TestInstallRestartRequired(t *testing.T) {
	result, err := ParseInstall(capture.Load(t, "macos_softwareupdate_install_all_legacy_restart_required.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !result.RestartRequired || !result.Done {
		t.Errorf("restart %v, done %v", result.RestartRequired, result.Done)
	}
	if len(result.Installed) != 4 || result.Installed[3] != "Security Update 2014-002" {
		t.Errorf("Installed = %q", result.Installed)
	}
}

func TestInstallOwnerCredentials(t *testing.T) {
	for _, name := range []string{
		"macos_softwareupdate_install_apple_silicon_sudo.txt",
		"macos_softwareupdate_install_failed_to_authenticate.txt",
	} {
		if _, err := ParseInstall(capture.Load(t, name)); !errors.Is(err, ErrNeedsOwnerCredentials) {
			t.Errorf("%s: err = %v, want ErrNeedsOwnerCredentials", name, err)
		}
	}
	if _, err := ParseInstall("Software Update Tool\n\nFinding available software\nPassword:"); !errors.Is(err, ErrNeedsOwnerCredentials) {
		t.Errorf("password prompt: err = %v", err)
	}
}

func TestSwVers(t *testing.T) {
	v, err := ParseSwVers(capture.Load(t, "macos_sw_vers_ventura.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if v != (SwVers{ProductName: "macOS", ProductVersion: "13.2.1", BuildVersion: "22D68"}) {
		t.Errorf("got %+v", v)
	}
	if _, err := ParseSwVers("zsh: command not found: sw_vers\n"); err == nil {
		t.Error("error output parsed without error")
	}
}

func FuzzParseMacOS(f *testing.F) {
	capture.Seed(f, "*.txt")
	f.Fuzz(func(t *testing.T, output string) {
		_ = ParseList(output)
		_, _ = ParseInstall(output)
		_, _ = ParseSwVers(output)
	})
}
