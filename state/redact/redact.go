// Package redact removes known secret values from text before it reaches
// the journal, a log or an export.
//
// The credential resolver registers every secret it hands out with Add. A
// Redactor then replaces each form in which that secret commonly travels.
// These are the plain bytes, UTF-16LE (PowerShell strings), and standard
// and URL-safe base64 of both. They include the base64 fragments that
// appear when the secret sits at any byte offset inside a larger encoded
// text, such as a script passed to powershell.exe -EncodedCommand.
package redact

import (
	"encoding/base64"
	"sort"
	"strings"
	"sync"
	"unicode/utf16"
)

// Mask replaces every redacted occurrence.
const Mask = "[REDACTED]"

// minFormLen is the shortest form that is replaced. Shorter base64
// fragments of short secrets would match ordinary text everywhere.
const minFormLen = 4

// Redactor holds the forms of the registered secrets. The zero value is
// ready to use and it is safe for concurrent use.
type Redactor struct {
	mu       sync.RWMutex
	forms    []string // longest first, so that a longer form wins
	replacer *strings.Replacer
}

// Add registers secret. Empty secrets are ignored.
func (r *Redactor) Add(secret string) {
	if secret == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()

	seen := map[string]bool{}
	for _, f := range r.forms {
		seen[f] = true
	}
	for _, f := range Forms(secret) {
		if !seen[f] {
			seen[f] = true
			r.forms = append(r.forms, f)
		}
	}
	sort.Slice(r.forms, func(i, j int) bool { return len(r.forms[i]) > len(r.forms[j]) })

	pairs := make([]string, 0, 2*len(r.forms))
	for _, f := range r.forms {
		pairs = append(pairs, f, Mask)
	}
	r.replacer = strings.NewReplacer(pairs...)
}

// Redact returns s with every form of every registered secret replaced by
// Mask. A nil Redactor returns s unchanged.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	rep := r.replacer
	r.mu.RUnlock()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

// Empty reports whether no secret is registered.
func (r *Redactor) Empty() bool {
	if r == nil {
		return true
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.forms) == 0
}

// Forms returns the byte strings in which secret is replaced: plain,
// UTF-16LE, and the base64 encodings of both at each of the three byte
// alignments.
func Forms(secret string) []string {
	plain := []byte(secret)
	wide := utf16LE(secret)
	forms := []string{string(plain), string(wide)}
	for _, b := range [][]byte{plain, wide} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			forms = append(forms, alignedBase64(enc, b)...)
		}
	}

	kept := forms[:0]
	for _, f := range forms {
		if len(f) >= minFormLen {
			kept = append(kept, f)
		}
	}
	return kept
}

// alignedBase64 returns the base64 characters that depend only on b when b
// starts at offset 0, 1 or 2 of a 3-byte group, so that the secret is found
// inside any longer encoded text. The whole padded encoding is included
// too, for a secret encoded on its own.
func alignedBase64(enc *base64.Encoding, b []byte) []string {
	out := []string{enc.EncodeToString(b)}
	for k := 0; k < 3; k++ {
		buf := make([]byte, k+len(b))
		copy(buf[k:], b)
		s := enc.EncodeToString(buf)

		// Character i covers bits [6i, 6i+6) of buf. Skip the characters
		// that mix in the k prefix bytes and keep those wholly inside b.
		start := (8*k + 5) / 6
		end := 8 * len(buf) / 6
		if end > start {
			out = append(out, s[start:end])
		}
	}
	return out
}

func utf16LE(s string) []byte {
	units := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}
