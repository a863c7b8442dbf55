// Package exposure maps entries of the known exploited vulnerabilities
// catalogue to inventory hosts and decides, per host, whether it is exposed.
//
// A Windows host is exposed when its build and revision are below the
// fixed build that Microsoft's security update document gives for its
// product, because Windows updates are cumulative. Hosts of other
// platforms, and hosts matched only through installed software, are
// "possibly exposed", since no version facts are compared for them; so
// are Windows hosts whose facts are missing. Excepted hosts and medical
// devices are reported with their compensating controls, never as
// patch targets.
//
// The vendor and product table in rules.go and vendors.go covers every
// spelling of catalogue version 2025.08.25, which a test checks.
package exposure
