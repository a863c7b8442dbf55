package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"patchbay/state/event"
)

// Append writes events to the journal in one transaction and returns the
// records as stored. When Append returns without error, every record is
// committed durably. Payload strings, Run and Host pass through the
// store's Redactor before they are hashed and written. An event without a
// time gets the store clock's time.
func (s *Store) Append(ctx context.Context, events ...event.Event) ([]event.Record, error) {
	recs, err := s.prepareAll(events)
	if err != nil {
		return nil, err
	}
	return s.commit(ctx, recs, false, nil)
}

// ErrHeadMoved is returned by AppendAfter when another writer appended to
// the journal after the caller read its head.
var ErrHeadMoved = errors.New("journal head moved")

// AppendAfter appends events as Append does, but only while the journal's
// head is still after. A caller that derives the events from what it read
// (the next emergency ID, for example) reads the head first, then the
// records, and on ErrHeadMoved reads both again and retries.
func (s *Store) AppendAfter(ctx context.Context, after Head, events ...event.Event) ([]event.Record, error) {
	recs, err := s.prepareAll(events)
	if err != nil {
		return nil, err
	}
	return s.commit(ctx, recs, false, &after)
}

func (s *Store) prepareAll(events []event.Event) ([]event.Record, error) {
	recs := make([]event.Record, 0, len(events))
	for i, e := range events {
		r, err := s.prepare(e)
		if err != nil {
			return nil, fmt.Errorf("append event %d: %w", i, err)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// prepare turns an event into a record without seq and hashes.
func (s *Store) prepare(e event.Event) (event.Record, error) {
	if e.Payload == nil {
		return event.Record{}, errors.New("missing payload")
	}
	raw, err := json.Marshal(e.Payload)
	if err != nil {
		return event.Record{}, fmt.Errorf("encode %s payload: %w", e.Payload.Kind(), err)
	}
	payload, err := canonicalJSON(raw, s.redactor.Redact)
	if err != nil {
		return event.Record{}, fmt.Errorf("encode %s payload: %w", e.Payload.Kind(), err)
	}
	t := e.Time
	if t.IsZero() {
		t = s.now()
	}
	return event.Record{
		Time:    t.UTC().Round(0),
		Kind:    e.Payload.Kind(),
		Run:     s.redactor.Redact(e.Run),
		Host:    s.redactor.Redact(e.Host),
		Payload: payload,
	}, nil
}

// commit assigns seq, origin and hashes to recs and inserts them in one
// write transaction. With imported set, recs keep their origin and origin
// seq, and those already in the journal are skipped. With after set, it
// fails with ErrHeadMoved unless the head is after. It returns the records
// inserted.
func (s *Store) commit(ctx context.Context, recs []event.Record, imported bool, after *Head) (_ []event.Record, err error) {
	defer func() { err = s.explainFull(err) }()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("append to journal: %w", err)
	}
	defer tx.Rollback()

	head, err := headTx(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("append to journal: %w", err)
	}
	if after != nil && head != *after {
		return nil, fmt.Errorf("append to journal: %w from %s to %s", ErrHeadMoved, after, head)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO records
		(seq, time, kind, run, host, origin, origin_seq, payload, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("append to journal: %w", err)
	}
	defer ins.Close()

	kept := recs[:0]
	for _, r := range recs {
		if imported {
			dup, err := hasRecord(ctx, tx, r.Origin, r.OriginSeq)
			if err != nil {
				return nil, err
			}
			if dup {
				continue
			}
		}
		r.Seq = head.Seq + 1
		r.PrevHash = head.Hash
		if !imported {
			r.Origin, r.OriginSeq = s.id, r.Seq
		}
		if r.Hash, err = Hash(r); err != nil {
			return nil, err
		}
		_, err = ins.ExecContext(ctx, r.Seq, formatTime(r.Time), string(r.Kind), r.Run, r.Host,
			r.Origin, r.OriginSeq, string(r.Payload), r.PrevHash, r.Hash)
		if err != nil {
			return nil, fmt.Errorf("append record %d: %w", r.Seq, err)
		}
		head = Head{Seq: r.Seq, Hash: r.Hash}
		kept = append(kept, r)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit journal records: %w", err)
	}
	return kept, nil
}

func hasRecord(ctx context.Context, tx *sql.Tx, origin string, originSeq int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM records WHERE origin = ? AND origin_seq = ?`,
		origin, originSeq).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up record %s/%d: %w", origin, originSeq, err)
	}
	return n > 0, nil
}

// Head identifies the last record of a journal. A report that prints its
// head lets a later `journal verify --expect-head` prove the journal still
// contains everything the report saw.
type Head struct {
	Seq  int64
	Hash string
}

// String formats h as SEQ:HASH.
func (h Head) String() string { return fmt.Sprintf("%d:%s", h.Seq, h.Hash) }

// Head returns the journal's last record, or seq 0 and GenesisHash when it
// is empty.
func (s *Store) Head(ctx context.Context) (Head, error) {
	return headTx(ctx, s.db)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func headTx(ctx context.Context, q queryer) (Head, error) {
	h := Head{Hash: GenesisHash}
	err := q.QueryRowContext(ctx, `SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1`).
		Scan(&h.Seq, &h.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return h, nil
	}
	if err != nil {
		return h, fmt.Errorf("read journal head: %w", err)
	}
	return h, nil
}

// MarshalText formats h as SEQ:HASH.
func (h Head) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses SEQ:HASH.
func (h *Head) UnmarshalText(b []byte) error {
	parsed, err := ParseHead(string(b))
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}
