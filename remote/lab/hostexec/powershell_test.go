package hostexec

import (
	"encoding/base64"
	"encoding/binary"
	"testing"
	"unicode/utf16"
)

func encode(script string) string {
	units := utf16.Encode([]rune(script))
	raw := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(raw[2*i:], u)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

func TestDecodePowerShell(t *testing.T) {
	script := "Get-HotFix | Where-Object HotFixID -eq 'KB5034441' # ü 😀"
	b64 := encode(script)
	accepted := []string{
		"powershell.exe -NoProfile -NonInteractive -EncodedCommand " + b64,
		"PowerShell -enc " + b64,
		`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -e ` + b64,
		"pwsh -ec " + b64,
		"powershell.exe /EncodedCommand " + b64,
	}
	for _, line := range accepted {
		got, ok := DecodePowerShell(line)
		if !ok || got != script {
			t.Errorf("DecodePowerShell(%.40q) = %q, %v; want the script", line, got, ok)
		}
	}
	rejected := []string{
		"cmd.exe /c echo " + b64,
		"powershell.exe -Command Get-HotFix",
		"powershell.exe -EncodedCommand not-base64!",
		"powershell.exe -EncodedCommand",
		"powershell.exe -ExecutionPolicy " + b64,
	}
	for _, line := range rejected {
		if got, ok := DecodePowerShell(line); ok {
			t.Errorf("DecodePowerShell(%.40q) = %q, true; want false", line, got)
		}
	}
}
