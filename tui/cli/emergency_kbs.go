package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"patchbay/inventory"
	"patchbay/state/emergency"
	"patchbay/state/event"
	"patchbay/state/exposure"
	"patchbay/state/kev"
)

// windowsFixes looks up, in the imported Microsoft documents, the KB and
// fixed build of each CVE for the product of each affected Windows host,
// from the build in its last facts. A CVE that the document does not list
// for the host's product leaves no entry, and one without a KB leaves an
// entry with the reason.
func (a *app) windowsFixes(ctx context.Context, inv *inventory.Inventory, cves []emergency.CVE, hosts []string) ([]event.WindowsFix, error) {
	var windowsHosts []*inventory.Host
	for _, name := range hosts {
		if h := inv.Host(name); h != nil && h.Platform.IsWindows() {
			windowsHosts = append(windowsHosts, h)
		}
	}
	if len(windowsHosts) == 0 {
		return nil, nil
	}
	facts, docs, err := a.factsAndDocuments(ctx)
	if err != nil {
		return nil, err
	}
	in := exposure.Input{Documents: docs}
	for _, c := range cves {
		// The Windows rule makes Match compare each host's build with the
		// documents, whatever product the catalogue gives the CVE.
		in.Entries = append(in.Entries, kev.Entry{CVE: c.ID, Vendor: "Microsoft", Product: "Windows"})
	}
	for _, h := range windowsHosts {
		in.Hosts = append(in.Hosts, exposure.Host{Name: h.Name, Site: h.Site, Platform: string(h.Platform), Build: facts[h.Name].Build})
	}
	return fixesOf(exposure.Match(in)), nil
}

// fixesOf turns Windows findings into fixes.
func fixesOf(findings []exposure.Finding) []event.WindowsFix {
	var fixes []event.WindowsFix
	for _, f := range findings {
		switch {
		case f.KB != "":
			fixes = append(fixes, event.WindowsFix{Host: f.Host, CVE: f.CVE, KB: "KB" + f.KB, FixedBuild: f.FixedBuild})
		case f.Status == exposure.StatusNotExposed:
			// The document does not list the host's product for the CVE.
		default:
			fixes = append(fixes, event.WindowsFix{Host: f.Host, CVE: f.CVE, Missing: f.Reason})
		}
	}
	return fixes
}

// printWindowsFixes prints the KB of each Windows host. Unless the
// emergency is a zero-day, whose fix is not out yet, it warns on stderr
// of each host for which no document names a KB.
func (a *app) printWindowsFixes(d emergency.Declaration) {
	if len(d.WindowsFixes) == 0 {
		return
	}
	writeWindowsFixes(a.env.Stdout, d.WindowsFixes)
	if d.Playbook == "" {
		return
	}
	for _, f := range d.WindowsFixes {
		if f.KB == "" {
			fmt.Fprintf(a.env.Stderr, "warning: no KB for %s on %s, because %s. Declare again once that is fixed, or run the emergency with --var kbs=KB<number>\n",
				f.CVE, f.Host, f.Missing)
		}
	}
}

// writeWindowsFixes writes one line per CVE and KB with its hosts.
func writeWindowsFixes(w io.Writer, fixes []event.WindowsFix) {
	type key struct{ cve, kb, build string }
	var order []key
	hosts := map[key][]string{}
	for _, f := range fixes {
		k := key{f.CVE, f.KB, f.FixedBuild}
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
		hosts[k] = append(hosts[k], f.Host)
	}
	fmt.Fprintln(w, "Windows updates from the imported Microsoft documents:")
	for _, k := range order {
		switch {
		case k.kb == "":
			fmt.Fprintf(w, "  %s: no KB known for %s\n", k.cve, strings.Join(hosts[k], ", "))
		case k.build == "":
			fmt.Fprintf(w, "  %s: %s for %s\n", k.cve, k.kb, strings.Join(hosts[k], ", "))
		default:
			fmt.Fprintf(w, "  %s: %s (fixed build %s) for %s\n", k.cve, k.kb, k.build, strings.Join(hosts[k], ", "))
		}
	}
}
