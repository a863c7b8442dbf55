// Package lab is patchbay's emulated fleet: hosts that keep a patch state
// (OS build, pending and installed updates, boot time, pending reboot) and
// answer the commands a playbook sends as the real platform would, over the
// real SSH and WS-Management protocols on loopback addresses.
//
// A Host holds the state; a Personality, registered per platform, interprets
// command lines against it; the Fleet binds each host's servers to its own
// 127.x.y.z address, writes an inventory, keys and credentials for patchbay
// to use, and records every command in DIR/commands.jsonl.
//
// The lab is for tests, benchmarks and training. It never binds or dials an
// address outside 127.0.0.0/8.
package lab
