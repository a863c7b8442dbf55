package tui_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConsoleQuitPrintsResume quits the console while a run is active:
// the run is aborted, and once the console has closed the command prints
// how to resume it and exits 4.
func TestConsoleQuitPrintsResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the lab fleet")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	slow := "--faults paeds-files=slow:5m,ent-fd-01=slow:5m"
	c := startLabConsole(t, buildPatchbay(t), slow)
	c.waitFor("Harbor ENT", time.Minute)

	c.choosePlan()
	c.send("p")
	c.waitFor("── plan:", 20*time.Second)
	c.send("s")
	c.waitFor("now? y starts it", 10*time.Second)
	c.send("y")
	screen := c.waitFor("[running]", 20*time.Second)
	id := strings.Fields(firstLine(screen, "Run 1/1"))[2]
	c.send("q")
	c.waitFor("abort them and quit", 5*time.Second)
	c.send("y")
	c.waitExit(time.Minute)

	code, err := os.ReadFile(filepath.Join(c.home, "exit.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(code)); got != "4" {
		t.Errorf("exit = %s, want 4 after quitting aborted a run", got)
	}
	stderr, err := os.ReadFile(filepath.Join(c.home, "lab-stderr.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lab := filepath.Join(c.home, "lab")
	want := "patchbay --inventory " + filepath.Join(lab, "inventory.yaml") + " --state " + filepath.Join(lab, "state") + " run --resume " + id
	if !strings.Contains(string(stderr), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}
