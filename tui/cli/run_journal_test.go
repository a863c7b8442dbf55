package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

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
