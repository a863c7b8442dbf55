package cli

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// labBuffer is a bytes.Buffer that the serving goroutine and the test
// can share.
type labBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *labBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *labBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func labEnv(out *labBuffer) Env {
	return Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: out, Examples: os.DirFS("../../examples"),
		Getenv: func(string) string { return "" }}
}

// waitForOutput polls out until it contains text, for up to 30 seconds.
func waitForOutput(t *testing.T, out *labBuffer, text string) {
	t.Helper()
	for i := 0; i < 3000; i++ {
		if strings.Contains(out.String(), text) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("output never contained %q:\n%s", text, out.String())
}

func TestLabServeUntilSignal(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	out := &labBuffer{}
	done := make(chan int, 1)
	base := fmt.Sprintf("127.%d.%d.0", 100+rand.IntN(100), rand.IntN(256))
	go func() {
		done <- Main([]string{"lab", "--serve", "--dir", dir, "--hosts", "3", "--address-base", base}, labEnv(out))
	}()
	waitForOutput(t, out, "Serving until interrupted")

	text := out.String()
	inventory := filepath.Join(dir, "inventory.yaml")
	for _, want := range []string{"emulated hosts on loopback addresses (" + strings.TrimSuffix(base, "0") + "1 to ",
		"patchbay --inventory " + inventory + " --state " + filepath.Join(dir, "state") + " doctor"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "console is not built yet") {
		t.Error("--serve printed the console notice")
	}

	check := &labBuffer{}
	if code := Main([]string{"--inventory", inventory, "check"}, labEnv(check)); code != ExitOK {
		t.Errorf("check of the lab inventory exited %d:\n%s", code, check.String())
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("lab exited %d after SIGTERM:\n%s", code, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("lab did not stop after SIGTERM")
	}
	if !strings.Contains(out.String(), "Lab stopped.") {
		t.Errorf("output lacks the stop line:\n%s", out.String())
	}
}

func TestLabRejectsBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"lab", "--hosts", "-1"}, "--hosts -1 is negative"},
		{[]string{"lab", "--faults", "nosuch=offline"}, `host "nosuch" is not in the lab fleet`},
		{[]string{"lab", "--faults", "ent-gw=melted"}, `unknown kind "melted"`},
	}
	for _, tt := range tests {
		out := &labBuffer{}
		args := append(tt.args, "--dir", t.TempDir(), "--address-base", "127.99.0.0")
		if code := Main(args, labEnv(out)); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", tt.args, code, ExitUsage)
		}
		if !strings.Contains(out.String(), tt.want) {
			t.Errorf("%v: output %q lacks %q", tt.args, out.String(), tt.want)
		}
	}
}
