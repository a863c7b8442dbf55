// Package parse holds helpers shared by the parsers of what patched hosts
// print. Each platform family has its own sub-package (linuxpkg, macos,
// esxi, cisco, fortios, ubiquiti, windows); their doc comments name the
// exact commands and output formats they accept.
//
// The parsers take the captured bytes as a string, tolerate CRLF line
// endings, trailing spaces and a missing final newline, and never panic on
// malformed input: they return an error that names the line they could not
// read. They do not run commands or interpret exit codes on their own
// unless a function says so.
package parse
