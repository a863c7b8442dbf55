package lab

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// windowsFacts is the object the facts script prints with ConvertTo-Json:
// Win32_OperatingSystem, the CurrentVersion registry key (UBR), the
// pending-reboot keys, the system drive, explorer.exe owners, process
// names, Get-HotFix and a WUA search of pending updates.
type windowsFacts struct {
	Caption        string   `json:"caption"`
	Version        string   `json:"version"`
	UBR            int      `json:"ubr"`
	DisplayVersion string   `json:"display_version"`
	LastBoot       string   `json:"last_boot"`
	RebootReasons  []string `json:"reboot_reasons"`
	FreeDiskMB     int64    `json:"free_disk_mb"`
	Users          []string `json:"users"`
	Processes      []string `json:"processes"`
	HotFixes       []string `json:"hotfixes"`
	Pending        []string `json:"pending"`
}

// windowsProcesses are the processes every emulated Windows host runs.
var windowsProcesses = []string{"csrss", "lsass", "services", "svchost", "wininit", "winlogon", "WmiPrvSE", "wsmprovhost"}

func (p *windowsPersonality) facts(x *Exec, _ string) int {
	s := x.Host.Snapshot()
	f := windowsFacts{
		Caption: s.OS, Version: s.Build, UBR: s.Revision, DisplayVersion: s.Facts["display-version"],
		LastBoot: formatDotNetUTC(s.BootTime), RebootReasons: rebootReasons(&s),
		FreeDiskMB: s.FreeDiskMB, Users: nonNil(s.Users),
		Processes: runningProcesses(x.Host, &s), HotFixes: []string{}, Pending: []string{},
	}
	for _, u := range s.Installed {
		f.HotFixes = append(f.HotFixes, u.ID)
	}
	for _, u := range s.Pending {
		f.Pending = append(f.Pending, u.ID)
	}
	out, _ := json.Marshal(f)
	fmt.Fprintf(x.Stdout, "%s\r\n", out)
	return 0
}

// bootTime prints LastBootUpTime, or nothing while TiWorker still
// services the updates of the last boot.
func (p *windowsPersonality) bootTime(x *Exec, _ string) int {
	s := x.Host.Snapshot()
	if servicing(x.Host, &s) {
		return 0
	}
	fmt.Fprintf(x.Stdout, "%s\r\n", formatDotNetUTC(s.BootTime))
	return 0
}

// formatDotNetUTC formats t as DateTime.ToUniversalTime().ToString('o').
func formatDotNetUTC(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
}

// rebootReasons lists the pending-reboot signals that are set, by the
// names of their registry keys and values.
func rebootReasons(s *State) []string {
	reasons := []string{}
	if s.RebootPending {
		for _, r := range strings.Split(s.RebootReason, ", ") {
			if r != "" {
				reasons = append(reasons, r)
			}
		}
	}
	if s.Facts[factPendingRename] != "" && !slices.Contains(reasons, "PendingFileRenameOperations") {
		reasons = append(reasons, "PendingFileRenameOperations")
	}
	return reasons
}

// servicing reports whether TiWorker still runs after the last boot.
func servicing(h *Host, s *State) bool {
	until, err := time.Parse(time.RFC3339Nano, s.Facts[factServicingUntil])
	return err == nil && h.Clock().Now().Before(until)
}

func runningProcesses(h *Host, s *State) []string {
	procs := slices.Clone(windowsProcesses)
	if len(s.Users) > 0 {
		procs = append(procs, "explorer")
	}
	for _, app := range s.Apps {
		procs = append(procs, strings.TrimSuffix(app, ".exe"))
	}
	if servicing(h, s) {
		procs = append(procs, "TiWorker")
	}
	if s.Facts[factTaskState+wuTaskName] == "Running" || s.Facts[factTaskState+wuDownloadTaskName] == "Running" {
		procs = append(procs, "TrustedInstaller")
	}
	return procs
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// serviceCheck runs `if ((Get-Service -Name 'X').Status -ne 'Running')
// { exit 1 }`: exit status 0 when the service runs. Services run unless
// TiWorker still services the last boot's updates.
func (p *windowsPersonality) serviceCheck(x *Exec, script string) int {
	name := strings.ReplaceAll(firstGroup(namePattern, script), "''", "'")
	s := x.Host.Snapshot()
	running := slices.ContainsFunc(strings.Split(s.Facts[factServices], ","), func(svc string) bool {
		return strings.EqualFold(svc, name)
	})
	if running && !servicing(x.Host, &s) {
		return 0
	}
	return 1
}

// processCheck runs `if (-not (Get-Process -Name 'X')) { exit 1 }`.
func (p *windowsPersonality) processCheck(x *Exec, script string) int {
	name := strings.ReplaceAll(firstGroup(namePattern, script), "''", "'")
	s := x.Host.Snapshot()
	if slices.ContainsFunc(runningProcesses(x.Host, &s), func(proc string) bool { return strings.EqualFold(proc, name) }) {
		return 0
	}
	return 1
}

// SetWindowsServices replaces the services that run on the Windows host
// h, for tests of health checks that find a service stopped.
func SetWindowsServices(h *Host, names ...string) {
	h.Change(func(s *State) { s.Facts[factServices] = strings.Join(names, ",") })
}
