// Package clixml decodes the CLIXML that Windows PowerShell writes to
// standard error when that stream is redirected, as under WinRM: a
// "#< CLIXML" line followed by <Objs> documents of serialized records.
//
// It reads the string records (<S S="Error">, "warning", "verbose",
// "debug", "information") and drops progress records and other objects.
// It does not deserialize arbitrary PowerShell objects.
package clixml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Header is the first line PowerShell writes before CLIXML.
const Header = "#< CLIXML"

// Record is one line-oriented record from the error stream.
type Record struct {
	// Stream is the record's stream in lower case: "error", "warning",
	// "verbose", "debug" or "information".
	Stream string
	// Text is the decoded text, with _xHHHH_ escapes resolved.
	Text string
}

// Is reports whether data starts with the CLIXML header, after optional
// leading white space.
func Is(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(Header))
}

// Decode returns the records of an error stream in order. The stream may
// mix CLIXML documents with plain text, as when a script writes to
// [Console]::Error directly. Plain text becomes "error" records unchanged.
func Decode(data []byte) ([]Record, error) {
	if !Is(data) {
		return nil, errors.New("clixml: missing the \"#< CLIXML\" header")
	}
	var records []Record
	rest := data
	for len(rest) > 0 {
		start := bytes.Index(rest, []byte("<Objs"))
		if start < 0 {
			return appendPlain(records, rest), nil
		}
		records = appendPlain(records, rest[:start])
		end := bytes.Index(rest[start:], []byte("</Objs>"))
		if end < 0 {
			return records, errors.New("clixml: <Objs> document is not closed")
		}
		end += start + len("</Objs>")
		decoded, err := decodeObjs(rest[start:end])
		records = append(records, decoded...)
		if err != nil {
			return records, err
		}
		rest = rest[end:]
	}
	return records, nil
}

// appendPlain adds text outside the documents, without the headers, as
// an error record.
func appendPlain(records []Record, text []byte) []Record {
	text = bytes.ReplaceAll(text, []byte(Header), nil)
	if len(bytes.TrimSpace(text)) == 0 {
		return records
	}
	return append(records, Record{Stream: "error", Text: string(bytes.TrimLeft(text, "\r\n"))})
}

// decodeObjs reads the string records of one <Objs> document.
func decodeObjs(doc []byte) ([]Record, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var records []Record
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return records, nil
		}
		if err != nil {
			return records, fmt.Errorf("clixml: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case start.Name.Local == "Obj":
			err = d.Skip() // progress records and other objects
		case start.Name.Local == "S" && attr(start, "S") != "":
			var text string
			if err = d.DecodeElement(&text, &start); err == nil {
				records = append(records, Record{Stream: strings.ToLower(attr(start, "S")), Text: Unescape(text)})
			}
		}
		if err != nil {
			return records, fmt.Errorf("clixml: %w", err)
		}
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// Unescape resolves the _xHHHH_ escapes that the serializer uses for
// control characters (for example _x000D__x000A_ for CR LF) and for a
// literal underscore before "x" (_x005F_), joining surrogate pairs.
func Unescape(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var units []uint16
	var b strings.Builder
	flush := func() {
		if len(units) > 0 {
			b.WriteString(string(utf16.Decode(units)))
			units = units[:0]
		}
	}
	for i := 0; i < len(s); {
		if v, ok := escapeAt(s, i); ok {
			units = append(units, v)
			i += 7
			continue
		}
		flush()
		b.WriteByte(s[i])
		i++
	}
	flush()
	return b.String()
}

// escapeAt parses "_xHHHH_" at s[i:].
func escapeAt(s string, i int) (uint16, bool) {
	if i+7 > len(s) || s[i] != '_' || s[i+1] != 'x' || s[i+6] != '_' {
		return 0, false
	}
	v, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
	return uint16(v), err == nil
}

// Format renders records the way the PowerShell console shows them:
// error text as it is, other streams as "WARNING: text" lines. Line
// breaks become "\n".
func Format(records []Record) string {
	var b strings.Builder
	for _, r := range records {
		text := strings.ReplaceAll(r.Text, "\r\n", "\n")
		if r.Stream != "error" {
			text = strings.ToUpper(r.Stream) + ": " + text
			if !strings.HasSuffix(text, "\n") {
				text += "\n"
			}
		}
		b.WriteString(text)
	}
	return b.String()
}
