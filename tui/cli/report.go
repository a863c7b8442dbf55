package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"patchbay/state"
	"patchbay/state/report"
	reportcsv "patchbay/state/report/csv"
	reporthtml "patchbay/state/report/html"
	reportjson "patchbay/state/report/json"
	reportmd "patchbay/state/report/md"
	"patchbay/state/report/model"
)

// reportFormats are the values of --format.
var reportFormats = []string{"html", "md", "csv", "json"}

// reportFlags are the output flags both report commands share.
type reportFlags struct {
	format string
	output string
}

func (f *reportFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.format, "format", "md", "output format: "+strings.Join(reportFormats, ", "))
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "write to FILE instead of standard output; for csv, an existing folder gets one FILE.csv per table")
}

func (f *reportFlags) check() error {
	for _, name := range reportFormats {
		if f.format == name {
			return nil
		}
	}
	return usageErrorf("invalid --format %q: use one of %s", f.format, strings.Join(reportFormats, ", "))
}

func (a *app) newReportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Build compliance reports from the journal",
		Long: `report builds compliance reports from the journal alone, including the
inventory snapshots journaled with it, never from the live inventory file.
Each report names the journal head (SEQ:HASH) it was built from, which
patchbay journal verify --expect-head can check later. The hash chain is
verified first: a broken journal gets no report, and the command exits
with status 1 and names the first break.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(a.newReportQuarterlyCmd(), a.newReportRunCmd())
	return cmd
}

func (a *app) newReportQuarterlyCmd() *cobra.Command {
	var flags reportFlags
	var quarter, site string
	cmd := &cobra.Command{
		Use:   "quarterly --quarter YYYYQN",
		Short: "Build the quarterly compliance report",
		Long: `quarterly builds the report a practice shows its auditor: coverage per
site, ring and platform with the three monthly values, outstanding
known-exploited vulnerabilities, exceptions, holds, emergency response
times against the 24 h and 72 h targets, incidents, and every run of the
quarter. The report states the definitions its figures use. Quarter
boundaries are taken in each site's time zone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := flags.check(); err != nil {
				return err
			}
			q, err := report.ParseQuarter(quarter)
			if err != nil {
				return usageErrorf("%w", err)
			}
			return a.reportQuarterly(cmd, flags, report.Options{Quarter: q, Site: site, Now: a.now()})
		},
	}
	flags.add(cmd)
	cmd.Flags().StringVar(&quarter, "quarter", "", "quarter to report, such as 2026Q4 (required)")
	cmd.Flags().StringVar(&site, "site", "", "limit the report to the site with this ID")
	_ = cmd.MarkFlagRequired("quarter")
	return cmd
}

func (a *app) reportQuarterly(cmd *cobra.Command, flags reportFlags, opts report.Options) error {
	store, err := a.openJournal(true)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := checkChain(commandContext(cmd), store); err != nil {
		return err
	}
	q, err := report.BuildQuarterly(commandContext(cmd), store, opts)
	if err != nil {
		return err
	}
	if flags.format == "csv" && isDir(flags.output) {
		return withExit(ExitFailures, reportcsv.WriteDir(flags.output, q))
	}
	return a.writeReport(flags.output, func(w io.Writer) error { return writeQuarterly(w, flags.format, q) })
}

func writeQuarterly(w io.Writer, format string, q *model.Quarterly) error {
	switch format {
	case "html":
		return reporthtml.Write(w, q)
	case "csv":
		return reportcsv.Write(w, q)
	case "json":
		return reportjson.Write(w, q)
	}
	return reportmd.Write(w, q)
}

func (a *app) newReportRunCmd() *cobra.Command {
	var flags reportFlags
	cmd := &cobra.Command{
		Use:   "run ID",
		Short: "Report one run: its hosts, update results and decisions",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := flags.check(); err != nil {
				return err
			}
			return a.reportRun(cmd, flags, args[0])
		},
	}
	flags.add(cmd)
	return cmd
}

func (a *app) reportRun(cmd *cobra.Command, flags reportFlags, id string) error {
	store, err := a.openJournal(true)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := checkChain(commandContext(cmd), store); err != nil {
		return err
	}
	rep, err := report.BuildRun(commandContext(cmd), store, id)
	if errors.Is(err, report.ErrRunNotFound) {
		return usageErrorf("%w", err)
	}
	if err != nil {
		return withExit(ExitFailures, err)
	}
	title := "Run report " + rep.Run.ID
	intro := fmt.Sprintf("Built from the journal up to record %s.", rep.Head)
	return a.writeReport(flags.output, func(w io.Writer) error {
		switch flags.format {
		case "html":
			return reporthtml.WriteTables(w, title, intro, rep.Tables())
		case "csv":
			return reportcsv.WriteTables(w, rep.Tables())
		case "json":
			return reportjson.Write(w, rep)
		}
		return reportmd.WriteTables(w, title, intro, rep.Tables())
	})
}

// checkChain verifies the journal's hash chain before a report is built,
// because a report names the journal head as proof of what it read and
// must not present changed records as that proof.
func checkChain(ctx context.Context, store *state.Store) error {
	v, err := store.Verify(ctx, nil)
	if err != nil {
		return withExit(ExitFailures, err)
	}
	if v.Break != nil {
		return withExit(ExitFailures, fmt.Errorf("%w; no report is built from a broken journal: "+
			"see patchbay journal verify, and restore the journal from a backup or an export", v.Break))
	}
	return nil
}

// writeReport calls write with standard output, or with the file path
// when path is set; the file gets mode 0600 because reports name hosts.
func (a *app) writeReport(path string, write func(io.Writer) error) error {
	if path == "" {
		return withExit(ExitFailures, write(a.env.Stdout))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return usageErrorf("write report: %w: choose another -o path", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return withExit(ExitFailures, fmt.Errorf("write report %s: %w", path, err))
	}
	return withExit(ExitFailures, f.Close())
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return path != "" && err == nil && info.IsDir()
}
