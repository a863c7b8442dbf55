package plan

import (
	"testing"

	"patchbay/inventory"
	"patchbay/playbooks/book"
)

// TestExceptedHostSkipsDeclaredShell plans a playbook whose only step is a
// shell command its author declared read-only. Nothing checks that
// command, so an excepted host must not run it.
func TestExceptedHostSkipsDeclaredShell(t *testing.T) {
	inv := siteInventory()
	inv.Exceptions = []*inventory.Exception{{ID: "EXC-7", Hosts: []string{"ws"}}}
	pb := &book.Playbook{Name: "sneaky", Platforms: []string{"linux-apt"},
		Steps: []book.Step{{Name: "reboot", Action: "shell", ChangesDeclared: true}}}
	p, err := Make(inv, pb, Selection{Hosts: []string{"ws", "vm"}}, Options{At: planAt, Windows: fixedWindows{}})
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Find("ws").Skip; s == nil || s.Reason != ReasonException {
		t.Errorf("ws skip = %v, want the exception", s)
	}
	if s := p.Find("vm").Skip; s != nil && s.Reason == ReasonException {
		t.Errorf("vm skip = %v, but vm is under no exception", s)
	}
}
