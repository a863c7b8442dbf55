package exposure

import (
	"fmt"
	"strings"

	"patchbay/state/msrc"
)

// windowsStatus decides a Windows host's status by comparing its build
// with the fixed build Microsoft gives for its product. Windows updates
// are cumulative, so any build at or above the fixed one has the fix,
// whichever KBs the host lists.
func windowsStatus(f *Finding, h Host, docs []*msrc.Document) {
	f.Status = StatusPossiblyExposed
	if h.Build == "" {
		f.Reason = "the OS build is unknown: gather facts from the host to compare it with the fixed build"
		return
	}
	build, err := ParseBuild(h.Build)
	if err != nil {
		f.Reason = fmt.Sprintf("the recorded OS build is unusable: %v", err)
		return
	}
	if strings.Count(h.Build, ".") < 3 {
		f.Reason = fmt.Sprintf("the recorded OS build %s lacks the update revision (UBR): gather facts again", h.Build)
		return
	}
	family := WindowsProduct(build, h.Platform != Windows)
	if family == "" {
		f.Reason = fmt.Sprintf("Windows build %d (%s) is not in patchbay's product table", build.Number, h.Platform)
		return
	}
	f.Product = family
	fix, found := findFix(docs, f.CVE, family, build.Number)
	decide(f, build, fix, found)
}

// windowsFix is the fix information of the documents for one CVE on one
// product family.
type windowsFix struct {
	document    string
	fixedBuild  Build
	kb          string
	hasBuild    bool // a fix with a usable FixedBuild exists
	listed      bool // the family appears among the fixed products
	onWindows   bool // the CVE is fixed on some Windows product family
	documentHit bool // some document lists the CVE
}

// findFix collects the fixes for cve on family. Where a family has fixes
// for several architectures, the highest fixed build is used, because the
// host's architecture is not among its facts.
func findFix(docs []*msrc.Document, cve, family string, number int) (windowsFix, bool) {
	var w windowsFix
	for _, doc := range docs {
		if _, ok := doc.Lookup(cve); !ok {
			continue
		}
		w.documentHit = true
		w.document = doc.ID
		for _, pf := range doc.FixesFor(cve) {
			w.add(pf, family, number)
		}
	}
	return w, w.documentHit
}

func (w *windowsFix) add(pf msrc.ProductFix, family string, number int) {
	if isWindowsFamily(pf.Product) {
		w.onWindows = true
	}
	if !inFamily(pf.Product, family) {
		return
	}
	w.listed = true
	fixed, err := ParseBuild(pf.FixedBuild)
	if err != nil || fixed.Number != number {
		return
	}
	if !w.hasBuild || fixed.Compare(w.fixedBuild) > 0 {
		w.fixedBuild, w.kb, w.hasBuild = fixed, pf.KB, true
	}
}

func isWindowsFamily(product string) bool {
	for _, p := range windowsProducts {
		if (p.Client != "" && inFamily(product, p.Client)) || (p.Server != "" && inFamily(product, p.Server)) {
			return true
		}
	}
	return false
}

func decide(f *Finding, build Build, w windowsFix, found bool) {
	switch {
	case !found:
		f.Reason = fmt.Sprintf("no imported Microsoft security update document lists %s: import the month's document with patchbay kev import-msrc", f.CVE)
	case !w.onWindows:
		f.Reason = fmt.Sprintf("document %s fixes %s outside the Windows build (for example in Defender or .NET), so the build cannot tell", w.document, f.CVE)
	case !w.listed:
		f.Status = StatusNotExposed
		f.Reason = fmt.Sprintf("document %s does not list %s among the products %s affects", w.document, f.Product, f.CVE)
	case !w.hasBuild:
		f.Reason = fmt.Sprintf("document %s lists %s but gives no fixed build for it", w.document, f.Product)
	case build.Compare(w.fixedBuild) < 0:
		f.Status = StatusExposed
		f.FixedBuild, f.KB = w.fixedBuild.String(), w.kb
		f.Reason = fmt.Sprintf("build %s is below the fixed build %s (KB%s)", build, w.fixedBuild, w.kb)
	default:
		f.Status = StatusNotExposed
		f.FixedBuild, f.KB = w.fixedBuild.String(), w.kb
		f.Reason = fmt.Sprintf("build %s is at or above the fixed build %s (KB%s)", build, w.fixedBuild, w.kb)
	}
}
