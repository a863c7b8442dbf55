package cli

import (
	"strings"
	"testing"
)

func TestHostsFlagRejectsTypo(t *testing.T) {
	cases := []struct {
		pattern string
		args    []string
	}{
		{"north-dbb", []string{"plan", "facts"}},
		{"zz-*", []string{"plan", "facts"}},
		{"north-dbb", []string{"run", "facts", "--yes"}},
		{"north-dbb", []string{"doctor"}},
	}
	for _, c := range cases {
		args := append([]string{"--state", t.TempDir(), "--inventory", runFleet}, c.args...)
		res := runPatchCLI(t, append(args, "--hosts", c.pattern)...)
		if res.code != ExitUsage {
			t.Errorf("%v %s: exit = %d, want %d; stderr:\n%s", c.args, c.pattern, res.code, ExitUsage, res.stderr)
		}
		if !strings.Contains(res.stderr, `matches "`+c.pattern+`"`) {
			t.Errorf("%v %s: stderr does not name the pattern:\n%s", c.args, c.pattern, res.stderr)
		}
	}
}

func TestHostsFlagAcceptsDevice(t *testing.T) {
	res := runPatchCLI(t, "--state", t.TempDir(), "--inventory", runFleet, "plan", "facts", "--hosts", "north-ecg,north-d*")
	if res.code != ExitOK {
		t.Fatalf("exit = %d, want %d; stderr:\n%s", res.code, ExitOK, res.stderr)
	}
}
