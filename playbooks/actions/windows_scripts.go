package actions

import (
	"strconv"
	"strings"
)

// The PowerShell scripts of the Windows actions. They target Windows
// PowerShell 5.1, which every supported Windows release ships, and print
// JSON so that no localized table text is parsed.

// windowsFactsScript prints the host's facts as one JSON object. The UBR
// comes from the registry because Win32_OperatingSystem and systeminfo
// give the build without it. The WUA search only reads, so it works from
// a remote session.
//
// NOTE: a WUA search against Microsoft's servers can take minutes on a
// real host (an estimate, not measured here); the built-in playbooks give
// the facts step 10 minutes.
const windowsFactsScript = `$ErrorActionPreference = 'Stop'
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$reasons = @()
if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') { $reasons += 'CBS RebootPending' }
if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') { $reasons += 'WindowsUpdate RebootRequired' }
$sm = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue
if ($sm -and $sm.PendingFileRenameOperations) { $reasons += 'PendingFileRenameOperations' }
$disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter ("DeviceID='" + $env:SystemDrive + "'")
$users = @(Get-CimInstance -ClassName Win32_Process -Filter "Name='explorer.exe'" | ForEach-Object { (Invoke-CimMethod -InputObject $_ -MethodName GetOwner).User } | Sort-Object -Unique)
$procs = @(Get-Process | Select-Object -ExpandProperty ProcessName -Unique)
$hotfixes = @(Get-HotFix | Select-Object -ExpandProperty HotFixID)
$searcher = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher()
$pending = @($searcher.Search("IsInstalled=0 and IsHidden=0 and Type='Software'").Updates | ForEach-Object { if ($_.KBArticleIDs.Count -gt 0) { 'KB' + $_.KBArticleIDs.Item(0) } else { $_.Identity.UpdateID } })
[pscustomobject]@{
  caption = $os.Caption; version = $os.Version; ubr = [int]$cv.UBR; display_version = [string]$cv.DisplayVersion
  last_boot = $os.LastBootUpTime.ToUniversalTime().ToString('o'); reboot_reasons = $reasons
  free_disk_mb = [int64][math]::Floor($disk.FreeSpace / 1MB); users = $users; processes = $procs
  hotfixes = $hotfixes; pending = $pending
} | ConvertTo-Json -Compress -Depth 3
`

// windowsBootIDScript prints the last boot time, or nothing while
// TiWorker (the Windows Modules Installer) still services the updates, so
// that the reboot action waits until the host has settled.
const windowsBootIDScript = `$os = Get-CimInstance -ClassName Win32_OperatingSystem
if (-not (Get-Process -Name TiWorker -ErrorAction SilentlyContinue)) { $os.LastBootUpTime.ToUniversalTime().ToString('o') }
`

// windowsReboot restarts the host at once with a planned-update reason
// (p:2:17, operating system hot fix). shutdown.exe returns before the
// host goes down, so the reply still reaches the controller.
const windowsReboot = `shutdown.exe /r /t 0 /f /d p:2:17 /c "patchbay: finishing Windows updates"`

// wuTaskName is the one-shot scheduled task that runs the update worker
// as SYSTEM, because the WUA refuses downloads and installs from remote
// logon sessions with E_ACCESSDENIED.
const wuTaskName = "patchbay-windows-update"

// wuFolder holds the worker script and its progress file.
const wuFolder = `C:\ProgramData\patchbay`

var (
	wuWorkerPath   = wuFolder + `\windows-update.ps1`
	wuProgressPath = wuFolder + `\windows-update.jsonl`
)

// wuWorkerTemplate is the script the task runs. It searches, filters by
// category and excluded KB, downloads and installs one update at a time,
// and appends one JSON line per step to the progress file.
const wuWorkerTemplate = `$ErrorActionPreference = 'Stop'
$progress = {{PROGRESS}}
$categories = @({{CATEGORIES}})
$exclude = @({{EXCLUDE}})
$only = @({{ONLY}})
function Emit($o) { Add-Content -LiteralPath $progress -Value ($o | ConvertTo-Json -Compress) -Encoding UTF8 }
function Hex($n) { '0x{0:X8}' -f $n }
function KB($u) { if ($u.KBArticleIDs.Count -gt 0) { 'KB' + $u.KBArticleIDs.Item(0) } else { $u.Identity.UpdateID } }
try {
  Emit @{ event = 'searching' }
  $session = New-Object -ComObject Microsoft.Update.Session
  $session.ClientApplicationID = 'patchbay'
  $searcher = $session.CreateUpdateSearcher()
  $found = $searcher.Search("IsInstalled=0 and IsHidden=0 and Type='Software'")
  $todo = New-Object -ComObject Microsoft.Update.UpdateColl
  foreach ($u in $found.Updates) {
    $kb = KB $u
    $cats = @($u.Categories | ForEach-Object { $_.Name })
    if ($exclude -contains $kb) { Emit @{ event = 'excluded'; kb = $kb; title = $u.Title }; continue }
    if ($only.Count -gt 0 -and -not ($only -contains $kb)) { Emit @{ event = 'skipped'; kb = $kb; title = $u.Title; message = 'not a named KB' }; continue }
    if ($categories.Count -gt 0 -and -not ($cats | Where-Object { $categories -contains $_ })) {
      Emit @{ event = 'skipped'; kb = $kb; title = $u.Title; message = 'category ' + ($cats -join ', ') }; continue
    }
    if (-not $u.EulaAccepted) { $u.AcceptEula() }
    [void]$todo.Add($u)
  }
  Emit @{ event = 'found'; count = $todo.Count }
  if ($todo.Count -eq 0) { Emit @{ event = 'done'; result = 2; hresult = (Hex 0) }; exit 0 }
  for ($i = 0; $i -lt $todo.Count; $i++) {
    $one = New-Object -ComObject Microsoft.Update.UpdateColl
    [void]$one.Add($todo.Item($i))
    $downloader = $session.CreateUpdateDownloader()
    $downloader.Updates = $one
    [void]$downloader.Download()
    Emit @{ event = 'downloading'; kb = (KB $todo.Item($i)); percent = [int](($i + 1) * 100 / $todo.Count) }
  }
  $failed = 0; $first = 0
  for ($i = 0; $i -lt $todo.Count; $i++) {
    $u = $todo.Item($i)
    Emit @{ event = 'installing'; kb = (KB $u); title = $u.Title; index = $i + 1; total = $todo.Count }
    $one = New-Object -ComObject Microsoft.Update.UpdateColl
    [void]$one.Add($u)
    $installer = $session.CreateUpdateInstaller()
    $installer.Updates = $one
    $r = $installer.Install().GetUpdateResult(0)
    if ($r.ResultCode -ne 2) { $failed++; if ($first -eq 0) { $first = $r.HResult } }
    Emit @{ event = 'result'; kb = (KB $u); title = $u.Title; result = $r.ResultCode; hresult = (Hex $r.HResult); reboot = $r.RebootRequired }
  }
  $overall = if ($failed -eq 0) { 2 } elseif ($failed -eq $todo.Count) { 4 } else { 3 }
  Emit @{ event = 'done'; result = $overall; hresult = (Hex $first) }
} catch {
  Emit @{ event = 'done'; result = 4; hresult = (Hex $_.Exception.HResult); message = $_.Exception.Message }
  exit 1
}
`

// wuStartTemplate attaches to the task when it still runs from an earlier
// attempt, and otherwise writes the worker, registers the task with a
// SYSTEM principal and starts it. It prints {"attached":BOOL}.
const wuStartTemplate = `$ErrorActionPreference = 'Stop'
$task = Get-ScheduledTask -TaskName '{{TASK}}' -ErrorAction SilentlyContinue
if ($task -and $task.State -eq 'Running') { Write-Output '{"attached":true}'; exit 0 }
New-Item -ItemType Directory -Force -Path '{{FOLDER}}' | Out-Null
Remove-Item -LiteralPath {{PROGRESS}} -ErrorAction SilentlyContinue
$worker = @'
{{WORKER}}'@
Set-Content -LiteralPath '{{WORKERPATH}}' -Value $worker -Encoding UTF8
$action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument '-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{{WORKERPATH}}"'
$principal = New-ScheduledTaskPrincipal -UserId 'NT AUTHORITY\SYSTEM' -LogonType ServiceAccount -RunLevel Highest
$settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit (New-TimeSpan -Hours 4) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
Register-ScheduledTask -TaskName '{{TASK}}' -Action $action -Principal $principal -Settings $settings -Force | Out-Null
Start-ScheduledTask -TaskName '{{TASK}}'
Write-Output '{"attached":false}'
`

// wuProgressTemplate prints the task's progress lines after the first
// SKIP, then {"task_state":STATE}. The state is read first, so a task
// seen finished has written all its lines.
const wuProgressTemplate = `$task = Get-ScheduledTask -TaskName '{{TASK}}' -ErrorAction SilentlyContinue
$state = if ($task) { [string]$task.State } else { 'Missing' }
if (Test-Path -LiteralPath {{PROGRESS}}) { Get-Content -LiteralPath {{PROGRESS}} -Encoding UTF8 | Select-Object -Skip {{SKIP}} }
Write-Output ('{"task_state":"' + $state + '"}')
`

// psQuote returns s as a single-quoted PowerShell string.
func psQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// psList returns items as the elements of a PowerShell @() array.
func psList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = psQuote(s)
	}
	return strings.Join(quoted, ", ")
}

// wuSelection is the update task's filter: updates of the categories
// (all when empty), only the named KBs (all when empty), never the
// excluded ones.
type wuSelection struct {
	categories, only, exclude []string
}

// wuStartScript returns the script that starts the update task.
func wuStartScript(sel wuSelection) string {
	worker := strings.NewReplacer(
		"{{PROGRESS}}", psQuote(wuProgressPath),
		"{{CATEGORIES}}", psList(sel.categories),
		"{{EXCLUDE}}", psList(sel.exclude),
		"{{ONLY}}", psList(sel.only),
	).Replace(wuWorkerTemplate)
	return strings.NewReplacer(
		"{{TASK}}", wuTaskName, "{{FOLDER}}", wuFolder, "{{PROGRESS}}", psQuote(wuProgressPath),
		"{{WORKERPATH}}", wuWorkerPath, "{{WORKER}}", worker,
	).Replace(wuStartTemplate)
}

// wuProgressScript returns the script that reads the progress lines after
// the first skip.
func wuProgressScript(skip int) string {
	return strings.NewReplacer("{{TASK}}", wuTaskName, "{{PROGRESS}}", psQuote(wuProgressPath),
		"{{SKIP}}", strconv.Itoa(skip)).Replace(wuProgressTemplate)
}
