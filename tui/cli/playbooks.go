package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"patchbay/playbooks"
	"patchbay/playbooks/book"
)

// playbookDirs are the folders of user playbooks: --playbooks when given,
// and playbooks/ in the config folder.
func (a *app) playbookDirs(flag string) []string {
	var dirs []string
	if flag != "" {
		dirs = append(dirs, flag)
	}
	config := a.getenv("XDG_CONFIG_HOME")
	if config == "" {
		if home := a.getenv("HOME"); home != "" {
			config = filepath.Join(home, ".config")
		}
	}
	if config != "" {
		dirs = append(dirs, filepath.Join(config, "patchbay", "playbooks"))
	}
	return dirs
}

// loadCatalog returns every available playbook. A broken playbook file is
// an input error that lists its problems.
func (a *app) loadCatalog(dir string) ([]*book.Playbook, error) {
	list, err := playbooks.Catalog(a.playbookDirs(dir)...)
	if err != nil {
		return nil, usageErrorf("load playbooks:\n%w", err)
	}
	return list, nil
}

func (a *app) newPlaybooksCmd() *cobra.Command {
	var dir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "playbooks",
		Short: "List the available playbooks and where each comes from",
		Long: `playbooks lists the built-in playbooks and those in the user's folders:
the folder given with --playbooks and $XDG_CONFIG_HOME/patchbay/playbooks
(default ~/.config/patchbay/playbooks). Every *.yaml file there is one
playbook; a name used twice is an error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := a.loadCatalog(dir)
			if err != nil {
				return err
			}
			if asJSON {
				return a.printPlaybooksJSON(list)
			}
			return a.printPlaybooks(list)
		},
	}
	cmd.Flags().StringVar(&dir, "playbooks", "", "folder of user playbooks, in addition to the built-in ones")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the list as JSON")
	return cmd
}

// playbookInfo is one playbook as `playbooks --json` prints it.
type playbookInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Platforms   []string `json:"platforms"`
	ReadOnly    bool     `json:"read_only"`
	Steps       []string `json:"steps"`
	Source      string   `json:"source"`
}

func (a *app) printPlaybooksJSON(list []*book.Playbook) error {
	infos := make([]playbookInfo, 0, len(list))
	for _, pb := range list {
		info := playbookInfo{Name: pb.Name, Description: pb.Description, Platforms: pb.Platforms, ReadOnly: pb.ReadOnly(), Source: pb.Source}
		for _, s := range pb.Steps {
			info.Steps = append(info.Steps, s.Name+" ("+s.Action+")")
		}
		infos = append(infos, info)
	}
	enc := json.NewEncoder(a.env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(infos)
}

func (a *app) printPlaybooks(list []*book.Playbook) error {
	tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPLATFORMS\tCHANGES\tSOURCE\tDESCRIPTION")
	for _, pb := range list {
		changes := "yes"
		if pb.ReadOnly() {
			changes = "no"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", pb.Name, strings.Join(pb.Platforms, ","), changes, pb.Source, pb.Description)
	}
	return tw.Flush()
}
