package state

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
)

// SQLite's primary result codes for a full database or disk and for an
// I/O error, from https://sqlite.org/rescode.html. Extended codes keep the
// primary code in their low 8 bits.
const (
	sqliteIOErr = 10
	sqliteFull  = 13
)

// explainFull rewords err as a full disk when SQLite reported SQLITE_FULL,
// or an I/O error while the state directory's file system has no space
// left, so that the operator learns which disk to clear. Any other error
// is returned unchanged.
func (s *Store) explainFull(err error) error {
	var sqliteErr *sqlite.Error
	if !errors.As(err, &sqliteErr) {
		return err
	}
	code := sqliteErr.Code() & 0xff
	if code != sqliteFull && !(code == sqliteIOErr && noSpaceLeft(s.dir)) {
		return err
	}
	return fmt.Errorf("the disk that holds the state directory %s is full: free space on it and run the command again (%w)", s.dir, err)
}
