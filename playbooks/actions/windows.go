package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/parse/windows"
	"patchbay/remote"
)

func init() {
	for platform, class := range map[inventory.Platform]string{
		inventory.PlatformWindows:       "workstation",
		inventory.PlatformWindowsServer: "server",
		inventory.PlatformHyperV:        "hypervisor",
	} {
		RegisterPlatform(platform, Platform{
			ReadFacts:  readWindowsFacts,
			ReadBootID: readWindowsBootID,
			Reboot:     windowsReboot,
			Class:      class,
		})
	}
}

// windowsFacts is the JSON object windowsFactsScript prints.
type windowsFacts struct {
	Caption        string   `json:"caption"`
	Version        string   `json:"version"`
	UBR            int      `json:"ubr"`
	DisplayVersion string   `json:"display_version"`
	LastBoot       string   `json:"last_boot"`
	RebootReasons  []string `json:"reboot_reasons"`
	FreeDiskMB     float64  `json:"free_disk_mb"`
	Users          []string `json:"users"`
	Processes      []string `json:"processes"`
	HotFixes       []string `json:"hotfixes"`
	Pending        []string `json:"pending"`
}

// runPowerShell runs a script and requires exit status 0. Read-only
// scripts pass readOnly so that they may reach an excepted host.
func runPowerShell(ctx context.Context, x *Exec, script string, readOnly bool) (string, error) {
	cmd := remote.Command{PowerShell: script, ReadOnly: readOnly || !x.Changes}
	var stdout, stderr strings.Builder
	err := x.Session.Run(ctx, cmd, &stdout, &stderr)
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return stdout.String(), fmt.Errorf("%w: %s", err, truncate(msg, 300))
		}
		return stdout.String(), err
	}
	return stdout.String(), nil
}

// lastJSONLine decodes the last line of out that starts with "{" or "[",
// skipping anything a profile or module printed before it.
func lastJSONLine(out string, v any) error {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		line := strings.TrimSpace(lines[i])
		if strings.HasPrefix(line, "{") || strings.HasPrefix(line, "[") {
			return json.Unmarshal([]byte(line), v)
		}
	}
	return fmt.Errorf("no JSON line in the output %q", truncate(out, 120))
}

func readWindowsFacts(ctx context.Context, x *Exec) (Facts, error) {
	out, err := runPowerShell(ctx, x, windowsFactsScript, true)
	if err != nil {
		return nil, err
	}
	var wf windowsFacts
	if err := lastJSONLine(out, &wf); err != nil {
		return nil, fmt.Errorf("read Windows facts: %w", err)
	}
	build, err := windows.ParseBuild(wf.Version)
	if err != nil {
		return nil, fmt.Errorf("read Windows facts: %w", err)
	}
	f := Facts{
		FactOS:             strings.TrimSpace(wf.Caption + " " + wf.DisplayVersion),
		FactBuild:          build.WithRevision(wf.UBR).String(),
		FactBootID:         wf.LastBoot,
		FactFreeDiskMB:     wf.FreeDiskMB,
		FactUsers:          orEmpty(wf.Users),
		FactInstalled:      orEmpty(wf.HotFixes),
		FactRebootPending:  len(wf.RebootReasons) > 0,
		FactRebootReason:   strings.Join(wf.RebootReasons, ", "),
		FactAppsRunning:    runningApps(x, withExeNames(wf.Processes)),
		FactUptimeHours:    uptimeHours(x, wf.LastBoot),
		FactWindowsBuildNo: float64(build.Number),
	}
	setUpdates(f, orEmpty(wf.Pending))
	return f, nil
}

// FactWindowsBuildNo is the Windows build number alone (19045), for
// conditions such as facts.windows_build >= 22000.
const FactWindowsBuildNo = "windows_build"

// withExeNames adds "NAME.exe" for every process name, because
// inventories name applications either way.
func withExeNames(procs []string) []string {
	out := make([]string, 0, 2*len(procs))
	for _, p := range procs {
		out = append(out, p, p+".exe")
	}
	return out
}

func uptimeHours(x *Exec, lastBoot string) float64 {
	t, err := time.Parse(time.RFC3339Nano, lastBoot)
	if err != nil {
		return 0
	}
	return float64(int(x.now().Sub(t).Hours()*10)) / 10
}

func orEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// readWindowsBootID returns the last boot time, or "" while servicing
// still runs after a boot.
func readWindowsBootID(ctx context.Context, x *Exec) (string, error) {
	out, err := runPowerShell(ctx, x, windowsBootIDScript, true)
	return strings.TrimSpace(out), err
}
