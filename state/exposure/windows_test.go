package exposure

import (
	"fmt"
	"strings"
	"testing"

	"patchbay/state/kev"
	"patchbay/state/msrc"
)

// labHost is a Windows host of the fixture fleet with the exact product
// name (x64) that the MSRC document uses for it.
type labHost struct {
	Host
	msrcProduct string
}

// labFleet has, per product, one host below and one at or above the
// February 2024 fixed builds, plus hosts with missing facts.
var labFleet = []labHost{
	{Host{Name: "ws-a1", Site: "clinic-a", Platform: Windows, Build: "10.0.19045.3930"}, "Windows 10 Version 22H2 for x64-based Systems"},
	{Host{Name: "ws-a2", Site: "clinic-a", Platform: Windows, Build: "10.0.19045.4046"}, "Windows 10 Version 22H2 for x64-based Systems"},
	{Host{Name: "ws-b1", Site: "clinic-b", Platform: Windows, Build: "10.0.22631.3007"}, "Windows 11 Version 23H2 for x64-based Systems"},
	{Host{Name: "ws-b2", Site: "clinic-b", Platform: Windows, Build: "10.0.22631.3296"}, "Windows 11 Version 23H2 for x64-based Systems"},
	{Host{Name: "srv-a", Site: "clinic-a", Platform: WindowsServer, Build: "10.0.20348.2227"}, "Windows Server 2022"},
	{Host{Name: "srv-b", Site: "clinic-b", Platform: WindowsServer, Build: "10.0.17763.5458"}, "Windows Server 2019"},
	{Host{Name: "srv-old", Site: "clinic-b", Platform: WindowsServer, Build: "10.0.14393.6614"}, "Windows Server 2016"},
	{Host{Name: "hv-a", Site: "clinic-a", Platform: HyperV, Build: "10.0.17763.5329"}, "Windows Server 2019"},
}

// expectedStatus derives the status from the document by exact product
// name, independently of the family table that Match uses.
func expectedStatus(t *testing.T, doc *msrc.Document, cve string, h labHost) (Status, string) {
	t.Helper()
	for _, f := range doc.FixesFor(cve) {
		if f.Product != h.msrcProduct {
			continue
		}
		fixed, err := ParseBuild(f.FixedBuild)
		if err != nil {
			t.Fatalf("%s %s: fixed build: %v", cve, f.Product, err)
		}
		build, _ := ParseBuild(h.Build)
		if build.Compare(fixed) < 0 {
			return StatusExposed, fixed.String()
		}
		return StatusNotExposed, fixed.String()
	}
	return StatusNotExposed, ""
}

func matchFleet(t *testing.T, cves []string, hosts []Host, devices []Device) []Finding {
	t.Helper()
	catalogue := loadCatalogue(t)
	var entries []kev.Entry
	for _, cve := range cves {
		e, ok := catalogue.Lookup(cve)
		if !ok {
			t.Fatalf("%s is not in the real catalogue", cve)
		}
		entries = append(entries, e)
	}
	return Match(Input{Entries: entries, Documents: []*msrc.Document{loadDocument(t)}, Hosts: hosts, Devices: devices})
}

func findingFor(findings []Finding, cve, host string) (Finding, bool) {
	for _, f := range findings {
		if f.CVE == cve && f.Host == host {
			return f, true
		}
	}
	return Finding{}, false
}

func TestMatchExploitedFebruary2024(t *testing.T) {
	doc := loadDocument(t)
	var hosts []Host
	for _, h := range labFleet {
		hosts = append(hosts, h.Host)
	}
	cves := []string{"CVE-2024-21412", "CVE-2024-21351"}
	findings := matchFleet(t, cves, hosts, nil)

	for _, cve := range cves {
		counts := map[Status]int{}
		for _, h := range labFleet {
			want, fixed := expectedStatus(t, doc, cve, h)
			f, ok := findingFor(findings, cve, h.Name)
			if !ok {
				t.Errorf("%s %s: no finding", cve, h.Name)
				continue
			}
			counts[f.Status]++
			t.Logf("%s %-8s build %s: %s (fixed build %s)", cve, h.Name, h.Build, f.Status, fixed)
			if f.Status != want {
				t.Errorf("%s %s at %s: status %q, want %q (fixed build %s): %s", cve, h.Name, h.Build, f.Status, want, fixed, f.Reason)
			}
			if f.FixedBuild != fixed {
				t.Errorf("%s %s: fixed build %q, want %q", cve, h.Name, f.FixedBuild, fixed)
			}
		}
		if counts[StatusExposed] == 0 || counts[StatusNotExposed] == 0 {
			t.Errorf("%s: %v, want exposed and not exposed hosts both present", cve, counts)
		}
	}

	// The same result by name, for the reader: Server 2016 is affected by
	// CVE-2024-21351 only.
	wantExposed := map[string]string{
		"CVE-2024-21412": "ws-a1 ws-b1 srv-a hv-a",
		"CVE-2024-21351": "ws-a1 ws-b1 srv-a srv-old hv-a",
	}
	for cve, want := range wantExposed {
		var got []string
		for _, f := range findings {
			if f.CVE == cve && f.Status == StatusExposed {
				got = append(got, f.Host)
			}
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s exposed hosts = %q, want %q", cve, strings.Join(got, " "), want)
		}
	}
}

func TestMatchServer2016NotAffected(t *testing.T) {
	findings := matchFleet(t, []string{"CVE-2024-21412"}, []Host{labFleet[6].Host}, nil)
	if len(findings) != 1 {
		t.Fatalf("%d findings, want 1", len(findings))
	}
	if findings[0].Status != StatusNotExposed {
		t.Errorf("status %q, want not exposed because the document does not list Server 2016: %s", findings[0].Status, findings[0].Reason)
	}
}

func TestMatchMissingFactsPossiblyExposed(t *testing.T) {
	hosts := []Host{
		{Name: "no-facts", Site: "s", Platform: Windows},
		{Name: "no-ubr", Site: "s", Platform: Windows, Build: "10.0.19045"},
		{Name: "unknown-build", Site: "s", Platform: Windows, Build: "10.0.18363.1556"},
		{Name: "garbled", Site: "s", Platform: Windows, Build: "ten"},
	}
	findings := matchFleet(t, []string{"CVE-2024-21412"}, hosts, nil)
	for _, h := range hosts {
		f, ok := findingFor(findings, "CVE-2024-21412", h.Name)
		if !ok {
			t.Errorf("%s: no finding", h.Name)
			continue
		}
		if f.Status != StatusPossiblyExposed {
			t.Errorf("%s: status %q, want possibly exposed", h.Name, f.Status)
		}
		if f.Reason == "" {
			t.Errorf("%s: empty reason", h.Name)
		}
	}
}

func TestMatchWithoutDocument(t *testing.T) {
	catalogue := loadCatalogue(t)
	e, _ := catalogue.Lookup("CVE-2024-21412")
	findings := Match(Input{Entries: []kev.Entry{e}, Hosts: []Host{labFleet[0].Host}})
	if len(findings) != 1 || findings[0].Status != StatusPossiblyExposed {
		t.Fatalf("findings = %+v, want one possibly exposed", findings)
	}
	if want := "import-msrc"; !strings.Contains(findings[0].Reason, want) {
		t.Errorf("reason %q, want it to name %s", findings[0].Reason, want)
	}
}

func TestMatchExceptionAndDevice(t *testing.T) {
	excepted := Host{Name: "xray-ws", Site: "clinic-a", Platform: Windows, Build: "10.0.19045.3803",
		Exception: &Exception{ID: "EXC-7", App: "RadView 4.2", Controls: []string{"dedicated VLAN 40", "no internet egress"}}}
	fixed := Host{Name: "xray-ok", Site: "clinic-a", Platform: Windows, Build: "10.0.19045.4170",
		Exception: &Exception{ID: "EXC-8", App: "RadView 4.2"}}
	device := Device{Name: "ct-1", Site: "clinic-a", Vendor: "Microsoft", Model: "Embedded", Firmware: "7.10", Controls: []string{"isolated segment"}}
	findings := matchFleet(t, []string{"CVE-2024-21412"}, []Host{excepted, fixed}, []Device{device})

	f, _ := findingFor(findings, "CVE-2024-21412", "xray-ws")
	if f.Status != StatusExcepted || f.ExceptionID != "EXC-7" || len(f.Controls) != 2 {
		t.Errorf("excepted host finding = %+v, want excepted EXC-7 with 2 controls", f)
	}
	f, _ = findingFor(findings, "CVE-2024-21412", "xray-ok")
	if f.Status != StatusNotExposed {
		t.Errorf("patched excepted host status %q, want not exposed", f.Status)
	}
	f, _ = findingFor(findings, "CVE-2024-21412", "ct-1")
	if f.Status != StatusDevice || len(f.Controls) != 1 {
		t.Errorf("device finding = %+v, want medical device with its control", f)
	}
}

func TestMatchOtherPlatforms(t *testing.T) {
	hosts := []Host{
		{Name: "fw", Site: "s", Platform: FortiOS},
		{Name: "esx", Site: "s", Platform: ESXi},
		{Name: "mac", Site: "s", Platform: MacOS},
		{Name: "reception", Site: "s", Platform: Windows, Build: "10.0.19045.4046", Installed: []string{"7-Zip 23.01 (x64)"}},
	}
	cves := []string{"CVE-2019-6693", "CVE-2025-22226", "CVE-2025-43300", "CVE-2025-0411"}
	findings := matchFleet(t, cves, hosts, nil)
	want := map[string]string{"CVE-2019-6693": "fw", "CVE-2025-22226": "esx", "CVE-2025-43300": "mac", "CVE-2025-0411": "reception"}
	for cve, host := range want {
		f, ok := findingFor(findings, cve, host)
		if !ok || f.Status != StatusPossiblyExposed {
			t.Errorf("%s on %s: %+v, want possibly exposed", cve, host, f)
		}
	}
	if len(findings) != len(want) {
		t.Errorf("%d findings, want %d: %s", len(findings), len(want), fmt.Sprint(findings))
	}
}
