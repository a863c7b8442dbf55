package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"patchbay/state/event"
)

// GenesisHash is the previous hash of a journal's first record: 32 zero
// bytes in hex.
var GenesisHash = strings.Repeat("0", 64)

// canonicalRecord fixes the key order of the canonical encoding. The fields
// are in lexical order of their JSON keys.
type canonicalRecord struct {
	Host      string          `json:"host"`
	Kind      event.Kind      `json:"kind"`
	Origin    string          `json:"origin"`
	OriginSeq int64           `json:"origin_seq"`
	Payload   json.RawMessage `json:"payload"`
	Run       string          `json:"run"`
	Seq       int64           `json:"seq"`
	Time      string          `json:"time"`
}

// Canonical returns the bytes that a record's hash covers. They are a JSON
// object with the keys host, kind, origin, origin_seq, payload, run, seq
// and time in that (lexical) order, without insignificant white space or
// HTML escaping. The time is in UTC as RFC 3339 with nanoseconds and
// trailing zeros trimmed (time.RFC3339Nano). The payload is taken as
// stored, and Append stores it in the same canonical form with sorted keys.
func Canonical(r event.Record) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// Only an invalid payload makes Encode fail. It then writes nothing, so
	// the hash no longer matches and Verify reports an edit.
	_ = enc.Encode(canonicalRecord{
		Host: r.Host, Kind: r.Kind, Origin: r.Origin, OriginSeq: r.OriginSeq,
		Payload: r.Payload, Run: r.Run, Seq: r.Seq, Time: formatTime(r.Time),
	})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Hash returns hex(SHA-256(prev || Canonical(r))), where prev is the 32
// bytes that r.PrevHash encodes in hex.
func Hash(r event.Record) (string, error) {
	prev, err := hex.DecodeString(r.PrevHash)
	if err != nil || len(prev) != sha256.Size {
		return "", fmt.Errorf("record %d: invalid previous hash %q", r.Seq, r.PrevHash)
	}
	h := sha256.New()
	h.Write(prev)
	h.Write(Canonical(r))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// canonicalJSON re-encodes a JSON value with sorted object keys, numbers
// as written and no HTML escaping, passing every string through redact.
func canonicalJSON(raw []byte, redact func(string) string) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(redactValue(v, redact)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// redactValue applies redact to every string and object key in v.
func redactValue(v any, redact func(string) string) any {
	switch v := v.(type) {
	case string:
		return redact(v)
	case []any:
		for i := range v {
			v[i] = redactValue(v[i], redact)
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[redact(k)] = redactValue(x, redact)
		}
		return out
	}
	return v
}
