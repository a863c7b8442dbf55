package plan

import (
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/book"
)

func stageBook() *book.Playbook {
	pb := testBook(false)
	pb.Steps = []book.Step{
		{Name: "facts", Action: "facts"},
		{Name: "download", Action: "apt.download", Changes: true, Stage: true},
		{Name: "upgrade", Action: "apt.upgrade", Changes: true},
		{Name: "verify", Action: "facts"},
	}
	return pb
}

func TestClosedWindowStagesHost(t *testing.T) {
	closed := fixedWindows{Opens: planAt.Add(19 * time.Hour)}
	p, err := Make(siteInventory(), stageBook(), Selection{Hosts: []string{"vm"}}, Options{At: planAt, Windows: closed})
	if err != nil {
		t.Fatal(err)
	}

	h := p.Find("vm")
	if h.Skip != nil {
		t.Fatalf("vm skip = %v, want it staged", h.Skip)
	}
	if h.Staged == nil || h.Staged.Reason != ReasonWindowClosed {
		t.Errorf("vm staged = %v, want window-closed", h.Staged)
	}
	if len(h.Steps) != 2 || h.Steps[0].Name != "facts" || h.Steps[1].Name != "download" {
		t.Errorf("vm steps = %v, want facts and download", h.Steps)
	}
}

func TestOpenWindowRunsEveryStep(t *testing.T) {
	open := fixedWindows{Open: true, Closes: planAt.Add(8 * time.Hour)}
	p, err := Make(siteInventory(), stageBook(), Selection{Hosts: []string{"vm"}}, Options{At: planAt, Windows: open})
	if err != nil {
		t.Fatal(err)
	}

	h := p.Find("vm")
	if h.Staged != nil || len(h.Steps) != 4 {
		t.Errorf("vm = staged %v with %d steps, want every step", h.Staged, len(h.Steps))
	}
}

func TestStagingKeepsExceptions(t *testing.T) {
	inv := siteInventory()
	inv.Exceptions = []*inventory.Exception{{ID: "EXC-7", Hosts: []string{"ws"}, App: "AudioSuite", Reason: "certified build"}}
	closed := fixedWindows{Opens: planAt.Add(19 * time.Hour)}
	p, err := Make(inv, stageBook(), Selection{Hosts: []string{"ws"}}, Options{At: planAt, Windows: closed})
	if err != nil {
		t.Fatal(err)
	}

	if h := p.Find("ws"); h.Skip == nil || h.Skip.Reason != ReasonException || h.Staged != nil {
		t.Errorf("ws = skip %v, staged %v; want the exception to skip it", h.Skip, h.Staged)
	}
}
