// Package msrc reads Microsoft's monthly security update document in the
// CVRF 1.1 XML form that the MSRC CVRF API serves, and looks up which KB and
// which fixed build remedies a CVE on each Microsoft product.
//
// It reads only the parts patchbay uses: the product tree, and per
// vulnerability the exploit status and the "Vendor Fix" remediations.
package msrc

import (
	"regexp"
	"strings"
	"time"
)

// Document is one monthly security update document, such as "2024-Feb".
type Document struct {
	ID    string
	Title string
	// InitialRelease and CurrentRelease are the document's tracking dates.
	// The 2024-Feb document has CurrentRelease 2024-02-10, earlier than its
	// InitialRelease 2024-02-13, so callers should use Released.
	InitialRelease time.Time
	CurrentRelease time.Time
	// Products maps a ProductID to its full product name.
	Products        map[string]string
	Vulnerabilities []Vulnerability
}

// Released returns the later of the two tracking dates, so that a
// CurrentRelease earlier than InitialRelease does not date the document
// before its publication.
func (d *Document) Released() time.Time {
	if d.CurrentRelease.After(d.InitialRelease) {
		return d.CurrentRelease
	}
	return d.InitialRelease
}

// Vulnerability is one CVE of the document.
type Vulnerability struct {
	CVE   string
	Title string
	// ExploitStatus is the raw "Exploit Status" threat text, such as
	// "Publicly Disclosed:No;Exploited:Yes;...".
	ExploitStatus string
	Fixes         []Fix
}

// Exploited reports whether Microsoft marks the CVE as exploited.
func (v Vulnerability) Exploited() bool {
	for _, part := range strings.Split(v.ExploitStatus, ";") {
		key, value, _ := strings.Cut(part, ":")
		if strings.TrimSpace(key) == "Exploited" {
			return strings.EqualFold(strings.TrimSpace(value), "Yes")
		}
	}
	return false
}

// Fix is one "Vendor Fix" remediation: the update that fixes the CVE on
// the listed products.
type Fix struct {
	// KB is the knowledge base number without the "KB" prefix, or empty
	// when the description is not a KB number ("Release Notes", "Click to
	// Run", a Linux package name).
	KB          string
	Description string
	URL         string
	Supersedes  string
	ProductIDs  []string
	// FixedBuild is the first build that contains the fix, such as
	// 10.0.19045.4046. It is empty when the document gives none.
	FixedBuild string
	// SubType is "Security Update", "Monthly Rollup", "Security Only" or
	// another value the document uses.
	SubType string
	// Restart is "Yes", "No", "Maybe" or empty, as the document has it.
	Restart string
}

var kbPattern = regexp.MustCompile(`^(?:KB)?([0-9]{6,8})$`)

// kbNumber returns the KB number in a remediation description, or "".
func kbNumber(description string) string {
	m := kbPattern.FindStringSubmatch(strings.TrimSpace(description))
	if m == nil {
		return ""
	}
	return m[1]
}

// ProductFix is the fix for one CVE on one product.
type ProductFix struct {
	ProductID  string
	Product    string
	KB         string
	FixedBuild string
	Restart    string
}

// Lookup returns the vulnerability for cve and whether the document has it.
func (d *Document) Lookup(cve string) (Vulnerability, bool) {
	for _, v := range d.Vulnerabilities {
		if v.CVE == cve {
			return v, true
		}
	}
	return Vulnerability{}, false
}

// FixesFor returns the fix for cve on each product, in document order.
// A product listed under several fixes appears once per fix.
func (d *Document) FixesFor(cve string) []ProductFix {
	v, ok := d.Lookup(cve)
	if !ok {
		return nil
	}
	var fixes []ProductFix
	for _, f := range v.Fixes {
		for _, id := range f.ProductIDs {
			fixes = append(fixes, ProductFix{
				ProductID: id, Product: d.Products[id],
				KB: f.KB, FixedBuild: f.FixedBuild, Restart: f.Restart,
			})
		}
	}
	return fixes
}
