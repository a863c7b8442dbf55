package windows

import (
	"regexp"
	"strconv"
	"strings"

	"patchbay/playbooks/parse"
)

// Update is one row of a PSWindowsUpdate table.
type Update struct {
	ComputerName string
	// Stage is the "X" column of Install-WindowsUpdate: 1 accepted, 2
	// downloaded, 3 installed. It is 0 in Get-WindowsUpdate rows.
	Stage  int
	Status string // Get-WindowsUpdate flags such as "-D-----"
	Result string // Install-WindowsUpdate result: "Accepted", "Installed", "Failed", ...
	KB     string // empty for driver updates
	Size   string // as printed, such as "44MB"
	Title  string // may be cut short and end in "..."
}

// Status flag letters of Get-WindowsUpdate, by position in the Status
// column: Accepted or Rejected, Downloaded, Installed, Mandatory, Hidden,
// Uninstallable, Beta.
const statusFlags = "ADIMHUB"

// HasFlag reports whether the Status column sets flag, one of the letters
// A, R, D, I, M, H, U or B.
func (u Update) HasFlag(flag byte) bool {
	index := strings.IndexByte(statusFlags, flag)
	if flag == 'R' {
		index = 0
	}
	return index >= 0 && index < len(u.Status) && u.Status[index] == flag
}

// Truncated reports whether the table cut the title short.
func (u Update) Truncated() bool {
	return strings.HasSuffix(u.Title, "...")
}

// WindowsUpdateReport is the parsed output of Get-WindowsUpdate or
// Install-WindowsUpdate.
type WindowsUpdateReport struct {
	Available []Update // rows of the Get-WindowsUpdate table
	Results   []Update // rows of the Install-WindowsUpdate table, one per stage
	Found     int      // from "Found[N] Updates in post search criteria"; -1 when absent
	// Scheduled is true when Install-WindowsUpdate -ScheduleJob handed the
	// install to a scheduled task (an "Invoke-WUJob:" line), so Results
	// hold only the accepted stage and the outcome lands in the task's log.
	Scheduled bool
	Verbose   []string // VERBOSE lines without the prefix
}

var foundUpdates = regexp.MustCompile(`Found\[(\d+)\] Updates in post search criteria`)

// ParseWindowsUpdate parses PSWindowsUpdate's Get-WindowsUpdate and
// Install-WindowsUpdate default table output, with or without -Verbose.
func ParseWindowsUpdate(output string) WindowsUpdateReport {
	report := WindowsUpdateReport{Found: -1}
	for _, line := range parse.Lines(output) {
		text, ok := strings.CutPrefix(line, "VERBOSE: ")
		if !ok {
			continue
		}
		report.Verbose = append(report.Verbose, text)
		if m := foundUpdates.FindStringSubmatch(text); m != nil {
			report.Found, _ = strconv.Atoi(m[1])
		}
		if strings.HasPrefix(text, "Invoke-WUJob:") {
			report.Scheduled = true
		}
	}
	for _, table := range parse.Tables(withoutVerbose(output)) {
		report.addTable(table)
	}
	return report
}

func withoutVerbose(output string) string {
	var kept []string
	for _, line := range parse.Lines(output) {
		if !strings.HasPrefix(line, "VERBOSE: ") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}

func (r *WindowsUpdateReport) addTable(table parse.Table) {
	for _, row := range table.Rows {
		record := zip(table.Columns, row)
		update := Update{
			ComputerName: record["ComputerName"], Status: record["Status"], Result: record["Result"],
			KB: record["KB"], Size: record["Size"], Title: record["Title"],
		}
		if stage, ok := record["X"]; ok {
			update.Stage, _ = strconv.Atoi(stage)
			r.Results = append(r.Results, update)
		} else {
			r.Available = append(r.Available, update)
		}
	}
}
