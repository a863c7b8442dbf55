package windows

import (
	"slices"
	"testing"
	"time"

	"patchbay/playbooks/parse/internal/capture"
)

func TestSystemInfoWorkstation(t *testing.T) {
	info, err := ParseSystemInfo(capture.Load(t, "windows10_systeminfo_workstation.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if info.HostName != "WS-EXAMPLE01" || info.OSName != "Microsoft Windows 10 Pro" {
		t.Errorf("host %q, OS %q", info.HostName, info.OSName)
	}
	if info.Build != (Build{10, 0, 19044, 0}) {
		t.Errorf("Build = %v", info.Build)
	}
	if info.OSConfiguration != "Member Workstation" || info.Domain != "WORKGROUP" {
		t.Errorf("configuration %q, domain %q", info.OSConfiguration, info.Domain)
	}
	want := []string{"KB5012117", "KB4562830", "KB5003791", "KB5007401", "KB5012599", "KB5011651", "KB5005699"}
	if !slices.Equal(info.Hotfixes, want) {
		t.Errorf("Hotfixes = %q", info.Hotfixes)
	}
	boot := time.Date(2022, 6, 6, 16+8, 43, 45, 0, time.UTC)
	if !info.BootTime.Equal(boot) {
		t.Errorf("BootTime = %v, want %v", info.BootTime, boot)
	}
	if info.Fields["Virtual Memory: Max Size"] != "18,141 MB" {
		t.Errorf("Virtual Memory: Max Size = %q", info.Fields["Virtual Memory: Max Size"])
	}
}

func TestSystemInfoDomainController(t *testing.T) {
	info, err := ParseSystemInfo(capture.Load(t, "windows2019_systeminfo_domain_controller.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Build.Number != 17763 || info.OSConfiguration != "Primary Domain Controller" {
		t.Errorf("build %v, configuration %q", info.Build, info.OSConfiguration)
	}
	if len(info.Hotfixes) != 5 || info.Hotfixes[4] != "KB5023789" {
		t.Errorf("Hotfixes = %q", info.Hotfixes)
	}
	if !info.BootTime.Equal(time.Date(2023, 3, 28, 8, 37, 14, 0, time.UTC)) {
		t.Errorf("BootTime = %v", info.BootTime)
	}
	if info.Domain != "example.local" || info.SystemLocale != "en-us" {
		t.Errorf("domain %q, locale %q", info.Domain, info.SystemLocale)
	}
}

func TestSystemInfoServer(t *testing.T) {
	info, err := ParseSystemInfo(capture.Load(t, "windows2022_systeminfo_server.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Build.Number != 20348 || info.OSName != "Microsoft Windows Server 2022 Standard" {
		t.Errorf("build %v, OS %q", info.Build, info.OSName)
	}
	if !slices.Equal(info.Hotfixes, []string{"KB5004330", "KB5005039", "KB5005552"}) {
		t.Errorf("Hotfixes = %q", info.Hotfixes)
	}
	if info.Fields["Registered Organization"] != "" {
		t.Errorf("Registered Organization = %q", info.Fields["Registered Organization"])
	}
	install := time.Date(2021, 10, 1, 16+8, 15, 34, 0, time.UTC)
	if !info.InstallDate.Equal(install) {
		t.Errorf("InstallDate = %v, want %v", info.InstallDate, install)
	}
	if !info.BootTime.Equal(time.Date(2021, 10, 22, 16, 36, 55, 0, time.UTC)) {
		t.Errorf("BootTime = %v", info.BootTime)
	}
}

func TestSystemInfoDayFirstLocale(t *testing.T) {
	output := "Host Name:                 PC1\r\n" +
		"OS Version:                10.0.22631 N/A Build 22631\r\n" +
		"System Boot Time:          13/04/2024, 07:05:00\r\n" +
		"System Locale:             en-gb;English (United Kingdom)\r\n" +
		"Time Zone:                 (UTC+01:00) Amsterdam, Berlin\r\n"
	info, err := ParseSystemInfo(output)
	if err != nil {
		t.Fatal(err)
	}
	if !info.BootTime.Equal(time.Date(2024, 4, 13, 6, 5, 0, 0, time.UTC)) {
		t.Errorf("BootTime = %v", info.BootTime)
	}
}

func TestSystemInfoHotfixWithoutKB(t *testing.T) {
	output := "OS Version:                10.0.17763 N/A Build 17763\r\n" +
		"Hotfix(s):                 2 Hotfix(s) Installed.\r\n" +
		"                           [01]: KB5022511\r\n" +
		"                           [02]: File 1\r\n" +
		"Network Card(s):           1 NIC(s) Installed.\r\n" +
		"                           [01]: Intel(R) Ethernet\r\n"
	info, err := ParseSystemInfo(output)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(info.Hotfixes, []string{"KB5022511"}) {
		t.Errorf("Hotfixes = %q", info.Hotfixes)
	}
}

func TestSystemInfoMissingVersion(t *testing.T) {
	if _, err := ParseSystemInfo("Host Name:                 PC1\n"); err == nil {
		t.Error("output without OS Version parsed without error")
	}
}

func TestBuildCompare(t *testing.T) {
	older, err := ParseBuild("10.0.19045.3930")
	if err != nil {
		t.Fatal(err)
	}
	newer, err := ParseBuild("10.0.19045.4045")
	if err != nil {
		t.Fatal(err)
	}
	if older.Compare(newer) != -1 || newer.Compare(older) != 1 || newer.Compare(newer) != 0 {
		t.Errorf("Compare(%v, %v) is not ordered", older, newer)
	}
	if newer.String() != "10.0.19045.4045" {
		t.Errorf("String = %q", newer.String())
	}
	base, _ := ParseBuild("10.0.19045")
	if base.WithRevision(4045) != newer {
		t.Errorf("WithRevision = %v", base.WithRevision(4045))
	}
	for _, bad := range []string{"10.0", "10.0.x.1", "10.0.1.2.3", "10.0.-1"} {
		if _, err := ParseBuild(bad); err == nil {
			t.Errorf("ParseBuild(%q) returned no error", bad)
		}
	}
}

func TestUBRRegQuery(t *testing.T) {
	ubr, err := ParseUBR(capture.Load(t, "reg_query_ubr.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if ubr != 4045 {
		t.Errorf("UBR = %d, want 4045", ubr)
	}
	if ubr, err := ParseUBR("4045\r\n"); err != nil || ubr != 4045 {
		t.Errorf("decimal UBR = %d, %v", ubr, err)
	}
	if _, err := ParseUBR("ERROR: The system was unable to find the specified registry key or value.\r\n"); err == nil {
		t.Error("reg error parsed without error")
	}
}

func FuzzParseSystemInfo(f *testing.F) {
	capture.Seed(f, "*systeminfo*")
	f.Fuzz(func(t *testing.T, output string) { _, _ = ParseSystemInfo(output) })
}
