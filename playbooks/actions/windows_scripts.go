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

// wuFolder contains the worker scripts and their progress files.
const wuFolder = `C:\ProgramData\patchbay`

// wuTask is a one-shot scheduled task that runs an update worker script
// as SYSTEM, with the paths of the script and of its progress file. The
// task exists because the WUA rejects downloads and installs from remote
// logon sessions with E_ACCESSDENIED.
type wuTask struct {
	name, worker, progress string
}

var (
	// wuInstallTask downloads and installs updates.
	wuInstallTask = wuTask{name: "patchbay-windows-update",
		worker: wuFolder + `\windows-update.ps1`, progress: wuFolder + `\windows-update.jsonl`}
	// wuDownloadTask only downloads them, for a step with download_only.
	wuDownloadTask = wuTask{name: "patchbay-windows-download",
		worker: wuFolder + `\windows-download.ps1`, progress: wuFolder + `\windows-download.jsonl`}
)

// wuTaskFiles returns the download task when downloadOnly is set and the
// install task otherwise.
func wuTaskFiles(downloadOnly bool) wuTask {
	if downloadOnly {
		return wuDownloadTask
	}
	return wuInstallTask
}

// wuWorkerTemplate is the script the task runs. It searches, filters by
// category and excluded KB, downloads and installs one update at a time,
// and appends one JSON line per step to the progress file. It skips the
// download of an update that IUpdate.IsDownloaded reports as downloaded.
// With $downloadOnly it writes each update's download result and stops
// before the install.
const wuWorkerTemplate = `$ErrorActionPreference = 'Stop'
$progress = {{PROGRESS}}
$downloadOnly = {{DOWNLOADONLY}}
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
  $failed = 0; $first = 0
  for ($i = 0; $i -lt $todo.Count; $i++) {
    $u = $todo.Item($i)
    if ($u.IsDownloaded) { Emit @{ event = 'already-downloaded'; kb = (KB $u); title = $u.Title }; continue }
    $one = New-Object -ComObject Microsoft.Update.UpdateColl
    [void]$one.Add($u)
    $downloader = $session.CreateUpdateDownloader()
    $downloader.Updates = $one
    $d = $downloader.Download().GetUpdateResult(0)
    Emit @{ event = 'downloading'; kb = (KB $u); percent = [int](($i + 1) * 100 / $todo.Count) }
    if ($downloadOnly) {
      if ($d.ResultCode -ne 2) { $failed++; if ($first -eq 0) { $first = $d.HResult } }
      Emit @{ event = 'downloaded'; kb = (KB $u); title = $u.Title; result = $d.ResultCode; hresult = (Hex $d.HResult) }
    }
  }
  if ($downloadOnly) {
    $overall = if ($failed -eq 0) { 2 } elseif ($failed -eq $todo.Count) { 4 } else { 3 }
    Emit @{ event = 'done'; result = $overall; hresult = (Hex $first) }
    exit 0
  }
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
// excluded ones. With downloadOnly the task downloads them and installs
// nothing.
type wuSelection struct {
	categories, only, exclude []string
	downloadOnly              bool
}

// wuStartScript returns the script that starts the update task.
func wuStartScript(sel wuSelection) string {
	task := wuTaskFiles(sel.downloadOnly)
	worker := strings.NewReplacer(
		"{{PROGRESS}}", psQuote(task.progress),
		"{{DOWNLOADONLY}}", psBool(sel.downloadOnly),
		"{{CATEGORIES}}", psList(sel.categories),
		"{{EXCLUDE}}", psList(sel.exclude),
		"{{ONLY}}", psList(sel.only),
	).Replace(wuWorkerTemplate)
	return strings.NewReplacer(
		"{{TASK}}", task.name, "{{FOLDER}}", wuFolder, "{{PROGRESS}}", psQuote(task.progress),
		"{{WORKERPATH}}", task.worker, "{{WORKER}}", worker,
	).Replace(wuStartTemplate)
}

// psBool returns b as a PowerShell boolean.
func psBool(b bool) string {
	if b {
		return "$true"
	}
	return "$false"
}

// wuProgressScript returns the script that reads the progress lines of
// task after the first skip.
func wuProgressScript(task wuTask, skip int) string {
	return strings.NewReplacer("{{TASK}}", task.name, "{{PROGRESS}}", psQuote(task.progress),
		"{{SKIP}}", strconv.Itoa(skip)).Replace(wuProgressTemplate)
}
