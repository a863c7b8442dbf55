package clixml

import (
	"os"
	"strings"
	"testing"
)

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDecodeErrorDropsProgress(t *testing.T) {
	records, err := Decode(readSample(t, "error.clixml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 6 {
		t.Fatalf("got %d records, want 6 error lines: %+v", len(records), records)
	}
	for _, r := range records {
		if r.Stream != "error" {
			t.Errorf("stream %q, want error", r.Stream)
		}
	}
	text := Format(records)
	want := "Get-Service : Cannot find any service with service name 'EHRClient'.\nAt line:1 char:1\n"
	if !strings.HasPrefix(text, want) {
		t.Errorf("Format = %q, want prefix %q", text, want)
	}
	if strings.Contains(text, "_x000D_") || strings.Contains(text, "Preparing modules") {
		t.Errorf("Format kept escapes or progress: %q", text)
	}
}

func TestDecodeWarningVerbose(t *testing.T) {
	records, err := Decode(readSample(t, "warning.clixml"))
	if err != nil {
		t.Fatal(err)
	}
	got := Format(records)
	want := "WARNING: A reboot is pending; install_x0041_ waits.\n" +
		"VERBOSE: Loading module PSWindowsUpdate.\n" +
		"INFORMATION: Build 19045 – current.\n"
	if got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
}

func TestUnescape(t *testing.T) {
	cases := map[string]string{
		"plain":                  "plain",
		"a_x000D__x000A_b":       "a\r\nb",
		"_x005F_x000A_":          "_x000A_",
		"_xD83D__xDE00_":         "😀",
		"_x12_ short":            "_x12_ short",
		"tab_x0009_end_x000A_":   "tab\tend\n",
		"bad_xZZZZ_hex":          "bad_xZZZZ_hex",
		"trailing underscore _x": "trailing underscore _x",
	}
	for in, want := range cases {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsHeader(t *testing.T) {
	if !Is([]byte("#< CLIXML\r\n<Objs/>")) {
		t.Error("Is rejected a CLIXML stream")
	}
	if Is([]byte("plain error text")) {
		t.Error("Is accepted plain text")
	}
	if _, err := Decode([]byte("plain")); err == nil {
		t.Error("Decode accepted text without the header")
	}
}

func TestDecodeTruncated(t *testing.T) {
	_, err := Decode([]byte("#< CLIXML\r\n<Objs><S S=\"Error\">cut"))
	if err == nil {
		t.Error("Decode accepted a truncated document")
	}
}

func TestDecodeMixedPlainText(t *testing.T) {
	data := "#< CLIXML\r\n<Objs Version=\"1.1.0.1\"><S S=\"warning\">disk low</S></Objs>" +
		"Exception calling \"Install\": access denied\r\n"
	records, err := Decode([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	got := Format(records)
	want := "WARNING: disk low\nException calling \"Install\": access denied\n"
	if got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("#< CLIXML\r\n<Objs><S S=\"Error\">x_x000A_</S></Objs>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Decode(data)
	})
}
