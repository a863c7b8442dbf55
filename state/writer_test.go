package state

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"patchbay/state/event"
)

func TestWriterCommitsAndAcknowledges(t *testing.T) {
	checkLeaks(t)
	s := openTest(t)
	ctx := context.Background()

	var mu sync.Mutex
	var acked []int64
	w := s.NewWriter(WriterOptions{MaxBatch: 7, OnCommit: func(recs []event.Record, err error) {
		if err != nil {
			t.Errorf("commit failed: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range recs {
			acked = append(acked, r.Seq)
		}
	}})
	for _, e := range sampleEvents("r1", 100) {
		if err := w.Write(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	if n != 100 {
		t.Errorf("acknowledged %d records after Flush, want 100", n)
	}
	for i, seq := range acked {
		if seq != int64(i+1) {
			t.Fatalf("acknowledgement %d has seq %d", i, seq)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	v, err := s.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Break != nil || v.Records != 100 {
		t.Errorf("journal after writer: %d records, break %v", v.Records, v.Break)
	}
}

func TestWriterAfterClose(t *testing.T) {
	checkLeaks(t)
	s := openTest(t)
	w := s.NewWriter(WriterOptions{})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	err := w.Write(context.Background(), sampleEvents("r1", 1)[0])
	if !errors.Is(err, ErrWriterClosed) {
		t.Errorf("Write after Close = %v, want ErrWriterClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestWriterRejectsMissingPayload(t *testing.T) {
	checkLeaks(t)
	s := openTest(t)
	w := s.NewWriter(WriterOptions{})
	defer w.Close()
	if err := w.Write(context.Background(), event.Event{Run: "r1"}); err == nil {
		t.Error("event without payload was queued")
	}
}

func TestWriterStopsAfterFailedCommit(t *testing.T) {
	checkLeaks(t)
	s := openTest(t)
	ctx := context.Background()
	w := s.NewWriter(WriterOptions{})
	defer w.Close()
	if err := w.Write(ctx, sampleEvents("r1", 1)[0]); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s.db.Close() // makes the next commit fail

	if err := w.Write(ctx, sampleEvents("r1", 1)[0]); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(ctx); err == nil {
		t.Fatal("Flush after a failed commit returned no error")
	}
	if err := w.Write(ctx, sampleEvents("r1", 1)[0]); err == nil {
		t.Error("Write after a failed commit returned no error")
	}
}

// checkLeaks fails t when goroutines outlive it. Call it first, so that it
// runs after the cleanups registered later, such as closing the store.
func checkLeaks(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
}
