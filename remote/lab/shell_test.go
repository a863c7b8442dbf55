package lab

import (
	"strings"
	"testing"
)

func TestShellOperators(t *testing.T) {
	_, hd, _ := newTestHost(t, "linux-apt")
	tests := []struct {
		line   string
		stdout string
		code   int
	}{
		{"echo a && echo b", "a\nb\n", 0},
		{"false && echo no", "", 1},
		{"false || echo yes", "yes\n", 0},
		{"true; false; echo after", "after\n", 0},
		{"echo 'single $HOME' \"double $USER\"", "single $HOME double tech\n", 0},
		{"X=1; echo ${X}2", "12\n", 0},
		{"echo out; echo err >&2", "out\n", 0},
		{"echo err 1>&2 2>/dev/null", "", 0},
		{"sh -c 'echo inner; exit 3'", "inner\n", 3},
		{"echo hidden >/dev/null", "", 0},
		{"printf '%s-%s\\n' a b c d", "a-b\nc-d\n", 0},
		{"echo one two | grep -c two", "1\n", 0},
		{"test -f /etc/os-release && echo present", "present\n", 0},
		{"[ -f /var/run/reboot-required ] || echo none", "none\n", 0},
		{"nosuch", "", 127},
		{"exit 7; echo unreached", "", 7},
		{"sudo -n true", "", 0},
		{"timeout 5 true", "", 0},
	}
	for _, tt := range tests {
		r := run(t, hd, "tech", tt.line)
		if r.stdout != tt.stdout || r.code != tt.code {
			t.Errorf("%q: stdout %q exit %d, want %q exit %d (stderr %q)", tt.line, r.stdout, r.code, tt.stdout, tt.code, r.stderr)
		}
	}
}

func TestShellSyntaxErrors(t *testing.T) {
	_, hd, _ := newTestHost(t, "linux-apt")
	for _, line := range []string{"echo 'open", "echo $(uname)", "echo a &&", "sleep 1 &", "| echo", "echo > "} {
		r := run(t, hd, "tech", line)
		if r.code != 2 || !strings.HasPrefix(r.stderr, "sh: 1: ") {
			t.Errorf("%q: exit %d stderr %q, want exit 2 with a sh: message", line, r.code, r.stderr)
		}
	}
}

func TestShellRedirectWritesFile(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-apt")
	mustRun(t, hd, "tech", "echo hello > /tmp/x; echo again >> /tmp/x", 0)
	if got := string(h.Snapshot().Files["/tmp/x"]); got != "hello\nagain\n" {
		t.Errorf("/tmp/x = %q", got)
	}
	r := mustRun(t, hd, "tech", "cat < /tmp/x", 0)
	if r.stdout != "hello\nagain\n" {
		t.Errorf("cat < /tmp/x = %q", r.stdout)
	}
}

func TestSCPSinkStoresFile(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-dnf")
	r := runInput(t, hd, "tech", "scp -t /tmp/patch.sh", "C0750 6 patch.sh\nhello\n\x00")
	if r.err != nil || r.code != 0 {
		t.Fatalf("scp: exit %d err %v stdout %q", r.code, r.err, r.stdout)
	}
	s := h.Snapshot()
	if string(s.Files["/tmp/patch.sh"]) != "hello\n" {
		t.Errorf("file = %q", s.Files["/tmp/patch.sh"])
	}
	if s.Facts["mode /tmp/patch.sh"] != "0750" {
		t.Errorf("mode = %q, want 0750", s.Facts["mode /tmp/patch.sh"])
	}
}
