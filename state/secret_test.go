package state

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"unicode/utf16"

	"patchbay/state/event"
	"patchbay/state/redact"
)

// testSecrets are credential values as a resolver would hand them out.
var testSecrets = []string{
	`Winter2026!clinic`,
	`p"ass\word&<lab>`,
	`sk-9f8e7d6c5b4a39281706`,
}

func utf16Bytes(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// leakForms are the encodings a scan looks for: plain, base64, UTF-16LE
// and base64 of UTF-16LE, as inside powershell.exe -EncodedCommand.
func leakForms(secret string) map[string][]byte {
	b64 := base64.StdEncoding.EncodeToString
	return map[string][]byte{
		"plain":          []byte(secret),
		"base64":         []byte(b64([]byte(secret))),
		"utf16le":        utf16Bytes(secret),
		"base64 utf16le": []byte(b64(utf16Bytes(secret))),
	}
}

// leakyEvents carries every secret in every form through payload fields,
// output and the run and host names.
func leakyEvents() []event.Event {
	var evs []event.Event
	for _, secret := range testSecrets {
		script := "$cred = '" + secret + "'; Install-Updates"
		encoded := base64.StdEncoding.EncodeToString(utf16Bytes(script))
		evs = append(evs,
			event.Event{Run: "r1", Host: "ws-1", Payload: event.Output{Step: "install", Stream: "stdout",
				Data: "powershell.exe -EncodedCommand " + encoded}},
			event.Event{Run: "r1", Host: "ws-1", Payload: event.Output{Step: "install", Stream: "stderr",
				Data: string(utf16Bytes("bad password " + secret))}},
			event.Event{Run: "r1", Host: "ws-1", Payload: event.StepFinished{Step: "install",
				Error: "logon failed for user admin with " + secret}},
			event.Event{Run: "r1", Host: "ws-1", Payload: event.Notice{Level: "error",
				Message: "basic auth " + base64.StdEncoding.EncodeToString([]byte(secret))}},
			event.Event{Run: "r1-" + secret, Host: "ws-" + secret, Payload: event.HostFacts{
				Installed: []string{base64.StdEncoding.EncodeToString(utf16Bytes(secret))}}},
		)
	}
	return evs
}

// writeLeakyState writes leakyEvents through Append and a Writer, logs
// them, and exports the journal, all inside dir. It returns with the store
// still open, so that the WAL holds the records.
func writeLeakyState(t *testing.T, dir string, register bool) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if register {
		for _, secret := range testSecrets {
			s.Redactor().Add(secret)
		}
	}
	ctx := context.Background()
	if _, err := s.Append(ctx, leakyEvents()...); err != nil {
		t.Fatal(err)
	}
	w := s.NewWriter(WriterOptions{})
	for _, e := range leakyEvents() {
		if err := w.Write(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	logFile, err := os.OpenFile(filepath.Join(dir, "patchbay.log"), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	log := slog.New(slog.NewJSONHandler(redact.NewWriter(logFile, s.Redactor()), nil))
	for _, secret := range testSecrets {
		log.Error("logon failed", "host", "ws-1", "password", secret)
	}

	var export bytes.Buffer
	if _, err := s.Export(ctx, &export); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "export.jsonl"), export.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// findLeaks returns "file: form of secret" for each secret found in the
// files of dir.
func findLeaks(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var leaks []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for i, secret := range testSecrets {
			for form, needle := range leakForms(secret) {
				if bytes.Contains(b, needle) {
					leaks = append(leaks, e.Name()+": "+form+" of secret "+strconv.Itoa(i))
				}
			}
		}
	}
	return leaks
}

func TestSecretScanFindsNoSecret(t *testing.T) {
	dir := t.TempDir()
	writeLeakyState(t, dir, true)
	for _, name := range []string{FileName, FileName + "-wal", "patchbay.log", "export.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("scan target missing: %v", err)
		}
	}
	for _, leak := range findLeaks(t, dir) {
		t.Errorf("secret found in %s", leak)
	}
}

// TestSecretScanCatchesLeaks shows that the scan finds secrets that were not
// registered, so that the test above can fail.
func TestSecretScanCatchesLeaks(t *testing.T) {
	dir := t.TempDir()
	writeLeakyState(t, dir, false)
	leaks := findLeaks(t, dir)
	want := map[string]bool{}
	for _, name := range []string{FileName + "-wal", "patchbay.log", "export.jsonl"} {
		want[name] = false
	}
	for _, leak := range leaks {
		for name := range want {
			if len(leak) > len(name) && leak[:len(name)+1] == name+":" {
				want[name] = true
			}
		}
	}
	for name, found := range want {
		if !found {
			t.Errorf("scan found no unregistered secret in %s", name)
		}
	}
}
