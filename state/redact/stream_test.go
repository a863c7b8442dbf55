package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStreamFindsSplitSecret(t *testing.T) {
	var r Redactor
	r.Add(secret)
	text := "line one\nconnecting with " + secret + " to ws-1 — done\n"
	for size := 1; size <= len(text); size++ {
		var out strings.Builder
		s := r.NewStream(func(p []byte) { out.Write(p) })
		for i := 0; i < len(text); i += size {
			s.Write([]byte(text[min(i, len(text)):min(i+size, len(text))]))
		}
		s.Flush()
		want := strings.Replace(text, secret, Mask, 1)
		if out.String() != want {
			t.Fatalf("pieces of %d bytes: got %q, want %q", size, out.String(), want)
		}
	}
}

func TestStreamEmitsWholeCharacters(t *testing.T) {
	var r Redactor
	r.Add("abcd")
	// Shifting the text by one byte at a time moves the held-back cut
	// into the middle of a two-byte character for some shifts.
	for shift := range 4 {
		text := strings.Repeat("x", shift) + strings.Repeat("ü", 20)
		var pieces []string
		s := r.NewStream(func(p []byte) { pieces = append(pieces, string(p)) })
		s.Write([]byte(text))
		s.Flush()
		for _, p := range pieces {
			if !utf8.ValidString(p) {
				t.Errorf("shift %d: piece %q is cut inside a character", shift, p)
			}
		}
		if got := strings.Join(pieces, ""); got != text {
			t.Errorf("shift %d: stream output = %q, want %q", shift, got, text)
		}
	}
}

func TestStreamWithoutSecretsPassesThrough(t *testing.T) {
	var r Redactor
	var out strings.Builder
	s := r.NewStream(func(p []byte) { out.Write(p) })
	s.Write([]byte("plain"))
	if out.String() != "plain" {
		t.Errorf("output before Flush = %q, want it unbuffered", out.String())
	}
}
