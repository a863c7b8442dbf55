package state

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"

	"patchbay/state/event"
)

// SnapshotInventory journals the canonical inventory content when its hash
// differs from the last snapshot's, so that a report can show the fleet,
// its exceptions and its holds at any date. It returns whether it wrote a
// record. content must be the canonical form, so that an unchanged
// inventory always hashes the same.
func (s *Store) SnapshotInventory(ctx context.Context, source string, content []byte) (bool, error) {
	sum := sha256.Sum256(content)
	hash := hex.EncodeToString(sum[:])

	last, err := s.lastInventoryHash(ctx)
	if err != nil {
		return false, err
	}
	if last == hash {
		return false, nil
	}
	_, err = s.Append(ctx, event.Event{Payload: event.Inventory{Hash: hash, Source: source, Content: string(content)}})
	return err == nil, err
}

func (s *Store) lastInventoryHash(ctx context.Context) (string, error) {
	var payload string
	err := s.db.QueryRowContext(ctx, `SELECT payload FROM records WHERE kind = ? ORDER BY seq DESC LIMIT 1`,
		string(event.KindInventory)).Scan(&payload)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return "", fmt.Errorf("read last inventory snapshot: %w", err)
	}
	var inv event.Inventory
	if err := json.Unmarshal([]byte(payload), &inv); err != nil {
		return "", fmt.Errorf("read last inventory snapshot: %w", err)
	}
	return inv.Hash, nil
}

// OSUser returns the name of the user running patchbay, for
// event.RunStarted.Operator. It falls back to $USER, then to the numeric
// user id.
func OSUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name := os.Getenv("USER"); name != "" {
		return name
	}
	return fmt.Sprintf("uid %d", os.Getuid())
}
