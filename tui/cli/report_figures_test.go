package cli

import (
	"bytes"
	"context"
	stdcsv "encoding/csv"
	stdjson "encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"

	"patchbay/state/report"
	reportcsv "patchbay/state/report/csv"
	reporthtml "patchbay/state/report/html"
	reportjson "patchbay/state/report/json"
	reportmd "patchbay/state/report/md"
	"patchbay/state/report/model"
)

// reportTables maps a table name to its rows, as read back from one format.
type reportTables map[string][][]string

// TestQuarterlyFiguresAllFormats checks every figure of the 2026Q4 report
// of the journal that buildScenario writes, in all four formats, against
// values computed by hand from the scenario.
func TestQuarterlyFiguresAllFormats(t *testing.T) {
	s := buildScenario(t)
	q, err := report.BuildQuarterly(context.Background(), s.store, report.Options{Quarter: report.Quarter{Year: 2026, Q: 4}, Now: scenarioAt("2027-01-05T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	head, err := s.store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if q.Head.Seq != head.Seq || q.Head.Hash != head.Hash {
		t.Errorf("report head = %s, journal head = %s", q.Head, head)
	}
	formats := map[string]reportTables{"model": fromModel(q)}
	formats["json"] = fromJSON(t, q)
	formats["csv"] = fromCSV(t, q)
	formats["markdown"] = fromMarkdown(t, q)
	formats["html"] = fromHTML(t, q)
	for name, got := range formats {
		t.Run(name, func(t *testing.T) { checkFigures(t, got, head.String(), name == "html") })
	}
}

func checkFigures(t *testing.T, got reportTables, head string, html bool) {
	// Summary. Quarter coverage 4/5 and the monthly values are derived
	// under coverage below.
	want := [][]string{
		{"quarter", "2026Q4"},
		{"site", "all"},
		{"journal head", head},
		{"quarter coverage", "4/5 (80.0 %)"},
		{"coverage 2026-10 at 2026-10-18 17:00 UTC", "5/6 (83.3 %)"},
		{"coverage 2026-11 at 2026-11-15 18:00 UTC", "3/6 (50.0 %)"},
		{"coverage 2026-12 at 2026-12-13 18:00 UTC", "4/5 (80.0 %)"},
	}
	checkRows(t, got, "summary", want)

	// Coverage: quarter end, then October, November, December.
	//
	// Quarter end uses fleet v2 (snapshot of 2026-11-20): n-pacs and
	// w-kiosk are excepted, leaving n-web, n-db, n-files, w-app, w-db.
	// n-web, w-app: done in r6a (12-10 20:00), after the December release
	// (12-08 18:00), nothing failed since. n-db: done in r6a, then failed
	// in r8 (12-20), so not current. n-files: done in r5 (12-12). w-db:
	// failed in r5, done in r9 at 2027-01-01 03:00 UTC, which is before
	// West's quarter end (01-01 08:00 UTC), so current. 4/5.
	//
	// October (10-18 17:00, fleet v1, six patchable hosts including
	// w-kiosk): r1a and r1d on 10-16 left every host done except
	// w-kiosk, whose reboot is pending. 5/6.
	//
	// November (11-15 18:00, fleet v1): n-web, n-db done in r2a (11-12),
	// w-app in r3a (11-14). n-files was missed in r2d, so its last patch
	// (10-16) predates the release of 11-10; w-db failed in r3d; w-kiosk
	// waits for a reboot. 3/6.
	//
	// December (12-13 18:00, fleet v2, five hosts): n-web, n-db and w-app
	// (r6a) and n-files (r6d, r5) are current. w-db failed in r5 on 12-12
	// after its r6d success. 4/5.
	//
	// Sites: north = n-web, n-db, n-files (+ nothing excepted that counts);
	// west = w-app, w-db (+ w-kiosk in v1). Rings: test = n-web, w-app;
	// production = n-db, n-files, w-db (+ w-kiosk in v1). Platforms:
	// linux-aptMonthly = n-web, n-db, w-app (+ w-kiosk); linux-dnfMonthly = n-files, w-db.
	want = [][]string{
		{"all", "all", "4", "5", "80.0", "5", "6", "83.3", "3", "6", "50.0", "4", "5", "80.0"},
		{"site", "north", "2", "3", "66.7", "3", "3", "100.0", "2", "3", "66.7", "3", "3", "100.0"},
		{"site", "west", "2", "2", "100.0", "2", "3", "66.7", "1", "3", "33.3", "1", "2", "50.0"},
		{"ring", "test", "2", "2", "100.0", "2", "2", "100.0", "2", "2", "100.0", "2", "2", "100.0"},
		{"ring", "production", "2", "3", "66.7", "3", "4", "75.0", "1", "4", "25.0", "2", "3", "66.7"},
		{"platform", "linux-apt", "2", "3", "66.7", "3", "4", "75.0", "3", "4", "75.0", "3", "3", "100.0"},
		{"platform", "linux-dnf", "2", "2", "100.0", "2", "2", "100.0", "0", "2", "0.0", "1", "2", "50.0"},
	}
	checkRows(t, got, "coverage", want)

	// Hosts at quarter end: host, current, last patched (see above).
	checkColumns(t, got, "hosts", []int{0, 4, 5}, [][]string{
		{"n-web", "yes", "2026-12-10 20:00 UTC"},
		{"n-db", "no", "2026-12-10 20:00 UTC"},
		{"n-files", "yes", "2026-12-12 09:00 UTC"},
		{"w-app", "yes", "2026-12-10 20:00 UTC"},
		{"w-db", "yes", "2027-01-01 03:00 UTC"},
	})
	if rows := got["hosts"]; len(rows) > 1 && !strings.Contains(rows[1][6], "reboot loop at 2026-12-20 10:00 UTC") {
		t.Errorf("n-db reason = %q, want the reboot loop of r8", rows[1][6])
	}

	// Outside coverage: the two exceptions of v2 and the ECG device.
	checkRows(t, got, "excluded", [][]string{
		{"n-pacs", "north", "exception", "pacs-pinned (PACS)"},
		{"n-ecg", "north", "medical device", "ECG-1 firmware 7.10, Example Medical"},
		{"w-kiosk", "west", "exception", "kiosk-cert (CheckIn)"},
	})

	// Vulnerabilities: E2 named n-files, w-db and n-db. n-files was
	// patched for it; w-db was patched by r9 inside West's quarter; n-db
	// was never patched after the declaration (12-11 09:00) because r8
	// failed. Age: 2026-11-20 to 2027-01-01 = 10 + 31 + 1 = 42 days.
	// E1's hosts were all patched.
	checkRows(t, got, "vulnerabilities", [][]string{{"CVE-2026-2222", "E2", "2026-11-20", "42", "n-db"}})

	// Exceptions: pacs-pinned's review moved from 11-30 to 12-15 (changed,
	// and overdue at 2027-01-01); kiosk-cert is new in v2, due 2027-02-01.
	checkColumns(t, got, "exceptions", []int{0, 1, 2, 6, 7, 8}, [][]string{
		{"pacs-pinned", "n-pacs", "PACS", "2026-12-15", "yes", "changed"},
		{"kiosk-cert", "w-kiosk", "CheckIn", "2027-02-01", "no", "added"},
	})

	// Holds: the inventory's pg-hold ran from v1 (09-01) until v2 dropped
	// it (11-20), and it deferred West's patchable hosts of v1. Then come
	// the runner's holds of the reboot loops of w-db in r3d (three
	// packages, set again in r5 but kept from their first time) and of
	// n-db in r8 (two packages).
	checkColumns(t, got, "holds", []int{0, 1, 4, 5, 6, 7}, [][]string{
		{"postgresql-server 13.14", "inventory", "site:west", "2026-09-01 00:00 UTC", "2026-11-20 00:00 UTC", "w-app; w-db; w-kiosk"},
		{"kernel", "runner", "host:w-db", "2026-11-14 03:00 UTC", "", "w-db"},
		{"glibc", "runner", "host:w-db", "2026-11-14 03:00 UTC", "", "w-db"},
		{"openssl-libs", "runner", "host:w-db", "2026-11-14 03:00 UTC", "", "w-db"},
		{"libc6", "runner", "host:n-db", "2026-12-20 10:00 UTC", "", "n-db"},
		{"linux-image-amd64", "runner", "host:n-db", "2026-12-20 10:00 UTC", "", "n-db"},
	})

	// Emergencies. E1: declared 12-02 15:00, catalogue 12-01 00:00, every
	// host patched at 12-02 20:00: 5.0 h from the declaration (both
	// targets met), 44.0 h from the catalogue (72 h only). E2: one of
	// three hosts patched, so no target is met.
	checkRows(t, got, "emergencies", [][]string{
		{"E1", "CVE-2026-1111", "2026-12-01", "2026-12-02 15:00 UTC", "3", "3", "2026-12-02 20:00 UTC", "2026-12-02 20:00 UTC",
			"5.0", "yes", "yes", "44.0", "no", "yes"},
		{"E2", "CVE-2026-2222", "2026-11-20", "2026-12-11 09:00 UTC", "3", "1", "2026-12-12 09:00 UTC", "2026-12-12 09:00 UTC",
			"n/a", "no", "no", "n/a", "no", "no"},
	})

	// Incidents, by time: the failures and reboot loops of r3d, r5 and r8,
	// the window override of r3a, the gate overrides of r6a and r5, and
	// the aborted r7.
	checkColumns(t, got, "incidents", []int{0, 1, 2, 3, 4}, [][]string{
		{"2026-11-14 03:00 UTC", "failed host", "r3d", "w-db", "Ben"},
		{"2026-11-14 03:00 UTC", "reboot loop", "r3d", "w-db", "Ben"},
		{"2026-11-14 03:00 UTC", "window override", "r3a", "", "Ben"},
		{"2026-12-10 20:00 UTC", "gate override", "r6a", "", "Ben"},
		{"2026-12-12 09:00 UTC", "failed host", "r5", "w-db", "Ana"},
		{"2026-12-12 09:00 UTC", "reboot loop", "r5", "w-db", "Ana"},
		{"2026-12-12 09:00 UTC", "gate override", "r5", "", "Ana"},
		{"2026-12-15 12:00 UTC", "aborted run", "r7", "", "Ana"},
		{"2026-12-20 10:00 UTC", "failed host", "r8", "n-db", "Ana"},
		{"2026-12-20 10:00 UTC", "reboot loop", "r8", "n-db", "Ana"},
	})

	// Runs: r0 (Q3) and r10 (2027Q1 everywhere) are left out; r9 counts
	// in West's quarter. Counts per run as its hosts ended above: done,
	// reboot pending (w-kiosk, whose policy never reboots), failed, missed
	// and skipped.
	checkColumns(t, got, "runs", []int{0, 2, 4, 6, 7, 8, 9, 10, 11}, [][]string{
		{"r1a", "Ana", "all hosts", "ok", "3", "1", "0", "0", "0"},
		{"r1d", "Ana", "all hosts", "ok", "2", "0", "0", "0", "0"},
		{"r2a", "Ana", "--site north", "ok", "2", "0", "0", "0", "0"},
		{"r2d", "Ana", "--site north", "missed", "0", "0", "0", "1", "0"},
		{"r3a", "Ben", "--site west", "ok", "1", "1", "0", "0", "0"},
		{"r3d", "Ben", "--site west", "failures", "0", "0", "1", "0", "0"},
		{"r4", "Ana", "--hosts n-web,n-db,w-app", "ok", "3", "0", "0", "0", "0"},
		{"r6a", "Ben", "all hosts", "ok", "3", "0", "0", "0", "0"},
		{"r6d", "Ben", "all hosts", "ok", "2", "0", "0", "0", "0"},
		{"r5", "Ana", "--hosts n-files,w-db", "failures", "1", "0", "1", "0", "0"},
		{"r7", "Ana", "--site north", "aborted", "0", "0", "0", "0", "0"},
		{"r8", "Ana", "--hosts n-db", "failures", "0", "0", "1", "0", "0"},
		{"r9", "Ben", "--hosts w-db", "ok", "1", "0", "0", "0", "0"},
	})
	if !html && len(got["definitions"]) == 0 {
		t.Error("definitions table is empty")
	}
}

// checkRows compares a whole table.
func checkRows(t *testing.T, got reportTables, name string, want [][]string) {
	t.Helper()
	all := make([]int, 0)
	if len(want) > 0 {
		for i := range want[0] {
			all = append(all, i)
		}
	}
	checkColumns(t, got, name, all, want)
}

// checkColumns compares the given columns of every row of a table.
func checkColumns(t *testing.T, got reportTables, name string, cols []int, want [][]string) {
	t.Helper()
	rows := got[name]
	if len(rows) != len(want) {
		t.Errorf("%s: %d rows, want %d:\n%s", name, len(rows), len(want), formatRows(rows))
		return
	}
	for i, row := range rows {
		for j, c := range cols {
			if c >= len(row) {
				t.Errorf("%s row %d: no column %d in %q", name, i, c, row)
				continue
			}
			if row[c] != want[i][j] {
				t.Errorf("%s row %d column %d = %q, want %q", name, i, c, row[c], want[i][j])
			}
		}
	}
}

func formatRows(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, " | ") + "\n")
	}
	return b.String()
}

func fromModel(q *model.Quarterly) reportTables {
	out := reportTables{}
	for _, tb := range q.Tables() {
		out[tb.Name] = tb.Rows
	}
	return out
}

func fromJSON(t *testing.T, q *model.Quarterly) reportTables {
	var buf bytes.Buffer
	if err := reportjson.Write(&buf, q); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Coverage []struct {
			QuarterEnd struct{ Percent float64 } `json:"quarter_end"`
		}
	}
	if err := stdjson.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	// 4 of 5 hosts current at quarter end, as derived in checkFigures.
	if len(raw.Coverage) == 0 || raw.Coverage[0].QuarterEnd.Percent != 80 {
		t.Errorf("JSON quarter-end percent = %+v, want 80", raw.Coverage)
	}
	var back model.Quarterly
	if err := stdjson.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	return fromModel(&back)
}

func fromCSV(t *testing.T, q *model.Quarterly) reportTables {
	var buf bytes.Buffer
	if err := reportcsv.Write(&buf, q); err != nil {
		t.Fatal(err)
	}
	r := stdcsv.NewReader(&buf)
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := reportTables{}
	for _, rec := range records {
		if rec[0] != "table" {
			out[rec[0]] = append(out[rec[0]], rec[1:])
		}
	}
	return out
}

func fromMarkdown(t *testing.T, q *model.Quarterly) reportTables {
	var buf bytes.Buffer
	if err := reportmd.Write(&buf, q); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, tb := range q.Tables() {
		names[tb.Title] = tb.Name
	}
	out := reportTables{}
	name, header := "", false
	for _, line := range strings.Split(buf.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			name, header = names[strings.TrimPrefix(line, "## ")], true
		case strings.HasPrefix(line, "| --- |"):
		case strings.HasPrefix(line, "|") && header:
			header = false
		case strings.HasPrefix(line, "|"):
			out[name] = append(out[name], markdownCells(line))
		}
	}
	return out
}

// markdownCells splits a pipe table row, undoing the writer's escapes.
func markdownCells(line string) []string {
	var cells []string
	var cell strings.Builder
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line):
			i++
			cell.WriteByte(line[i])
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cell.String()))
			cell.Reset()
		default:
			cell.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cell.String()))
}

var (
	htmlTable = regexp.MustCompile(`(?s)<table data-table="([a-z]+)">(.*?)</table>`)
	htmlRow   = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	htmlCell  = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
)

func fromHTML(t *testing.T, q *model.Quarterly) reportTables {
	var buf bytes.Buffer
	if err := reporthtml.Write(&buf, q); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, external := range []string{"src=", "href=", "@import", "url("} {
		if strings.Contains(page, external) {
			t.Errorf("HTML report refers to an external asset (%s)", external)
		}
	}
	out := reportTables{}
	for _, m := range htmlTable.FindAllStringSubmatch(page, -1) {
		for _, row := range htmlRow.FindAllStringSubmatch(m[2], -1) {
			cells := htmlCell.FindAllStringSubmatch(row[1], -1)
			if len(cells) == 0 {
				continue
			}
			var values []string
			for _, c := range cells {
				values = append(values, html.UnescapeString(c[1]))
			}
			out[m[1]] = append(out[m[1]], values)
		}
	}
	return out
}
