package lab

import (
	_ "embed"
	"strings"
	"sync"
)

// wuErrorsTSV is the table of Windows Update Agent HRESULTs from wuerror.h;
// its first line names the source.
//
//go:embed wuerrors.tsv
var wuErrorsTSV string

// WUError is one Windows Update Agent result code.
type WUError struct {
	HRESULT string // "0x80240022"
	Symbol  string // "WU_E_ALL_UPDATES_FAILED"
	Message string
}

var wuErrors = sync.OnceValue(func() map[string]WUError {
	m := map[string]WUError{}
	for _, line := range strings.Split(wuErrorsTSV, "\n") {
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) != 3 || !strings.HasPrefix(f[0], "0x") {
			continue
		}
		m[normalizeHRESULT(f[0])] = WUError{HRESULT: normalizeHRESULT(f[0]), Symbol: f[1], Message: f[2]}
	}
	return m
})

// LookupWUError returns the Windows Update code for an HRESULT such as
// "0x80240022" (case and the 0x prefix do not matter).
func LookupWUError(hresult string) (WUError, bool) {
	e, ok := wuErrors()[normalizeHRESULT(hresult)]
	return e, ok
}

func normalizeHRESULT(s string) string {
	s = strings.ToUpper(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
	return "0x" + s
}
