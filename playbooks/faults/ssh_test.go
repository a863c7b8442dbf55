package faults_test

import (
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner"
	"patchbay/state/event"
)

// linuxOnly selects the clinic's Linux hosts.
var linuxOnly = plan.Selection{Hosts: linuxHosts}

// probe runs fault_command on host only, through the probe playbook.
func probe(w *world, host, command string) outcome {
	w.t.Helper()
	vars := map[string]string{"faulty": host, "fault_command": command}
	return w.run(loadPlaybook(w.t, "probe.yaml"), linuxOnly, nil, runner.Options{Vars: vars})
}

// hostFaults are faults injected into one host, each with the phase and
// the words of the reason that the host's outcome must record.
var hostFaults = []struct {
	name, faults, host string
	phase              event.HostPhase
	words              []string
}{
	{"offline at start", "lx2=offline", "lx2", event.PhaseMissed, nil},
	{"reset during output", "lx1=drop-mid-command", "lx1", event.PhaseFailed, []string{"connection"}},
	{"silent host", "lx4=silent", "lx4", event.PhaseFailed, []string{"timed out", "no output for 500ms"}},
	{"host key changed", "lx4=host-key-changed", "lx4", event.PhaseFailed, []string{"host key"}},
	{"login rejected", "lx1=auth-rejected", "lx1", event.PhaseFailed, []string{"auth"}},
}

func TestSSHHostFaults(t *testing.T) {
	for _, tc := range hostFaults {
		t.Run(tc.name, func(t *testing.T) {
			w := startWorld(t, tc.faults)
			o := w.run(loadPlaybook(t, "echo.yaml"), linuxOnly, nil, runner.Options{})
			checkFaulty(t, o, tc.host, tc.phase, tc.words...)
			checkOthersDone(t, o, linuxHosts, tc.host)
			w.checkJournal()
		})
	}
}

func TestStopsAnsweringMidCommand(t *testing.T) {
	w := startWorld(t, "")
	o := probe(w, "lx3", "echo started; sleep 3600")
	checkFaulty(t, o, "lx3", event.PhaseFailed, "timed out", "no output for 500ms")
	if got := o.output("lx3"); !strings.Contains(got, "started") {
		t.Errorf("lx3 output = %q, want the line sent before it stopped", got)
	}
	checkOthersDone(t, o, linuxHosts, "lx3")
	w.checkJournal()
}

func TestSlowHostSendingOutputIsNoHang(t *testing.T) {
	w := startWorld(t, "")
	// Each pause is shorter than the idle deadline, the whole command
	// longer, so only a deadline that output resets lets it finish.
	command := "echo 1; sleep 0.3; echo 2; sleep 0.3; echo 3; sleep 0.3; echo 4; sleep 0.3; echo 5"
	o := probe(w, "lx2", command)
	checkOthersDone(t, o, linuxHosts)
	if got := o.output("lx2"); !strings.Contains(got, "4\n5\n") {
		t.Errorf("lx2 output = %q, want every line up to 5", got)
	}
	w.checkJournal()
}

func TestHugeOutputIsCapped(t *testing.T) {
	const size = 100 << 20
	w := startWorld(t, "lx1=huge-output:100MiB")
	peak := watchHeap(t)
	o := w.run(loadPlaybook(t, "echo.yaml"), linuxOnly, nil, runner.Options{})
	grown := peak()
	t.Logf("heap grew by at most %d KiB", grown>>10)
	checkOthersDone(t, o, linuxHosts)
	total, stored := stepSizes(o, "lx1")
	if total < size {
		t.Errorf("lx1 output counted %d bytes, want at least %d", total, size)
	}
	if stored > event.DefaultOutputCap {
		t.Errorf("lx1 output stored %d bytes, want at most the cap of %d", stored, event.DefaultOutputCap)
	}
	if n := int64(len(o.output("lx1"))); n > event.DefaultOutputCap {
		t.Errorf("journal holds %d bytes of lx1 output, want at most %d", n, event.DefaultOutputCap)
	}
	if grown > 64<<20 {
		t.Errorf("heap grew by %d MiB while 100 MiB of output arrived, want under 64 MiB", grown>>20)
	}
	w.checkJournal()
}

// watchHeap samples the heap every 10 ms until the returned function is
// called, which returns the peak growth over the heap at the start.
func watchHeap(t *testing.T) func() uint64 {
	t.Helper()
	runtime.GC()
	var start runtime.MemStats
	runtime.ReadMemStats(&start)
	var (
		wg   sync.WaitGroup
		peak uint64
		stop = make(chan struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > start.HeapAlloc {
				peak = max(peak, m.HeapAlloc-start.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		wg.Wait()
		return peak
	}
}

// stepSizes returns the output size of host's steps, counted and stored.
func stepSizes(o outcome, host string) (total, stored int64) {
	for _, rec := range o.records {
		if rec.Kind != event.KindStepFinished || rec.Host != host {
			continue
		}
		if p, err := rec.Decode(); err == nil {
			sf := p.(event.StepFinished)
			total += sf.OutputBytes
			stored += sf.StoredBytes
		}
	}
	return total, stored
}

func TestUndecodableOutput(t *testing.T) {
	cases := []struct{ name, host, command string }{
		{"Latin-1 and stray bytes", "lx2", `printf 'caf\351 \377\376 end\n'`},
		// "ok" in UTF-16LE with a byte order mark, as cmd /u and
		// PowerShell redirections write it.
		{"UTF-16LE", "lx3", `printf '\377\376o\000k\000e\000n\000d\000\r\000\n\000'`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := startWorld(t, "")
			o := probe(w, tc.host, tc.command)
			checkOthersDone(t, o, linuxHosts)
			got := o.output(tc.host)
			if !utf8.ValidString(got) {
				t.Errorf("journaled output %q is not valid UTF-8", got)
			}
			if !strings.Contains(got, "e") || !strings.Contains(got, "n") {
				t.Errorf("journaled output = %q, want the readable parts kept", got)
			}
			w.checkJournal()
		})
	}
}
