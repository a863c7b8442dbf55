package windows

import (
	"regexp"
	"strings"

	"patchbay/playbooks/parse"
)

// HotFix is one installed update as Get-HotFix or Win32_QuickFixEngineering
// lists it.
type HotFix struct {
	ID          string // "KB4495590"
	Description string // "Update", "Security Update", ...
	Source      string // computer name; empty in CIM output
	InstalledBy string // may end in "..." when the table truncated it
	InstalledOn string // as printed, in the host's locale
}

// ParseHotFixes parses `Get-HotFix` or `Get-CimInstance
// Win32_QuickFixEngineering` in the default table view, or either piped to
// Format-List. Rows without a HotFixID are skipped.
func ParseHotFixes(output string) []HotFix {
	var hotfixes []HotFix
	for _, table := range parse.Tables(output) {
		for _, row := range table.Rows {
			hotfixes = appendHotFix(hotfixes, zip(table.Columns, row))
		}
	}
	if len(hotfixes) == 0 {
		for _, record := range parse.Records(output) {
			hotfixes = appendHotFix(hotfixes, record)
		}
	}
	return hotfixes
}

func appendHotFix(hotfixes []HotFix, record map[string]string) []HotFix {
	if record["HotFixID"] == "" {
		return hotfixes
	}
	return append(hotfixes, HotFix{
		ID: record["HotFixID"], Description: record["Description"], Source: record["Source"],
		InstalledBy: record["InstalledBy"], InstalledOn: record["InstalledOn"],
	})
}

func zip(columns, row []string) map[string]string {
	record := make(map[string]string, len(columns))
	for i, column := range columns {
		if i < len(row) {
			record[column] = row[i]
		}
	}
	return record
}

// Package is one entry of Get-Package.
type Package struct {
	Name         string
	Version      string // empty for MSU entries
	ProviderName string // "Programs", "msi", "msu", ...
	Publisher    string
	KB           string // "KB5021233" when the name holds one in brackets
}

var kbInName = regexp.MustCompile(`\((KB\d+)\)`)

// ParsePackages parses `Get-Package | Format-List Name,Version,
// ProviderName,Publisher`. The KB number of an MSU entry is taken from the
// "(KBnnnnnnn)" in its name, which works whatever language the title is in.
func ParsePackages(output string) []Package {
	var packages []Package
	for _, record := range parse.Records(output) {
		if record["Name"] == "" {
			continue
		}
		pkg := Package{
			Name: record["Name"], Version: record["Version"],
			ProviderName: record["ProviderName"], Publisher: record["Publisher"],
		}
		if m := kbInName.FindStringSubmatch(pkg.Name); m != nil {
			pkg.KB = m[1]
		}
		packages = append(packages, pkg)
	}
	return packages
}

// HasKB reports whether id appears among the hotfixes, ignoring case.
func HasKB(hotfixes []HotFix, id string) bool {
	for _, hotfix := range hotfixes {
		if strings.EqualFold(hotfix.ID, id) {
			return true
		}
	}
	return false
}
