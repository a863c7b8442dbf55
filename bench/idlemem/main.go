// Command idlemem measures the memory patchbay spends per connected idle
// host. It opens a session to every selected lab host through patchbay's
// fleet dialer, as patchbay run does, and runs one command on each so
// that the connection is fully set up. Then it reports how much the Go
// heap and stacks and the process's resident set grew per open session.
//
// Usage:
//
//	idlemem -inventory LAB/inventory.yaml [-tag lab-extra] [-hold 2s]
//
// The inventory must be one that patchbay lab wrote: every address is in
// 127.0.0.0/8 and is checked again before dialing.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"patchbay/inventory"
	"patchbay/remote"
	"patchbay/remote/fleet"
)

func main() {
	invPath := flag.String("inventory", "", "inventory.yaml written by patchbay lab")
	tag := flag.String("tag", "lab-extra", "dial the hosts with this tag")
	hold := flag.Duration("hold", 2*time.Second, "how long the sessions stay idle before the measurement")
	heapProfile := flag.String("heap-profile", "", "write a heap profile of the idle sessions to this file")
	flag.Parse()
	if err := run(*invPath, *tag, *hold, *heapProfile); err != nil {
		fmt.Fprintln(os.Stderr, "idlemem:", err)
		os.Exit(1)
	}
}

func run(invPath, tag string, hold time.Duration, heapProfile string) error {
	inv, err := inventory.Load(invPath, inventory.Options{Now: time.Now()})
	if err != nil {
		return err
	}
	hosts, err := selectHosts(inv, tag)
	if err != nil {
		return err
	}
	d := fleet.New(inv, fleet.Options{KnownHosts: []string{filepath.Join(filepath.Dir(invPath), "known_hosts")}})
	defer d.Close()

	before := measure()
	sessions, err := openAll(d, hosts)
	defer closeAll(sessions)
	if err != nil {
		return err
	}
	time.Sleep(hold)
	after := measure()
	if heapProfile != "" {
		if err := writeHeapProfile(heapProfile); err != nil {
			return err
		}
	}
	n := float64(len(sessions))
	fmt.Printf("hosts %d\n", len(sessions))
	fmt.Printf("go heap+stacks per idle host: %.1f KiB\n", float64(after.goBytes-before.goBytes)/n/1024)
	fmt.Printf("resident set per idle host: %.1f KiB\n", float64(after.rssKiB-before.rssKiB)/n)
	fmt.Printf("resident set with %d idle hosts: %.1f MiB\n", len(sessions), float64(after.rssKiB)/1024)
	fmt.Printf("peak resident set: %.1f MiB\n", float64(after.peakKiB)/1024)
	return nil
}

// selectHosts returns the hosts with tag, all of them on loopback.
func selectHosts(inv *inventory.Inventory, tag string) ([]*inventory.Host, error) {
	var hosts []*inventory.Host
	for _, h := range inv.Hosts {
		if !slices.Contains(h.Tags, tag) {
			continue
		}
		addr, err := netip.ParseAddr(h.Address)
		if err != nil || !addr.IsLoopback() {
			return nil, fmt.Errorf("host %s: address %q is not in 127.0.0.0/8; use an inventory written by patchbay lab", h.Name, h.Address)
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("no host has the tag %q", tag)
	}
	return hosts, nil
}

// openAll opens a session to every host at once and runs hostname on it.
func openAll(d *fleet.Dialer, hosts []*inventory.Host) ([]remote.Session, error) {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		sessions []remote.Session
		errs     []error
	)
	for _, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := openOne(d, h)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			sessions = append(sessions, s)
		}()
	}
	wg.Wait()
	return sessions, errors.Join(errs...)
}

func openOne(d *fleet.Dialer, h *inventory.Host) (remote.Session, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := d.Dial(ctx, h)
	if err != nil {
		return nil, err
	}
	if err := s.Run(ctx, remote.Command{Line: "hostname", ReadOnly: true}, io.Discard, io.Discard); err != nil {
		s.Close()
		return nil, fmt.Errorf("host %s: %w", h.Name, err)
	}
	return s, nil
}

func closeAll(sessions []remote.Session) {
	for _, s := range sessions {
		s.Close()
	}
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write the heap profile: %w", err)
	}
	defer f.Close()
	return pprof.WriteHeapProfile(f)
}

// usage is the process's memory at one instant.
type usage struct {
	goBytes uint64 // live heap and goroutine stacks after a collection
	rssKiB  int64  // VmRSS
	peakKiB int64  // VmHWM
}

func measure() usage {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	u := usage{goBytes: m.HeapAlloc + m.StackInuse}
	u.rssKiB, u.peakKiB = procStatus("VmRSS:"), procStatus("VmHWM:")
	return u
}

// procStatus returns a KiB field of /proc/self/status, or 0 when the
// system has no such file.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
