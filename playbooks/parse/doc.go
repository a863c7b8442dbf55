// Package parse holds helpers shared by the parsers of what patched hosts
// print. Each platform family has its own sub-package (linuxpkg, macos,
// esxi, cisco, fortios, ubiquiti, windows). The doc comment of each names
// the exact commands and output formats it accepts.
//
// The parsers take the captured bytes as a string and tolerate CRLF line
// endings, trailing spaces and a missing final newline. Fuzz tests check
// that malformed input never makes them panic. Parsers of strict formats
// return an error that quotes an unknown line; the others skip lines they
// do not know. They run no commands, and only the functions that take an
// exit status interpret one.
package parse
