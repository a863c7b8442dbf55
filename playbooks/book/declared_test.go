package book

import "testing"

const declaredReadOnlyBook = `name: uptime-check
platforms: [linux-apt]
steps:
  - action: facts
  - action: shell
    params: {command: uptime}
    changes: false
`

func TestDeclaredReadOnlyNotVerified(t *testing.T) {
	pb, err := Load("uptime.yaml", []byte(declaredReadOnlyBook), fakeActions)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !pb.ReadOnly() {
		t.Error("ReadOnly is false for a playbook whose steps all declare changes: false")
	}
	if !pb.Steps[1].ChangesDeclared {
		t.Error("the shell step is not marked as declared by its author")
	}
	if pb.Steps[0].ChangesDeclared {
		t.Error("the facts step is marked as declared, but its action fixes its effect")
	}
	if pb.ReadOnlyByAction() {
		t.Error("ReadOnlyByAction is true, but a shell step's command is never checked")
	}
}

func TestFactsReadOnlyByAction(t *testing.T) {
	src := "name: only-facts\nplatforms: [linux-apt]\nsteps:\n  - action: facts\n"
	pb, err := Load("facts.yaml", []byte(src), fakeActions)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !pb.ReadOnlyByAction() {
		t.Error("ReadOnlyByAction is false for a facts-only playbook")
	}
}
