package fleet_test

import (
	"context"
	"strings"
	"testing"

	"patchbay/remote"
)

func TestDialRefusesDocumentationAddress(t *testing.T) {
	checkLeaks(t)
	w := startWorld(t)
	d := w.dialer(winrmEnv)
	defer d.Close()
	for _, tc := range []struct{ host, address string }{
		{"lin-01", "192.0.2.10"},
		{"lin-01", "203.0.113.7"},
		{"lin-01", "ws-01.clinic.example"},
		{"win-01", "198.51.100.20"},
		{"win-01", "2001:db8::1"},
	} {
		h := w.inv.Host(tc.host)
		saved := h.Address
		h.Address = tc.address
		s, err := d.Dial(context.Background(), h)
		h.Address = saved
		if err == nil {
			s.Close()
			t.Errorf("%s at %s: dial succeeded, want it refused", tc.host, tc.address)
			continue
		}
		if remote.KindOf(err) != remote.KindUnreachable || !strings.Contains(err.Error(), "documentation address") {
			t.Errorf("%s at %s: error %v, want unreachable naming the documentation address", tc.host, tc.address, err)
		}
	}
	s, err := d.Dial(context.Background(), w.inv.Host("lin-01"))
	if err != nil {
		t.Fatalf("loopback host after the refusals: %v", err)
	}
	s.Close()
}
