package linuxpkg

import (
	"slices"
	"testing"

	"patchbay/playbooks/parse/internal/capture"
)

func TestAptListDebianNotice(t *testing.T) {
	upgrades, err := ParseAptList(capture.Load(t, "debian9_apt_list_upgradable_with_N_notice.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(upgrades) != 1 {
		t.Fatalf("got %d upgrades, want 1: %+v", len(upgrades), upgrades)
	}
	want := AptUpgrade{Name: "libzmq5", Suites: []string{"stable"}, Version: "4.2.1-4+deb9u1", Arch: "amd64", From: "4.2.1-4"}
	if !equalUpgrade(upgrades[0], want) {
		t.Errorf("got %+v, want %+v", upgrades[0], want)
	}
}

func TestAptListMultiSuite(t *testing.T) {
	upgrades, err := ParseAptList(capture.Load(t, "ubuntu1804_apt_list_upgradable_multi_suite.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(upgrades) != 3 {
		t.Fatalf("got %d upgrades, want 3", len(upgrades))
	}
	if got := upgrades[0].Suites; len(got) != 4 || got[3] != "bionic-updates" {
		t.Errorf("ca-certificates suites = %v", got)
	}
	if upgrades[1].Name != "curl" || upgrades[1].From != "7.58.0-2ubuntu3.15" {
		t.Errorf("curl row = %+v", upgrades[1])
	}
	if upgrades[2].Suites[0] != "unknown" || upgrades[2].Version != "1.9.0" {
		t.Errorf("element-desktop row = %+v", upgrades[2])
	}
}

func TestAptListWarningAndError(t *testing.T) {
	output := "WARNING: apt does not have a stable CLI interface. Use with caution in scripts.\r\n\r\nListing... Done\r\n"
	upgrades, err := ParseAptList(output)
	if err != nil || len(upgrades) != 0 {
		t.Errorf("warning only: got %v, %v", upgrades, err)
	}
	if _, err := ParseAptList("E: Could not get lock /var/lib/dpkg/lock\n"); err == nil {
		t.Error("E: line parsed without error")
	}
}

func TestAptSimulationTrusty(t *testing.T) {
	sim, err := ParseAptSimulation(capture.Load(t, "ubuntu_apt_get_s_upgrade_simulation_trusty.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !sim.HasSummary || sim.Upgraded != 4 || sim.Installed != 0 || sim.Removed != 0 || sim.NotUpgraded != 92 {
		t.Errorf("summary = %+v", sim)
	}
	if len(sim.Actions) != 8 {
		t.Fatalf("got %d actions, want 8", len(sim.Actions))
	}
	inst := sim.Actions[0]
	if inst.Op != "Inst" || inst.Name != "vim" || inst.Installed != "2:7.4.052-1ubuntu3" ||
		inst.Candidate != "2:7.4.052-1ubuntu3.1" || inst.Arch != "amd64" {
		t.Errorf("first action = %+v", inst)
	}
	if !slices.Equal(inst.Suites, []string{"Ubuntu:14.04/trusty-updates"}) {
		t.Errorf("first action suites = %q", inst.Suites)
	}
	if sim.Actions[2].Arch != "all" || sim.Actions[3].Name != "vim-common" {
		t.Errorf("actions 3 and 4 = %+v, %+v", sim.Actions[2], sim.Actions[3])
	}
	conf := sim.Actions[4]
	if conf.Op != "Conf" || conf.Name != "vim-common" || conf.Candidate != "2:7.4.052-1ubuntu3.1" || conf.Installed != "" {
		t.Errorf("first Conf = %+v", conf)
	}
}

func TestAptSimulationTwoSuites(t *testing.T) {
	sim, err := ParseAptSimulation(capture.Load(t, "ubuntu_apt_get_s_dist_upgrade_inst_lines.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if sim.HasSummary {
		t.Error("summary found in a capture without one")
	}
	names := []string{}
	for _, action := range sim.Actions {
		names = append(names, action.Name)
	}
	if !slices.Equal(names, []string{"python-samba", "samba-common-bin", "samba-libs"}) {
		t.Fatalf("names = %v", names)
	}
	want := []string{"Ubuntu:16.10/yakkety-updates", "Ubuntu:16.10/yakkety-security"}
	if !slices.Equal(sim.Actions[1].Suites, want) {
		t.Errorf("suites = %q, want %q", sim.Actions[1].Suites, want)
	}
	if sim.Actions[2].Candidate != "2:4.4.5+dfsg-2ubuntu5.4" {
		t.Errorf("candidate = %q", sim.Actions[2].Candidate)
	}
}

func TestAptSimulationRemoveAndError(t *testing.T) {
	sim, err := ParseAptSimulation("Remv oldpkg [1.0-1]\n1 upgraded, 2 newly installed, 1 to remove and 0 not upgraded.\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(sim.Actions) != 1 || sim.Actions[0].Op != "Remv" || sim.Actions[0].Installed != "1.0-1" {
		t.Errorf("Remv action = %+v", sim.Actions)
	}
	if sim.Installed != 2 || sim.Removed != 1 {
		t.Errorf("summary = %+v", sim)
	}
	if _, err := ParseAptSimulation("E: Unable to locate package foo\n"); err == nil {
		t.Error("E: line parsed without error")
	}
}

func TestRebootRequiredUbuntu(t *testing.T) {
	flag := capture.Load(t, "ubuntu_var_run_reboot-required.txt")
	state := ParseRebootRequired(true, flag, "linux-image-5.15.0-91-generic\nlinux-base\r\nlinux-base\n")
	if !state.Required {
		t.Error("Required = false")
	}
	if state.Message != "*** System restart required ***" {
		t.Errorf("Message = %q", state.Message)
	}
	if !slices.Equal(state.Packages, []string{"linux-image-5.15.0-91-generic", "linux-base"}) {
		t.Errorf("Packages = %q", state.Packages)
	}
	if ParseRebootRequired(false, "", "").Required {
		t.Error("absent flag file reported as required")
	}
}

func TestAptHolds(t *testing.T) {
	holds := ParseAptHolds("openssl\r\nlinux-image-generic\n\n")
	if !slices.Equal(holds, []string{"openssl", "linux-image-generic"}) {
		t.Errorf("holds = %q", holds)
	}
}

func equalUpgrade(a, b AptUpgrade) bool {
	return a.Name == b.Name && slices.Equal(a.Suites, b.Suites) && a.Version == b.Version &&
		a.Arch == b.Arch && a.From == b.From
}

func FuzzParseAptList(f *testing.F) {
	capture.Seed(f, "*apt_list*")
	f.Fuzz(func(t *testing.T, output string) { _, _ = ParseAptList(output) })
}

func FuzzParseAptSimulation(f *testing.F) {
	capture.Seed(f, "*apt_get_s*")
	f.Fuzz(func(t *testing.T, output string) { _, _ = ParseAptSimulation(output) })
}

func FuzzParseRebootAndHolds(f *testing.F) {
	capture.Seed(f, "*reboot-required*")
	f.Fuzz(func(t *testing.T, output string) {
		state := ParseRebootRequired(true, output, output)
		if !state.Required {
			t.Error("Required = false with the flag file present")
		}
		_ = ParseAptHolds(output)
	})
}
