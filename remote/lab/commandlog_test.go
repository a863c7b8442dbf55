package lab

import (
	"strings"
	"testing"
)

func TestCommandLogJudgesChanges(t *testing.T) {
	dir := t.TempDir()
	log, err := OpenCommandLog(dir + "/commands.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	h, hd, _ := newTestHost(t, "linux-apt")
	hd.Log = log
	mustRun(t, hd, "tech", "apt list --upgradable", 0)
	mustRun(t, hd, "tech", "sudo apt-mark hold curl", 0)
	mustRun(t, hd, "tech", "sudo apt-mark hold curl", 0)
	mustRun(t, hd, "tech", "sudo apt-get -s upgrade", 0)
	log.Close()

	entries, err := ReadCommandLog(dir + "/commands.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{false, true, false, false}
	if len(entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(entries), len(want))
	}
	for i, e := range entries {
		if e.Changes != want[i] {
			t.Errorf("entry %d %q: changes %v, want %v", i, e.Command, e.Changes, want[i])
		}
		if e.Host != h.Name() || e.User != "tech" || e.Transport != "ssh" || e.Time.IsZero() {
			t.Errorf("entry %d = %+v", i, e)
		}
	}
}

func TestCommandLogDecodesPowerShell(t *testing.T) {
	dir := t.TempDir()
	log, err := OpenCommandLog(dir + "/commands.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	_, hd, _ := newTestHost(t, "linux-apt")
	hd.Log = log
	// "Get-Date" in UTF-16LE, base64.
	run(t, hd, "tech", "powershell.exe -NoProfile -NonInteractive -EncodedCommand RwBlAHQALQBEAGEAdABlAA==")
	log.Close()
	entries, err := ReadCommandLog(dir + "/commands.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Command != "Get-Date" {
		t.Errorf("entries = %+v, want one with the decoded script", entries)
	}
}

func TestUnemulatedPlatformFailsCommands(t *testing.T) {
	h := newHost("gear", "no-such-platform", personalityFor("no-such-platform"), 0, NewManualClock(labEpoch), DefaultTiming)
	r := run(t, &Handler{Host: h, Transport: "ssh"}, "admin", "show version")
	if r.code != 127 || !strings.Contains(r.stderr, "platform no-such-platform has no personality yet") {
		t.Errorf("exit %d stderr %q, want 127 naming the missing personality", r.code, r.stderr)
	}
}
