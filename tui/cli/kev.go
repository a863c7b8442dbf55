package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"patchbay/state"
	"patchbay/state/event"
	"patchbay/state/kev"
	"patchbay/state/msrc"
)

const (
	// kevDownloadTimeout bounds a --url download, body included.
	kevDownloadTimeout = 2 * time.Minute
	// kevMaxDownload caps a --url download. Catalogue 2025.08.25 is 1.2 MB.
	kevMaxDownload = 64 << 20
	// catalogueName and documentName name the imports in the journal.
	catalogueName = "cisa-kev"
	documentName  = "msrc-cvrf"
	// kevImportLock names the state directory lock that serialises
	// imports, so that each journals its diff against the catalogue the
	// previous import stored.
	kevImportLock = "kev-import"
)

// kevImportLockWait bounds the wait for another import to finish. An
// import holds the lock only while it compares, journals and stores the
// catalogue, after parsing it. Tests shorten it.
var kevImportLockWait = time.Minute

func (a *app) newKEVCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kev",
		Short: "Import the known exploited vulnerabilities catalogue and match it to hosts",
		Long: `kev imports the CISA Known Exploited Vulnerabilities catalogue and
Microsoft's monthly security update document (CVRF), and matches the
catalogue's entries to the hosts of the inventory.`,
	}
	cmd.AddCommand(a.newKEVImportCmd(), a.newKEVImportMSRCCmd(), a.newKEVListCmd(), a.newKEVMatchCmd())
	return cmd
}

func (a *app) newKEVImportCmd() *cobra.Command {
	var source string
	var asJSON, allowOlder bool
	cmd := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Import the KEV catalogue from a JSON or CSV file, stdin or --url",
		Long: `import reads the catalogue as CISA publishes it, JSON or CSV (detected
from the content), validates it and replaces the current catalogue in the
state directory. The journal records the version, release date and the
CVE IDs added and removed since the previous import. Nothing is imported
when the input is invalid, truncated or an HTML error page, or when it
was released on an earlier day than the stored catalogue (unless
--allow-older is given).

--url downloads the catalogue instead. It is never used unless given, and
accepts https URLs (http only for loopback addresses).

Imports into one state directory run one at a time. An import waits up to
a minute for another to finish, then exits 3.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.kevImport(cmd.Context(), args, source, asJSON, allowOlder)
		},
	}
	cmd.Flags().StringVar(&source, "url", "", "download the catalogue from this https URL instead of reading FILE")
	cmd.Flags().BoolVar(&allowOlder, "allow-older", false, "replace the stored catalogue even with one released on an earlier day")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the import summary as JSON")
	return cmd
}

// kevImportSummary is the output of kev import.
type kevImportSummary struct {
	Version  string    `json:"version"`
	Released time.Time `json:"released"`
	Count    int       `json:"count"`
	Previous string    `json:"previous_version,omitempty"`
	Added    []string  `json:"added"`
	Removed  []string  `json:"removed"`
	Changed  []string  `json:"changed"`
}

func (a *app) kevImport(ctx context.Context, args []string, source string, asJSON, allowOlder bool) error {
	catalogue, err := a.readCatalogue(ctx, args, source)
	if err != nil {
		return err
	}
	store, err := a.openKEVJournal()
	if err != nil {
		return err
	}
	defer store.Close()
	unlock, err := lockKEVImport(ctx, store)
	if err != nil {
		return err
	}
	defer unlock()

	previous, err := kev.Load(store.Dir())
	if err != nil && !errors.Is(err, kev.ErrNoCatalogue) {
		return withExit(ExitFailures, err)
	}
	if previous != nil && !allowOlder && releasedEarlier(catalogue, previous) {
		return usageErrorf("catalogue %s was released on %s, before the stored %s (released on %s): "+
			"import a newer download, or pass --allow-older to go back to it",
			catalogue.Version, catalogue.Released.UTC().Format(kev.DateLayout),
			previous.Version, previous.Released.UTC().Format(kev.DateLayout))
	}
	diff := kev.Compare(previous, catalogue)
	record := event.Catalogue{
		Name: catalogueName, Version: catalogue.Version, Released: catalogue.Released,
		Count: len(catalogue.Entries), Added: diff.Added, Removed: diff.Removed,
	}
	if err := a.journalAndSave(ctx, store, record, func() error { return kev.Save(store.Dir(), catalogue) }); err != nil {
		return err
	}
	summary := kevImportSummary{
		Version: catalogue.Version, Released: catalogue.Released, Count: len(catalogue.Entries),
		Previous: diff.From, Added: diff.Added, Removed: diff.Removed, Changed: diff.Changed,
	}
	return a.printKEVImport(summary, previous == nil, asJSON)
}

// releasedEarlier reports whether next was released on an earlier day
// (UTC) than stored. Days, not instants, are compared because a CSV
// catalogue carries only its entries' dates and so gets midnight as its
// release time.
func releasedEarlier(next, stored *kev.Catalog) bool {
	day := func(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }
	return day(next.Released).Before(day(stored.Released))
}

// journalAndSave journals the import first and then replaces the stored
// file, so that no stored catalogue or document lacks its journal record.
func (a *app) journalAndSave(ctx context.Context, store *state.Store, record event.Catalogue, save func() error) error {
	if _, err := store.Append(ctx, event.Event{Time: a.now(), Payload: record}); err != nil {
		return withExit(ExitFailures, fmt.Errorf("journal the import of %s %s: %w", record.Name, record.Version, err))
	}
	if err := save(); err != nil {
		return withExit(ExitFailures, fmt.Errorf("store %s %s after journaling its import: %w: run the import again", record.Name, record.Version, err))
	}
	return nil
}

func (a *app) printKEVImport(s kevImportSummary, first, asJSON bool) error {
	if asJSON {
		return a.printJSONValue(s)
	}
	out := a.env.Stdout
	fmt.Fprintf(out, "imported KEV catalogue %s (released %s): %d entries\n",
		s.Version, s.Released.UTC().Format("2006-01-02 15:04 MST"), s.Count)
	if first {
		return nil
	}
	fmt.Fprintf(out, "since %s: %d added, %d removed, %d changed\n", s.Previous, len(s.Added), len(s.Removed), len(s.Changed))
	for _, cve := range s.Added {
		fmt.Fprintf(out, "  added    %s\n", cve)
	}
	for _, cve := range s.Removed {
		fmt.Fprintf(out, "  removed  %s\n", cve)
	}
	return nil
}

func (a *app) printJSONValue(v any) error {
	enc := json.NewEncoder(a.env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// readCatalogue reads and validates the catalogue from FILE, stdin or --url.
func (a *app) readCatalogue(ctx context.Context, args []string, source string) (*kev.Catalog, error) {
	r, name, closeInput, err := a.openImportInput(ctx, args, source)
	if err != nil {
		return nil, err
	}
	defer closeInput()

	c, err := kev.Parse(r)
	if err != nil {
		return nil, usageErrorf("import %s: %w", name, err)
	}
	return c, nil
}

// openImportInput opens FILE, stdin for "-", or the --url download.
func (a *app) openImportInput(ctx context.Context, args []string, source string) (io.Reader, string, func(), error) {
	switch {
	case source != "" && len(args) > 0:
		return nil, "", nil, usageErrorf("give either FILE or --url, not both")
	case source != "":
		return a.download(ctx, source)
	case len(args) == 0:
		return nil, "", nil, usageErrorf("missing FILE: give a file, - for stdin, or --url")
	case args[0] == "-":
		return a.env.Stdin, "stdin", func() {}, nil
	}
	f, err := os.Open(args[0])
	if err != nil {
		return nil, "", nil, usageErrorf("import: %w", err)
	}
	return f, args[0], func() { f.Close() }, nil
}

// download fetches source after checking its scheme. The body is read
// whole before parsing, so a broken connection fails the import instead of
// importing part of the catalogue.
func (a *app) download(ctx context.Context, source string) (io.Reader, string, func(), error) {
	u, err := checkDownloadURL(source)
	if err != nil {
		return nil, "", nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, kevDownloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", nil, usageErrorf("download %s: %w", u.Redacted(), err)
	}
	resp, err := downloadClient.Do(req)
	if err != nil {
		return nil, "", nil, withExit(ExitFailures, fmt.Errorf("download %s: %w", u.Redacted(), err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", nil, withExit(ExitFailures, fmt.Errorf("download %s: HTTP status %s: check the URL or import a downloaded file", u.Redacted(), resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, kevMaxDownload+1))
	if err != nil {
		return nil, "", nil, withExit(ExitFailures, fmt.Errorf("download %s: %w", u.Redacted(), err))
	}
	if len(body) > kevMaxDownload {
		return nil, "", nil, withExit(ExitFailures, fmt.Errorf("download %s: larger than %d MiB, which no catalogue is: check the URL", u.Redacted(), kevMaxDownload>>20))
	}
	return strings.NewReader(string(body)), u.Redacted(), func() {}, nil
}

// downloadClient checks every redirect as it checks the first URL, so a
// redirect cannot downgrade the download to plain http.
var downloadClient = &http.Client{
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		_, err := checkDownloadURL(req.URL.String())
		return err
	},
}

// checkDownloadURL accepts https URLs, and http only to a loopback address.
func checkDownloadURL(source string) (*url.URL, error) {
	u, err := url.Parse(source)
	if err != nil || u.Host == "" {
		return nil, usageErrorf("--url %q is not an absolute URL such as https://mirror.example/known_exploited_vulnerabilities.json", source)
	}
	switch u.Scheme {
	case "https":
		return u, nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
			return u, nil
		}
	}
	return nil, usageErrorf("--url %s: only https URLs are accepted (http only for a loopback address)", u.Redacted())
}

func (a *app) openKEVJournal() (*state.Store, error) {
	dir, err := state.ResolveDir(a.stateDir, a.getenv)
	if err != nil {
		return nil, usageErrorf("%w", err)
	}
	store, err := state.Open(dir)
	if err != nil {
		return nil, openStateError(err)
	}
	if a.env.Now != nil {
		store.SetClock(a.env.Now)
	}
	return store, nil
}

// lockKEVImport waits up to kevImportLockWait for other imports into the
// state directory to finish. A timeout wraps state.ErrLockTimeout, which
// errorCodes maps to ExitPolicy.
func lockKEVImport(ctx context.Context, store *state.Store) (func(), error) {
	if ctx == nil {
		ctx = context.Background()
	}
	unlock, err := store.Lock(ctx, kevImportLock, kevImportLockWait)
	if errors.Is(err, state.ErrLockTimeout) {
		return nil, fmt.Errorf("another kev import is running in state directory %s: %w", store.Dir(), err)
	}
	if err != nil {
		return nil, withExit(ExitFailures, err)
	}
	return unlock, nil
}

func (a *app) newKEVImportMSRCCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import-msrc FILE|-",
		Short: "Import Microsoft's monthly security update document (CVRF XML)",
		Long: `import-msrc reads a CVRF 1.1 XML document from the MSRC CVRF API, such as
the one for 2024-Feb, and stores it in the state directory beside earlier
months. kev match reads the fixed Windows builds from these documents.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.kevImportMSRC(cmd.Context(), args, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the import summary as JSON")
	return cmd
}

// msrcImportSummary is the output of kev import-msrc.
type msrcImportSummary struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Released  time.Time `json:"released"`
	CVEs      int       `json:"cves"`
	Exploited []string  `json:"exploited"`
	KBs       int       `json:"kbs"`
}

func (a *app) kevImportMSRC(ctx context.Context, args []string, asJSON bool) error {
	r, name, closeInput, err := a.openImportInput(ctx, args, "")
	if err != nil {
		return err
	}
	defer closeInput()
	doc, err := msrc.Parse(r)
	if err != nil {
		return usageErrorf("import-msrc %s: %w", name, err)
	}
	store, err := a.openKEVJournal()
	if err != nil {
		return err
	}
	defer store.Close()
	unlock, err := lockKEVImport(ctx, store)
	if err != nil {
		return err
	}
	defer unlock()

	record := event.Catalogue{Name: documentName, Version: doc.ID, Released: doc.Released(), Count: len(doc.Vulnerabilities)}
	if err := a.journalAndSave(ctx, store, record, func() error { return kev.SaveDocument(store.Dir(), doc) }); err != nil {
		return err
	}
	s := summarizeDocument(doc)
	if asJSON {
		return a.printJSONValue(s)
	}
	fmt.Fprintf(a.env.Stdout, "imported Microsoft security update document %s (%s, released %s): %d CVEs, %d KBs, exploited: %s\n",
		s.ID, s.Title, s.Released.Format(time.DateOnly), s.CVEs, s.KBs, strings.Join(s.Exploited, ", "))
	return nil
}

func summarizeDocument(doc *msrc.Document) msrcImportSummary {
	s := msrcImportSummary{ID: doc.ID, Title: doc.Title, Released: doc.Released(), CVEs: len(doc.Vulnerabilities), Exploited: []string{}}
	kbs := map[string]bool{}
	for _, v := range doc.Vulnerabilities {
		if v.Exploited() {
			s.Exploited = append(s.Exploited, v.CVE)
		}
		for _, f := range v.Fixes {
			if f.KB != "" {
				kbs[f.KB] = true
			}
		}
	}
	s.KBs = len(kbs)
	return s
}

func (a *app) newKEVListCmd() *cobra.Command {
	var vendor, since string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the entries of the imported KEV catalogue, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.kevList(vendor, since, asJSON)
		},
	}
	cmd.Flags().StringVar(&vendor, "vendor", "", "list only entries of this vendor (case-insensitive)")
	cmd.Flags().StringVar(&since, "since", "", "list only entries added on or after this date (YYYY-MM-DD)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the entries as JSON")
	return cmd
}

func (a *app) kevList(vendor, since string, asJSON bool) error {
	entries, err := a.selectEntries(vendor, since, nil)
	if err != nil {
		return err
	}
	if asJSON {
		return a.printJSONValue(entries)
	}
	for _, e := range entries {
		fmt.Fprintf(a.env.Stdout, "%-16s added %s due %s  %s %s: %s\n",
			e.CVE, e.Added, e.Due, e.Vendor, e.Product, e.Name)
	}
	return nil
}

// selectEntries loads the stored catalogue and filters its entries by
// vendor, added date and CVE IDs. An empty filter selects every entry.
func (a *app) selectEntries(vendor, since string, cves []string) ([]kev.Entry, error) {
	dir, err := state.ResolveDir(a.stateDir, a.getenv)
	if err != nil {
		return nil, usageErrorf("%w", err)
	}
	catalogue, err := kev.Load(dir)
	if err != nil {
		return nil, usageErrorf("%w", err)
	}
	var from time.Time
	if since != "" {
		if from, err = time.Parse(time.DateOnly, since); err != nil {
			return nil, usageErrorf("--since %q is not a date like 2024-02-13", since)
		}
	}
	entries := []kev.Entry{}
	for _, e := range catalogue.Entries {
		if (vendor == "" || strings.EqualFold(e.Vendor, vendor)) && !e.Added.Before(from) &&
			(len(cves) == 0 || containsFold(cves, e.CVE)) {
			entries = append(entries, e)
		}
	}
	return entries, nil
}

func containsFold(list []string, s string) bool {
	for _, item := range list {
		if strings.EqualFold(item, s) {
			return true
		}
	}
	return false
}
