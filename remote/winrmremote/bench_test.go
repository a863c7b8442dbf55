package winrmremote_test

import (
	"context"
	"io"
	"testing"

	"patchbay/remote"
	"patchbay/remote/lab/wsman"
)

// BenchmarkRunEcho measures one command (create shell, command, receive,
// signal, delete) on an open session against the lab server.
func BenchmarkRunEcho(b *testing.B) {
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			l := startLab(b, m, wsman.Faults{})
			s := l.dial(b)
			cmd := remote.Command{Line: "echo bench"}
			b.ResetTimer()
			for b.Loop() {
				if err := s.Run(context.Background(), cmd, io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
