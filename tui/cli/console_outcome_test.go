package cli

import (
	"bytes"
	"strings"
	"testing"

	"patchbay/tui"
)

func TestConsoleOutcomePrintsResumeCommands(t *testing.T) {
	var buf bytes.Buffer
	out := tui.Outcome{Unfinished: []string{"20261209T040000-00c0ffee"}, QuitAborted: true}
	err := reportConsoleOutcome(&buf, "/lab/inventory.yaml", "/lab/state", out)
	if code := exitCode(err); code != ExitAborted {
		t.Errorf("exit = %d, want %d (%v)", code, ExitAborted, err)
	}
	want := "patchbay --inventory /lab/inventory.yaml --state /lab/state run --resume 20261209T040000-00c0ffee\n"
	if !strings.Contains(buf.String(), want) {
		t.Errorf("output = %q, want it to contain %q", buf.String(), want)
	}
}

func TestConsoleOutcomeQuietWhenAllFinished(t *testing.T) {
	var buf bytes.Buffer
	err := reportConsoleOutcome(&buf, "/lab/inventory.yaml", "/lab/state", tui.Outcome{})
	if err != nil {
		t.Errorf("err = %v, want nil", err)
	}
	if buf.Len() != 0 {
		t.Errorf("output = %q, want none", buf.String())
	}
}

func TestConsoleOutcomeUnfinishedWithoutQuitExitsZero(t *testing.T) {
	var buf bytes.Buffer
	out := tui.Outcome{Unfinished: []string{"r1"}}
	err := reportConsoleOutcome(&buf, "/lab/inventory.yaml", "/lab/state", out)
	if code := exitCode(err); code != ExitOK {
		t.Errorf("exit = %d, want %d: the run was aborted before the quit", code, ExitOK)
	}
	if !strings.Contains(buf.String(), "run --resume r1") {
		t.Errorf("output = %q, want the resume command of r1", buf.String())
	}
}

func TestShellPathQuotesSpaces(t *testing.T) {
	if got, want := shellPath("/home/dana/lab one/inventory.yaml"), "'/home/dana/lab one/inventory.yaml'"; got != want {
		t.Errorf("shellPath = %s, want %s", got, want)
	}
	if got, want := shellPath("/home/dana/it's"), `'/home/dana/it'\''s'`; got != want {
		t.Errorf("shellPath = %s, want %s", got, want)
	}
	if got := shellPath("/lab/state"); got != "/lab/state" {
		t.Errorf("shellPath = %s, want it unquoted", got)
	}
}
