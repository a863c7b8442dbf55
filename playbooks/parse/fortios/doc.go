// Package fortios parses `get system status` from FortiGate firewalls
// (FortiOS 6.0 to 7.4 tested) and plans firmware upgrades along a
// supported upgrade path, which FortiOS requires: an image may only be
// installed over a release from which Fortinet supports that step.
package fortios
