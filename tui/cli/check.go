package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"patchbay/inventory"
)

func (a *app) newCheckCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate the inventory and list every problem",
		Long: `check loads the inventory strictly and lists every problem of every file
with its file, line and column, the offending value and the fix.

check also checks each file credential without reading the secret: a file
that group or others can read is an error, and a missing file is a warning,
because it may exist only on the technician's laptop.

Exit status: 0 when the inventory is valid (warnings, such as overdue
exception reviews, are printed but do not fail), 2 when it has errors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.check(asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON on standard output")
	return cmd
}

// loadInventory locates and loads the inventory named by --inventory,
// PATCHBAY_INVENTORY, ./patchbay.yaml or the user's config folder.
func (a *app) loadInventory() (string, *inventory.Inventory, error) {
	path, err := inventory.Locate(a.inventory, a.getenv)
	if err != nil {
		return "", nil, usageErrorf("%w", err)
	}
	inv, err := inventory.Load(path, inventory.Options{Now: a.now()})
	if err != nil {
		return path, nil, withExit(ExitUsage, err)
	}
	return path, inv, nil
}

// checkReport is the JSON form of check's result.
type checkReport struct {
	Inventory string         `json:"inventory"`
	Valid     bool           `json:"valid"`
	Files     []string       `json:"files,omitempty"`
	Counts    map[string]int `json:"counts,omitempty"`
	Errors    []problemJSON  `json:"errors"`
	Warnings  []problemJSON  `json:"warnings"`
}

type problemJSON struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

func (a *app) check(asJSON bool) error {
	path, inv, err := a.loadInventory()
	var loadErr *inventory.LoadError
	if err != nil && !errors.As(err, &loadErr) {
		return err
	}
	report := newCheckReport(path, inv, loadErr)
	if inv != nil {
		report.addProblems(a.credentialFileProblems(inv))
	}
	if asJSON {
		if err := a.printJSONValue(report); err != nil {
			return err
		}
	} else {
		a.printCheck(report)
	}
	if loadErr != nil {
		return usageErrorf("inventory %s is invalid: %d error(s); fix them and run patchbay check again", path, len(report.Errors))
	}
	if len(report.Errors) > 0 {
		return usageErrorf("inventory %s: %d credential file error(s); fix them and run patchbay check again", path, len(report.Errors))
	}
	return nil
}

func newCheckReport(path string, inv *inventory.Inventory, loadErr *inventory.LoadError) checkReport {
	r := checkReport{Inventory: path, Valid: inv != nil, Errors: []problemJSON{}, Warnings: []problemJSON{}}
	problems := []inventory.Problem{}
	if loadErr != nil {
		problems = loadErr.Problems
	}
	if inv != nil {
		problems = inv.Warnings
		r.Files = inv.Files
		r.Counts = map[string]int{
			"sites": len(inv.Sites), "hosts": len(inv.Hosts), "rings": len(inv.Rings),
			"exceptions": len(inv.Exceptions), "devices": len(inv.Devices), "holds": len(inv.Holds),
			"credentials": len(inv.Credentials),
		}
	}
	r.addProblems(problems)
	return r
}

// printCheck prints errors and warnings on standard error, and a summary
// of a valid inventory on standard output.
func (a *app) printCheck(r checkReport) {
	for _, p := range r.Errors {
		fmt.Fprintln(a.env.Stderr, problemLine(p, ""))
	}
	for _, p := range r.Warnings {
		fmt.Fprintln(a.env.Stderr, problemLine(p, "warning: "))
	}
	if !r.Valid {
		return
	}
	c := r.Counts
	fmt.Fprintf(a.env.Stdout, "inventory %s is valid: %d sites, %d hosts, %d rings, %d exceptions, %d medical devices, %d holds, %d warning(s)\n",
		r.Inventory, c["sites"], c["hosts"], c["rings"], c["exceptions"], c["devices"], c["holds"], len(r.Warnings))
}

func problemLine(p problemJSON, prefix string) string {
	pos := inventory.Pos{File: p.File, Line: p.Line, Column: p.Column}
	return pos.String() + ": " + prefix + p.Message
}
