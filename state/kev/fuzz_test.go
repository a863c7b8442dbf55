package kev

import (
	"bytes"
	"os"
	"testing"
)

func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile("testdata/kev_excerpt_quirks.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(csvHeader + "CVE-2024-0001,V,P,N,2024-01-01,S,A,2024-01-22,Unknown,,\"CWE-1, CWE-2\"\n"))
	f.Add([]byte("<html><title>x</title>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data))
		if (c == nil) == (err == nil) {
			t.Fatalf("Parse returned catalogue %v with error %v, want exactly one", c != nil, err)
		}
	})
}
