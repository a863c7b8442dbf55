package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"patchbay/inventory"
	"patchbay/state"
)

// JournalInventory journals the files inv was loaded from as one snapshot,
// when they differ from the last snapshot, and returns whether it wrote
// one. The snapshot is the files' content in load order, joined as YAML
// documents ("---"), which inventory.Parse reads back as the same
// inventory. Commands that change hosts call it before they run, so that
// reports know the fleet of every date.
//
// NOTE: the files are read again here, so an edit between loading and
// this call is journaled although the run used the older content.
func JournalInventory(ctx context.Context, store *state.Store, inv *inventory.Inventory) (bool, error) {
	var docs [][]byte
	for _, name := range inv.Files {
		data, err := os.ReadFile(name)
		if err != nil {
			return false, fmt.Errorf("journal inventory snapshot: %w", err)
		}
		docs = append(docs, bytes.TrimRight(data, "\n"))
	}
	content := bytes.Join(docs, []byte("\n---\n"))
	return store.SnapshotInventory(ctx, strings.Join(inv.Files, ", "), append(content, '\n'))
}
