package faults_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner"
	"patchbay/state"
	"patchbay/state/event"
)

// fullDisk is a journal whose disk fills up after room events: from then
// on every append fails with ENOSPC, as SQLite's writes do on a full
// file system, and nothing more reaches the store.
type fullDisk struct {
	w    *world
	room atomic.Int64
}

func (d *fullDisk) Append(ctx context.Context, e event.Event) error {
	if d.room.Add(-1) < 0 {
		return fmt.Errorf("append event: write %s/journal.db-wal: %w", d.w.store.Dir(), syscall.ENOSPC)
	}
	_, err := d.w.store.Append(ctx, e)
	return err
}

func TestDiskFullStopsRunCleanly(t *testing.T) {
	w := startWorld(t, "")
	disk := &fullDisk{w: w}
	disk.room.Store(12)
	o := w.run(builtin(t, "linux-apt-monthly"), linuxOnly, disk, runner.Options{})
	if o.err == nil && (o.summary == nil || o.summary.Error == "") {
		t.Fatal("the run went on with a full disk and reported no error")
	}
	msg := o.summary.Error
	if o.err != nil {
		msg = o.err.Error()
	}
	if !errors.Is(o.err, syscall.ENOSPC) && !strings.Contains(msg, "no space left on device") {
		t.Errorf("run error = %q, want it to name the full disk", msg)
	}
	if len(o.records) != 12 {
		t.Errorf("journal holds %d records of the run, want the 12 written before the disk filled", len(o.records))
	}
	w.checkJournal()
	checkResumes(t, w, o)
}

// checkResumes resumes the run of o with the journal's own store, as
// patchbay run --resume does once space is free again, and checks that
// every Linux host ends done without running twice.
func checkResumes(t *testing.T, w *world, o outcome) {
	t.Helper()
	id := o.records[0].Run
	all, err := w.store.Records(context.Background(), state.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	finished, _, err := plan.FinalStates(all, id)
	if err != nil {
		t.Fatal(err)
	}
	again := w.run(builtin(t, "linux-apt-monthly"), linuxOnly, nil, runner.Options{Resumes: id, Finished: finished})
	if again.err != nil {
		t.Fatalf("resume failed: %v", again.err)
	}
	for _, host := range linuxHosts {
		phase, ok := again.summary.Hosts[host]
		if !ok {
			phase = finished[host] // the resume counts only the hosts it ran
		}
		if phase != event.PhaseDone {
			t.Errorf("after the resume %s is %q, want done", host, phase)
		}
		if finished[host] != "" && hasKind(again, host, event.KindStepStarted) {
			t.Errorf("the resume ran %s again although it had finished as %s", host, finished[host])
		}
	}
	w.checkJournal()
}
