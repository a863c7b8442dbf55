package windows

import (
	"bufio"
	"embed"
	"fmt"
	"strconv"
	"strings"
)

// The tables come from wuerror.h of the Windows SDK (WU_E_* and WU_S_*
// codes) and the documented OperationResultCode enumeration. Each TSV
// keeps its provenance on its first line.
//
//go:embed wua/wua_hresult_codes.tsv wua/wua_operation_result_codes.tsv
var wuaTables embed.FS

// HRESULT is a decoded Windows Update Agent result code.
type HRESULT struct {
	Code    uint32
	Symbol  string // "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED"; empty when unknown
	Message string
	// Transient is true for failures that a retry with back-off may clear:
	// the update source or network unreachable, a busy or overloaded
	// server, the agent updating itself.
	Transient bool
	Known     bool
}

// transientSymbols lists the codes worth retrying. It is chosen by
// symbol, because the table's message text is not reliable: for example
// it gives HTTP 500 for 0x80244020, whose symbol means 501.
var transientSymbols = map[string]bool{
	"WU_E_NO_CONNECTION": true, "WU_E_SERVICE_STOP": true,
	"WU_E_SELFUPDATE_IN_PROGRESS": true, "WU_E_SERVER_BUSY": true,
	"WU_E_PT_SOAPCLIENT_CONNECT": true, "WU_E_PT_SOAPCLIENT_SEND": true,
	"WU_E_PT_SOAPCLIENT_READ": true, "WU_E_PT_SOAPCLIENT_SERVER": true,
	"WU_E_PT_SOAP_SERVER": true, "WU_E_PT_HTTP_STATUS_REQUEST_TIMEOUT": true,
	"WU_E_PT_HTTP_STATUS_SERVER_ERROR": true, "WU_E_PT_HTTP_STATUS_BAD_GATEWAY": true,
	"WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL": true, "WU_E_PT_HTTP_STATUS_GATEWAY_TIMEOUT": true,
	"WU_E_PT_WINHTTP_NAME_NOT_RESOLVED": true, "WU_E_DM_NONETWORK": true,
	"WU_E_DM_FAILTOCONNECTTOBITS": true, "WU_E_DM_BITSTRANSFERERROR": true,
	"WU_E_DM_DOWNLOADLOCATIONCHANGED": true, "WU_E_DM_CONTENTCHANGED": true,
}

// winHTTPCodes are WinHTTP errors (winhttp.h, ERROR_WINHTTP_* as
// FACILITY_WIN32 HRESULTs) that the agent passes through unchanged when
// the update source cannot be reached. wuerror.h does not list them.
var winHTTPCodes = map[uint32]HRESULT{
	0x80072EE2: {Symbol: "ERROR_WINHTTP_TIMEOUT", Message: "The request has timed out."},
	0x80072EE7: {Symbol: "ERROR_WINHTTP_NAME_NOT_RESOLVED", Message: "The server name or address could not be resolved."},
	0x80072EFD: {Symbol: "ERROR_WINHTTP_CANNOT_CONNECT", Message: "A connection with the server could not be established."},
	0x80072EFE: {Symbol: "ERROR_WINHTTP_CONNECTION_ERROR", Message: "The connection with the server was terminated abnormally."},
}

var hresults = loadHRESULTs()

// DecodeHRESULT looks code up in the Windows Update Agent table and the
// WinHTTP connection errors. An unknown code returns Known false and a
// message that gives the code in hex.
func DecodeHRESULT(code uint32) HRESULT {
	if decoded, ok := hresults[code]; ok {
		return decoded
	}
	if decoded, ok := winHTTPCodes[code]; ok {
		decoded.Code, decoded.Known, decoded.Transient = code, true, true
		return decoded
	}
	return HRESULT{Code: code, Message: fmt.Sprintf("unknown result code 0x%08X", code)}
}

// ParseHRESULT reads "0x8024402C", "8024402C" or a signed decimal such as
// "-2145107924", as PowerShell prints $_.Exception.HResult.
func ParseHRESULT(text string) (uint32, error) {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "-") {
		n, err := strconv.ParseInt(text, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("invalid HRESULT %q: %w", text, err)
		}
		return uint32(int32(n)), nil
	}
	hex := strings.TrimPrefix(strings.TrimPrefix(text, "0x"), "0X")
	n, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid HRESULT %q: expected hex such as 0x8024402C", text)
	}
	return uint32(n), nil
}

// Error formats the code as "0x8024402C WU_E_PT_WINHTTP_NAME_NOT_RESOLVED:
// message".
func (h HRESULT) Error() string {
	if h.Symbol == "" {
		return h.Message
	}
	return fmt.Sprintf("0x%08X %s: %s", h.Code, h.Symbol, h.Message)
}

func loadHRESULTs() map[uint32]HRESULT {
	table := make(map[uint32]HRESULT)
	for _, row := range readTSV("wua/wua_hresult_codes.tsv") {
		code, err := ParseHRESULT(row[0])
		if err != nil || len(row) < 3 {
			panic(fmt.Sprintf("embedded HRESULT table: bad row %q", row))
		}
		table[code] = HRESULT{Code: code, Symbol: row[1], Message: row[2],
			Transient: transientSymbols[row[1]], Known: true}
	}
	return table
}

// readTSV returns the rows of an embedded table without its provenance
// and header lines.
func readTSV(name string) [][]string {
	file, err := wuaTables.Open(name)
	if err != nil {
		panic(fmt.Sprintf("embedded table %s: %v", name, err))
	}
	defer file.Close()
	var rows [][]string
	scanner := bufio.NewScanner(file)
	for line := 0; scanner.Scan(); line++ {
		if line < 2 || scanner.Text() == "" {
			continue
		}
		rows = append(rows, strings.Split(scanner.Text(), "\t"))
	}
	return rows
}

// OperationResultCode is the WUA OperationResultCode of a search, download
// or install, overall or per update.
type OperationResultCode int

// OperationResultCode values, as documented for the WUA API.
const (
	NotStarted          OperationResultCode = 0
	InProgress          OperationResultCode = 1
	Succeeded           OperationResultCode = 2
	SucceededWithErrors OperationResultCode = 3 // some updates failed; check each update's result
	Failed              OperationResultCode = 4
	Aborted             OperationResultCode = 5
)

var operationResults = loadOperationResults()

func loadOperationResults() map[OperationResultCode][2]string {
	table := make(map[OperationResultCode][2]string)
	for _, row := range readTSV("wua/wua_operation_result_codes.tsv") {
		code, err := strconv.Atoi(row[0])
		if err != nil || len(row) < 3 {
			panic(fmt.Sprintf("embedded operation result table: bad row %q", row))
		}
		table[OperationResultCode(code)] = [2]string{row[1], row[2]}
	}
	return table
}

// OperationResult returns the code's symbol ("orcSucceeded") and meaning,
// or ok false for a value outside the enumeration.
func OperationResult(code int) (symbol, meaning string, ok bool) {
	entry, ok := operationResults[OperationResultCode(code)]
	return entry[0], entry[1], ok
}

// String returns the code's meaning, such as "Succeeded".
func (c OperationResultCode) String() string {
	if entry, ok := operationResults[c]; ok {
		return entry[1]
	}
	return fmt.Sprintf("OperationResultCode(%d)", int(c))
}

// Success reports whether the operation completed, possibly with errors
// in some updates.
func (c OperationResultCode) Success() bool {
	return c == Succeeded || c == SucceededWithErrors
}
