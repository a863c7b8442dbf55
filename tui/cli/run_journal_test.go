package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"patchbay/playbooks/runner"
	"patchbay/state"
	"patchbay/state/event"
)

func TestWriterJournalCommitsBeforeReturn(t *testing.T) {
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var mu sync.Mutex
	committed := map[string]bool{}
	w := store.NewWriter(state.WriterOptions{OnCommit: func(recs []event.Record, err error) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range recs {
			committed[r.Host] = err == nil
		}
	}})
	j := writerJournal(w)

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				host := fmt.Sprintf("h%d-%d", g, i)
				if err := j.Append(context.Background(), event.Event{Host: host, Payload: event.HostState{Phase: event.PhaseDone}}); err != nil {
					t.Errorf("Append %s: %v", host, err)
					return
				}
				mu.Lock()
				ok := committed[host]
				mu.Unlock()
				if !ok {
					t.Errorf("Append %s returned before its commit", host)
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	recs, err := store.Records(context.Background(), state.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 200 {
		t.Errorf("journal has %d records, want 200", len(recs))
	}
}

func TestWriterJournalClosedWriterFails(t *testing.T) {
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	w := store.NewWriter(state.WriterOptions{})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	err = writerJournal(w).Append(context.Background(), event.Event{Host: "h", Payload: event.HostState{Phase: event.PhaseDone}})
	if !errors.Is(err, state.ErrWriterClosed) {
		t.Errorf("Append after Close = %v, want ErrWriterClosed", err)
	}
}

// BenchmarkRunJournal compares one transaction per event with the
// batching writer, with ten goroutines per processor emitting at once as
// the hosts of a run do.
func BenchmarkRunJournal(b *testing.B) {
	journals := map[string]func(*state.Store) (runner.Journal, func()){
		"transaction-per-event": func(s *state.Store) (runner.Journal, func()) { return storeJournal(s), func() {} },
		"batching-writer": func(s *state.Store) (runner.Journal, func()) {
			w := s.NewWriter(state.WriterOptions{})
			return writerJournal(w), func() { w.Close() }
		},
	}
	for name, open := range journals {
		b.Run(name, func(b *testing.B) {
			store, err := state.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			j, closeJournal := open(store)
			defer closeJournal()
			b.SetParallelism(10) // 10 × GOMAXPROCS goroutines
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := j.Append(context.Background(), event.Event{Host: "h", Payload: event.HostState{Phase: event.PhaseDone}}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
