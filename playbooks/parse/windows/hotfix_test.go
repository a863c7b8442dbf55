package windows

import (
	"testing"

	"patchbay/playbooks/parse/internal/capture"
)

func TestHotFixesTable(t *testing.T) {
	hotfixes := ParseHotFixes(capture.Load(t, "windows_get_hotfix_table_docs_example.txt"))
	if len(hotfixes) != 3 {
		t.Fatalf("got %d hotfixes, want 3", len(hotfixes))
	}
	want := HotFix{ID: "KB4470788", Description: "Security Update", Source: "Server01",
		InstalledBy: `NT AUTHORITY\SYSTEM`, InstalledOn: "1/22/2019 00:00:00"}
	if hotfixes[1] != want {
		t.Errorf("row 2 = %+v, want %+v", hotfixes[1], want)
	}
	if !HasKB(hotfixes, "kb4480056") {
		t.Error("HasKB(kb4480056) = false")
	}
}

func TestHotFixesCIMTruncated(t *testing.T) {
	hotfixes := ParseHotFixes(capture.Load(t, "windows_get_ciminstance_qfe_empty_source_truncated_installedby.txt"))
	if len(hotfixes) != 6 {
		t.Fatalf("got %d hotfixes, want 6", len(hotfixes))
	}
	first := hotfixes[0]
	if first.ID != "KB3176936" || first.Source != "" || first.InstalledBy != "" || first.InstalledOn != "10/18/2016 12:00:00 AM" {
		t.Errorf("row 1 = %+v", first)
	}
	truncated := hotfixes[4]
	if truncated.ID != "KB3199986" || truncated.InstalledBy != `WIN-EXAMPLE04\A...` {
		t.Errorf("row 5 = %+v", truncated)
	}
	if truncated.InstalledOn != "11/15/2016 12:00:00 AM" {
		t.Errorf("row 5 InstalledOn = %q", truncated.InstalledOn)
	}
	if hotfixes[5].InstalledOn != "3/16/2017 12:00:00 AM" {
		t.Errorf("row 6 InstalledOn = %q", hotfixes[5].InstalledOn)
	}
}

func TestHotFixesList(t *testing.T) {
	hotfixes := ParseHotFixes(capture.Load(t, "windows_get_hotfix_format_list.txt"))
	if len(hotfixes) != 2 || hotfixes[0].ID != "KB5020872" || hotfixes[1].ID != "KB4562830" {
		t.Errorf("hotfixes = %+v", hotfixes)
	}
}

func TestPackagesLocalizedMSU(t *testing.T) {
	packages := ParsePackages(capture.Load(t, "windows_get_package_list_with_localized_msu.txt"))
	if len(packages) != 3 {
		t.Fatalf("got %d packages, want 3", len(packages))
	}
	if packages[0].Name != "Git" || packages[0].Version != "2.35.1.2" || packages[0].ProviderName != "Programs" {
		t.Errorf("package 1 = %+v", packages[0])
	}
	msu := packages[2]
	if msu.KB != "KB5021233" || msu.ProviderName != "msu" || msu.Version != "" {
		t.Errorf("MSU package = %+v", msu)
	}
	if msu.Publisher != "Microsoft Corporation" {
		t.Errorf("MSU publisher = %q", msu.Publisher)
	}
}

func FuzzParseHotFixes(f *testing.F) {
	capture.Seed(f, "windows_get_*")
	f.Fuzz(func(t *testing.T, output string) {
		_ = ParseHotFixes(output)
		_ = ParsePackages(output)
	})
}
