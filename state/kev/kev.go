// Package kev reads the CISA Known Exploited Vulnerabilities (KEV)
// catalogue in its published JSON and CSV forms, validates it against the
// fields its schema requires, and compares two versions of it. It keeps
// the current catalogue and the imported Microsoft security update
// documents as files in the state directory; the journal records each
// import.
//
// It does no network I/O: callers pass a reader.
package kev

import (
	"regexp"
	"strings"
	"time"
)

// DateLayout is the layout of the catalogue's dateAdded and dueDate fields.
const DateLayout = "2006-01-02"

// Catalog is one version of the KEV catalogue.
type Catalog struct {
	Title   string `json:"title,omitempty"`
	Version string `json:"catalogVersion"`
	// Released is the catalogue's dateReleased. For a CSV import, which has
	// no header fields, it is midnight UTC of the latest dateAdded.
	Released time.Time `json:"dateReleased"`
	Entries  []Entry   `json:"vulnerabilities"`
}

// Entry is one known exploited vulnerability. Vendor and Product have
// surrounding spaces removed, because the published catalogue carries
// trailing spaces in a few names ("Windows ").
type Entry struct {
	CVE            string `json:"cveID"`
	Vendor         string `json:"vendorProject"`
	Product        string `json:"product"`
	Name           string `json:"vulnerabilityName"`
	Added          Date   `json:"dateAdded"`
	Description    string `json:"shortDescription"`
	RequiredAction string `json:"requiredAction"`
	Due            Date   `json:"dueDate"`
	// Ransomware is "Known" or "Unknown". It is empty in catalogues older
	// than the knownRansomwareCampaignUse field.
	Ransomware string   `json:"knownRansomwareCampaignUse,omitempty"`
	Notes      string   `json:"notes,omitempty"`
	CWEs       []string `json:"cwes,omitempty"`
}

// Date is a calendar date in the catalogue's YYYY-MM-DD form.
type Date struct{ time.Time }

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return d.Format(DateLayout) }

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	t, err := time.Parse(DateLayout, string(b))
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

// DueBeforeAdded reports whether the due date is earlier than the date the
// entry was added. Version 2025.08.25 has 15 such entries, all added on
// 2021-11-03 when the catalogue was first published.
func (e Entry) DueBeforeAdded() bool { return e.Due.Before(e.Added.Time) }

// NoteURLs splits the notes field, which joins several URLs with " ; ".
func (e Entry) NoteURLs() []string {
	var urls []string
	for _, part := range strings.Split(e.Notes, " ; ") {
		for _, field := range strings.Fields(part) {
			if strings.HasPrefix(field, "https://") || strings.HasPrefix(field, "http://") {
				urls = append(urls, field)
			}
		}
	}
	return urls
}

// Lookup returns the entry for cve and whether the catalogue lists it.
func (c *Catalog) Lookup(cve string) (Entry, bool) {
	for _, e := range c.Entries {
		if e.CVE == cve {
			return e, true
		}
	}
	return Entry{}, false
}

var (
	cvePattern = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)
	cwePattern = regexp.MustCompile(`^CWE-[0-9]+$`)
)

// ValidCVE reports whether id has the catalogue's CVE-YYYY-NNNN form, with
// four to nineteen digits after the year.
func ValidCVE(id string) bool { return cvePattern.MatchString(id) }
