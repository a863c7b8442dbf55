// Package windows parses what Windows hosts print while they are checked
// and patched, and decodes Windows Update Agent result codes:
//
//   - ParseSystemInfo: `systeminfo` (English labels; continuation lines
//     indented with spaces or tabs; US and ISO-like date formats).
//   - ParseHotFixes: `Get-HotFix` in its default table view or piped to
//     Format-List, and `Get-CimInstance Win32_QuickFixEngineering` (same
//     columns, possibly with empty Source and truncated InstalledBy).
//   - ParsePackages: `Get-Package | Format-List Name,Version,ProviderName,
//     Publisher`, including MSU entries with localized titles.
//   - ParseWindowsUpdate: PSWindowsUpdate `Get-WindowsUpdate` and
//     `Install-WindowsUpdate` table output with VERBOSE lines, including
//     driver rows without a KB and the -ScheduleJob hand-off.
//   - ParseUBR: the update build revision from `reg query` or from
//     `(Get-ItemProperty ...).UBR`.
//   - ParseBuild and Build: an OS build with its revision, such as
//     10.0.19045.4045, as a comparable value.
//   - DecodeHRESULT and OperationResult: the Windows Update Agent tables.
//
// Localized systeminfo labels (German "Betriebssystemversion" and so on)
// are not recognised; run systeminfo with English output or read the
// values through CIM instead.
package windows
