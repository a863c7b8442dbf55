// Package netcli drives the interactive command line of network devices
// (Cisco IOS and IOS-XE, FortiOS, Ubiquiti EdgeOS) over any
// io.ReadWriter, such as the PTY shell of an SSH session.
//
// A Session finds the device prompt, turns paging off, sends one command
// at a time and returns its output once the prompt comes back. It answers
// "--More--" pages with a space, answers confirmation prompts only when
// the caller listed them in an Expect, and returns an *UnexpectedPromptError
// for any other confirmation or password prompt instead of answering it.
// Syslog messages that the device interleaves with the output are removed
// from the output and kept for the log. ANSI escape sequences, carriage
// returns and backspaces are cleaned away.
//
// The session does not open connections or authenticate; the caller hands
// in a connected, logged-in ReadWriter.
package netcli
