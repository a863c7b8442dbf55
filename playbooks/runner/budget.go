package runner

import (
	"fmt"
	"math"
	"sync"

	"patchbay/inventory"
	"patchbay/playbooks/plan"
)

// budgets tracks failures per site and ring. When a site's failures in a
// ring exceed the ring's budget, the site stops: its hosts that have not
// started are skipped, in this ring and the later ones. Missed hosts do
// not count.
type budgets struct {
	mu       sync.Mutex
	allowed  map[string]int // by site/ring
	failures map[string]int
	stop     map[string]string // site → why it stopped
}

func newBudgets(inv *inventory.Inventory, p *plan.Plan) *budgets {
	b := &budgets{allowed: map[string]int{}, failures: map[string]int{}, stop: map[string]string{}}
	hosts := map[string]int{}
	for _, h := range p.Hosts {
		if h.Runnable() {
			hosts[key(h.Host.Site, h.Host.Ring)]++
		}
	}
	for k, n := range hosts {
		_, ring := splitKey(k)
		b.allowed[k] = allowance(inv.Ring(ring), n)
	}
	return b
}

// allowance returns how many failures a budget allows among n hosts. The
// zero budget allows none.
func allowance(ring *inventory.Ring, n int) int {
	if ring == nil {
		return 0
	}
	if ring.FailureBudget.IsShare {
		return int(math.Floor(ring.FailureBudget.Share * float64(n)))
	}
	return ring.FailureBudget.Count
}

// spentBudget describes a budget that a failure spent.
type spentBudget struct {
	reason       string
	spent, limit int
}

// fail counts a failure and returns the spent budget when this failure
// spends it, or nil.
func (b *budgets) fail(site, ring string) *spentBudget {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := key(site, ring)
	b.failures[k]++
	if b.failures[k] <= b.allowed[k] || b.stop[site] != "" {
		return nil
	}
	b.stop[site] = fmt.Sprintf("failure budget of site %s in ring %s is spent: %d failed, %d allowed", site, ring, b.failures[k], b.allowed[k])
	return &spentBudget{reason: b.stop[site], spent: b.failures[k], limit: b.allowed[k]}
}

func (b *budgets) stopped(site string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stop[site]
}

func key(site, ring string) string { return site + "\x00" + ring }

func splitKey(k string) (string, string) {
	for i := 0; i < len(k); i++ {
		if k[i] == 0 {
			return k[:i], k[i+1:]
		}
	}
	return k, ""
}
