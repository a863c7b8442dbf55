package state

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"patchbay/state/event"
	"patchbay/state/hoststate"
)

// childDirEnv makes the test binary act as the writer that
// TestKillDuringWrites kills, and childRunEnv names the child's run.
const (
	childDirEnv = "PATCHBAY_TEST_JOURNAL_CHILD_DIR"
	childRunEnv = "PATCHBAY_TEST_JOURNAL_CHILD_RUN"
)

// TestHelperWriter is the child process of TestKillDuringWrites. It starts
// a run on site clinic-a and writes events until it is killed, printing
// "ack FIRST LAST" after each batch is committed.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv(childDirEnv)
	if dir == "" {
		t.Skip("runs only as the child process of TestKillDuringWrites")
	}
	if err := writeUntilKilled(dir, os.Getenv(childRunEnv)); err != nil {
		fmt.Fprintln(os.Stderr, "child writer:", err)
		os.Exit(3)
	}
}

func writeUntilKilled(dir, run string) error {
	ctx := context.Background()
	s, err := Open(dir)
	if err != nil {
		return err
	}
	holder := LockHolder{Run: run, Operator: "child", Started: time.Now()}
	locks, err := s.LockSites(ctx, holder, "clinic-a")
	if err != nil {
		return err
	}
	// Without a live reference the lock file's descriptor would be closed
	// by its finalizer at the next garbage collection, dropping the flock.
	defer locks.Release()
	recs, err := s.Append(ctx, event.Event{Run: run, Payload: event.RunStarted{
		Operator: "child", Playbook: "windows-monthly", CycleID: "2026-12", CycleKind: event.CycleMonthly}})
	if err != nil {
		return err
	}
	fmt.Printf("ack %d %d\nlocked\n", recs[0].Seq, recs[0].Seq)

	failed := make(chan error, 1)
	w := s.NewWriter(WriterOptions{MaxBatch: 512, OnCommit: func(recs []event.Record, err error) {
		if err != nil {
			failed <- err
			return
		}
		// os.Stdout is unbuffered, so a printed ack was committed first.
		fmt.Printf("ack %d %d\n", recs[0].Seq, recs[len(recs)-1].Seq)
	}})
	for i := 0; ; i++ {
		host := "ws-" + strconv.Itoa(i%20)
		e := event.Event{Run: run, Host: host, Payload: event.HostState{Phase: event.PhaseInstalling, Index: i, Total: 1 << 30}}
		if err := w.Write(ctx, e); err != nil {
			return err
		}
		select {
		case err := <-failed:
			return err
		default:
		}
	}
}

// childResult is what a killed child printed.
type childResult struct {
	acked  []int64 // every seq the child acknowledged
	stderr string
}

// killChild starts a writer child, checks that its site lock holds when
// checkLock is set, kills it with SIGKILL after delay and returns its acks.
func killChild(t *testing.T, dir, run string, delay time.Duration, checkLock bool) childResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir, childRunEnv+"="+run)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()

	var res childResult
	for line := range lines {
		res.acked = append(res.acked, parseAck(t, line)...)
		if line == "locked" {
			break
		}
	}
	if checkLock {
		checkChildHoldsLock(t, dir, run)
	}
	timer := time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
	defer timer.Stop()
	for line := range lines {
		res.acked = append(res.acked, parseAck(t, line)...)
	}
	err = cmd.Wait()
	res.stderr = stderr.String()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, not by SIGKILL; stderr: %s", err, res.stderr)
	}
	return res
}

func parseAck(t *testing.T, line string) []int64 {
	t.Helper()
	var first, last int64
	if _, err := fmt.Sscanf(line, "ack %d %d", &first, &last); err != nil {
		return nil
	}
	var seqs []int64
	for seq := first; seq <= last; seq++ {
		seqs = append(seqs, seq)
	}
	return seqs
}

func checkChildHoldsLock(t *testing.T, dir, run string) {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.LockSites(context.Background(), LockHolder{Run: "intruder"}, "clinic-a")
	var locked *SiteLockedError
	if !errors.As(err, &locked) || locked.Holder.Run != run {
		t.Errorf("lock while the child runs = %v, want held by %s", err, run)
	}
}

// TestKillDuringWrites kills a writing child process at random moments and
// checks after each kill that the chain verifies, that every acknowledged
// record is present, and that the run shows as interrupted.
func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()

	for round := range 6 {
		run := fmt.Sprintf("run-%d", round)
		delay := time.Duration(5+rng.IntN(300)) * time.Millisecond
		res := killChild(t, dir, run, delay, round == 0)
		t.Logf("round %d: killed after %v with %d records acknowledged", round, delay, len(res.acked))
		checkAfterKill(t, dir, run, res)
	}
}

func checkAfterKill(t *testing.T, dir, run string, res childResult) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	v, err := s.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Break != nil {
		t.Fatalf("journal broken after kill: %v", v.Break)
	}
	present := map[int64]bool{}
	recs, err := s.Records(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		present[r.Seq] = true
	}
	for _, seq := range res.acked {
		if !present[seq] {
			t.Fatalf("acknowledged record %d lost (head %s)", seq, v.Head)
		}
	}

	locks, err := s.LockSites(ctx, LockHolder{Run: "next"}, "clinic-a")
	if err != nil {
		t.Fatalf("lock left by the killed child was not released: %v", err)
	}
	locks.Release()

	recs, err = s.Records(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	state, err := hoststate.Derive(recs)
	if err != nil {
		t.Fatal(err)
	}
	r := state.Run(run)
	if r == nil || !r.Unfinished() || !r.Resumable() {
		t.Fatalf("run %s = %+v, want it unfinished and resumable", run, r)
	}
	last := recs[len(recs)-1]
	if last.Kind != event.KindNotice || last.Run != run || !strings.Contains(string(last.Payload), "released the lock") {
		t.Errorf("last record = %s %s %s, want a notice releasing %s's lock", last.Kind, last.Run, last.Payload, run)
	}
}
