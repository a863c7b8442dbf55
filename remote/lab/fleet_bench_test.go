package lab_test

import (
	"context"
	"os"
	"testing"

	"patchbay/remote/lab"
)

// BenchmarkStart500ExtraHosts measures starting the example fleet plus 500
// extra hosts, each with its own server and host key, and stopping it.
func BenchmarkStart500ExtraHosts(b *testing.B) {
	for b.Loop() {
		f, err := lab.Start(context.Background(), lab.Options{Dir: b.TempDir(), Inventory: os.DirFS("../../examples"),
			ExtraHosts: 500, AddressBase: randomAddressBase()})
		if err != nil {
			b.Fatal(err)
		}
		if n := len(f.Endpoints()); n < 500 {
			b.Fatalf("%d hosts started, want more than 500", n)
		}
		f.Close()
	}
}
