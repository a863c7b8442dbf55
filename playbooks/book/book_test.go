package book

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type fakeSpec struct {
	effect   Effect
	required string
}

func (f fakeSpec) Effect() Effect { return f.effect }

func (f fakeSpec) CheckParams(p Params) []ParamProblem {
	if f.required == "" {
		return nil
	}
	return p.CheckRequired(f.required)
}

func fakeActions(name string) (ActionSpec, bool) {
	spec, ok := map[string]ActionSpec{
		"facts":       fakeSpec{effect: Reads},
		"shell":       fakeSpec{effect: Declared, required: "command"},
		"apt.upgrade": fakeSpec{effect: Writes},
	}[name]
	return spec, ok
}

const goodBook = `name: linux-apt-monthly
description: Monthly upgrade
platforms: [linux-apt]
variables:
  mode: "0755"
steps:
  - action: facts
  - name: upgrade
    action: apt.upgrade
    when: facts.updates_pending > 0
    timeout: 45m
    retries: 2
    backoff: 10s
    on_failure: continue
  - name: uptime
    action: shell
    params:
      command: uptime
      version: 7.10
      list: [a, 0755]
    changes: false
`

func TestLoadGood(t *testing.T) {
	pb, err := Load("good.yaml", []byte(goodBook), fakeActions)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if pb.Name != "linux-apt-monthly" || pb.Source != "good.yaml" {
		t.Errorf("name, source = %q, %q", pb.Name, pb.Source)
	}
	if !pb.Covers("linux-apt") || pb.Covers("linux-dnf") {
		t.Errorf("Covers wrong for %v", pb.Platforms)
	}
	if pb.Variables["mode"] != "0755" {
		t.Errorf("variable mode = %q, want the typed text 0755", pb.Variables["mode"])
	}
	if len(pb.Steps) != 3 {
		t.Fatalf("got %d steps, want 3", len(pb.Steps))
	}
	up := pb.Steps[1]
	if up.Timeout != 45*time.Minute || up.Retries != 2 || up.Backoff != 10*time.Second {
		t.Errorf("upgrade settings = %v, %d, %v", up.Timeout, up.Retries, up.Backoff)
	}
	if up.OnFailure != Continue || !up.Changes || up.When == nil {
		t.Errorf("upgrade on_failure, changes, when = %v, %v, %v", up.OnFailure, up.Changes, up.When)
	}
	if pb.Steps[0].Changes || pb.Steps[0].Name != "step 1" || pb.Steps[0].OnFailure != Stop {
		t.Errorf("facts step = %+v", pb.Steps[0])
	}
	sh := pb.Steps[2]
	if sh.Changes {
		t.Error("shell step declared changes: false but Changes is true")
	}
	if got := sh.Params.String("version", ""); got != "7.10" {
		t.Errorf("param version = %q, want the typed text 7.10", got)
	}
	if got := strings.Join(sh.Params.List("list"), ","); got != "a,0755" {
		t.Errorf("param list = %q", got)
	}
	if sh.Params["command"].Pos.Line != 18 {
		t.Errorf("command param line = %d, want 18", sh.Params["command"].Pos.Line)
	}
	if pb.ReadOnly() {
		t.Error("ReadOnly is true for a playbook with an upgrade step")
	}
}

func TestLoadReportsAllProblems(t *testing.T) {
	src := `name: Bad Name
platforms: [linux-apt, amiga]
colour: red
steps:
  - action: apt.upgrade
    changes: false
  - action: facts
    changes: true
  - action: shell
    timeout: 10
    retries: many
    on_failure: ignore
    when: facts.x = 1
  - action: teleport
  - name: no action
`
	_, err := Load("bad.yaml", []byte(src), fakeActions)
	var be *Error
	if !errors.As(err, &be) {
		t.Fatalf("Load error = %v, want *Error", err)
	}
	want := []string{
		`bad.yaml:1:7: playbook name "Bad Name" is invalid`,
		`bad.yaml:2:12: unknown platform "amiga"`,
		`bad.yaml:3:1: unknown key "colour" in the playbook`,
		`bad.yaml:6:14: action "apt.upgrade" changes the host, so the step cannot declare changes: false`,
		`bad.yaml:8:14: action "facts" only reads the host`,
		`bad.yaml:10:14: timeout is "10"; use a positive duration with a unit`,
		`bad.yaml:11:14: retries is "many"`,
		`bad.yaml:12:17: on_failure is "ignore"; use stop or continue`,
		`bad.yaml:13:11: invalid condition "facts.x = 1": column 9: "=" is not an operator`,
		`parameter "command" is required`,
		`bad.yaml:14:13: unknown action "teleport"`,
		`step 5 has no "action"`,
	}
	text := err.Error()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("error text lacks %q\nfull text:\n%s", w, text)
		}
	}
	if len(be.Problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(be.Problems), len(want), text)
	}
}

func TestLoadSyntaxErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"tab", "name: x\nsteps:\n\t- action: facts\n", "tab"},
		{"unclosed", "name: x\nplatforms: [linux-apt\n", "bad.yaml:2:"},
		{"not mapping", "- a\n- b\n", "the playbook must be a mapping"},
		{"empty", "", "exactly one YAML document"},
		{"no steps", "name: x\nplatforms: [linux-apt]\n", `needs a list of steps`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("bad.yaml", []byte(c.src), fakeActions)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestParamsExpand(t *testing.T) {
	p := Params{"cmd": {Text: "echo ${who}"}, "l": {IsList: true, List: []string{"${who}", "b"}}}
	got, err := p.Expand(map[string]string{"who": "world"})
	if err != nil {
		t.Fatal(err)
	}
	if got.String("cmd", "") != "echo world" || got.List("l")[0] != "world" {
		t.Errorf("expanded = %+v", got)
	}
	_, err = p.Expand(nil)
	if err == nil || !strings.Contains(err.Error(), `variable "who" is not defined`) {
		t.Errorf("Expand without vars error = %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(goodBook))
	f.Add([]byte("name: x\nsteps: [{action: facts}]\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Load("fuzz.yaml", data, fakeActions)
	})
}
