package state

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"patchbay/state/event"
)

// Filter selects records. Zero fields match everything.
type Filter struct {
	After int64        // only records with a greater seq
	Run   string       // only records of this run
	Host  string       // only records about this host
	Kinds []event.Kind // only records of these kinds
	Limit int          // at most this many records; 0 means no limit
}

// Records returns the records that f selects, in seq order.
func (s *Store) Records(ctx context.Context, f Filter) ([]event.Record, error) {
	var recs []event.Record
	err := s.Scan(ctx, f, func(r event.Record) error {
		recs = append(recs, r)
		return nil
	})
	return recs, err
}

// Scan calls fn for each record that f selects, in seq order, and stops at
// the first error fn returns.
func (s *Store) Scan(ctx context.Context, f Filter, fn func(event.Record) error) error {
	return scanRecords(ctx, s.db, f, fn)
}

type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func scanRecords(ctx context.Context, q rowsQueryer, f Filter, fn func(event.Record) error) error {
	query, args := f.sql()
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	defer rows.Close()

	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	return nil
}

func (f Filter) sql() (string, []any) {
	where := []string{"seq > ?"}
	args := []any{f.After}
	if f.Run != "" {
		where = append(where, "run = ?")
		args = append(args, f.Run)
	}
	if f.Host != "" {
		where = append(where, "host = ?")
		args = append(args, f.Host)
	}
	if len(f.Kinds) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?,", len(f.Kinds)), ",")
		where = append(where, "kind IN ("+marks+")")
		for _, k := range f.Kinds {
			args = append(args, string(k))
		}
	}
	query := `SELECT seq, time, kind, run, host, origin, origin_seq, payload, prev_hash, hash
		FROM records WHERE ` + strings.Join(where, " AND ") + ` ORDER BY seq`
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return query, args
}

func scanRecord(rows *sql.Rows) (event.Record, error) {
	var r event.Record
	var t, kind, payload string
	err := rows.Scan(&r.Seq, &t, &kind, &r.Run, &r.Host, &r.Origin, &r.OriginSeq,
		&payload, &r.PrevHash, &r.Hash)
	if err != nil {
		return r, fmt.Errorf("read journal record: %w", err)
	}
	r.Kind = event.Kind(kind)
	r.Payload = []byte(payload)
	r.Time, err = time.Parse(time.RFC3339Nano, t)
	if err != nil {
		return r, fmt.Errorf("read journal record %d: invalid time %q: %w", r.Seq, t, err)
	}
	return r, nil
}

// Follow calls fn for every record after seq after, then keeps polling for
// new records every interval until ctx ends. It returns nil when ctx ends.
func (s *Store) Follow(ctx context.Context, after int64, interval time.Duration, fn func(event.Record) error) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		err := s.Scan(ctx, Filter{After: after}, func(r event.Record) error {
			after = r.Seq
			return fn(r)
		})
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}
