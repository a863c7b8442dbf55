package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/inventory"
	"patchbay/state"
	"patchbay/state/event"
	"patchbay/state/exposure"
	"patchbay/state/kev"
	"patchbay/state/msrc"
)

const (
	kevCatalogueFile = "../../state/kev/testdata/kev_catalog_2025.08.25.json"
	kevCSVFile       = "../../state/kev/testdata/kev_catalog_2025.08.25.csv"
	kevExcerptFile   = "../../state/kev/testdata/kev_excerpt_quirks.json"
	msrcDocumentFile = "../../state/msrc/testdata/msrc_cvrf_2024-Feb_patch_tuesday.xml"
	kevFleetFile     = "testdata/kev/fleet.yaml"
)

// kevNow is the fixed clock of the kev and emergency command tests.
var kevNow = time.Date(2024, 2, 14, 9, 30, 0, 0, time.UTC)

// runKEV runs the command line with the test fleet, stateDir and stdin.
func runKEV(t *testing.T, stateDir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr,
		Now:    func() time.Time { return kevNow },
		Getenv: func(string) string { return "" },
	}
	full := append([]string{"--state", stateDir, "--inventory", kevFleetFile}, args...)
	code := Main(full, env)
	return code, stdout.String(), stderr.String()
}

// journalFacts appends a facts snapshot with build for each host.
func journalFacts(t *testing.T, stateDir string, builds map[string]string) {
	t.Helper()
	s, err := state.Open(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for host, build := range builds {
		if _, err := s.Append(context.Background(), event.Event{Host: host, Payload: event.HostFacts{OS: "Windows", Build: build}}); err != nil {
			t.Fatal(err)
		}
	}
}

func catalogueRecords(t *testing.T, stateDir string) []event.Catalogue {
	t.Helper()
	s, err := state.Open(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.Records(context.Background(), state.Filter{Kinds: []event.Kind{event.KindCatalogue}})
	if err != nil {
		t.Fatal(err)
	}
	var out []event.Catalogue
	for _, r := range recs {
		p, err := r.Decode()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.(event.Catalogue))
	}
	return out
}

func TestKEVImportJournalsVersion(t *testing.T) {
	dir := t.TempDir()
	code, out, errText := runKEV(t, dir, "", "kev", "import", kevCatalogueFile)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errText)
	}
	if !strings.Contains(out, "imported KEV catalogue 2025.08.25 (released 2025-08-25 17:04 UTC): 1404 entries") {
		t.Errorf("output = %q", out)
	}
	recs := catalogueRecords(t, dir)
	if len(recs) != 1 {
		t.Fatalf("%d catalogue records, want 1", len(recs))
	}
	if recs[0].Name != "cisa-kev" || recs[0].Version != "2025.08.25" || recs[0].Count != 1404 {
		t.Errorf("record = %+v", recs[0])
	}
}

// mustImportKEV imports the catalogue file into stateDir or stops the test.
func mustImportKEV(t *testing.T, stateDir, file string) {
	t.Helper()
	if code, _, errText := runKEV(t, stateDir, "", "kev", "import", file); code != ExitOK {
		t.Fatalf("import %s: exit %d: %s", file, code, errText)
	}
}

func TestKEVImportRecordsRemoval(t *testing.T) {
	dir := t.TempDir()
	mustImportKEV(t, dir, kevCatalogueFile)
	excerpt, err := os.ReadFile(kevExcerptFile)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errText := runKEV(t, dir, string(excerpt), "kev", "import", "-")
	if code != ExitOK {
		t.Fatalf("second import: exit %d: %s", code, errText)
	}
	if !strings.Contains(out, "0 added, 1392 removed") {
		t.Errorf("output lacks the removal count: %q", out[:min(len(out), 300)])
	}
	recs := catalogueRecords(t, dir)
	if len(recs) != 2 || len(recs[1].Removed) != 1392 {
		t.Fatalf("records = %d, removed in second = %d, want 2 and 1392", len(recs), len(recs[1].Removed))
	}
}

func TestKEVImportRejectsOlderCatalogue(t *testing.T) {
	dir := t.TempDir()
	mustImportKEV(t, dir, kevCatalogueFile)
	data, err := os.ReadFile(kevCatalogueFile)
	if err != nil {
		t.Fatal(err)
	}
	older := strings.Replace(string(data), `"dateReleased": "2025-08-25T17:04:19.9796Z"`, `"dateReleased": "2024-01-02T10:00:00Z"`, 1)
	older = strings.Replace(older, `"catalogVersion": "2025.08.25"`, `"catalogVersion": "2024.01.02"`, 1)
	if older == string(data) {
		t.Fatal("the test catalogue has no dateReleased to change")
	}

	code, _, errText := runKEV(t, dir, older, "kev", "import", "-")
	if code != ExitUsage {
		t.Errorf("older import: exit %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(errText, "before the stored 2025.08.25") || !strings.Contains(errText, "--allow-older") {
		t.Errorf("error = %q, want the stored version and the flag named", errText)
	}
	if recs := catalogueRecords(t, dir); len(recs) != 1 {
		t.Errorf("journal has %d catalogue records, want 1: the older import must not be journaled", len(recs))
	}

	code, _, errText = runKEV(t, dir, older, "kev", "import", "--allow-older", "-")
	if code != ExitOK {
		t.Errorf("import with --allow-older: exit %d: %s", code, errText)
	}
}

func TestKEVImportCSVAfterJSONSameDay(t *testing.T) {
	dir := t.TempDir()
	mustImportKEV(t, dir, kevCatalogueFile)
	if code, _, errText := runKEV(t, dir, "", "kev", "import", kevCSVFile); code != ExitOK {
		t.Errorf("CSV import of the same day: exit %d: %s", code, errText)
	}
}

func TestKEVImportCSV(t *testing.T) {
	dir := t.TempDir()
	code, out, errText := runKEV(t, dir, "", "kev", "import", "--json", kevCSVFile)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errText)
	}
	var summary kevImportSummary
	if err := json.Unmarshal([]byte(out), &summary); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if summary.Count != 1404 || summary.Version != "2025.08.25" {
		t.Errorf("summary = %+v", summary)
	}
}

func TestKEVImportInvalidKeepsPrevious(t *testing.T) {
	dir := t.TempDir()
	if code, _, errText := runKEV(t, dir, "", "kev", "import", kevExcerptFile); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errText)
	}
	before, err := os.ReadFile(filepath.Join(dir, kev.StoreFile))
	if err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(kevCatalogueFile)
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]string{
		"html":      "<html><head><title>Access Denied</title></head><body>blocked</body></html>",
		"truncated": string(full[:len(full)/3]),
	}
	for name, input := range inputs {
		code, _, errText := runKEV(t, dir, input, "kev", "import", "-")
		if code != ExitUsage {
			t.Errorf("%s: exit %d, want %d", name, code, ExitUsage)
		}
		if name == "html" && !strings.Contains(errText, `got an HTML page titled "Access Denied"`) {
			t.Errorf("html: error = %q", errText)
		}
		if name == "truncated" && !strings.Contains(errText, "truncated") {
			t.Errorf("truncated: error = %q", errText)
		}
	}
	after, err := os.ReadFile(filepath.Join(dir, kev.StoreFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("a rejected import changed the stored catalogue")
	}
	if n := len(catalogueRecords(t, dir)); n != 1 {
		t.Errorf("%d catalogue records, want only the first import", n)
	}
}

func TestKEVImportURL(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	body, err := os.ReadFile(kevExcerptFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/kev.json":
			w.Write(body)
		case "/redirect":
			http.Redirect(w, r, "http://kev.example/kev.json", http.StatusFound)
		default:
			http.Error(w, "<html><title>Not Found</title></html>", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	defer downloadClient.CloseIdleConnections()

	dir := t.TempDir()
	code, out, errText := runKEV(t, dir, "", "kev", "import", "--url", srv.URL+"/kev.json")
	if code != ExitOK || !strings.Contains(out, "12 entries") {
		t.Errorf("exit %d, output %q, error %q", code, out, errText)
	}
	code, _, errText = runKEV(t, dir, "", "kev", "import", "--url", srv.URL+"/missing")
	if code != ExitFailures || !strings.Contains(errText, "404") {
		t.Errorf("missing: exit %d, error %q", code, errText)
	}
	code, _, errText = runKEV(t, dir, "", "kev", "import", "--url", srv.URL+"/redirect")
	if code != ExitFailures || !strings.Contains(errText, "only https URLs") {
		t.Errorf("redirect to plain http: exit %d, error %q", code, errText)
	}
}

func TestKEVImportURLRejectsPlainHTTP(t *testing.T) {
	code, _, errText := runKEV(t, t.TempDir(), "", "kev", "import", "--url", "http://kev.example/kev.json")
	if code != ExitUsage || !strings.Contains(errText, "only https URLs") {
		t.Errorf("exit %d, error %q", code, errText)
	}
	code, _, errText = runKEV(t, t.TempDir(), "", "kev", "import", "--url", "https://kev.example/x", "file.json")
	if code != ExitUsage || !strings.Contains(errText, "not both") {
		t.Errorf("exit %d, error %q", code, errText)
	}
}

func TestKEVImportMSRC(t *testing.T) {
	dir := t.TempDir()
	code, out, errText := runKEV(t, dir, "", "kev", "import-msrc", msrcDocumentFile)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errText)
	}
	want := "imported Microsoft security update document 2024-Feb (February 2024 Security Updates, released 2024-02-13): 97 CVEs, 46 KBs"
	if !strings.Contains(out, want) {
		t.Errorf("output = %q, want %q", out, want)
	}
	recs := catalogueRecords(t, dir)
	if len(recs) != 1 || recs[0].Name != "msrc-cvrf" || recs[0].Version != "2024-Feb" {
		t.Errorf("records = %+v", recs)
	}
	code, _, errText = runKEV(t, dir, "<html><title>Service Unavailable</title></html>", "kev", "import-msrc", "-")
	if code != ExitUsage || !strings.Contains(errText, "root element is <html>") {
		t.Errorf("html: exit %d, error %q", code, errText)
	}
}

func TestKEVList(t *testing.T) {
	dir := t.TempDir()
	if code, _, errText := runKEV(t, dir, "", "kev", "list"); code != ExitUsage || !strings.Contains(errText, "kev import FILE") {
		t.Errorf("list before import: exit %d, error %q", code, errText)
	}
	runKEV(t, dir, "", "kev", "import", kevCatalogueFile)
	code, out, errText := runKEV(t, dir, "", "kev", "list", "--vendor", "fortinet", "--since", "2025-01-01")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errText)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, line := range lines {
		if !strings.Contains(line, "Fortinet") {
			t.Errorf("line of another vendor: %q", line)
		}
	}
	if len(lines) == 0 || !strings.Contains(out, "CVE-2019-6693") {
		t.Errorf("output lacks CVE-2019-6693 (added 2025-06-25):\n%s", out)
	}
}

// fixedBuild reads the fixed build for cve on product from the document,
// so the test's expectation comes from Microsoft's data.
func fixedBuild(t *testing.T, cve, product string) string {
	t.Helper()
	f, err := os.Open(msrcDocumentFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := msrc.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, fix := range doc.FixesFor(cve) {
		if fix.Product == product {
			return fix.FixedBuild
		}
	}
	t.Fatalf("document has no fix for %s on %s", cve, product)
	return ""
}

func TestKEVMatchNamesExposedHosts(t *testing.T) {
	dir := t.TempDir()
	runKEV(t, dir, "", "kev", "import", kevCatalogueFile)
	runKEV(t, dir, "", "kev", "import-msrc", msrcDocumentFile)
	win10Fixed := fixedBuild(t, "CVE-2024-21412", "Windows 10 Version 22H2 for x64-based Systems")
	server2022Fixed := fixedBuild(t, "CVE-2024-21412", "Windows Server 2022")
	journalFacts(t, dir, map[string]string{
		"ws-a1":   "10.0.19045.3930",
		"ws-a2":   win10Fixed,
		"srv-a":   "10.0.20348.2227",
		"xray-ws": "10.0.19045.3803",
		"srv-b":   server2022Fixed,
	}) // ws-b1 has no facts

	code, out, errText := runKEV(t, dir, "", "kev", "match", "--json", "CVE-2024-21412", "CVE-2024-21351")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errText)
	}
	var findings []exposure.Finding
	if err := json.Unmarshal([]byte(out), &findings); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	want := map[string]exposure.Status{
		"ws-a1": exposure.StatusExposed, "ws-a2": exposure.StatusNotExposed,
		"srv-a": exposure.StatusExposed, "xray-ws": exposure.StatusExcepted,
		"ws-b1": exposure.StatusPossiblyExposed,
	}
	for _, cve := range []string{"CVE-2024-21412", "CVE-2024-21351"} {
		for host, status := range want {
			f := findingOf(findings, cve, host)
			if f == nil || f.Status != status {
				t.Errorf("%s %s: finding %+v, want %s", cve, host, f, status)
			}
		}
	}
	// srv-b carries the Server 2022 fixed build under a windows-server
	// platform, so it is not exposed.
	if f := findingOf(findings, "CVE-2024-21412", "srv-b"); f == nil || f.Status != exposure.StatusNotExposed {
		t.Errorf("srv-b: %+v, want not exposed", f)
	}
	if f := findingOf(findings, "CVE-2024-21412", "ws-a1"); f == nil || f.FixedBuild != win10Fixed {
		t.Errorf("ws-a1 fixed build %+v, want %s", f, win10Fixed)
	}
	if f := findingOf(findings, "CVE-2024-21412", "xray-ws"); f == nil || len(f.Controls) != 2 {
		t.Errorf("xray-ws: %+v, want the exception's 2 controls", f)
	}
}

func findingOf(findings []exposure.Finding, cve, host string) *exposure.Finding {
	for i := range findings {
		if findings[i].CVE == cve && findings[i].Host == host {
			return &findings[i]
		}
	}
	return nil
}

func TestKEVMatchTextAndSite(t *testing.T) {
	dir := t.TempDir()
	runKEV(t, dir, "", "kev", "import", kevCatalogueFile)
	runKEV(t, dir, "", "kev", "import-msrc", msrcDocumentFile)
	journalFacts(t, dir, map[string]string{"ws-a1": "10.0.19045.3930"})
	code, out, errText := runKEV(t, dir, "", "kev", "match", "--site", "clinic-a", "CVE-2024-21412")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errText)
	}
	for _, want := range []string{"CVE-2024-21412  Microsoft Windows", "exposed", "ws-a1", "below the fixed build", "controls: dedicated VLAN 40"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ws-b1") {
		t.Errorf("--site clinic-a listed a clinic-b host:\n%s", out)
	}
	if code, _, errText := runKEV(t, dir, "", "kev", "match", "--site", "nowhere"); code != ExitUsage || !strings.Contains(errText, `"nowhere" is not a site`) {
		t.Errorf("unknown site: exit %d, error %q", code, errText)
	}

	code, out, _ = runKEV(t, dir, "", "kev", "match", "--status", "exposed", "CVE-2024-21412")
	if code != ExitOK || !strings.Contains(out, "ws-a1") || strings.Contains(out, "possibly exposed") {
		t.Errorf("--status exposed: exit %d:\n%s", code, out)
	}
	if code, _, errText := runKEV(t, dir, "", "kev", "match", "--status", "vulnerable"); code != ExitUsage || !strings.Contains(errText, "not a finding status") {
		t.Errorf("unknown status: exit %d, error %q", code, errText)
	}
}

// exampleProducts assigns each Windows platform of the example fleet two
// MSRC products, used alternately.
var exampleProducts = map[inventory.Platform][2]string{
	inventory.PlatformWindows:       {"Windows 10 Version 22H2 for x64-based Systems", "Windows 11 Version 23H2 for x64-based Systems"},
	inventory.PlatformWindowsServer: {"Windows Server 2022", "Windows Server 2019"},
	inventory.PlatformHyperV:        {"Windows Server 2019", "Windows Server 2022"},
}

// TestKEVMatchExampleFleet matches the two exploited February 2024 CVEs
// against the example inventory, which the lab fleet is built from. Every
// second Windows host runs a build 100 revisions below the document's
// fixed build, the others run the fixed build itself.
func TestKEVMatchExampleFleet(t *testing.T) {
	inv, err := inventory.Load("../../examples", inventory.Options{Now: kevNow})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	runKEV(t, dir, "", "kev", "import", kevCatalogueFile)
	runKEV(t, dir, "", "kev", "import-msrc", msrcDocumentFile)

	for _, cve := range []string{"CVE-2024-21412", "CVE-2024-21351"} {
		builds := map[string]string{}
		want := map[string]exposure.Status{}
		i := 0
		for _, h := range inv.Hosts {
			products, ok := exampleProducts[h.Platform]
			if !ok {
				continue
			}
			fixed, err := exposure.ParseBuild(fixedBuild(t, cve, products[i%2]))
			if err != nil {
				t.Fatal(err)
			}
			want[h.Name] = exposure.StatusNotExposed
			if i%2 == 0 {
				fixed.Revision -= 100
				want[h.Name] = exposure.StatusExposed
			}
			if len(inv.ExceptionsFor(h.Name)) > 0 && want[h.Name] == exposure.StatusExposed {
				want[h.Name] = exposure.StatusExcepted // listed with controls, not a target
			}
			builds[h.Name] = fixed.String()
			i++
		}
		if i < 10 {
			t.Fatalf("the example fleet has %d Windows hosts, want at least 10", i)
		}
		journalFacts(t, dir, builds)

		args := []string{"--inventory", "../../examples", "kev", "match", "--json", cve}
		code, out, errText := runKEV(t, dir, "", args...)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errText)
		}
		var findings []exposure.Finding
		if err := json.Unmarshal([]byte(out), &findings); err != nil {
			t.Fatal(err)
		}
		for host, status := range want {
			f := findingOf(findings, cve, host)
			switch {
			case f == nil:
				t.Errorf("%s %s: no finding", cve, host)
			case f.Status != status:
				t.Errorf("%s %s at %s: %s, want %s: %s", cve, host, builds[host], f.Status, status, f.Reason)
			default:
				t.Logf("%s %-14s %-18s %s", cve, host, builds[host], f.Status)
			}
		}
	}
}
