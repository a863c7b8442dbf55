package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"patchbay/state"
	"patchbay/state/event"
)

// readerPragmas tune the report's own read-only connection for long
// sequential scans: the journal is memory-mapped (up to 1 GiB) and given a
// 64 MiB page cache, so pages are not read again through system calls.
const readerPragmas = "&_pragma=query_only(1)&_pragma=busy_timeout(30000)" +
	"&_pragma=mmap_size(1073741824)&_pragma=cache_size(-65536)"

// journalReader reads one snapshot of the journal through its own
// read-only connection. Store.Scan serves every kind of query through the
// kind index, which costs a table lookup and a sort per record; a report
// reads most of the journal, so it scans the table in rowid order and
// reads only the columns it needs.
type journalReader struct {
	db   *sql.DB
	tx   *sql.Tx
	head state.Head
}

func openReader(ctx context.Context, store *state.Store) (*journalReader, error) {
	path := filepath.Join(store.Dir(), state.FileName)
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro"+readerPragmas)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("read journal %s: %w", path, err)
	}
	j := &journalReader{db: db, tx: tx, head: state.Head{Hash: state.GenesisHash}}
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1`).Scan(&j.head.Seq, &j.head.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		j.close()
		return nil, fmt.Errorf("read journal head: %w", err)
	}
	return j, nil
}

func (j *journalReader) close() {
	j.tx.Rollback()
	j.db.Close()
}

// query selects records of some kinds up to the reader's head.
type query struct {
	kinds []event.Kind
	// since skips records written more than a second before it. Times are
	// compared as stored text, where a fractional second sorts before
	// the same whole second, so callers pass a bound with a margin.
	since time.Time
	// scan reads the whole table in rowid order instead of the kind
	// index, which is faster when the kinds make up most of the journal.
	scan bool
}

// each calls fn for every record q selects, in seq order. The Payload of
// the record passed to fn is valid only during the call.
func (j *journalReader) each(ctx context.Context, q query, fn func(event.Record) error) error {
	args := []any{j.head.Seq}
	for _, k := range q.kinds {
		args = append(args, string(k))
	}
	text := `SELECT seq, time, kind, run, host, payload FROM records`
	if q.scan {
		text += ` NOT INDEXED`
	}
	text += ` WHERE seq <= ? AND kind IN (` + strings.TrimSuffix(strings.Repeat("?,", len(q.kinds)), ",") + `)`
	if !q.since.IsZero() {
		text += ` AND time >= ?`
		args = append(args, q.since.UTC().Add(-time.Second).Format(time.RFC3339))
	}
	rows, err := j.tx.QueryContext(ctx, text+` ORDER BY seq`, args...)
	if err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scanRow(rows, fn); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	return nil
}

func scanRow(rows *sql.Rows, fn func(event.Record) error) error {
	var r event.Record
	var t, kind, payload sql.RawBytes
	if err := rows.Scan(&r.Seq, &t, &kind, &r.Run, &r.Host, &payload); err != nil {
		return fmt.Errorf("read journal record: %w", err)
	}
	r.Kind, r.Payload = event.Kind(kind), []byte(payload)
	var err error
	if r.Time, err = time.Parse(time.RFC3339Nano, string(t)); err != nil {
		return fmt.Errorf("read journal record %d: invalid time %q: %w", r.Seq, t, err)
	}
	return fn(r)
}
