package sshremote

import (
	"encoding/base64"
	"unicode/utf16"
)

// encodePowerShell returns the command line that runs script with
// powershell.exe -EncodedCommand, which takes base64 of UTF-16LE, so no
// quoting of the script is needed. The script first sets UTF-8 output.
func encodePowerShell(script string) string {
	script = "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8\n" + script
	units := utf16.Encode([]rune(script))
	raw := make([]byte, 2*len(units))
	for i, u := range units {
		raw[2*i] = byte(u)
		raw[2*i+1] = byte(u >> 8)
	}
	return "powershell.exe -NoProfile -NonInteractive -EncodedCommand " + base64.StdEncoding.EncodeToString(raw)
}
