// Package bench contains patchbay's peer benchmarks: the script that runs
// patchbay, Ansible and parallel-ssh against the same emulated lab hosts,
// the bare golang.org/x/crypto/ssh fan-out that sets the floor, and the
// program that measures memory per idle connected host.
//
// It is a top-level folder because peer comparisons fit none of the
// agreed ones: they are not part of the inventory, the remote layer, the
// playbooks, the journal or the console, and they drive whole programs
// from outside. Nothing in patchbay imports it. The figures and the
// commands that produced them are in docs/BENCHMARKS.md.
package bench
