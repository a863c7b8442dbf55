// Package state is patchbay's journal: an append-only, hash-chained record
// of everything patchbay does, kept in an embedded SQLite database in the
// state directory. Reports are built from it alone.
//
// Records are appended in batches, one transaction per batch, with the
// database in WAL mode and synchronous=FULL, so a record returned by Append
// survives a crash of the process. The API has no update or delete, and
// triggers reject UPDATE and DELETE statements. Anyone with the file can
// drop the triggers, so the hash chain, checked by Verify, catches what
// they change.
//
// The record types live in the sub-package event; derived host state lives
// in hoststate. This package does not import the runner or the console.
package state

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"patchbay/state/redact"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the journal database inside the state directory.
const FileName = "journal.db"

// busyTimeout is how long a writer waits for another process's write
// transaction before it fails with "database is locked".
const busyTimeout = 30 * time.Second

// Store is an open journal. It is safe for concurrent use.
type Store struct {
	db       *sql.DB
	dir      string
	id       string // this journal's origin id
	redactor *redact.Redactor
	now      func() time.Time
}

// Open opens the journal in dir, creating the directory (mode 0700) and the
// database (mode 0600) when they do not exist. It returns a *DirError,
// which wraps ErrStateDir, when dir cannot be created, is not a directory,
// or when another user owns or can write to dir or the journal. Open does
// not repair such modes, because another user may already have changed
// the journal.
func Open(dir string) (*Store, error) {
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, FileName)
	if err := createPrivate(path); err != nil {
		return nil, err
	}

	dsn := "file:" + path + "?_txlock=immediate" +
		fmt.Sprintf("&_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()) +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	s := &Store{db: db, dir: dir, redactor: &redact.Redactor{}, now: time.Now}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, s.explainFull(err))
	}
	return s, nil
}

// createPrivate creates path with mode 0600 when it does not exist, so that
// SQLite, which gives its WAL and shared-memory files the mode of the
// database file, never creates a readable journal.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return &DirError{Subject: "journal", Path: path, Problem: "cannot be opened (" + causeText(err) + ")",
			Fix: "check the journal file, or pass --state or set PATCHBAY_STATE to another directory"}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open journal %s: %w", path, err)
	}
	return checkJournalMode(path, info)
}

const schema = `
CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
	seq        INTEGER PRIMARY KEY,
	time       TEXT    NOT NULL,
	kind       TEXT    NOT NULL,
	run        TEXT    NOT NULL DEFAULT '',
	host       TEXT    NOT NULL DEFAULT '',
	origin     TEXT    NOT NULL,
	origin_seq INTEGER NOT NULL,
	payload    TEXT    NOT NULL,
	prev_hash  TEXT    NOT NULL,
	hash       TEXT    NOT NULL,
	UNIQUE (origin, origin_seq)
);
CREATE INDEX IF NOT EXISTS records_run  ON records (run, seq);
CREATE INDEX IF NOT EXISTS records_host ON records (host, seq);
CREATE INDEX IF NOT EXISTS records_kind ON records (kind, seq);
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'journal records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'journal records are append-only'); END;
`

// init creates the schema and reads or creates the journal's origin id.
func (s *Store) init() error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'journal_id'`).Scan(&s.id)
	if errors.Is(err, sql.ErrNoRows) {
		s.id = newID()
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('journal_id', ?)`, s.id)
	}
	if err != nil {
		return fmt.Errorf("read journal id: %w", err)
	}
	return tx.Commit()
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // since Go 1.24, crypto/rand.Read crashes the program rather than return an error
	return hex.EncodeToString(b)
}

// ID returns the journal's origin id, which every record it writes carries.
func (s *Store) ID() string { return s.id }

// Dir returns the state directory.
func (s *Store) Dir() string { return s.dir }

// Redactor returns the redactor applied to every record before it is hashed
// and written. The credential resolver adds each secret it resolves.
func (s *Store) Redactor() *redact.Redactor { return s.redactor }

// SetClock sets the clock that stamps events appended without a time. Call
// it before the store is shared between goroutines.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// sqlReadOnly begins a deferred transaction, which reads one snapshot of
// the database.
var sqlReadOnly = sql.TxOptions{ReadOnly: true}
