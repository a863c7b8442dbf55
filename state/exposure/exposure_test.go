package exposure

import (
	"os"
	"slices"
	"testing"

	"patchbay/state/kev"
	"patchbay/state/msrc"
)

const (
	realCatalogue = "../kev/testdata/kev_catalog_2025.08.25.json"
	realDocument  = "../msrc/testdata/msrc_cvrf_2024-Feb_patch_tuesday.xml"
)

func loadCatalogue(t *testing.T) *kev.Catalog {
	t.Helper()
	f, err := os.Open(realCatalogue)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := kev.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func loadDocument(t *testing.T) *msrc.Document {
	t.Helper()
	f, err := os.Open(realDocument)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := msrc.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestRulesCoverRealCatalogue(t *testing.T) {
	c := loadCatalogue(t)
	var mapped, software, notApplicable int
	for _, e := range c.Entries {
		r, ok := Lookup(e.Vendor, e.Product)
		switch {
		case !ok:
			t.Errorf("%s: vendor %q product %q has no rule: add one to productRules, softwareVendors or notApplicableVendors", e.CVE, e.Vendor, e.Product)
		case len(r.Platforms) > 0:
			mapped++
		case len(r.Software) > 0:
			software++
		case r.NotApplicable != "":
			notApplicable++
		default:
			t.Errorf("%s: rule for %q %q is empty", e.CVE, e.Vendor, e.Product)
		}
	}
	t.Logf("%d entries mapped to platforms, %d to installed software, %d not applicable", mapped, software, notApplicable)
	if mapped == 0 || notApplicable == 0 {
		t.Errorf("mapped %d, not applicable %d: want both above zero", mapped, notApplicable)
	}
}

func TestRulesNamedSpellings(t *testing.T) {
	cases := []struct {
		vendor, product, platform string
	}{
		{"Microsoft", "Windows ", Windows},
		{"Microsoft", "Win32k", WindowsServer},
		{"Microsoft", "Windows SMBv1", ""},
		{"Microsoft", "SMBv1", HyperV},
		{"Apple", "Multiple Products", MacOS},
		{"Apple", "macOS", MacOS},
		{"Cisco", "IOS", CiscoIOS},
		{"Cisco", "IOS XE Software", CiscoIOSXE},
		{"Cisco", "IOS and IOS XE", CiscoIOS},
		{"Cisco", "IOS and IOS XE", CiscoIOSXE},
		{"Cisco", "ios software", CiscoIOS},
		{"Fortinet", "FortiOS", FortiOS},
		{"VMware", "ESXi", ESXi},
		{"Linux", "Kernel", LinuxApt},
		{"Linux", "Kernel", LinuxDnf},
	}
	for _, tc := range cases {
		r, ok := Lookup(tc.vendor, tc.product)
		if tc.platform == "" {
			if ok {
				t.Errorf("Lookup(%q, %q) found a rule for a spelling the catalogue does not use", tc.vendor, tc.product)
			}
			continue
		}
		if !slices.Contains(r.Platforms, tc.platform) {
			t.Errorf("Lookup(%q, %q) platforms = %v, want %s", tc.vendor, tc.product, r.Platforms, tc.platform)
		}
	}
}

func TestRulesNotApplicable(t *testing.T) {
	for _, p := range [][2]string{{"VMware", "vCenter Server"}, {"Ubiquiti", "AirOS"}, {"Apple", "iOS"}, {"Android", "Pixel"}} {
		r, ok := Lookup(p[0], p[1])
		if !ok || r.NotApplicable == "" || len(r.Platforms) > 0 {
			t.Errorf("Lookup(%q, %q) = %+v, %v: want a not-applicable rule", p[0], p[1], r, ok)
		}
	}
}

func TestRulesPlatformsKnown(t *testing.T) {
	known := []string{Windows, WindowsServer, HyperV, MacOS, LinuxApt, LinuxDnf, ESXi, CiscoIOS, CiscoIOSXE, FortiOS}
	for key, r := range productRules {
		for _, p := range r.Platforms {
			if !slices.Contains(known, p) {
				t.Errorf("rule %q uses unknown platform %q", key, p)
			}
		}
	}
}

func TestWindowsProductTable(t *testing.T) {
	cases := []struct {
		build  string
		server bool
		want   string
	}{
		{"10.0.19045.4045", false, "Windows 10 Version 22H2"},
		{"10.0.22631.3155", false, "Windows 11 Version 23H2"},
		{"10.0.20348.2322", true, "Windows Server 2022"},
		{"10.0.17763.5458", true, "Windows Server 2019"},
		{"10.0.17763.5458", false, "Windows 10 Version 1809"},
		{"10.0.14393.6709", true, "Windows Server 2016"},
		{"10.0.20348.2322", false, ""},
		{"10.0.99999.1", false, ""},
	}
	for _, tc := range cases {
		b, err := ParseBuild(tc.build)
		if err != nil {
			t.Fatal(err)
		}
		if got := WindowsProduct(b, tc.server); got != tc.want {
			t.Errorf("WindowsProduct(%s, server=%v) = %q, want %q", tc.build, tc.server, got, tc.want)
		}
	}
}

func TestBuildCompare(t *testing.T) {
	older, _ := ParseBuild("10.0.19045.999")
	newer, _ := ParseBuild("10.0.19045.4046")
	if older.Compare(newer) != -1 {
		t.Errorf("%s.Compare(%s) = %d, want -1 (numeric, not text)", older, newer, older.Compare(newer))
	}
	if newer.Compare(newer) != 0 {
		t.Errorf("%s.Compare(itself) != 0", newer)
	}
	if _, err := ParseBuild("10.0.x.1"); err == nil {
		t.Error("ParseBuild(10.0.x.1) succeeded, want an error")
	}
}

func TestInFamilyLowerCaseVersion(t *testing.T) {
	if !inFamily("Windows 11 version 21H2 for x64-based Systems", "Windows 11 Version 21H2") {
		t.Error("the document's lower-case 'version' did not match")
	}
	if inFamily("Windows 10 Version 1607 for x64-based Systems", "Windows 10") {
		t.Error("Windows 10 1607 matched the original Windows 10 family")
	}
	if inFamily("Windows Server 2022, 23H2 Edition (Server Core installation)", "Windows Server 2022") {
		t.Error("Server 2022 23H2 Edition matched Server 2022")
	}
}
