package fleet

import (
	"fmt"
	"net/netip"
	"strings"

	"patchbay/remote"
)

// documentationPrefixes are the IPv4 and IPv6 ranges reserved for
// documentation (RFC 5737, RFC 3849). No real host has such an address, so
// an inventory that names one is an example, not a fleet.
var documentationPrefixes = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// checkRealAddress rejects a documentation address or an ".example" name
// (RFC 2606) before anything is sent, so that pointing patchbay at the
// example inventory explains itself instead of waiting for timeouts.
func checkRealAddress(host, address string) error {
	if !isDocumentationAddress(address) {
		return nil
	}
	return &remote.Error{Host: host, Kind: remote.KindUnreachable, Op: "dial",
		Detail: fmt.Sprintf("%s is a documentation address that no real host has (the example inventory uses them); "+
			"run 'patchbay lab' for an emulated fleet, or put the host's real address in the inventory", address)}
}

func isDocumentationAddress(address string) bool {
	name := strings.TrimSuffix(strings.ToLower(address), ".")
	if name == "example" || strings.HasSuffix(name, ".example") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(name, "[]"))
	if err != nil {
		return false
	}
	for _, p := range documentationPrefixes {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}
