package redact

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
)

const secret = "Tr0ub4dor&3-clinic"

func utf16Text(s string) string { return string(utf16LE(s)) }

func TestRedactEveryForm(t *testing.T) {
	var r Redactor
	r.Add(secret)
	b64 := base64.StdEncoding.EncodeToString
	cases := map[string]string{
		"plain":           "password=" + secret + ";",
		"base64":          "x " + b64([]byte(secret)) + " y",
		"utf16le":         "\x00" + utf16Text(secret),
		"base64 utf16le":  b64(utf16LE(secret)),
		"url base64":      base64.URLEncoding.EncodeToString([]byte(secret)),
		"offset 1 base64": b64([]byte("a" + secret + "tail")),
		"offset 2 base64": b64([]byte("ab" + secret + "tail")),
		"encoded command": b64(utf16LE("$p = '" + secret + "'; Install-WindowsUpdate")),
	}
	for name, in := range cases {
		out := r.Redact(in)
		if !strings.Contains(out, Mask) {
			t.Errorf("%s: nothing redacted in %q", name, in)
		}
		for _, f := range Forms(secret) {
			if strings.Contains(out, f) {
				t.Errorf("%s: form %q left in %q", name, f, out)
			}
		}
	}
}

func TestRedactLeavesOtherText(t *testing.T) {
	var r Redactor
	if got := r.Redact("nothing registered"); got != "nothing registered" {
		t.Errorf("empty redactor changed text to %q", got)
	}
	r.Add(secret)
	r.Add("")
	in := "installing KB5034441 on ws-1"
	if got := r.Redact(in); got != in {
		t.Errorf("Redact(%q) = %q", in, got)
	}
	var nilRedactor *Redactor
	if got := nilRedactor.Redact(in); got != in {
		t.Errorf("nil redactor changed text to %q", got)
	}
}

func TestWriterRedactsLogRecords(t *testing.T) {
	var r Redactor
	r.Add(secret)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(NewWriter(&buf, &r), nil))
	log.Info("connect", "host", "ws-1", "password", secret)
	if strings.Contains(buf.String(), secret) {
		t.Errorf("log line holds the secret: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "host=ws-1") {
		t.Errorf("log line lost other text: %s", buf.String())
	}
}
