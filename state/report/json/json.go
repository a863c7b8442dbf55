// Package json writes a report as indented JSON: the model's figures with
// every ratio's percentage beside its counts.
package json

import (
	stdjson "encoding/json"
	"io"
)

// Write encodes v, a *model.Quarterly or *model.RunReport, to w.
func Write(w io.Writer, v any) error {
	enc := stdjson.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
