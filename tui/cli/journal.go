package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"patchbay/state"
	"patchbay/state/event"
)

// followInterval is how often `journal tail --follow` polls for records.
const followInterval = 500 * time.Millisecond

func (a *app) newJournalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "journal",
		Short: "Verify, show, export and import the journal",
		Long: `The journal records everything patchbay does, in an append-only SQLite
database in the state directory. Each record carries a SHA-256 hash over
the previous record's hash and its own content, so verify finds any edit,
deletion, insertion or reorder.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(a.newJournalVerifyCmd(), a.newJournalExportCmd(), a.newJournalImportCmd(),
		a.newJournalTailCmd(), a.newJournalShowCmd())
	return cmd
}

// openJournal opens the journal in the state directory. With mustExist
// set, a missing journal is an input error rather than a new journal.
func (a *app) openJournal(mustExist bool) (*state.Store, error) {
	dir, err := state.ResolveDir(a.stateDir, a.getenv)
	if err != nil {
		return nil, usageErrorf("%w", err)
	}
	path := filepath.Join(dir, state.FileName)
	if _, err := os.Stat(path); mustExist && errors.Is(err, fs.ErrNotExist) {
		return nil, usageErrorf("no journal at %s: pass --state DIR or set PATCHBAY_STATE to the state directory", path)
	}
	s, err := state.Open(dir)
	if err != nil {
		return nil, openStateError(err)
	}
	s.SetClock(a.now)
	return s, nil
}

// openStateError gives an error of state.Open its exit code: an unusable
// state directory is an input error, which errorCodes maps, and any other
// error is a failure of the journal.
func openStateError(err error) error {
	if errors.Is(err, state.ErrStateDir) {
		return err
	}
	return withExit(ExitFailures, err)
}

func commandContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

func (a *app) newJournalVerifyCmd() *cobra.Command {
	var expect string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the journal's hash chain and print its head",
		Long: `verify checks every record's hash and link and prints the head (SEQ:HASH).
It exits 1 and names the first broken record when an edit, deletion,
insertion or reorder broke the chain. With --expect-head it also checks
that the journal still holds the head an earlier report or export printed,
which catches records cut from the end and chains rebuilt from scratch.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.verifyJournal(commandContext(cmd), expect, asJSON)
		},
	}
	cmd.Flags().StringVar(&expect, "expect-head", "", "head SEQ:HASH that the journal must still contain")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func (a *app) verifyJournal(ctx context.Context, expectText string, asJSON bool) error {
	var expect *state.Head
	if expectText != "" {
		h, err := state.ParseHead(expectText)
		if err != nil {
			return usageErrorf("--expect-head: %w", err)
		}
		expect = &h
	}
	s, err := a.openJournal(true)
	if err != nil {
		return err
	}
	defer s.Close()

	v, err := s.Verify(ctx, expect)
	if err != nil {
		return withExit(ExitFailures, err)
	}
	if asJSON {
		out := struct {
			OK bool `json:"ok"`
			state.Verification
		}{v.Break == nil, v}
		if err := json.NewEncoder(a.env.Stdout).Encode(out); err != nil {
			return err
		}
	} else if v.Break == nil {
		fmt.Fprintf(a.env.Stdout, "journal intact: %d records, head %s\n", v.Records, v.Head)
	} else {
		fmt.Fprintf(a.env.Stdout, "journal broken: %d records, head %s\n", v.Records, v.Head)
	}
	if v.Break != nil {
		return withExit(ExitFailures, v.Break)
	}
	return nil
}

func (a *app) newJournalExportCmd() *cobra.Command {
	var format, output string
	var allowBroken bool
	cmd := &cobra.Command{
		Use:   "export --format jsonl [-o FILE]",
		Short: "Write the whole journal as JSON Lines",
		Long: `export writes a header line with the journal's id and head (SEQ:HASH),
then every record with its hashes, one JSON object per line, for a SIEM or
to carry a field laptop's work to another machine's journal import.

export verifies the journal first. When the hash chain is broken it prints
where and exits 1 without writing anything, unless --allow-broken is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "jsonl" {
				return usageErrorf("invalid --format %q: the only export format is jsonl", format)
			}
			return a.exportJournal(commandContext(cmd), output, allowBroken)
		},
	}
	cmd.Flags().StringVar(&format, "format", "jsonl", "export format; only jsonl")
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (mode 0600); default standard output")
	cmd.Flags().BoolVar(&allowBroken, "allow-broken", false, "export a journal whose hash chain is broken, with a warning")
	return cmd
}

func (a *app) exportJournal(ctx context.Context, output string, allowBroken bool) error {
	s, err := a.openJournal(true)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := a.verifyBeforeExport(ctx, s, allowBroken); err != nil {
		return err
	}
	if output == "" {
		_, err := s.Export(ctx, a.env.Stdout)
		return withExit(ExitFailures, err)
	}

	f, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return usageErrorf("create export file: %w", err)
	}
	head, err := s.Export(ctx, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return withExit(ExitFailures, err)
	}
	fmt.Fprintf(a.env.Stdout, "exported the journal up to head %s to %s\n", head, output)
	return nil
}

// verifyBeforeExport checks the journal's chain and rejects a broken one
// unless allowBroken is set, in which case it prints a warning on standard
// error. NOTE: Verify and Export read separate snapshots, so a record
// changed between the two is exported without a warning.
func (a *app) verifyBeforeExport(ctx context.Context, s *state.Store, allowBroken bool) error {
	v, err := s.Verify(ctx, nil)
	if err != nil {
		return withExit(ExitFailures, err)
	}
	if v.Break == nil {
		return nil
	}
	if !allowBroken {
		return withExit(ExitFailures, fmt.Errorf("export rejected: %w: check the journal with patchbay journal verify, or pass --allow-broken to export it anyway", v.Break))
	}
	fmt.Fprintf(a.env.Stderr, "warning: exporting a broken journal: %s\n", v.Break)
	return nil
}

func (a *app) newJournalImportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE|-",
		Short: "Merge another journal's export into this journal",
		Long: `import verifies the chain of an export written by journal export, then
appends the records this journal does not hold yet. Records keep the id of
the journal that first wrote them, so importing the same or an overlapping
export again adds nothing twice. FILE - reads the export from standard
input.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.importJournal(commandContext(cmd), args[0])
		},
	}
}

func (a *app) importJournal(ctx context.Context, file string) error {
	input, name, closeInput, err := a.openJournalImport(file)
	if err != nil {
		return err
	}
	defer closeInput()
	s, err := a.openJournal(false)
	if err != nil {
		return err
	}
	defer s.Close()

	res, err := s.Import(ctx, input)
	if err != nil {
		return usageErrorf("%s: %w", name, err)
	}
	head, err := s.Head(ctx)
	if err != nil {
		return withExit(ExitFailures, err)
	}
	fmt.Fprintf(a.env.Stdout, "imported %s (journal %s, head %s): %d records, %d added, %d already present; head now %s\n",
		name, res.Journal, res.Head, res.Read, res.Added, res.Skipped, head)
	return nil
}

// openJournalImport opens file, or standard input for "-", and returns the
// name that messages give the input.
func (a *app) openJournalImport(file string) (io.Reader, string, func(), error) {
	if file == "-" {
		return a.env.Stdin, "stdin", func() {}, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, "", nil, usageErrorf("open import file: %w", err)
	}
	return f, file, func() { f.Close() }, nil
}

func (a *app) newJournalTailCmd() *cobra.Command {
	var lines int
	var follow bool
	cmd := &cobra.Command{
		Use:   "tail [-n N] [--follow]",
		Short: "Print the last records, and new ones with --follow",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if lines < 0 {
				return usageErrorf("invalid -n %d: give 0 or more records", lines)
			}
			return a.tailJournal(commandContext(cmd), lines, follow)
		},
	}
	cmd.Flags().IntVarP(&lines, "lines", "n", 20, "number of records to print before following")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing records as they are written, until interrupted")
	return cmd
}

func (a *app) tailJournal(ctx context.Context, lines int, follow bool) error {
	s, err := a.openJournal(true)
	if err != nil {
		return err
	}
	defer s.Close()
	head, err := s.Head(ctx)
	if err != nil {
		return withExit(ExitFailures, err)
	}

	after := max(head.Seq-int64(lines), 0)
	print := func(r event.Record) error { return writeRecordLine(a.env.Stdout, r) }
	if !follow {
		return withExit(ExitFailures, s.Scan(ctx, state.Filter{After: after}, print))
	}
	return withExit(ExitFailures, s.Follow(ctx, after, followInterval, print))
}

func (a *app) newJournalShowCmd() *cobra.Command {
	var f state.Filter
	var kinds []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show [RUNID] [--run ID] [--host H] [--kind K]",
		Short: "Print the records of a run, a host or a kind",
		Long: `show prints the records that match every given filter, oldest first:
one line per record, or with --json one JSON object per record as in an
export. A run id given as the argument is the same as --run ID.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := showRunArg(&f, args); err != nil {
				return err
			}
			for _, k := range kinds {
				if !event.KnownKind(event.Kind(k)) {
					return usageErrorf("invalid --kind %q: want one of %v", k, event.Kinds())
				}
				f.Kinds = append(f.Kinds, event.Kind(k))
			}
			return a.showJournal(commandContext(cmd), f, asJSON)
		},
	}
	cmd.Flags().StringVar(&f.Run, "run", "", "only records of this run id")
	cmd.Flags().StringVar(&f.Host, "host", "", "only records about this host")
	cmd.Flags().StringSliceVar(&kinds, "kind", nil, "only records of this kind (repeatable), for example host.state")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON Lines")
	return cmd
}

// showRunArg takes the run id of journal show from its argument, which
// must not contradict --run.
func showRunArg(f *state.Filter, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if f.Run != "" && f.Run != args[0] {
		return usageErrorf("journal show: run %q and --run %q differ; give the run id once", args[0], f.Run)
	}
	f.Run = args[0]
	return nil
}

func (a *app) showJournal(ctx context.Context, f state.Filter, asJSON bool) error {
	s, err := a.openJournal(true)
	if err != nil {
		return err
	}
	defer s.Close()

	print := func(r event.Record) error { return writeRecordLine(a.env.Stdout, r) }
	if asJSON {
		enc := json.NewEncoder(a.env.Stdout)
		enc.SetEscapeHTML(false)
		print = func(r event.Record) error { return enc.Encode(r) }
	}
	return withExit(ExitFailures, s.Scan(ctx, f, print))
}

// writeRecordLine prints one record as SEQ TIME KIND [run=..] [host=..]
// PAYLOAD, with the time in UTC.
func writeRecordLine(w io.Writer, r event.Record) error {
	line := fmt.Sprintf("%d %s %s", r.Seq, r.Time.UTC().Format("2006-01-02T15:04:05.000Z"), r.Kind)
	if r.Run != "" {
		line += " run=" + r.Run
	}
	if r.Host != "" {
		line += " host=" + r.Host
	}
	_, err := fmt.Fprintf(w, "%s %s\n", line, r.Payload)
	return err
}
