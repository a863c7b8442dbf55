// Package faults holds no code: its tests are patchbay's fault suite.
//
// Each test starts the lab fleet on loopback addresses with one fault
// injected into one host, runs a playbook through the real fleet dialer,
// the runner and a journal on disk, and checks the outcome recorded for
// that host and that every other host still finished. The suite runs in
// CI with the race detector and a goroutine-leak check.
//
// The tests live apart from the runner's own because they need the
// protocol servers, the fleet dialer and the journal together, which the
// runner's unit tests replace with fakes.
package faults
