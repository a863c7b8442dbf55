package state

import (
	"context"
	"testing"

	"patchbay/state/event"
)

// BenchmarkWriter measures durable appends through the batching Writer;
// events/s is reported beside ns/op.
func BenchmarkWriter(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	w := s.NewWriter(WriterOptions{})
	e := event.Event{Run: "bench", Host: "ws-1", Payload: event.HostState{Phase: event.PhaseInstalling, Index: 3, Total: 9}}

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.Write(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppendSingle measures one durable transaction per record, the
// cost that batching avoids.
func BenchmarkAppendSingle(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	e := event.Event{Run: "bench", Host: "ws-1", Payload: event.HostState{Phase: event.PhaseDone}}

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
