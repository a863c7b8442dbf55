package msrc

import (
	"errors"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

const realDocument = "testdata/msrc_cvrf_2024-Feb_patch_tuesday.xml"

func readDocument(t testing.TB) *Document {
	t.Helper()
	f, err := os.Open(realDocument)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return doc
}

func TestParseRealCounts(t *testing.T) {
	doc := readDocument(t)
	if doc.ID != "2024-Feb" {
		t.Errorf("ID = %q, want 2024-Feb", doc.ID)
	}
	if doc.Title != "February 2024 Security Updates" {
		t.Errorf("Title = %q", doc.Title)
	}
	if len(doc.Vulnerabilities) != 97 {
		t.Errorf("%d vulnerabilities, want 97", len(doc.Vulnerabilities))
	}
	if len(doc.Products) != 128 {
		t.Errorf("%d products, want 128", len(doc.Products))
	}
	kbs := map[string]bool{}
	for _, v := range doc.Vulnerabilities {
		for _, f := range v.Fixes {
			if f.KB != "" {
				kbs[f.KB] = true
			}
		}
	}
	if len(kbs) != 46 {
		t.Errorf("%d distinct KB numbers, want 46", len(kbs))
	}
}

func TestParseRealExploited(t *testing.T) {
	doc := readDocument(t)
	var exploited []string
	for _, v := range doc.Vulnerabilities {
		if v.Exploited() {
			exploited = append(exploited, v.CVE)
		}
	}
	sort.Strings(exploited)
	want := "CVE-2024-21338,CVE-2024-21351,CVE-2024-21410,CVE-2024-21412"
	if got := strings.Join(exploited, ","); got != want {
		t.Errorf("exploited = %s, want %s", got, want)
	}
}

func TestReleasedDateQuirk(t *testing.T) {
	doc := readDocument(t)
	if !doc.CurrentRelease.Before(doc.InitialRelease) {
		t.Fatalf("CurrentRelease %s is not before InitialRelease %s, the quirk this test covers", doc.CurrentRelease, doc.InitialRelease)
	}
	want := time.Date(2024, 2, 13, 8, 0, 0, 0, time.UTC)
	if !doc.Released().Equal(want) {
		t.Errorf("Released() = %s, want %s", doc.Released(), want)
	}
}

func TestFixesForWindows10(t *testing.T) {
	doc := readDocument(t)
	var found []ProductFix
	for _, f := range doc.FixesFor("CVE-2024-21412") {
		if f.Product == "Windows 10 Version 22H2 for x64-based Systems" {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d fixes for Windows 10 22H2 x64, want 1: %+v", len(found), found)
	}
	if found[0].KB != "5034763" {
		t.Errorf("KB = %q, want 5034763", found[0].KB)
	}
	if !strings.HasPrefix(found[0].FixedBuild, "10.0.19045.") {
		t.Errorf("FixedBuild = %q, want a 10.0.19045 build", found[0].FixedBuild)
	}
	if found[0].Restart != "Yes" {
		t.Errorf("Restart = %q, want Yes", found[0].Restart)
	}
}

func TestNonKBDescriptions(t *testing.T) {
	doc := readDocument(t)
	nonKB := 0
	for _, v := range doc.Vulnerabilities {
		for _, f := range v.Fixes {
			if f.KB == "" {
				nonKB++
				if kbNumber(f.Description) != "" {
					t.Errorf("%s: description %q left without KB", v.CVE, f.Description)
				}
			}
		}
	}
	if nonKB == 0 {
		t.Error("no Vendor Fix without a KB number, want the Release Notes and package entries")
	}
}

func TestParseRejects(t *testing.T) {
	full, err := os.ReadFile(realDocument)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, input, want string
	}{
		{"html page", "<!DOCTYPE html><html><head><title>Error</title></head></html>", "the root element is <html>"},
		{"json form", `{"DocumentTitle":{"Value":"x"}}`, "the input is not XML"},
		{"truncated", string(full[:len(full)/2]), "truncated"},
		{"empty", "", "the input is empty"},
		{"no products", `<cvrfdoc><DocumentTracking><Identification><ID>X</ID></Identification>` +
			`<InitialReleaseDate>2024-02-13T08:00:00</InitialReleaseDate><CurrentReleaseDate>2024-02-13T08:00:00</CurrentReleaseDate>` +
			`</DocumentTracking></cvrfdoc>`, "no ProductTree products"},
		{"bad date", `<cvrfdoc><DocumentTracking><Identification><ID>X</ID></Identification>` +
			`<InitialReleaseDate>13.02.2024</InitialReleaseDate></DocumentTracking></cvrfdoc>`, `InitialReleaseDate "13.02.2024"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Parse(strings.NewReader(tc.input))
			if doc != nil {
				t.Error("Parse returned a document, want none")
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

func BenchmarkParseReal(b *testing.B) {
	for b.Loop() {
		readDocument(b)
	}
}
