package fortios

import (
	"errors"
	"slices"
	"testing"

	"patchbay/playbooks/parse/internal/capture"
)

func TestSystemStatusHA(t *testing.T) {
	status, err := ParseSystemStatus(capture.Load(t, "fortios_get_system_status_6.0.7_fg1500d_ha.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if status.Model != "FortiGate-1500D" || status.Version != (Version{6, 0, 7}) || status.Build != 302 {
		t.Errorf("model %q, version %v, build %d", status.Model, status.Version, status.Build)
	}
	if status.HAMode != "a-p" || status.HARole != "master" {
		t.Errorf("HA %q role %q", status.HAMode, status.HARole)
	}
	if status.Hostname != "FW-EXAMPLE-1" || status.Serial != "FG10000000000019" || status.BranchPoint != "0302" {
		t.Errorf("hostname %q, serial %q, branch point %q", status.Hostname, status.Serial, status.BranchPoint)
	}
	if status.ReleaseType != "GA" || status.BuildDate != "191112" {
		t.Errorf("release %q, date %q", status.ReleaseType, status.BuildDate)
	}
}

func TestSystemStatusAllCaptures(t *testing.T) {
	cases := []struct {
		file, model, serial, ha, release string
		version                          Version
		build                            int
	}{
		{"fortios_get_system_status_6.2.6_fg600e.txt", "FortiGate-600E", "FG6000000000020", "a-p", "GA", Version{6, 2, 6}, 1175},
		{"fortios_get_system_status_7.0.7_fg60f_standalone.txt", "FortiGate-60F", "FGT0000000000021", "standalone", "GA.F", Version{7, 0, 7}, 367},
		{"fortios_get_system_status_7.4.8_fg60f.txt", "FortiGate-60F", "FGT0000000000022", "standalone", "GA.M", Version{7, 4, 8}, 2795},
	}
	for _, c := range cases {
		status, err := ParseSystemStatus(capture.Load(t, c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if status.Model != c.model || status.Serial != c.serial || status.HAMode != c.ha {
			t.Errorf("%s: model %q, serial %q, HA %q", c.file, status.Model, status.Serial, status.HAMode)
		}
		if status.Version != c.version || status.Build != c.build || status.ReleaseType != c.release {
			t.Errorf("%s: version %v build %d release %q", c.file, status.Version, status.Build, status.ReleaseType)
		}
		if c.ha == "standalone" && status.HARole != "" {
			t.Errorf("%s: HARole = %q", c.file, status.HARole)
		}
	}
}

func TestSystemStatusMissingVersion(t *testing.T) {
	if _, err := ParseSystemStatus("Command fail. Return code -61\n"); err == nil {
		t.Error("output without a Version line parsed without error")
	}
}

func TestUpgradePathAcrossLines(t *testing.T) {
	path, err := UpgradePath(Version{7, 0, 7}, Version{7, 4, 8})
	if err != nil {
		t.Fatal(err)
	}
	want := []Version{{7, 0, 15}, {7, 2, 10}, {7, 4, 8}}
	if !slices.Equal(path, want) {
		t.Errorf("path = %v, want %v", path, want)
	}
	path, err = UpgradePath(Version{6, 0, 7}, Version{7, 0, 15})
	if err != nil {
		t.Fatal(err)
	}
	want = []Version{{6, 0, 18}, {6, 2, 16}, {6, 4, 15}, {7, 0, 15}}
	if !slices.Equal(path, want) {
		t.Errorf("path = %v, want %v", path, want)
	}
}

func TestUpgradePathSameLine(t *testing.T) {
	path, err := UpgradePath(Version{7, 4, 1}, Version{7, 4, 8})
	if err != nil || !slices.Equal(path, []Version{{7, 4, 8}}) {
		t.Errorf("path = %v, %v", path, err)
	}
	path, err = UpgradePath(Version{7, 4, 8}, Version{7, 4, 8})
	if err != nil || len(path) != 0 {
		t.Errorf("same version path = %v, %v", path, err)
	}
}

func TestUpgradePathLaterSource(t *testing.T) {
	path, err := UpgradePath(Version{7, 0, 16}, Version{7, 2, 11})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(path, []Version{{7, 0, 17}, {7, 2, 11}}) {
		t.Errorf("path = %v", path)
	}
}

func TestUpgradePathRejects(t *testing.T) {
	cases := []struct {
		name     string
		from, to Version
	}{
		{"downgrade", Version{7, 2, 0}, Version{7, 0, 9}},
		{"target before release rule", Version{7, 0, 17}, Version{7, 2, 10}},
		{"beyond table", Version{7, 6, 6}, Version{8, 0, 0}},
		{"older than entry", Version{7, 0, 15}, Version{7, 2, 4}},
	}
	for _, c := range cases {
		if _, err := UpgradePath(c.from, c.to); !errors.Is(err, ErrUnsupportedUpgrade) {
			t.Errorf("%s: %s -> %s err = %v, want ErrUnsupportedUpgrade", c.name, c.from, c.to, err)
		}
	}
}

func TestParseVersion(t *testing.T) {
	v, err := ParseVersion("v7.2.10")
	if err != nil || v != (Version{7, 2, 10}) || v.String() != "7.2.10" {
		t.Errorf("ParseVersion(v7.2.10) = %v, %v", v, err)
	}
	for _, bad := range []string{"7.2", "7.x.1", "", "7.2.1.4"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) returned no error", bad)
		}
	}
}

func FuzzParseSystemStatus(f *testing.F) {
	capture.Seed(f, "*.txt")
	f.Fuzz(func(t *testing.T, output string) { _, _ = ParseSystemStatus(output) })
}

func FuzzUpgradePath(f *testing.F) {
	f.Add(7, 0, 7, 7, 4, 8)
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g int) {
		path, err := UpgradePath(Version{a, b, c}, Version{d, e, g})
		if err == nil && len(path) > 0 && path[len(path)-1] != (Version{d, e, g}) {
			t.Errorf("path %v does not end at the target", path)
		}
	})
}
