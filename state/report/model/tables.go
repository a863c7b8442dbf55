package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Table is one section of a report as text cells, the form the CSV and
// Markdown writers print. Every writer takes its figures from the same
// report values, so the tables and the JSON agree.
type Table struct {
	Name    string // file-name-safe section name, such as "coverage"
	Title   string
	Columns []string
	Rows    [][]string
	// Alerts maps a column index to the cell value that marks a problem,
	// such as "no" under "current", for writers that can highlight it.
	Alerts map[int]string
}

// Alert reports whether the cell in column col contains the table's problem
// value for that column.
func (t Table) Alert(col int, cell string) bool {
	want, ok := t.Alerts[col]
	return ok && cell == want
}

// TimeLayout formats instants in tables, always in UTC.
const TimeLayout = "2006-01-02 15:04 UTC"

// FormatTime formats t with TimeLayout, or "" for the zero time.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// FormatHours formats a duration in hours with one decimal, or "n/a" for
// a negative value, which means unknown.
func FormatHours(h float64) string {
	if h < 0 {
		return "n/a"
	}
	return strconv.FormatFloat(h, 'f', 1, 64)
}

// YesNo formats a flag as "yes" or "no".
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func list(items []string) string { return strings.Join(items, "; ") }

// Tables returns the report's sections as tables, in report order.
func (q *Quarterly) Tables() []Table {
	return []Table{
		q.summaryTable(), q.definitionsTable(), q.coverageTable(), q.hostsTable(),
		q.excludedTable(), q.vulnerabilitiesTable(), q.exceptionsTable(),
		q.holdsTable(), q.emergenciesTable(), q.incidentsTable(), q.runsTable(),
	}
}

func (q *Quarterly) summaryTable() Table {
	t := Table{Name: "summary", Title: "Summary", Columns: []string{"item", "value"}}
	site := q.Site
	if site == "" {
		site = "all"
	}
	total := q.Total()
	t.Rows = [][]string{
		{"quarter", q.Quarter},
		{"site", site},
		{"journal head", q.Head.String()},
		{"quarter coverage", total.QuarterEnd.String()},
	}
	for i, m := range q.Months {
		value := "n/a"
		if i < len(total.Months) {
			value = total.Months[i].String()
		}
		if m.Pending {
			value += " (pending)"
		}
		t.Rows = append(t.Rows, []string{"coverage " + m.Month + " at " + FormatTime(m.Measured), value})
	}
	return t
}

func (q *Quarterly) definitionsTable() Table {
	t := Table{Name: "definitions", Title: "Definitions", Columns: []string{"term", "definition"}}
	for _, d := range q.Definitions {
		t.Rows = append(t.Rows, []string{d.Term, d.Text})
	}
	return t
}

func (q *Quarterly) coverageTable() Table {
	t := Table{Name: "coverage", Title: "Coverage", Columns: []string{"dimension", "key", "current", "patchable", "percent"}}
	for _, m := range q.Months {
		t.Columns = append(t.Columns, m.Month+" current", m.Month+" patchable", m.Month+" percent")
	}
	for _, c := range q.Coverage {
		row := append([]string{c.Dimension, c.Key}, ratioCells(c.QuarterEnd)...)
		for _, m := range c.Months {
			row = append(row, ratioCells(m)...)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func ratioCells(r Ratio) []string {
	percent := "n/a"
	if r.Patchable > 0 {
		percent = strconv.FormatFloat(r.Percent(), 'f', 1, 64)
	}
	return []string{strconv.Itoa(r.Current), strconv.Itoa(r.Patchable), percent}
}

func (q *Quarterly) hostsTable() Table {
	t := Table{Name: "hosts", Title: "Patchable hosts at quarter end",
		Columns: []string{"host", "site", "ring", "platform", "current", "last patched", "reason"},
		Alerts:  map[int]string{4: "no"}}
	for _, h := range q.Hosts {
		t.Rows = append(t.Rows, []string{h.Host, h.Site, h.Ring, h.Platform, YesNo(h.Current), FormatTime(h.Patched), h.Reason})
	}
	return t
}

func (q *Quarterly) excludedTable() Table {
	t := Table{Name: "excluded", Title: "Outside coverage: exceptions and medical devices",
		Columns: []string{"name", "site", "kind", "detail"}}
	for _, e := range q.Excluded {
		t.Rows = append(t.Rows, []string{e.Name, e.Site, e.Kind, e.Detail})
	}
	return t
}

func (q *Quarterly) vulnerabilitiesTable() Table {
	t := Table{Name: "vulnerabilities", Title: "Vulnerabilities outstanding at quarter end",
		Columns: []string{"cve", "emergency", "kev added", "age days", "hosts"}}
	for _, v := range q.Vulnerabilities {
		age := strconv.Itoa(v.AgeDays)
		if v.AgeDays < 0 {
			age = "n/a"
		}
		t.Rows = append(t.Rows, []string{v.CVE, v.Emergency, dateOnly(v.KEVAdded), age, list(v.Hosts)})
	}
	return t
}

func dateOnly(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func (q *Quarterly) exceptionsTable() Table {
	t := Table{Name: "exceptions", Title: "Exceptions",
		Columns: []string{"id", "hosts", "application", "reason", "controls", "owner", "review by", "overdue", "change in quarter"},
		Alerts:  map[int]string{7: "yes"}}
	for _, e := range q.Exceptions {
		change := e.Change
		if change == "" {
			change = "unchanged"
		}
		t.Rows = append(t.Rows, []string{e.ID, list(e.Hosts), e.App, e.Reason, list(e.Controls), e.Owner, e.ReviewBy, YesNo(e.Overdue), change})
	}
	return t
}

func (q *Quarterly) holdsTable() Table {
	t := Table{Name: "holds", Title: "Holds",
		Columns: []string{"update", "origin", "reason", "source", "scope", "since (first snapshot or runner record)", "cleared", "deferred hosts"}}
	for _, h := range q.Holds {
		t.Rows = append(t.Rows, []string{h.Update, h.Origin, h.Reason, h.Source, h.Scope, FormatTime(h.Since), FormatTime(h.Cleared), list(h.Deferred)})
	}
	return t
}

func (q *Quarterly) emergenciesTable() Table {
	t := Table{Name: "emergencies", Title: "Emergency response",
		Columns: []string{"id", "cves", "kev added", "declared", "hosts", "patched", "first patched", "last patched",
			"hours from declaration", "24h from declaration", "72h from declaration",
			"hours from catalogue", "24h from catalogue", "72h from catalogue"},
		Alerts: map[int]string{9: "no", 10: "no", 12: "no", 13: "no"}}
	for _, e := range q.Emergencies {
		row := []string{e.ID, list(e.CVEs), dateOnly(e.KEVAdded), FormatTime(e.Declared),
			strconv.Itoa(e.Hosts), strconv.Itoa(e.Patched), FormatTime(e.FirstPatched), FormatTime(e.LastPatched)}
		row = append(row, targetCells(&e.FromDeclared)...)
		t.Rows = append(t.Rows, append(row, targetCells(e.FromCatalogue)...))
	}
	return t
}

func targetCells(t *Target) []string {
	if t == nil {
		return []string{"n/a", "n/a", "n/a"}
	}
	return []string{FormatHours(t.Hours), YesNo(t.Met24), YesNo(t.Met72)}
}

func (q *Quarterly) incidentsTable() Table {
	t := Table{Name: "incidents", Title: "Incidents", Columns: []string{"time", "kind", "run", "host", "operator", "reason"}}
	for _, i := range q.Incidents {
		t.Rows = append(t.Rows, []string{FormatTime(i.Time), i.Kind, i.Run, i.Host, i.Operator, i.Reason})
	}
	return t
}

func (q *Quarterly) runsTable() Table {
	t := Table{Name: "runs", Title: "Appendix: runs of the quarter",
		Columns: []string{"run", "started", "operator", "playbook", "scope", "cycle", "outcome", "done", "reboot pending", "failed", "missed", "skipped", "overrides"},
		Alerts:  map[int]string{6: "failures"}}
	for _, r := range q.Runs {
		t.Rows = append(t.Rows, []string{r.ID, FormatTime(r.Started), r.Operator, r.Playbook, r.Scope, r.Cycle, r.Outcome(),
			strconv.Itoa(r.Done), strconv.Itoa(r.RebootPending), strconv.Itoa(r.Failed), strconv.Itoa(r.Missed), strconv.Itoa(r.Skipped),
			list(r.Overrides)})
	}
	return t
}

// Percent formats a ratio's percentage with one decimal, or "n/a".
func Percent(r Ratio) string {
	if r.Patchable == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f %%", r.Percent())
}
