package lab

import (
	"fmt"
	"math/rand/v2"
)

// RandomAddressBase returns the first address of a random block in
// 127.100.0.0 to 127.249.255.0, for tests and benchmarks that start labs
// while others may be running: go test runs packages in parallel, and two
// labs on one block fail to bind. The default block, 127.77.0.0, is kept
// for people, so a lab's addresses are the same every time.
func RandomAddressBase() string {
	return fmt.Sprintf("127.%d.%d.0", 100+rand.IntN(150), rand.IntN(256))
}
