// Command patchbay patches the computers of small medical practices from a
// terminal console or from scripts. See README.md for a first run.
package main

import (
	"embed"
	"io/fs"
	"os"

	"patchbay/tui/cli"
)

// examples holds the example inventory, embedded so that the lab fleet and
// the tests work without a checkout beside the binary.
//
//go:embed examples
var examples embed.FS

func main() {
	sub, err := fs.Sub(examples, "examples")
	if err != nil {
		panic(err) // The embed directive guarantees the folder exists.
	}
	os.Exit(cli.Main(os.Args[1:], cli.Env{
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Examples: sub,
	}))
}
