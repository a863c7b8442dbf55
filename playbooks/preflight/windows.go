package preflight

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"patchbay/remote"
)

// WindowsScript reads, without changing anything, what the Windows checks
// need, and prints it as one JSON object. Its first line marks it for the
// lab's emulated hosts.
const WindowsScript = `# patchbay-doctor: read-only preflight
$ErrorActionPreference = 'Stop'
$id = [Security.Principal.WindowsIdentity]::GetCurrent()
$admin = ([Security.Principal.WindowsPrincipal]$id).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
$system = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System' -ErrorAction SilentlyContinue
$filter = 0
if ($system -and $null -ne $system.LocalAccountTokenFilterPolicy) { $filter = [int]$system.LocalAccountTokenFilterPolicy }
$reasons = @()
if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') { $reasons += 'CBS RebootPending' }
if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') { $reasons += 'WindowsUpdate RebootRequired' }
$sm = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue
if ($sm) { $reasons += 'PendingFileRenameOperations' }
$wu = Get-Service -Name wuauserv
$policy = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate' -ErrorAction SilentlyContinue
$au = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU' -ErrorAction SilentlyContinue
$wsus = ''
if ($au -and $au.UseWUServer -eq 1 -and $policy) { $wsus = [string]$policy.WUServer }
$drive = Get-PSDrive -Name $env:SystemDrive.TrimEnd(':')
[pscustomobject]@{
  utc_now = [DateTime]::UtcNow.ToString('o'); user = $id.Name; admin = $admin; token_filter = $filter
  reboot_reasons = $reasons; wu_start = [string]$wu.StartType; wsus = $wsus
  free_disk_mb = [int64]($drive.Free / 1MB)
} | ConvertTo-Json -Compress
`

// WindowsFacts is the object WindowsScript prints.
type WindowsFacts struct {
	UTCNow        string   `json:"utc_now"`
	User          string   `json:"user"`
	Admin         bool     `json:"admin"`
	TokenFilter   int      `json:"token_filter"`
	RebootReasons []string `json:"reboot_reasons"`
	WUStart       string   `json:"wu_start"`
	WSUS          string   `json:"wsus"`
	FreeDiskMB    int64    `json:"free_disk_mb"`
}

// windowsChecks runs WindowsScript and checks what it printed.
func (r *run) windowsChecks(ctx context.Context, s remote.Session) {
	out, stderr, err := r.readOnly(ctx, s, remote.Command{PowerShell: WindowsScript})
	if err != nil {
		r.commandFailed(CheckWindowsScript, err, stderr)
		return
	}
	var f WindowsFacts
	if err := json.Unmarshal([]byte(firstLine(out)), &f); err != nil {
		r.fail(CheckWindowsScript, fmt.Sprintf("the check script printed %q, not JSON", firstLine(out)), "run the script by hand on the host to see its error")
		return
	}
	r.uacCheck(f)
	r.adminCheck(f)
	r.windowsClock(f)
	r.compareDisk(f.FreeDiskMB)
	r.windowsReboot(f)
	r.updateChecks(f)
}

// localAccount reports whether user names a local account: no domain, or
// the "." or host-name domain.
func localAccount(user, hostName string) bool {
	if _, _, ok := strings.Cut(user, "@"); ok {
		return false
	}
	domain, _, ok := strings.Cut(user, `\`)
	return !ok || domain == "." || strings.EqualFold(domain, hostName)
}

// uacCheck checks remote UAC, which strips the administrator rights of
// local accounts in network logons unless LocalAccountTokenFilterPolicy
// is 1. Domain accounts are not filtered.
func (r *run) uacCheck(f WindowsFacts) {
	user := r.host.Transport.User
	switch {
	case !localAccount(user, r.host.Name):
		r.pass(CheckRemoteUAC, "domain account, which remote UAC does not filter")
	case f.TokenFilter == 1:
		r.pass(CheckRemoteUAC, "LocalAccountTokenFilterPolicy is 1")
	default:
		r.fail(CheckRemoteUAC, fmt.Sprintf("%s is a local account and LocalAccountTokenFilterPolicy is %d, so remote logons lose its administrator rights", user, f.TokenFilter),
			`run on the host: reg add HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System /v LocalAccountTokenFilterPolicy /t REG_DWORD /d 1 /f, or use a domain account`)
	}
}

func (r *run) adminCheck(f WindowsFacts) {
	if f.Admin {
		r.pass(CheckAdmin, f.User+" has administrator rights")
		return
	}
	r.fail(CheckAdmin, f.User+" has no administrator rights in this logon, which registering the SYSTEM update task needs",
		"add the account to the host's Administrators group")
}

func (r *run) windowsClock(f WindowsFacts) {
	t, err := time.Parse(time.RFC3339Nano, f.UTCNow)
	if err != nil {
		r.fail(CheckClock, fmt.Sprintf("the host's time %q is not an ISO 8601 time", f.UTCNow), "run the check script by hand on the host")
		return
	}
	r.compareClock(t)
}

func (r *run) windowsReboot(f WindowsFacts) {
	if len(f.RebootReasons) == 0 {
		r.pass(CheckReboot, "no reboot pending")
		return
	}
	r.rebootPending(f.RebootReasons, "set")
}

// updateChecks checks the Windows Update service and reports the update
// source.
func (r *run) updateChecks(f WindowsFacts) {
	if strings.EqualFold(f.WUStart, "Disabled") {
		r.fail(CheckUpdateService, "the Windows Update service (wuauserv) is disabled",
			"run on the host: Set-Service -Name wuauserv -StartupType Manual")
	} else {
		r.pass(CheckUpdateService, "wuauserv start type "+f.WUStart)
	}
	if f.WSUS != "" {
		r.pass(CheckUpdateSource, "WSUS at "+f.WSUS)
		return
	}
	r.pass(CheckUpdateSource, "Microsoft Update")
}
