// Package cli is patchbay's command line: the batch commands for scripts and
// the entry into the full-screen console. It parses flags, builds the
// dependencies each command needs and maps errors to exit codes; the work
// itself lives in the inventory, remote, playbooks and state packages.
package cli

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// Env is what the command line reads from and writes to. Tests replace every
// field; main passes the process's own.
type Env struct {
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer
	Examples fs.FS // the example inventory, embedded in the binary

	// Now returns the current instant. Nil means time.Now; tests fix it.
	Now func() time.Time
	// Getenv reads an environment variable. Nil means os.Getenv.
	Getenv func(string) string
}

// app holds the global flags and the environment shared by every command.
type app struct {
	env       Env
	inventory string // --inventory
	stateDir  string // --state
	operator  string // --operator
}

func (a *app) now() time.Time {
	if a.env.Now != nil {
		return a.env.Now()
	}
	return time.Now()
}

func (a *app) getenv(key string) string {
	if a.env.Getenv != nil {
		return a.env.Getenv(key)
	}
	return os.Getenv(key)
}

// Main runs the command line with args (without the program name) and
// returns the process exit code.
func Main(args []string, env Env) int {
	a := &app{env: env}
	root := a.newRootCmd()
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)

	err := root.Execute()
	if err != nil {
		fmt.Fprintf(env.Stderr, "patchbay: %s\n", errorText(err))
	}
	return exitCode(err)
}

// errorText returns the message shown for err. It is the one place where
// lower errors become user-facing text.
func errorText(err error) string {
	return err.Error()
}

func (a *app) newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "patchbay",
		Short: "Patch the computers of small medical practices",
		Long: `patchbay plans and runs patch playbooks over SSH and WinRM against the
hosts of a YAML inventory of practice sites, journals every action and
builds compliance reports from the journal.

Without a command it opens the full-screen console on the inventory.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.openConsole(commandContext(cmd))
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return withExit(ExitUsage, fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath()))
	})

	flags := root.PersistentFlags()
	flags.StringVar(&a.inventory, "inventory", "",
		"inventory file or folder (default: $PATCHBAY_INVENTORY, ./patchbay.yaml, $XDG_CONFIG_HOME/patchbay/inventory)")
	flags.StringVar(&a.stateDir, "state", "",
		"state directory holding the journal and logs (default: $PATCHBAY_STATE, else $XDG_STATE_HOME/patchbay)")
	flags.StringVar(&a.operator, "operator", "",
		"name recorded as the operator in the journal, beside the OS user")

	root.AddCommand(
		// Commands are added here, one constructor per file.
		a.newTrustCmd(),
		a.newJournalCmd(),
		a.newKEVCmd(),
		a.newEmergencyCmd(),
		a.newPlaybooksCmd(),
		a.newPlanCmd(),
		a.newRunCmd(),
		a.newCheckCmd(),
		a.newStatusCmd(),
		a.newLabCmd(),
		a.newDoctorCmd(),
		a.newReportCmd(),
		a.newExceptionsCmd(),
	)
	return root
}
