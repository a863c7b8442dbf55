package linuxpkg

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"patchbay/playbooks/parse"
)

// AptUpgrade is one row of `apt list --upgradable`.
type AptUpgrade struct {
	Name    string
	Suites  []string // as listed, repeats kept; "unknown" for a local repository
	Version string   // candidate version
	Arch    string
	From    string // installed version
}

var aptListRow = regexp.MustCompile(`^(\S+?)/(\S+) (\S+) (\S+) \[upgradable from: ([^\]]+)\]$`)

// ParseAptList parses `apt list --upgradable`. Banner, warning and "N:"
// notice lines are skipped; an "E:" line or any other unknown line is an
// error that quotes it.
func ParseAptList(output string) ([]AptUpgrade, error) {
	var upgrades []AptUpgrade
	for i, line := range parse.Lines(output) {
		line = strings.TrimSpace(line)
		if skipAptChatter(line) {
			continue
		}
		m := aptListRow.FindStringSubmatch(line)
		if m == nil {
			return upgrades, fmt.Errorf("apt list line %d: unrecognised %q", i+1, line)
		}
		upgrades = append(upgrades, AptUpgrade{
			Name: m[1], Suites: strings.Split(m[2], ","), Version: m[3], Arch: m[4], From: m[5],
		})
	}
	return upgrades, nil
}

func skipAptChatter(line string) bool {
	return line == "" || strings.HasPrefix(line, "Listing...") ||
		strings.HasPrefix(line, "WARNING: ") || strings.HasPrefix(line, "N: ")
}

// AptAction is one Inst, Conf or Remv line of an `apt-get -s` run.
type AptAction struct {
	Op        string // "Inst", "Conf" or "Remv"
	Name      string
	Installed string   // version being replaced; empty for a new package
	Candidate string   // version to install; empty for Remv
	Suites    []string // such as "Ubuntu:14.04/trusty-updates"
	Arch      string
}

// AptSimulation is the result of `apt-get -s upgrade` or `dist-upgrade`.
type AptSimulation struct {
	Actions     []AptAction
	Upgraded    int
	Installed   int // newly installed
	Removed     int
	NotUpgraded int // kept back, for example by a hold or a new dependency
	HasSummary  bool
}

var (
	aptInst    = regexp.MustCompile(`^Inst (\S+)(?: \[([^\]]*)\])? \((\S+) (.*?) ?\[([^\]]+)\]\)(?: \[\])?$`)
	aptConf    = regexp.MustCompile(`^Conf (\S+) \((\S+) (.*?) ?\[([^\]]+)\]\)$`)
	aptRemv    = regexp.MustCompile(`^Remv (\S+)(?: \[([^\]]*)\])?`)
	aptSummary = regexp.MustCompile(`^(\d+) upgraded, (\d+) newly installed, (\d+) to remove and (\d+) not upgraded\.$`)
)

// ParseAptSimulation parses `apt-get -s upgrade` or `apt-get -s
// dist-upgrade`. Only the summary line and the Inst, Conf and Remv lines
// carry data; package lists and banners are skipped. An "E:" line is an
// error that quotes it.
func ParseAptSimulation(output string) (AptSimulation, error) {
	var sim AptSimulation
	for i, line := range parse.Lines(output) {
		line = strings.TrimRight(line, " \t")
		if strings.HasPrefix(line, "E: ") {
			return sim, fmt.Errorf("apt-get line %d: %s", i+1, line)
		}
		if action, ok := parseAptAction(line); ok {
			sim.Actions = append(sim.Actions, action)
			continue
		}
		if m := aptSummary.FindStringSubmatch(line); m != nil {
			sim.Upgraded, sim.Installed = atoi(m[1]), atoi(m[2])
			sim.Removed, sim.NotUpgraded = atoi(m[3]), atoi(m[4])
			sim.HasSummary = true
		}
	}
	return sim, nil
}

func parseAptAction(line string) (AptAction, bool) {
	if m := aptInst.FindStringSubmatch(line); m != nil {
		return AptAction{Op: "Inst", Name: m[1], Installed: m[2], Candidate: m[3],
			Suites: parse.SplitList(m[4], ","), Arch: m[5]}, true
	}
	if m := aptConf.FindStringSubmatch(line); m != nil {
		return AptAction{Op: "Conf", Name: m[1], Candidate: m[2],
			Suites: parse.SplitList(m[3], ","), Arch: m[4]}, true
	}
	if m := aptRemv.FindStringSubmatch(line); m != nil {
		return AptAction{Op: "Remv", Name: m[1], Installed: m[2]}, true
	}
	return AptAction{}, false
}

func atoi(digits string) int {
	n, err := strconv.Atoi(digits)
	if err != nil {
		return -1
	}
	return n
}

// RebootRequired is the reboot state read from /var/run/reboot-required
// and its .pkgs companion. The flag file's existence is the signal,
// whatever its text.
type RebootRequired struct {
	Required bool
	Message  string   // the flag file's text, "*** System restart required ***" on Ubuntu
	Packages []string // from reboot-required.pkgs, duplicates removed
}

// ParseRebootRequired builds the reboot state from the two files. Pass
// exists=false when /var/run/reboot-required is absent; flag and pkgs are
// the contents of reboot-required and reboot-required.pkgs, empty when a
// file is absent.
func ParseRebootRequired(exists bool, flag, pkgs string) RebootRequired {
	state := RebootRequired{Required: exists, Message: strings.TrimSpace(flag)}
	seen := make(map[string]bool)
	for _, line := range parse.Lines(pkgs) {
		name := strings.TrimSpace(line)
		if name != "" && !seen[name] {
			seen[name] = true
			state.Packages = append(state.Packages, name)
		}
	}
	return state
}

// ParseAptHolds parses `apt-mark showhold`: one package name a line.
func ParseAptHolds(output string) []string {
	var holds []string
	for _, line := range parse.Lines(output) {
		if name := strings.TrimSpace(line); name != "" {
			holds = append(holds, name)
		}
	}
	return holds
}
