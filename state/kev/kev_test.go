package kev

import (
	"errors"
	"os"
	"strings"
	"testing"
)

const realJSON = "testdata/kev_catalog_2025.08.25.json"

func readCatalog(t *testing.T, path string) *Catalog {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return c
}

func TestParseRealJSONHeader(t *testing.T) {
	c := readCatalog(t, realJSON)
	if c.Version != "2025.08.25" {
		t.Errorf("Version = %q, want 2025.08.25", c.Version)
	}
	if got := c.Released.Format("2006-01-02T15:04:05.0000Z"); got != "2025-08-25T17:04:19.9796Z" {
		t.Errorf("Released = %s", got)
	}
	if len(c.Entries) != 1404 {
		t.Errorf("len(Entries) = %d, want 1404", len(c.Entries))
	}
}

func TestParseRealQuirkCounts(t *testing.T) {
	c := readCatalog(t, realJSON)
	var dueBefore, emptyCWEs, longSeq, known, unknown int
	for _, e := range c.Entries {
		if e.DueBeforeAdded() {
			dueBefore++
			if e.Added.String() != "2021-11-03" {
				t.Errorf("%s: due before added on %s, want only the 2021-11-03 load", e.CVE, e.Added)
			}
		}
		if len(e.CWEs) == 0 {
			emptyCWEs++
		}
		if len(e.CVE) > len("CVE-2024-1234") {
			longSeq++
		}
		switch e.Ransomware {
		case "Known":
			known++
		case "Unknown":
			unknown++
		}
		if e.Vendor != strings.TrimSpace(e.Vendor) || e.Product != strings.TrimSpace(e.Product) {
			t.Errorf("%s: vendor %q or product %q keeps surrounding spaces", e.CVE, e.Vendor, e.Product)
		}
	}
	checks := []struct {
		name      string
		got, want int
	}{
		{"due before added", dueBefore, 15},
		{"empty cwes", emptyCWEs, 152},
		{"5+ digit sequence", longSeq, 763},
		{"ransomware Known", known, 293},
		{"ransomware Unknown", unknown, 1111},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d entries, want %d", c.name, c.got, c.want)
		}
	}
}

func TestParseExcerptTrailingSpace(t *testing.T) {
	c := readCatalog(t, "testdata/kev_excerpt_quirks.json")
	e, ok := c.Lookup("CVE-2024-30088")
	if !ok {
		t.Fatal("CVE-2024-30088 missing from the excerpt")
	}
	if e.Product != "Windows" {
		t.Errorf("Product = %q, want Windows without the trailing space", e.Product)
	}
}

func TestEntryNoteURLs(t *testing.T) {
	c := readCatalog(t, "testdata/kev_excerpt_quirks.json")
	e, _ := c.Lookup("CVE-2025-48384")
	urls := e.NoteURLs()
	if len(urls) != 6 {
		t.Fatalf("NoteURLs() = %d URLs, want 6: %q", len(urls), urls)
	}
	if urls[0] != "https://github.com/git/git/security/advisories/GHSA-vwqx-4fm8-6qc9" {
		t.Errorf("first URL = %q, want the \\/ escapes decoded", urls[0])
	}
}

func TestParseCSVMatchesJSON(t *testing.T) {
	fromJSON := readCatalog(t, realJSON)
	fromCSV := readCatalog(t, "testdata/kev_catalog_2025.08.25.csv")
	if fromCSV.Version != fromJSON.Version {
		t.Errorf("CSV version = %q, want %q from the latest dateAdded", fromCSV.Version, fromJSON.Version)
	}
	d := Compare(fromJSON, fromCSV)
	if len(d.Added)+len(d.Removed)+len(d.Changed) != 0 {
		t.Errorf("CSV differs from JSON: added %v removed %v changed %v", d.Added, d.Removed, d.Changed)
	}
	e, _ := fromCSV.Lookup("CVE-2025-48384")
	if strings.Join(e.CWEs, "|") != "CWE-59|CWE-436" {
		t.Errorf("CSV cwes = %q, want the one quoted cell split in two", e.CWEs)
	}
}

func TestParseOlderCatalogWithoutNewFields(t *testing.T) {
	old := `{"catalogVersion":"2021.11.03","dateReleased":"2021-11-03T15:00:00.0000Z","count":1,
	"vulnerabilities":[{"cveID":"CVE-2021-27104","vendorProject":"Accellion","product":"FTA",
	"vulnerabilityName":"Accellion FTA OS Command Injection","dateAdded":"2021-11-03",
	"shortDescription":"d","requiredAction":"Apply updates per vendor instructions.","dueDate":"2021-11-17"}]}`
	c, err := Parse(strings.NewReader(old))
	if err != nil {
		t.Fatalf("Parse(old catalogue): %v", err)
	}
	e := c.Entries[0]
	if e.Ransomware != "" || e.Notes != "" || e.CWEs != nil {
		t.Errorf("absent fields = %q %q %v, want empty", e.Ransomware, e.Notes, e.CWEs)
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		name, input, want string
	}{
		{"html page", "<!DOCTYPE html><html><head><title>503 Service\n Unavailable</title></head></html>",
			`got an HTML page titled "503 Service Unavailable"`},
		{"cvrf document", `<?xml version="1.0"?><cvrfdoc xmlns="http://www.icasi.org/CVRF/schema/cvrf/1.1">`,
			"got a Microsoft CVRF document: import it with patchbay kev import-msrc"},
		{"truncated json", `{"catalogVersion":"2025.08.25","vulnerabilities":[{"cveID":"CVE-20`, "truncated"},
		{"count mismatch", `{"catalogVersion":"1","dateReleased":"2025-08-25T17:04:19.9796Z","count":3,"vulnerabilities":[]}`,
			"count is 3 but the file lists 0"},
		{"missing header field", `{"dateReleased":"2025-08-25T17:04:19.9796Z","count":0,"vulnerabilities":[]}`,
			"missing required field catalogVersion"},
		{"missing entry field", `{"catalogVersion":"1","dateReleased":"2025-08-25T17:04:19.9796Z","count":1,"vulnerabilities":[{"cveID":"CVE-2024-0001"}]}`,
			"vulnerabilities[0]: missing required field vendorProject"},
		{"bad cve", entryJSON(`"cveID":"CVE-24-1"`), `cveID "CVE-24-1" is not of the form`},
		{"bad date", entryJSON(`"cveID":"CVE-2024-0001","dateAdded":"03/11/2021"`), `"03/11/2021" is not a date`},
		{"empty", "  \n", "the input is empty"},
		{"csv without header", "a,b\n1,2\n", "lacks the required columns cveID"},
		{"truncated csv", csvHeader + "CVE-2024-0001,V,P,\"N,2024-01-01", "truncated or damaged"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tc.input))
			if c != nil {
				t.Errorf("Parse returned a catalogue with %d entries, want none", len(c.Entries))
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

const csvHeader = "cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes\n"

// entryJSON returns a one-entry catalogue whose entry has valid defaults
// followed by fields. encoding/json keeps the last value of a repeated key,
// so fields overrides the defaults.
func entryJSON(fields string) string {
	return `{"catalogVersion":"1","dateReleased":"2025-08-25T17:04:19.9796Z","count":1,"vulnerabilities":[{` +
		`"cveID":"CVE-2024-0001","vendorProject":"V","product":"P","vulnerabilityName":"N","dateAdded":"2024-01-01",` +
		`"shortDescription":"S","requiredAction":"A","dueDate":"2024-01-22",` + fields + `}]}`
}

func TestCompareRecordsRemoval(t *testing.T) {
	c := readCatalog(t, "testdata/kev_excerpt_quirks.json")
	older := *c
	older.Version = "2025.08.24"
	newer := *c
	newer.Entries = append([]Entry(nil), c.Entries[1:]...)
	newer.Entries[0].Notes += " ; https://example.org/x"
	newer.Entries = append(newer.Entries, Entry{CVE: "CVE-2025-99999"})

	d := Compare(&older, &newer)
	if strings.Join(d.Removed, ",") != c.Entries[0].CVE {
		t.Errorf("Removed = %v, want [%s]", d.Removed, c.Entries[0].CVE)
	}
	if strings.Join(d.Added, ",") != "CVE-2025-99999" {
		t.Errorf("Added = %v", d.Added)
	}
	if strings.Join(d.Changed, ",") != c.Entries[1].CVE {
		t.Errorf("Changed = %v, want [%s]", d.Changed, c.Entries[1].CVE)
	}
	if d.From != "2025.08.24" || d.To != "2025.08.25" {
		t.Errorf("From, To = %q, %q", d.From, d.To)
	}
}
