package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"patchbay/inventory"
)

// exceptionRow is one entry of the exception register as printed.
type exceptionRow struct {
	ID            string   `json:"id"`
	Hosts         []string `json:"hosts"`
	Sites         []string `json:"sites"`
	App           string   `json:"app"`
	Reason        string   `json:"reason"`
	PinnedVersion string   `json:"pinned_version,omitempty"`
	Controls      []string `json:"controls"`
	Owner         string   `json:"owner"`
	Approved      string   `json:"approved"`
	ReviewBy      string   `json:"review_by"`
	Overdue       bool     `json:"overdue"`
	DaysLeft      int      `json:"days_until_review"`
}

func (a *app) newExceptionsCmd() *cobra.Command {
	var site string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "exceptions",
		Short: "List the exception register, overdue reviews first",
		Long: `exceptions lists every documented decision not to patch a host: the hosts,
the clinical application, the reason, the compensating controls, the owner
and the review date. Reviews past their date come first and are flagged;
the date is judged in the time zone of the exception's first host's site.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, inv, err := a.loadInventory()
			if err != nil {
				return err
			}
			if site != "" && inv.Site(site) == nil {
				return usageErrorf("site %q is not in the inventory; see patchbay status for the site ids", site)
			}
			rows := exceptionRows(inv, site, a.now())
			if asJSON {
				return writeExceptionsJSON(cmd.OutOrStdout(), rows)
			}
			return printExceptions(cmd.OutOrStdout(), rows)
		},
	}
	cmd.Flags().StringVar(&site, "site", "", "only exceptions with a host at this site id")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the register as JSON")
	return cmd
}

// exceptionRows returns the register at now, overdue reviews first, then
// by review date.
func exceptionRows(inv *inventory.Inventory, site string, now time.Time) []exceptionRow {
	var rows []exceptionRow
	for _, e := range inv.Exceptions {
		sites := exceptionSites(inv, e)
		if site != "" && !slices.Contains(sites, site) {
			continue
		}
		today := inventory.DateOf(now.In(exceptionZone(inv, sites)))
		rows = append(rows, exceptionRow{
			ID: e.ID, Hosts: e.Hosts, Sites: sites, App: e.App, Reason: e.Reason,
			PinnedVersion: e.PinnedVersion, Controls: e.Controls, Owner: e.Owner,
			Approved: e.Approved.String(), ReviewBy: e.ReviewBy.String(),
			Overdue:  e.ReviewBy.Before(today),
			DaysLeft: daysBetween(today, e.ReviewBy),
		})
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Overdue != rows[j].Overdue {
			return rows[i].Overdue
		}
		return rows[i].ReviewBy < rows[j].ReviewBy
	})
	return rows
}

func exceptionSites(inv *inventory.Inventory, e *inventory.Exception) []string {
	var sites []string
	for _, name := range e.Hosts {
		if h := inv.Host(name); h != nil && !slices.Contains(sites, h.Site) {
			sites = append(sites, h.Site)
		}
	}
	return sites
}

func exceptionZone(inv *inventory.Inventory, sites []string) *time.Location {
	if len(sites) > 0 {
		if s := inv.Site(sites[0]); s != nil && s.TimeZone != nil {
			return s.TimeZone
		}
	}
	return time.UTC
}

func daysBetween(from, to inventory.Date) int {
	start := time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, time.UTC)
	end := time.Date(to.Year, to.Month, to.Day, 0, 0, 0, 0, time.UTC)
	return int(end.Sub(start).Hours() / 24)
}

func printExceptions(w io.Writer, rows []exceptionRow) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no exceptions in the inventory")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tHOSTS\tAPP\tOWNER\tREVIEW BY\tSTATUS")
	for _, r := range rows {
		status := fmt.Sprintf("review in %d days", r.DaysLeft)
		if r.Overdue {
			status = fmt.Sprintf("OVERDUE by %d days", -r.DaysLeft)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, strings.Join(r.Hosts, ","), r.App, r.Owner, r.ReviewBy, status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		fmt.Fprintf(w, "\n%s: %s\n  controls: %s\n", r.ID, r.Reason, strings.Join(r.Controls, "; "))
		if r.PinnedVersion != "" {
			fmt.Fprintf(w, "  pinned at: %s\n", r.PinnedVersion)
		}
	}
	return nil
}

func writeExceptionsJSON(w io.Writer, rows []exceptionRow) error {
	if rows == nil {
		rows = []exceptionRow{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}
