package lab

import "testing"

func TestPrintfOctalEscapes(t *testing.T) {
	got := unescapePrintf(`a\tb\n\377\376h\000\\\q\101`)
	want := "a\tb\n\xff\xfeh\x00\\\\qA"
	if got != want {
		t.Errorf("unescapePrintf = %q, want %q", got, want)
	}
}
