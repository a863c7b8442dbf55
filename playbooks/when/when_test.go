package when

import (
	"strings"
	"testing"
)

func lookupFrom(m map[string]Value) Lookup {
	return func(name string) (Value, bool) {
		v, ok := m[name]
		return v, ok
	}
}

var testValues = map[string]Value{
	"facts.reboot_pending":  true,
	"facts.updates_pending": float64(3),
	"facts.users":           []string{"frontdesk", "drsmith"},
	"host.platform":         "linux-apt",
	"host.tags":             []string{"imaging", "x-ray"},
	"vars.mode":             "monthly",
}

func TestEvalCases(t *testing.T) {
	cases := []struct {
		expr string
		want bool
	}{
		{"facts.reboot_pending", true},
		{"not facts.reboot_pending", false},
		{"facts.updates_pending > 0", true},
		{"facts.updates_pending >= 3 and facts.updates_pending < 4", true},
		{"facts.updates_pending == 3", true},
		{"facts.updates_pending != 3", false},
		{"'x-ray' in host.tags", true},
		{"\"dental\" in host.tags", false},
		{"'apt' in host.platform", true},
		{"host.platform == 'linux-dnf' or vars.mode == 'monthly'", true},
		{"not (facts.reboot_pending and vars.mode == 'monthly')", false},
		{"false or not false and true", true},
		{"facts.updates_pending <= -1", false},
	}
	for _, c := range cases {
		e, err := Parse(c.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.expr, err)
			continue
		}
		got, err := e.Eval(lookupFrom(testValues))
		if err != nil {
			t.Errorf("Eval(%q): %v", c.expr, err)
			continue
		}
		if got != c.want {
			t.Errorf("Eval(%q) = %v, want %v", c.expr, got, c.want)
		}
	}
}

func TestOrShortCircuits(t *testing.T) {
	e, err := Parse("true or facts.missing")
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Eval(lookupFrom(nil))
	if err != nil || !got {
		t.Errorf("Eval = %v, %v; want true, nil", got, err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"facts.x = 1", `column 9: "=" is not an operator; use == or !=`},
		{"reboot_pending", `column 1: unknown name "reboot_pending"`},
		{"facts.x == 'open", "column 12: string is not closed"},
		{"(facts.x", "column 9: missing ) to close the ( at column 1"},
		{"facts.x ==", "column 11: the condition ends where a value was expected"},
		{"facts.x facts.y", `column 9: unexpected "facts.y" after the end`},
		{"facts.x == 1.2.3", `column 12: "1.2.3" is not a number`},
		{"facts.x & 1", `column 9: unexpected character '&'`},
		{"", "column 1: the condition ends where a value was expected"},
	}
	for _, c := range cases {
		_, err := Parse(c.expr)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error %q", c.expr, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) error = %q, want it to contain %q", c.expr, err, c.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"facts.missing", "facts.missing is not set"},
		{"host.platform", `result is the string "linux-apt"`},
		{"host.platform > 1", `">" compares numbers only`},
		{"facts.updates_pending in host.tags", `left side of "in" must be a string`},
		{"'a' in facts.updates_pending", `right side of "in" must be a list or a string`},
		{"not host.platform", `"not" needs true or false`},
	}
	for _, c := range cases {
		e, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		_, err = e.Eval(lookupFrom(testValues))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Eval(%q) error = %v, want it to contain %q", c.expr, err, c.want)
		}
	}
}

func TestNames(t *testing.T) {
	e, err := Parse("facts.a > 1 and ('x' in host.tags or not vars.b)")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(e.Names(), ",")
	if got != "facts.a,host.tags,vars.b" {
		t.Errorf("Names = %s", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"facts.a > 1", "not (host.x == 'y')", "'a' in vars.l or true"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		_, _ = e.Eval(lookupFrom(testValues))
	})
}
