package hostexec

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// DecodePowerShell returns the script of a command line that runs
// powershell.exe with -EncodedCommand (or its abbreviations -enc and -e),
// decoded from base64 UTF-16LE. ok is false for any other command line.
func DecodePowerShell(cmdline string) (script string, ok bool) {
	fields := strings.Fields(cmdline)
	if len(fields) < 3 || !isPowerShell(fields[0]) {
		return "", false
	}
	for i, f := range fields[1 : len(fields)-1] {
		if !isEncodedFlag(f) {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(fields[i+2])
		if err != nil || len(raw)%2 != 0 {
			return "", false
		}
		units := make([]uint16, len(raw)/2)
		for j := range units {
			units[j] = binary.LittleEndian.Uint16(raw[2*j:])
		}
		return string(utf16.Decode(units)), true
	}
	return "", false
}

func isPowerShell(exe string) bool {
	exe = strings.ToLower(strings.Trim(exe, `"`))
	exe = exe[strings.LastIndexAny(exe, `\/`)+1:]
	return exe == "powershell.exe" || exe == "powershell" || exe == "pwsh.exe" || exe == "pwsh"
}

// isEncodedFlag matches -EncodedCommand and the prefixes PowerShell
// accepts for it, in any case and with - or /.
func isEncodedFlag(f string) bool {
	if len(f) < 2 || (f[0] != '-' && f[0] != '/') {
		return false
	}
	name := strings.ToLower(f[1:])
	return name == "e" || name == "ec" || (len(name) >= 3 && strings.HasPrefix("encodedcommand", name))
}
