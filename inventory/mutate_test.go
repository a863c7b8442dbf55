package inventory

import (
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// TestLoadSurvivesMutations runs the loader over byte-level mutations of the
// example inventory with a fixed seed. It stands in for a short `go test
// -fuzz` run in CI: with go1.26 the coverage-instrumented fuzz worker stops
// making progress on this package after a few inputs (0 execs/s), while the
// same inputs run normally without instrumentation.
func TestLoadSurvivesMutations(t *testing.T) {
	examples, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(examples) == 0 {
		t.Fatalf("no example inventory found: %v", err)
	}
	rng := rand.New(rand.NewSource(1))
	runs := 0
	for _, path := range examples {
		seed, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 250; i++ {
			data := mutate(rng, seed)
			inv, err := Parse([]SourceFile{{Name: "mutated.yaml", Data: data}}, Options{Now: testNow})
			if (inv == nil) == (err == nil) {
				t.Fatalf("Parse of mutation %d of %s returned inventory %v and error %v; want exactly one\n%s",
					i, path, inv != nil, err, data)
			}
			if inv != nil {
				checkAccessInvariants(t, inv)
			}
			runs++
		}
	}
	t.Logf("loaded %d mutated inventories", runs)
}

// mutate returns a copy of seed with one to four random edits: a byte
// flipped, a run deleted, a run duplicated, or a YAML-significant byte
// inserted.
func mutate(rng *rand.Rand, seed []byte) []byte {
	data := append([]byte(nil), seed...)
	special := []byte(":-[]{}#&*!|>'\"%@`\t\n ,?0")
	for n := 1 + rng.Intn(4); n > 0 && len(data) > 1; n-- {
		pos := rng.Intn(len(data))
		size := 1 + rng.Intn(min(16, len(data)-pos))
		switch rng.Intn(4) {
		case 0:
			data[pos] ^= byte(1 << rng.Intn(8))
		case 1:
			data = append(data[:pos], data[pos+size:]...)
		case 2:
			chunk := append([]byte(nil), data[pos:pos+size]...)
			data = append(data[:pos], append(chunk, data[pos:]...)...)
		default:
			b := special[rng.Intn(len(special))]
			data = append(data[:pos], append([]byte{b}, data[pos:]...)...)
		}
	}
	return data
}
