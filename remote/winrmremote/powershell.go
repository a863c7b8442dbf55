package winrmremote

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// maxCommandLine is the longest command line sent as is. WinRM starts the
// command through cmd.exe (the winrm package sends WINRS_SKIP_CMD_SHELL
// FALSE), whose documented limit is 8191 characters, so longer scripts go
// to PowerShell through standard input instead.
const maxCommandLine = 8000

// powerShellExe starts Windows PowerShell without profile or prompts.
const powerShellExe = "powershell.exe -NoProfile -NonInteractive -EncodedCommand "

// prelude makes PowerShell write UTF-8 without a byte order mark and
// turns off progress records. Setting the console encoding fails where
// there is no console, which is harmless, so that error is ignored.
const prelude = `$ProgressPreference = 'SilentlyContinue'
try { [Console]::OutputEncoding = New-Object Text.UTF8Encoding $false } catch {}
$OutputEncoding = New-Object Text.UTF8Encoding $false
$global:LASTEXITCODE = 0
`

// wrapScript makes an uncaught exception exit 1 with the error on
// standard error, and otherwise exits with the last native exit code.
func wrapScript(script string) string {
	return prelude + "try {\n" + script + "\n} catch {\n" +
		"  [Console]::Error.WriteLine(($_ | Out-String))\n  exit 1\n}\n" +
		"exit $global:LASTEXITCODE\n"
}

// encodeCommand returns the command line that runs script.
func encodeCommand(script string) string {
	units := utf16.Encode([]rune(script))
	raw := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(raw[2*i:], u)
	}
	return powerShellExe + base64.StdEncoding.EncodeToString(raw)
}

// stdinBootstrap reads a UTF-8 script from standard input and runs it.
// Long scripts take this path because their command line would be too
// long for cmd.exe.
// NOTE: only the lab server has run this path. That exit inside the
// script block ends powershell.exe with its code is not yet checked on a
// Windows host.
const stdinBootstrap = prelude + `$in = New-Object IO.StreamReader ([Console]::OpenStandardInput()), (New-Object Text.UTF8Encoding $false)
$script = $in.ReadToEnd()
& ([ScriptBlock]::Create($script))
exit $global:LASTEXITCODE
`

// powerShellCommand returns the command line for script and, for a
// script too long for the command line, the text to send on standard
// input. A long script cannot read standard input itself.
func powerShellCommand(script string) (line string, stdin string) {
	full := wrapScript(script)
	line = encodeCommand(full)
	if len(line) <= maxCommandLine {
		return line, ""
	}
	return encodeCommand(stdinBootstrap), full
}

// quote returns s as a single-quoted PowerShell string.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
