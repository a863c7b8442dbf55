package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestExceptionsOverdueFirst(t *testing.T) {
	// On 2026-12-28 the ENT review (2026-12-21) is 7 days overdue and the
	// imaging review (2027-01-05) is 8 days away, so the order flips from
	// the inventory's.
	now := time.Date(2026, 12, 28, 15, 0, 0, 0, time.UTC)
	r := runCLIAt(t, nil, now, "exceptions", "--inventory", examplesDir, "--json")
	if r.code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	var rows []exceptionRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
	}
	if len(rows) != 2 {
		t.Fatalf("got %d exceptions, want 2", len(rows))
	}
	if rows[0].ID != "ent-audiometry-build" || !rows[0].Overdue || rows[0].DaysLeft != -7 {
		t.Errorf("first row = %+v, want ent-audiometry-build overdue by 7 days", rows[0])
	}
	if rows[1].ID != "img-viewer-certified-os" || rows[1].Overdue || rows[1].DaysLeft != 8 {
		t.Errorf("second row = %+v, want img-viewer-certified-os due in 8 days", rows[1])
	}
	if len(rows[0].Controls) == 0 {
		t.Error("the overdue exception lists no compensating controls")
	}
}

func TestExceptionsTableFlagsOverdue(t *testing.T) {
	now := time.Date(2026, 12, 28, 15, 0, 0, 0, time.UTC)
	r := runCLIAt(t, nil, now, "exceptions", "--inventory", examplesDir, "--site", "ent")
	if r.code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "OVERDUE by 7 days") {
		t.Errorf("table does not flag the overdue review:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "img-viewer-certified-os") {
		t.Errorf("--site ent listed the imaging exception:\n%s", r.stdout)
	}
}

func TestExceptionsUnknownSite(t *testing.T) {
	r := runCLIAt(t, nil, time.Now(), "exceptions", "--inventory", examplesDir, "--site", "nosuch")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `site "nosuch" is not in the inventory`) {
		t.Errorf("exit %d, stderr %q; want exit 2 naming the site", r.code, r.stderr)
	}
}
