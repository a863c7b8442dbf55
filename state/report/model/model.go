// Package model holds the figures of patchbay's compliance reports as plain
// values, so that the HTML, Markdown, CSV and JSON writers print the same
// numbers. Package report computes them from the journal; this package
// does no I/O.
package model

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Head names the last journal record a report was built from, so a reader
// can later prove with `patchbay journal verify --expect-head` that the
// journal still holds everything the report saw.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// String formats h as SEQ:HASH.
func (h Head) String() string { return fmt.Sprintf("%d:%s", h.Seq, h.Hash) }

// Definition states one term the report's figures rely on.
type Definition struct {
	Term string `json:"term"`
	Text string `json:"text"`
}

// Ratio is a coverage figure: current patchable hosts over patchable hosts.
type Ratio struct {
	Current   int `json:"current"`
	Patchable int `json:"patchable"`
}

// Percent returns the ratio as a percentage, or 0 when no host is
// patchable.
func (r Ratio) Percent() float64 {
	if r.Patchable == 0 {
		return 0
	}
	return 100 * float64(r.Current) / float64(r.Patchable)
}

// String formats r as "3/4 (75.0 %)", or "0/0 (n/a)" when no host is
// patchable.
func (r Ratio) String() string {
	if r.Patchable == 0 {
		return "0/0 (n/a)"
	}
	return fmt.Sprintf("%d/%d (%.1f %%)", r.Current, r.Patchable, r.Percent())
}

// Month is one monthly coverage measurement of the quarter.
type Month struct {
	Month    string    `json:"month"`    // "2026-10"
	Release  time.Time `json:"release"`  // the monthly release instant
	Measured time.Time `json:"measured"` // end of the production phase, when coverage is measured
	// Pending is true when the measurement instant is after the report's
	// build time, so the figure may still change.
	Pending bool `json:"pending,omitempty"`
}

// Coverage is one row of the coverage table: a site, ring or platform,
// with its quarter-end value and its three monthly values.
type Coverage struct {
	Dimension  string  `json:"dimension"` // "all", "site", "ring" or "platform"
	Key        string  `json:"key"`
	QuarterEnd Ratio   `json:"quarter_end"`
	Months     []Ratio `json:"months"` // in the order of Quarterly.Months
}

// HostStatus is one patchable host at quarter end, with why it is not
// current when it is not.
type HostStatus struct {
	Host     string    `json:"host"`
	Site     string    `json:"site"`
	Ring     string    `json:"ring"`
	Platform string    `json:"platform"`
	Current  bool      `json:"current"`
	Patched  time.Time `json:"last_patched,omitzero"` // last successful patch run
	Reason   string    `json:"reason,omitempty"`      // the reason the host is not current
}

// Excluded is a host or medical device outside the coverage denominator.
type Excluded struct {
	Name   string `json:"name"`
	Site   string `json:"site"`
	Kind   string `json:"kind"`   // "exception" or "medical device"
	Detail string `json:"detail"` // the exception id, or the device model and firmware
}

// Vulnerability is a known exploited CVE that still matched hosts at
// quarter end.
type Vulnerability struct {
	CVE       string    `json:"cve"`
	Emergency string    `json:"emergency"`
	KEVAdded  time.Time `json:"kev_added,omitzero"`
	AgeDays   int       `json:"age_days"` // from KEVAdded to quarter end; -1 without a catalogue date
	Hosts     []string  `json:"hosts"`
}

// Exception is one exception's status at quarter end.
type Exception struct {
	ID       string   `json:"id"`
	Hosts    []string `json:"hosts"`
	App      string   `json:"app"`
	Reason   string   `json:"reason"`
	Controls []string `json:"controls"`
	Owner    string   `json:"owner"`
	ReviewBy string   `json:"review_by"` // YYYY-MM-DD
	Overdue  bool     `json:"overdue"`
	// Change is "added", "changed", "removed" or "" against the quarter's
	// first day.
	Change string `json:"change,omitempty"`
}

// Hold is a held patch active during the quarter.
type Hold struct {
	Update   string    `json:"update"`
	Origin   string    `json:"origin"` // "inventory" or "runner"
	Reason   string    `json:"reason"`
	Source   string    `json:"source,omitempty"`
	Scope    string    `json:"scope"`
	Since    time.Time `json:"since"`
	Cleared  time.Time `json:"cleared,omitzero"`
	Deferred []string  `json:"deferred"` // patchable hosts the hold applied to
}

// Target is whether a response met a deadline, counted from one start.
type Target struct {
	Hours float64 `json:"hours"` // start to the last host patched; -1 when unknown
	Met24 bool    `json:"met_24h"`
	Met72 bool    `json:"met_72h"`
}

// Emergency is one emergency's response history.
type Emergency struct {
	ID            string    `json:"id"`
	CVEs          []string  `json:"cves"`
	KEVAdded      time.Time `json:"kev_added,omitzero"`
	Declared      time.Time `json:"declared"`
	Hosts         int       `json:"hosts"`
	Patched       int       `json:"patched"`
	FirstPatched  time.Time `json:"first_patched,omitzero"`
	LastPatched   time.Time `json:"last_patched,omitzero"`
	FromDeclared  Target    `json:"from_declared"`
	FromCatalogue *Target   `json:"from_catalogue,omitempty"` // nil for a CVE not in the catalogue
}

// Incident kinds.
const (
	IncidentFailedHost     = "failed host"
	IncidentRebootLoop     = "reboot loop"
	IncidentAbortedRun     = "aborted run"
	IncidentWindowOverride = "window override"
	IncidentGateOverride   = "gate override"
	IncidentBudget         = "failure budget spent"
)

// Incident is a failure or an operator's override during the quarter.
type Incident struct {
	Time     time.Time `json:"time"`
	Kind     string    `json:"kind"`
	Run      string    `json:"run,omitempty"`
	Host     string    `json:"host,omitempty"`
	Operator string    `json:"operator,omitempty"`
	Reason   string    `json:"reason"`
}

// Run is one run in the appendix, with its outcome counts.
type Run struct {
	ID       string    `json:"id"`
	Started  time.Time `json:"started"`
	Operator string    `json:"operator"`
	Playbook string    `json:"playbook"`
	Scope    string    `json:"scope"`
	Cycle    string    `json:"cycle,omitempty"`
	Finished bool      `json:"finished"`
	Done     int       `json:"done"`
	// RebootPending counts the hosts whose updates are installed and
	// whose restart waits for the reboot policy. Done does not include
	// them.
	RebootPending int      `json:"reboot_pending"`
	Failed        int      `json:"failed"`
	Missed        int      `json:"missed"`
	Skipped       int      `json:"skipped"`
	Aborted       bool     `json:"aborted,omitempty"`
	Overrides     []string `json:"overrides,omitempty"`
}

// Outcome returns the run's result in one word: "aborted", "unfinished",
// "failures", "missed" (hosts were off, none failed) or "ok".
func (r Run) Outcome() string {
	switch {
	case r.Aborted:
		return "aborted"
	case !r.Finished:
		return "unfinished"
	case r.Failed > 0:
		return "failures"
	case r.Missed > 0:
		return "missed"
	}
	return "ok"
}

// Quarterly is the quarterly compliance report.
type Quarterly struct {
	Quarter     string       `json:"quarter"` // "2026Q4"
	Site        string       `json:"site,omitempty"`
	Start       time.Time    `json:"start"` // in the selected site's time zone, else the first site's
	End         time.Time    `json:"end"`
	Head        Head         `json:"head"`
	Definitions []Definition `json:"definitions"`

	Months          []Month         `json:"months"`
	Coverage        []Coverage      `json:"coverage"`
	Hosts           []HostStatus    `json:"hosts"`
	Excluded        []Excluded      `json:"excluded"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities"`
	Exceptions      []Exception     `json:"exceptions"`
	Holds           []Hold          `json:"holds"`
	Emergencies     []Emergency     `json:"emergencies"`
	Incidents       []Incident      `json:"incidents"`
	Runs            []Run           `json:"runs"`
}

// Total returns the coverage row over every patchable host.
func (q *Quarterly) Total() Coverage {
	for _, c := range q.Coverage {
		if c.Dimension == "all" {
			return c
		}
	}
	return Coverage{Dimension: "all"}
}

// Counts formats the run's outcome counts, such as "3 done, 1 reboot
// pending, 1 failed, 0 missed, 2 skipped".
func (r Run) Counts() string {
	return fmt.Sprintf("%d done, %d reboot pending, %d failed, %d missed, %d skipped", r.Done, r.RebootPending, r.Failed, r.Missed, r.Skipped)
}

// MarshalJSON adds the percentage, rounded to one decimal, or null when no
// host is patchable.
func (r Ratio) MarshalJSON() ([]byte, error) {
	percent := "null"
	if r.Patchable > 0 {
		percent = strconv.FormatFloat(math.Round(r.Percent()*10)/10, 'f', -1, 64)
	}
	return []byte(fmt.Sprintf(`{"current":%d,"patchable":%d,"percent":%s}`, r.Current, r.Patchable, percent)), nil
}
